package text

// Texts of order work (issue 4): catalog, lines, estimates, stock, invoices, payments, documents,
// the timeline and /new. They live apart from messages.go so that flows added side by side do not
// edit one list; T looks keys up here too, and work_test.go checks both languages.

// Keys of order work.
const (
	WorkTextExpected Key = "work_text_expected"
	WorkCancelled    Key = "work_cancelled"
	Saved            Key = "saved"
	OrderChanged     Key = "order_changed"
	PagePrev         Key = "page_prev"
	PageNext         Key = "page_next"
	LinesPage        Key = "lines_page"
	ToCard           Key = "to_card"
	WorkButton       Key = "work_button"

	// Errors of typed input and rules.
	ErrNotANumber       Key = "err_not_a_number"
	ErrNotPositive      Key = "err_not_positive"
	ErrNegative         Key = "err_negative"
	ErrTooLarge         Key = "err_too_large"
	ErrTooPrecise       Key = "err_too_precise"
	ErrDiscountTooBig   Key = "err_discount_too_big"
	ErrUnapprovedLines  Key = "err_unapproved_lines"
	ErrUnpaid           Key = "err_unpaid"
	ErrInvoiceFixed     Key = "err_invoice_fixed"
	ErrOutOfStock       Key = "err_out_of_stock"
	ErrNoLines          Key = "err_no_lines"
	ErrLineHasDecisions Key = "err_line_has_decisions"
	ErrOverpayment      Key = "err_overpayment"
	ErrSKUTaken         Key = "err_sku_taken"

	// Catalog.
	CatalogTitle    Key = "catalog_title"
	CatalogFound    Key = "catalog_found"
	CatalogEmpty    Key = "catalog_empty"
	CatalogHint     Key = "catalog_hint"
	AddService      Key = "add_service"
	AddPart         Key = "add_part"
	ItemStockShort  Key = "item_stock_short"
	ItemCard        Key = "item_card"
	ItemNorm        Key = "item_norm"
	ItemStock       Key = "item_stock"
	ItemRepeat      Key = "item_repeat"
	ItemSaved       Key = "item_saved"
	EditingItem     Key = "editing_item"
	FieldItemName   Key = "field_item_name"
	FieldPrice      Key = "field_price"
	FieldSKU        Key = "field_sku"
	FieldUnit       Key = "field_unit"
	FieldNorm       Key = "field_norm"
	FieldMinStock   Key = "field_min_stock"
	FieldRepeat     Key = "field_repeat"
	FieldQty        Key = "field_qty"
	AskItemName     Key = "ask_item_name"
	AskItemSKU      Key = "ask_item_sku"
	AskItemUnit     Key = "ask_item_unit"
	AskItemPrice    Key = "ask_item_price"
	AskItemNorm     Key = "ask_item_norm"
	AskItemMin      Key = "ask_item_min"
	AskItemRepeat   Key = "ask_item_repeat"
	ItemNameTooLong Key = "item_name_too_long"
	SKUTooLong      Key = "sku_too_long"
	UnitTooLong     Key = "unit_too_long"

	// The work view and lines.
	WorkHead         Key = "work_head"
	ClientOffline    Key = "client_offline"
	NoLines          Key = "no_lines"
	LineSupplement   Key = "line_supplement"
	LineWasApproved  Key = "line_was_approved"
	LineWrittenOff   Key = "line_written_off"
	LineRequested    Key = "line_requested"
	LineShort        Key = "line_short"
	LineReserved     Key = "line_reserved"
	TotalsLabour     Key = "totals_labour"
	TotalsParts      Key = "totals_parts"
	TotalsDiscount   Key = "totals_discount"
	TotalsTotal      Key = "totals_total"
	TotalsApproved   Key = "totals_approved"
	PaymentLine      Key = "payment_line"
	DueLine          Key = "due_line"
	AddLabour        Key = "add_labour"
	AddPartLine      Key = "add_part_line"
	AddFreeLine      Key = "add_free_line"
	SendEstimate     Key = "send_estimate"
	RecordPhone      Key = "record_phone"
	RecordInPerson   Key = "record_in_person"
	DiscountButton   Key = "discount_button"
	PayButton        Key = "pay_button"
	DocButton        Key = "doc_button"
	HistoryButton    Key = "history_button"
	PickService      Key = "pick_service"
	PickPart         Key = "pick_part"
	SearchedFor      Key = "searched_for"
	TypeToSearch     Key = "type_to_search"
	AskQty           Key = "ask_qty"
	LineAdded        Key = "line_added"
	LineShortNote    Key = "line_short_note"
	LineHead         Key = "line_head"
	LineSKU          Key = "line_sku"
	NeedPart         Key = "need_part"
	RemoveLine       Key = "remove_line"
	CorrectPrice     Key = "correct_price"
	PartRequested    Key = "part_requested"
	AskLineQty       Key = "ask_line_qty"
	AskLinePrice     Key = "ask_line_price"
	AskDiscount      Key = "ask_discount"
	AskCorrectPrice  Key = "ask_correct_price"
	AskCorrectReason Key = "ask_correct_reason"
	InvoiceCorrected Key = "invoice_corrected"
	AskFreeLineName  Key = "ask_free_line_name"
	AskFreeLinePrice Key = "ask_free_line_price"
	AskFreeLineQty   Key = "ask_free_line_qty"

	// Estimates.
	EstimateTitle   Key = "estimate_title"
	RecordingFor    Key = "recording_for"
	EstimateHowTo   Key = "estimate_how_to"
	ApproveAll      Key = "approve_all"
	EstimateDone    Key = "estimate_done"
	EstimateSent    Key = "estimate_sent"
	EstimateNotSent Key = "estimate_not_sent"
	EstimateChanged Key = "estimate_changed"
	DecisionSaved   Key = "decision_saved"
	EstimateNotice  Key = "estimate_notice"
	DecidedNotice   Key = "decided_notice"

	// Payments and invoices.
	PayTitle        Key = "pay_title"
	PayCash         Key = "pay_cash"
	PayCard         Key = "pay_card"
	PayTransfer     Key = "pay_transfer"
	Refund          Key = "refund"
	AskPayAmount    Key = "ask_pay_amount"
	AskRefundAmount Key = "ask_refund_amount"
	PaymentRecorded Key = "payment_recorded"
	RefundRecorded  Key = "refund_recorded"
	InvoiceTitle    Key = "invoice_title"
	InvoiceDue      Key = "invoice_due"
	InvoiceDueDays  Key = "invoice_due_days"
	ReceiptNotice   Key = "receipt_notice"
	RefundNotice    Key = "refund_notice"
	DebtNote        Key = "debt_note"

	// Stock.
	ReceiveButton   Key = "receive_button"
	AskReceiveItem  Key = "ask_receive_item"
	PickReceiveItem Key = "pick_receive_item"
	AskReceiveQty   Key = "ask_receive_qty"
	AskReceiveCost  Key = "ask_receive_cost"
	Received        Key = "received"
	NoSuchSKU       Key = "no_such_sku"
	PartsNeeded     Key = "parts_needed"
	PartsArrived    Key = "parts_arrived"
	LowStock        Key = "low_stock"

	// /new.
	NewAskPhone     Key = "new_ask_phone"
	NewAskName      Key = "new_ask_name"
	NewKnownClient  Key = "new_known_client"
	NewAskPlate     Key = "new_ask_plate"
	NewPlateInvalid Key = "new_plate_invalid"
	NewAskProblem   Key = "new_ask_problem"
	NewNoSlot       Key = "new_no_slot"
	NewSummary      Key = "new_summary"
	NewCreated      Key = "new_created"
	LinkedGreeting  Key = "linked_greeting"
	LinkedNoOrders  Key = "linked_no_orders"
	HelpWork        Key = "help_work"
	MenuPrompt      Key = "menu_prompt"

	// Timeline and documents.
	TimelineTitle   Key = "timeline_title"
	TimelineEarlier Key = "timeline_earlier"
	ActorSystem     Key = "actor_system"
	ActorClient     Key = "actor_client"
	TLAssigned      Key = "tl_assigned"
	TLStatus        Key = "tl_status"
	TLLineAdded     Key = "tl_line_added"
	TLLineChanged   Key = "tl_line_changed"
	TLLineRemoved   Key = "tl_line_removed"
	TLDecided       Key = "tl_decided"
	TLDiscount      Key = "tl_discount"
	TLEstimateSent  Key = "tl_estimate_sent"
	TLPartRequested Key = "tl_part_requested"
	TLReserved      Key = "tl_reserved"
	TLReleased      Key = "tl_released"
	TLWrittenOff    Key = "tl_written_off"
	TLInvoice       Key = "tl_invoice"
	TLCorrected     Key = "tl_corrected"
	TLPayment       Key = "tl_payment"
	TLDocument      Key = "tl_document"
	DocsSent        Key = "docs_sent"
	DocsCaption     Key = "docs_caption"
	DocUsage        Key = "doc_usage"
	CompanyUsage    Key = "company_usage"
	CompanyOn       Key = "company_on"
	CompanyOff      Key = "company_off"
	NoSuchClient    Key = "no_such_client"
)

