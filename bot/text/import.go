package text

// Texts of import and export in the bot (issue 8): an owner's or admin's file in, the dry-run
// report, Apply / Cancel / Undo, and /export. T looks keys up here too; import_test.go checks both
// languages.

// Keys of import and export.
const (
	ExportMenu     Key = "export_menu"
	ExportClients  Key = "export_clients"
	ExportVehicles Key = "export_vehicles"
	ExportOrders   Key = "export_orders"
	ExportPayments Key = "export_payments"
	ExportCatalog  Key = "export_catalog"
	ExportCaption  Key = "export_caption"
	ExportMaking   Key = "export_making"

	ImportKindClients  Key = "import_kind_clients"
	ImportKindVehicles Key = "import_kind_vehicles"
	ImportKindCatalog  Key = "import_kind_catalog"
	ImportAskKind      Key = "import_ask_kind"
	ImportChecking     Key = "import_checking"
	ImportLooking      Key = "import_looking"
	ImportApplying     Key = "import_applying"
	ImportProgress     Key = "import_progress"
	ImportProgressOf   Key = "import_progress_of"
	ImportMerging      Key = "import_merging"
	ImportReport       Key = "import_report"
	ImportUnknownCols  Key = "import_unknown_cols"
	ImportProblemLine  Key = "import_problem_line"
	ImportMoreProblems Key = "import_more_problems"
	ImportAskApply     Key = "import_ask_apply"
	ImportNeedColumns  Key = "import_need_columns"
	ImportNothingToDo  Key = "import_nothing_to_do"
	ImportNoRows       Key = "import_no_rows"
	ImportProblemsFile Key = "import_problems_file"
	ImportApplied      Key = "import_applied"
	ImportAppliedNone  Key = "import_applied_none"
	ImportChangedSince Key = "import_changed_since"
	ImportCancelled    Key = "import_cancelled"
	ImportStopped      Key = "import_stopped"
	ImportUndone       Key = "import_undone"
	ImportUndoUsed     Key = "import_undo_used"
	ImportUndoAgain    Key = "import_undo_again"
	ImportUndoConfirm  Key = "import_undo_confirm"
	ImportUndoKeep     Key = "import_undo_keep"

	ImportUsedClient       Key = "import_used_client"
	ImportUsedVehicle      Key = "import_used_vehicle"
	ImportUsedItem         Key = "import_used_item"
	ImportUsedHasOrders    Key = "import_used_has_orders"
	ImportUsedStartedBot   Key = "import_used_started_bot"
	ImportUsedHasVehicles  Key = "import_used_has_vehicles"
	ImportUsedChangedLater Key = "import_used_changed_later"
	ImportUsedStockMoved   Key = "import_used_stock_moved"
	ImportUsedStockHeld    Key = "import_used_stock_held"
	ImportUsedReferenced   Key = "import_used_referenced"
	ImportApplyButton      Key = "import_apply_button"
	ImportCancelButton     Key = "import_cancel_button"
	ImportStopButton       Key = "import_stop_button"
	ImportUndoButton       Key = "import_undo_button"
	ImportNotAllowed       Key = "import_not_allowed"
	ImportNotPrivate       Key = "import_not_private"
	ImportBadType          Key = "import_bad_type"
	ImportOldExcel         Key = "import_old_excel"
	ImportTooBig           Key = "import_too_big"
	ImportEmpty            Key = "import_empty"
	ImportUnreadable       Key = "import_unreadable"
	ImportDownload         Key = "import_download"
	ImportBusy             Key = "import_busy"
	ImportGone             Key = "import_gone"
	ImportAlreadyApplied   Key = "import_already_applied"
	ImportAlreadyRunning   Key = "import_already_running"
	ImportFailed           Key = "import_failed"
)

var importCommandDescriptions = map[string]forms{
	"export": {"Выгрузить данные в Excel", "Export data to Excel"},
}