var workCatalog = map[Key]forms{
	WorkTextExpected: {"Я жду ответ текстом. /cancel — выйти.", "I am waiting for a text answer. /cancel to leave."},
	WorkCancelled:    {"Отменено.", "Cancelled."},
	Saved:            {"Сохранено.", "Saved."},
	OrderChanged:     {"Заказ изменился, пока вы вводили, — вот актуальный. Повторите, если нужно.", "The order changed while you typed; here it is now. Try again if needed."},
	PagePrev:         {"« Назад", "« Prev"},
	PageNext:         {"Дальше »", "Next »"},
	LinesPage:        {"\n<i>Страница %d из %d</i>", "\n<i>Page %d of %d</i>"},
	ToCard:           {"📇 Карточка", "📇 Card"},
	WorkButton:       {"🧾 Смета", "🧾 Work"},

	ErrNotANumber:       {"Не понял число. Напишите, например, 1,5 или 1500.", "I could not read that number. Type, for example, 1.5 or 1500."},
	ErrNotPositive:      {"Нужно число больше нуля.", "The number must be above zero."},
	ErrNegative:         {"Число не может быть отрицательным.", "The number cannot be negative."},
	ErrTooLarge:         {"Слишком большое число — проверьте, нет ли лишних нулей (цена не больше 10 000 000 ₽, количество — не больше миллиона).", "That number is too large; check for extra zeros (a price up to 10,000,000 ₽, a quantity up to a million)."},
	ErrTooPrecise:       {"Слишком много знаков после запятой: у количества до трёх, у суммы до двух (копейки).", "Too many decimals: up to three for a quantity, two (kopecks) for an amount."},
	ErrDiscountTooBig:   {"Скидка больше суммы заказа. Укажите меньше или в процентах (до 100%).", "The discount is above the order total. Give less, or a percent (up to 100%)."},
	ErrUnapprovedLines:  {"В заказе есть позиции, которые клиент ещё не согласовал. Отправьте смету клиенту или запишите его согласие.", "The order has lines the client has not approved yet. Send the estimate or record the client's decision."},
	ErrUnpaid:           {"Заказ не оплачен полностью — закрыть его нельзя. Запишите оплату.", "The order is not fully paid and cannot be closed. Record the payment."},
	ErrInvoiceFixed:     {"Счёт уже выставлен: цену можно изменить только корректировкой с причиной.", "The invoice is fixed: a price can change only by a correction with a reason."},
	ErrOutOfStock:       {"На складе не хватает запчастей. Оприходуйте поступление (/receive).", "There is not enough stock. Record the goods received (/receive)."},
	ErrNoLines:          {"В смете нет позиций, ждущих решения клиента.", "The estimate has no lines waiting for the client."},
	ErrLineHasDecisions: {"По этой позиции клиент уже принял решение — удалить её нельзя.", "The client has decided on this line; it cannot be removed."},
	ErrOverpayment:      {"Сумма больше, чем осталось оплатить (или чем было оплачено, для возврата).", "The amount is more than is due (or than was paid, for a refund)."},
	ErrSKUTaken:         {"Такой артикул уже есть у другой позиции каталога.", "Another catalog item has this SKU."},

	CatalogTitle:    {"<b>Каталог</b> · позиций: %d", "<b>Catalog</b> · items: %d"},
	CatalogFound:    {"<b>Каталог</b> · «%s» · найдено: %d", "<b>Catalog</b> · “%s” · found: %d"},
	CatalogEmpty:    {"Ничего не нашлось.", "Nothing found."},
	CatalogHint:     {"Напишите слова из названия или артикул, чтобы искать; номер — открыть позицию.", "Type words of the name or a SKU to search; a number opens the item."},
	AddService:      {"➕ Услуга", "➕ Service"},
	AddPart:         {"➕ Запчасть", "➕ Part"},
	ItemStockShort:  {" · свободно %s", " · free %s"},
	ItemCard:        {"<b>%s</b>\n%s · артикул %s\nЦена: %s за %s", "<b>%s</b>\n%s · SKU %s\nPrice: %s per %s"},
	ItemNorm:        {"\nНорма: %s ч", "\nNorm: %s h"},
	ItemStock:       {"\nНа складе: %s, в резерве: %s, минимум: %s", "\nOn hand: %s, reserved: %s, minimum: %s"},
	ItemRepeat:      {"\nПовторить через: %s дн. / %s км", "\nRepeat after: %s days / %s km"},
	ItemSaved:       {"✅ Сохранено.", "✅ Saved."},
	EditingItem:     {"Правка: %s", "Editing: %s"},
	FieldItemName:   {"✏️ Название", "✏️ Name"},
	FieldPrice:      {"✏️ Цена", "✏️ Price"},
	FieldSKU:        {"✏️ Артикул", "✏️ SKU"},
	FieldUnit:       {"✏️ Ед. изм.", "✏️ Unit"},
	FieldNorm:       {"✏️ Норма-часы", "✏️ Norm hours"},
	FieldMinStock:   {"✏️ Мин. остаток", "✏️ Min stock"},
	FieldRepeat:     {"✏️ Повтор", "✏️ Repeat"},
	FieldQty:        {"✏️ Количество", "✏️ Quantity"},
	AskItemName:     {"Название позиции?", "Name of the item?"},
	AskItemSKU:      {"Артикул? «-» — без артикула.", "SKU? “-” for none."},
	AskItemUnit:     {"Единица измерения (шт, л, компл)? «-» — шт.", "Unit (pcs, l, set)? “-” for pcs."},
	AskItemPrice:    {"Цена за единицу в рублях? Например: 1500 или 1 500,50", "Price per unit in rubles? For example: 1500 or 1500.50"},
	AskItemNorm:     {"Норма-часы? Например: 1,5. «-» — не указывать.", "Norm hours? For example: 1.5. “-” for none."},
	AskItemMin:      {"Минимальный остаток (предупрежу, когда станет меньше)? «-» — не следить.", "Minimum stock (I will warn below it)? “-” for none."},
	AskItemRepeat:   {"Через сколько повторить: дни и/или км, например «365» или «180 10000», «10000 км». «-» — не повторять.", "Repeat after days and/or km, e.g. “365”, “180 10000” or “10000 km”. “-” for never."},
	ItemNameTooLong: {"Название длиннее %d символов — сократите.", "The name is longer than %d characters; shorten it."},
	SKUTooLong:      {"Артикул длиннее %d символов.", "The SKU is longer than %d characters."},
	UnitTooLong:     {"Единица измерения длиннее %d символов.", "The unit is longer than %d characters."},

	WorkHead:         {"<b>Заказ №%d</b> · %s\n%s · %s, %s", "<b>Order No. %d</b> · %s\n%s · %s, %s"},
	ClientOffline:    {"\n📵 Клиента нет в Telegram: согласование — по телефону.", "\n📵 The client is not in Telegram: approvals by phone."},
	NoLines:          {"Работ и запчастей пока нет.", "No labour or parts yet."},
	LineSupplement:   {" · <i>доп.</i>", " · <i>extra</i>"},
	LineWasApproved:  {" (было согласовано %s)", " (approved before: %s)"},
	LineWrittenOff:   {" · списано", " · written off"},
	LineRequested:    {" · 🔧 заказано", " · 🔧 ordered"},
	LineShort:        {" · ⚠️ нет на складе", " · ⚠️ out of stock"},
	LineReserved:     {" · 📦 в резерве", " · 📦 reserved"},
	TotalsLabour:     {"Работы: %s\n", "Labour: %s\n"},
	TotalsParts:      {"Запчасти: %s\n", "Parts: %s\n"},
	TotalsDiscount:   {"Скидка: −%s%s\n", "Discount: −%s%s\n"},
	TotalsTotal:      {"<b>Итого: %s</b>", "<b>Total: %s</b>"},
	TotalsApproved:   {"\nСогласовано: %s", "\nApproved: %s"},
	PaymentLine:      {"\nОплачено %s из %s · %s", "\nPaid %s of %s · %s"},
	DueLine:          {"\nСрок оплаты: %s", "\nDue: %s"},
	AddLabour:        {"➕ Работа", "➕ Labour"},
	AddPartLine:      {"➕ Запчасть", "➕ Part"},
	AddFreeLine:      {"➕ Своя", "➕ Custom"},
	SendEstimate:     {"📤 Смета клиенту", "📤 Estimate to client"},
	RecordPhone:      {"📞 Согласие по телефону", "📞 Approval by phone"},
	RecordInPerson:   {"🤝 Согласие лично", "🤝 Approval in person"},
	DiscountButton:   {"％ Скидка", "％ Discount"},
	PayButton:        {"💳 Оплата", "💳 Payment"},
	DocButton:        {"📄 Документы", "📄 Documents"},
	HistoryButton:    {"🕓 История", "🕓 History"},
	PickService:      {"<b>Работа в заказ №%d</b>", "<b>Labour for order No. %d</b>"},
	PickPart:         {"<b>Запчасть в заказ №%d</b>", "<b>Part for order No. %d</b>"},
	SearchedFor:      {" · «%s»: %d", " · “%s”: %d"},
	TypeToSearch:     {"Напишите название или артикул для поиска; номер — выбрать.", "Type a name or SKU to search; a number picks it."},
	AskQty:           {"<b>%s</b> — %s за %s", "<b>%s</b> — %s per %s"},
	LineAdded:        {"➕ Добавлено: %s — %s %s", "➕ Added: %s — %s %s"},
	LineShortNote:    {"⚠️ На складе не хватает — откройте позицию и нажмите «Нужна запчасть».", "⚠️ Not enough in stock: open the line and press “Need part”."},
	LineHead:         {"<b>Заказ №%d</b> · позиция", "<b>Order No. %d</b> · line"},
	LineSKU:          {"Артикул: %s", "SKU: %s"},
	NeedPart:         {"🔧 Нужна запчасть", "🔧 Need part"},
	RemoveLine:       {"🗑 Удалить", "🗑 Remove"},
	CorrectPrice:     {"🧾 Корректировка цены", "🧾 Correct the price"},
	PartRequested:    {"Менеджер получил запрос на запчасть.", "The manager got the part request."},
	AskLineQty:       {"Заказ №%d, «%s»: новое количество? Например: 1,5", "Order No. %d, “%s”: new quantity? For example: 1.5"},
	AskLinePrice:     {"Заказ №%d, «%s»: новая цена за единицу, ₽?", "Order No. %d, “%s”: new price per unit, ₽?"},
	AskDiscount:      {"Заказ №%d%.0s: скидка — «10%%» или сумма в рублях; «0» — без скидки.", "Order No. %d%.0s: discount — “10%%” or an amount in rubles; “0” for none."},
	AskCorrectPrice:  {"Заказ №%d, «%s»: исправленная цена за единицу, ₽?", "Order No. %d, “%s”: corrected price per unit, ₽?"},
	AskCorrectReason: {"Причина корректировки? Она сохранится в истории заказа.", "Reason for the correction? It is kept in the order's history."},
	InvoiceCorrected: {"🧾 Счёт скорректирован, клиент получит новый.", "🧾 The invoice is corrected; the client gets the new one."},
	AskFreeLineName:  {"Заказ №%d: название своей позиции?", "Order No. %d: name of the custom line?"},
	AskFreeLinePrice: {"Цена за единицу, ₽?", "Price per unit, ₽?"},
	AskFreeLineQty:   {"Количество? «2» — работа, «2 шт» — запчасть с единицей измерения.", "Quantity? “2” for labour, “2 pcs” for a part with its unit."},

	EstimateTitle:   {"<b>Смета по заказу №%d</b>\n%s", "<b>Estimate for order No. %d</b>\n%s"},
	RecordingFor:    {"\n<i>Записываю решение клиента %s (%s)</i>", "\n<i>Recording the decision of %s (%s)</i>"},
	EstimateHowTo:   {"По каждой позиции: ✅ согласовать, ❌ отказаться, ⏳ отложить на потом.", "For each line: ✅ approve, ❌ decline, ⏳ postpone."},
	ApproveAll:      {"✅ Согласовать всё (%d)", "✅ Approve all (%d)"},
	EstimateDone:    {"Спасибо! Согласовано на %s. Мы сообщим, когда начнём.", "Thank you! Approved: %s. We will tell you when we start."},
	EstimateSent:    {"Смета отправлена клиенту.", "The estimate is sent to the client."},
	EstimateNotSent: {"Клиента нет в Telegram: позвоните ему и запишите решение кнопками «Согласие».", "The client is not in Telegram: call them and record the decision with the “Approval” buttons."},
	EstimateChanged: {"Смета изменилась — показываю актуальную.", "The estimate has changed; here is the current one."},
	DecisionSaved:   {"Записано", "Saved"},
	EstimateNotice:  {"Смета по заказу №%d готова — посмотрите и согласуйте ниже.", "The estimate for order No. %d is ready; please review it below."},
	DecidedNotice:   {"🧾 Заказ №%d: клиент решил по смете — согласовано %d, отказ/отложено %d, ждёт %d. Статус: %s.", "🧾 Order No. %d: the client decided — approved %d, declined/postponed %d, pending %d. Status: %s."},

	PayTitle:        {"<b>Оплата заказа №%d</b>\nК оплате: %s\nОплачено: %s\nОсталось: %s\n%s", "<b>Payment for order No. %d</b>\nDue: %s\nPaid: %s\nLeft: %s\n%s"},
	PayCash:         {"💵 Наличные", "💵 Cash"},
	PayCard:         {"💳 Карта", "💳 Card"},
	PayTransfer:     {"🏦 Перевод", "🏦 Transfer"},
	Refund:          {"↩️ Возврат", "↩️ Refund"},
	AskPayAmount:    {"Заказ №%d: сумма оплаты, ₽? Осталось %s.", "Order No. %d: amount paid, ₽? Left: %s."},
	AskRefundAmount: {"Заказ №%d: сумма возврата, ₽? Оплачено %s.", "Order No. %d: amount refunded, ₽? Paid: %s."},
	PaymentRecorded: {"💳 Оплата записана: %s, %s.", "💳 Payment recorded: %s, %s."},
	RefundRecorded:  {"↩️ Возврат записан: %s, %s.", "↩️ Refund recorded: %s, %s."},
	InvoiceTitle:    {"<b>Счёт по заказу №%d</b>", "<b>Invoice for order No. %d</b>"},
	InvoiceDue:      {"\nОплата при получении автомобиля.", "\nPayment on collecting the car."},
	InvoiceDueDays:  {"\nОплата в течение %d дн. после выдачи.", "\nPayment within %d days of collection."},
	ReceiptNotice:   {"🧾 Заказ №%d: получена оплата %s (%s). Оплачено %s из %s.", "🧾 Order No. %d: payment of %s received (%s). Paid %s of %s."},
	RefundNotice:    {"↩️ Заказ №%d: возврат %s (%s). Оплачено %s из %s.", "↩️ Order No. %d: refund of %s (%s). Paid %s of %s."},
	DebtNote:        {"\n⚠️ <b>Долг клиента: %s</b> (просрочен)", "\n⚠️ <b>Client owes %s</b> (overdue)"},

	ReceiveButton:   {"📦 Оприходовать", "📦 Receive goods"},
	AskReceiveItem:  {"Что пришло? Напишите название или артикул.", "What came in? Type a name or a SKU."},
	PickReceiveItem: {"Выберите позицию:", "Pick the item:"},
	AskReceiveQty:   {"%s: сколько пришло (%s)?", "%s: how much came in (%s)?"},
	AskReceiveCost:  {"Закупочная цена за единицу, ₽? «-» — не указывать.", "Purchase cost per unit, ₽? “-” to skip."},
	Received:        {"📦 Оприходовано: %s — %s %s. На складе %s, свободно %s.", "📦 Received: %s — %s %s. On hand %s, free %s."},
	NoSuchSKU:       {"Нет запчасти с артикулом %s. /catalog — найти.", "No part with SKU %s. /catalog to search."},
	PartsNeeded:     {"🔧 <b>Нужна запчасть</b> для заказа №%d: %s — %s", "🔧 <b>Part needed</b> for order No. %d: %s — %s"},
	PartsArrived:    {"📦 Запчасть пришла и зарезервирована для заказа №%d: %s — %s. Можно продолжать работу.", "📦 The part came in and is reserved for order No. %d: %s — %s. Work can go on."},
	LowStock:        {"⚠️ <b>Заканчивается</b> %s%s: свободно %s, минимум %s.", "⚠️ <b>Running low</b>: %s%s: free %s, minimum %s."},

	NewAskPhone:    {"Новый заказ. Телефон клиента?", "New order. The client's phone?"},
	NewAskName:     {"Имя клиента?", "The client's name?"},
	NewKnownClient: {"Клиент найден: %s.", "Client found: %s."},
	NewAskPlate:    {"Госномер? «-» — пропустить.", "Licence plate? “-” to skip."},
	NewPlateInvalid: {
		"Госномер — от 4 до 12 букв и цифр. Или «-» — пропустить.",
		"A plate is 4 to 12 letters and digits. Or “-” to skip.",
	},
	NewAskProblem: {"Что нужно сделать / что случилось?", "What needs doing / what happened?"},
	NewNoSlot:     {"Без времени", "No time"},
	NewSummary:    {"<b>Новый заказ</b>\n\nКлиент: %s, %s\nМашина: %s\nПроблема: %s\nВремя: %s", "<b>New order</b>\n\nClient: %s, %s\nCar: %s\nProblem: %s\nTime: %s"},
	NewCreated:    {"✅ Заказ <b>№%d</b> создан.", "✅ Order <b>No. %d</b> created."},
	HelpWork: {
		"\n/new — заказ для клиента по телефону (менеджер)\n/catalog [слова] — каталог работ и запчастей\n/receive — приход запчастей (менеджер)\n/doc &lt;номер&gt; — документы заказа (PDF)\n/company &lt;телефон&gt; on|off — клиент-юрлицо (менеджер)",
		"\n/new — an order for a client on the phone (manager)\n/catalog [words] — catalog of labour and parts\n/receive — goods received (manager)\n/doc &lt;number&gt; — the order's papers (PDF)\n/company &lt;phone&gt; on|off — a client who is a company (manager)",
	},
	MenuPrompt:     {"Что дальше?", "What next?"},
	LinkedGreeting: {"Нашёл ваши заказы в автосервисе — теперь буду сообщать о них здесь.", "I found your orders at the shop; from now on I will tell you about them here."},
	LinkedNoOrders: {"Нашёл вас в базе автосервиса — теперь буду сообщать о ваших заказах здесь.", "I found you among the shop's clients; from now on I will tell you about your orders here."},

	TimelineTitle:   {"<b>История заказа №%d</b>", "<b>History of order No. %d</b>"},
	TimelineEarlier: {"\n… и ещё %d событий раньше", "\n… and %d earlier events"},
	ActorSystem:     {"система", "system"},
	ActorClient:     {"клиент", "client"},
	TLAssigned:      {"назначен механик", "mechanic assigned"},
	TLStatus:        {"статус: %s", "status: %s"},
	TLLineAdded:     {"➕ %s — %s × %s", "➕ %s — %s × %s"},
	TLLineChanged:   {"✏️ %s: %s → %s шт., %s → %s", "✏️ %s: %s → %s, %s → %s"},
	TLLineRemoved:   {"🗑 %s", "🗑 %s"},
	TLDecided:       {"%s: %s (%s)", "%s: %s (%s)"},
	TLDiscount:      {"скидка изменена", "discount changed"},
	TLEstimateSent:  {"📤 смета отправлена", "📤 estimate sent"},
	TLPartRequested: {"🔧 нужна запчасть: %s", "🔧 part needed: %s"},
	TLReserved:      {"📦 резерв: %s — %s", "📦 reserved: %s — %s"},
	TLReleased:      {"📦 снят резерв: %s — %s", "📦 released: %s — %s"},
	TLWrittenOff:    {"📦 списано: %s — %s", "📦 written off: %s — %s"},
	TLInvoice:       {"🧾 счёт выставлен на %s", "🧾 invoice issued for %s"},
	TLCorrected:     {"🧾 корректировка: %s %s → %s, %s", "🧾 correction: %s %s → %s, %s"},
	TLPayment:       {"💳 оплата %s (%s)", "💳 payment %s (%s)"},
	TLDocument:      {"📄 отправлен документ: %s", "📄 document sent: %s"},
	DocsSent:        {"📄 Документы отправлены.", "📄 Documents sent."},
	DocsCaption:     {"Заказ №%d: %s", "Order No. %d: %s"},
	DocUsage:        {"Формат: /doc &lt;номер заказа&gt;", "Usage: /doc &lt;order number&gt;"},
	CompanyUsage:    {"Формат: /company &lt;телефон&gt; on|off — юрлицо (оплата после выдачи в срок) или частное лицо.", "Usage: /company &lt;phone&gt; on|off — a company (pays on terms after delivery) or a private client."},
	CompanyOn:       {"🏢 %s, %s — юрлицо: новые счета с оплатой в срок после выдачи.", "🏢 %s, %s is a company: new invoices are due on terms after delivery."},
	CompanyOff:      {"%s, %s — частное лицо: оплата при получении.", "%s, %s is a private client: payment on delivery."},
	NoSuchClient:    {"Клиента с таким телефоном нет.", "There is no client with that phone."},
}