var importCatalog = map[Key]forms{
	ExportMenu: {"Что выгрузить? Пришлю файл Excel (XLSX) сюда. Клиенты, автомобили и каталог выгружаются в том виде, в каком их можно загрузить обратно.",
		"What shall I export? I will send an Excel file (XLSX) here. Clients, vehicles and the catalog come out in the form they can be imported back in."},
	ExportClients:  {"👤 Клиенты", "👤 Clients"},
	ExportVehicles: {"🚗 Автомобили", "🚗 Vehicles"},
	ExportOrders:   {"🧾 Заказы", "🧾 Orders"},
	ExportPayments: {"💳 Платежи", "💳 Payments"},
	ExportCatalog:  {"📦 Каталог", "📦 Catalog"},
	ExportCaption:  {"%s — строк: %d", "%s — rows: %d"},
	ExportMaking:   {"Готовлю файл…", "Preparing the file…"},

	ImportKindClients:  {"👤 Клиенты", "👤 Clients"},
	ImportKindVehicles: {"🚗 Автомобили", "🚗 Vehicles"},
	ImportKindCatalog:  {"📦 Каталог", "📦 Catalog"},
	ImportAskKind: {"Что в файле <b>%s</b>? Клиенты (телефон, ФИО), автомобили (телефон владельца, госномер, VIN) или каталог (артикул, наименование, цена)?",
		"What is in <b>%s</b>? Clients (phone, name), vehicles (owner's phone, plate, VIN) or the catalog (SKU, name, price)?"},
	ImportChecking:   {"🔎 Проверяю <b>%s</b> (%s)… В базе пока ничего не меняется.", "🔎 Checking <b>%s</b> (%s)… Nothing changes in the database yet."},
	ImportLooking:    {"🔎 Смотрю, что в <b>%s</b>…", "🔎 Looking at what is in <b>%s</b>…"},
	ImportApplying:   {"⏳ Загружаю <b>%s</b> (%s)…", "⏳ Importing <b>%s</b> (%s)…"},
	ImportProgress:   {"\nСтрок прочитано: %d", "\nRows read: %d"},
	ImportProgressOf: {"\nСтрок прочитано: %d из ~%d", "\nRows read: %d of about %d"},
	ImportMerging:    {"\nСтрок прочитано: %d. Сверяю с базой…", "\nRows read: %d. Matching them with the database…"},
	ImportReport: {"📋 Проверка <b>%s</b> (%s), строк: %d\n➕ новых: %d\n✏️ дополнится: %d\n＝ без изменений: %d\n🔁 повторов в файле: %d\n⛔ отклонено: %d\n⚠️ конфликтов: %d",
		"📋 Check of <b>%s</b> (%s), rows: %d\n➕ new: %d\n✏️ to update: %d\n＝ unchanged: %d\n🔁 repeated in the file: %d\n⛔ rejected: %d\n⚠️ conflicts: %d"},
	ImportUnknownCols:  {"\n\nНе знаю столбцы (пропущены): %s", "\n\nUnknown columns (skipped): %s"},
	ImportProblemLine:  {"\n• строка %d%s: %s", "\n• line %d%s: %s"},
	ImportMoreProblems: {"\n… и ещё %d — все в файле ниже.", "\n… and %d more — all in the file below."},
	ImportAskApply: {"\n\nЗагрузить? Отклонённые строки и повторы не загружаются; из строк с конфликтом загружается только то, чего в базе не было, а конфликтующие значения в базе остаются как есть.",
		"\n\nImport it? Rejected and repeated rows are not imported; of a row with a conflict only what the database lacks is imported, and the conflicting values in the database stay as they are."},
	ImportNeedColumns:  {"\n\nНи одна строка не принята. Проверьте заголовки: нужны столбцы %s.", "\n\nNo row was accepted. Check the headers: the columns %s are needed."},
	ImportNothingToDo:  {"\n\nЗагружать нечего: в базе всё уже есть или строки отклонены.", "\n\nNothing to import: the database has it all already, or the rows were rejected."},
	ImportNoRows:       {"\n\nВ файле только заголовки: строк с данными нет.", "\n\nThe file has only its headers: no data rows."},
	ImportProblemsFile: {"Строки с проблемами в %s: %d", "Rows with problems in %s: %d"},
	ImportApplied: {"✅ Загружено: <b>%s</b>, пакет №%d.\n➕ новых: %d\n✏️ дополнено: %d\n＝ без изменений: %d\n🔁 повторов в файле: %d\n⛔ отклонено: %d\n⚠️ конфликтов: %d\n\nОтменить весь пакет можно, пока его записи не использованы в заказах: кнопка ниже или <code>uniflow import undo %d</code>.",
		"✅ Imported: <b>%s</b>, batch No. %d.\n➕ new: %d\n✏️ updated: %d\n＝ unchanged: %d\n🔁 repeated in the file: %d\n⛔ rejected: %d\n⚠️ conflicts: %d\n\nThe whole batch can be undone while its records are not used by orders: the button below or <code>uniflow import undo %d</code>."},
	ImportChangedSince: {"\n\nБаза изменилась после проверки — проблемы загрузки (все в файле ниже):", "\n\nThe database changed since the check — the import's problems (all in the file below):"},
	ImportAppliedNone:  {"✅ <b>%s</b>: загружать было нечего, база не изменилась.", "✅ <b>%s</b>: there was nothing to import; the database did not change."},
	ImportCancelled:    {"Загрузка <b>%s</b> отменена. В базе ничего не изменилось.", "Import of <b>%s</b> cancelled. Nothing changed in the database."},
	ImportStopped:      {"⏹ Остановлено: <b>%s</b>. В базе ничего не изменилось.", "⏹ Stopped: <b>%s</b>. Nothing changed in the database."},
	ImportUndone:       {"↩️ Пакет №%d отменён: созданные им записи удалены, изменённые поля восстановлены.", "↩️ Batch No. %d undone: the records it created are removed and the fields it changed restored."},
	ImportUndoUsed: {"Пакет №%d нельзя отменить: %s %s.",
		"Batch No. %d cannot be undone: %s %s."},
	ImportUndoConfirm:      {"↩️ Да, отменить пакет №%d", "↩️ Yes, undo batch No. %d"},
	ImportUndoKeep:         {"Нет, оставить", "No, keep it"},
	ImportUsedClient:       {"клиент", "client"},
	ImportUsedVehicle:      {"машина", "car"},
	ImportUsedItem:         {"позиция", "item"},
	ImportUsedHasOrders:    {"уже есть в заказах", "is on orders already"},
	ImportUsedStartedBot:   {"уже подключился к боту", "has started the bot"},
	ImportUsedHasVehicles:  {"— у него есть машины (сначала отмените их пакет)", "has cars (undo their batch first)"},
	ImportUsedChangedLater: {"изменён(а) более поздним импортом", "was changed by a later import"},
	ImportUsedStockMoved:   {"— по ней были движения склада", "has stock movements since"},
	ImportUsedStockHeld:    {"— её остаток заняли заказы", "its stock is held by orders"},
	ImportUsedReferenced:   {"— на созданные записи уже ссылаются", "its records are referenced already"},
	ImportUndoAgain:        {"Пакет №%d уже отменён.", "Batch No. %d is undone already."},
	ImportApplyButton:      {"✅ Загрузить", "✅ Import"},
	ImportCancelButton:     {"✖️ Отмена", "✖️ Cancel"},
	ImportStopButton:       {"⏹ Остановить", "⏹ Stop"},
	ImportUndoButton:       {"↩️ Отменить пакет №%d", "↩️ Undo batch No. %d"},
	ImportNotAllowed: {"Загружать файлы в базу могут владелец и администратор. Этот файл не загружен.",
		"Only an owner or an admin can import files into the database. This file was not imported."},
	ImportNotPrivate: {"Файлы для загрузки присылайте мне в личный чат.", "Send files to import to me in a private chat."},
	ImportBadType: {"Это не таблица CSV или XLSX. Пришлите файл .xlsx или .csv (в Excel: «Сохранить как» → «Книга Excel» или «CSV UTF-8»).",
		"This is not a CSV or XLSX table. Send an .xlsx or .csv file (in Excel: Save As → Excel Workbook or CSV UTF-8)."},
	ImportOldExcel: {"Старый формат .xls не читаю. Откройте файл в Excel и сохраните как «Книга Excel» (.xlsx).",
		"I cannot read the old .xls format. Open the file in Excel and save it as an Excel Workbook (.xlsx)."},
	ImportTooBig: {"Файл больше 20 МБ: Telegram не отдаёт боту такие файлы. Разделите его на части или загрузите командой <code>uniflow import</code> на сервере.",
		"The file is over 20 MB: Telegram does not hand such files to bots. Split it, or import it with <code>uniflow import</code> on the server."},
	ImportEmpty: {"Файл пустой.", "The file is empty."},
	ImportUnreadable: {"Не могу прочитать <b>%s</b> как таблицу %s: нет строки заголовков или нет ни одного известного столбца (нужен хотя бы %s). Проверьте, что в первой строке названия столбцов.",
		"I cannot read <b>%s</b> as a table of %s: there is no header row or no column I know (it needs at least %s). Check that the first row holds the column names."},
	ImportDownload: {"Не удалось скачать файл из Telegram. Пришлите его ещё раз.", "Could not download the file from Telegram. Please send it again."},
	ImportBusy:     {"Уже идёт загрузка другого файла. Дождитесь её или остановите.", "Another file is being imported. Wait for it or stop it."},
	ImportGone:     {"Эта загрузка уже неактуальна. Пришлите файл ещё раз.", "This import is no longer current. Send the file again."},
	ImportAlreadyApplied: {"Этот файл уже загружен: пакет №%d. Отменить загрузку можно кнопкой под итогом.",
		"This file is already imported: batch No. %d. The button under the result undoes it."},
	ImportAlreadyRunning: {"Этот файл уже загружается: итог появится в этом сообщении.", "This file is being imported: the result will appear in this message."},
	ImportFailed:         {"Загрузка <b>%s</b> не удалась, в базе ничего не изменилось. Попробуйте ещё раз позже.", "Import of <b>%s</b> failed; nothing changed in the database. Please try again later."},
}