// choose picks a label of a plain-string value from m, or the value itself when unknown.
func choose(l Lang, m map[string]forms, key string) string {
	f, ok := m[key]
	if !ok {
		return key
	}
	if l == EN {
		return f.en
	}
	return f.ru
}

// ItemKindName names a catalog item kind.
func ItemKindName(l Lang, kind string) string { return choose(l, itemKinds, kind) }

// PaymentStateName names a derived payment state.
func PaymentStateName(l Lang, state string) string { return choose(l, paymentStates, state) }

// MethodName names how a decision reached the shop.
func MethodName(l Lang, method string) string { return choose(l, decisionMethods, method) }

// ApprovalName names a decision on a line.
func ApprovalName(l Lang, a string) string { return choose(l, approvals, a) }

// PayMethodName names a payment method.
func PayMethodName(l Lang, m string) string { return choose(l, payMethods, m) }

var itemKinds = map[string]forms{
	"service": {"услуга", "service"},
	"part":    {"запчасть", "part"},
}

var paymentStates = map[string]forms{
	"unpaid":  {"не оплачен", "unpaid"},
	"partial": {"оплачен частично", "partly paid"},
	"paid":    {"✅ оплачен", "✅ paid"},
	"overdue": {"⚠️ просрочен", "⚠️ overdue"},
}

var decisionMethods = map[string]forms{
	"chat":      {"в чате", "in the chat"},
	"phone":     {"по телефону", "by phone"},
	"in_person": {"лично", "in person"},
}

var approvals = map[string]forms{
	"pending":  {"ждёт решения", "pending"},
	"approved": {"✅ согласовано", "✅ approved"},
	"declined": {"❌ отказ", "❌ declined"},
	"later":    {"⏳ отложено", "⏳ postponed"},
}

var payMethods = map[string]forms{
	"cash":     {"наличные", "cash"},
	"card":     {"карта", "card"},
	"transfer": {"перевод", "transfer"},
}
