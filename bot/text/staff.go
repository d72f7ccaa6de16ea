package text

// Texts of staff administration, the audit log and personal data (issue 6): invites, /staff,
// /audit, /forget_me and the consent line of the booking summary. They live apart from
// messages.go so that flows added side by side do not edit one list; T looks keys up here too,
// and staff_test.go checks both languages.

// Keys of staff administration and personal data.
const (
	InviteUsage      Key = "invite_usage"
	InviteCreated    Key = "invite_created"
	InviteUnknown    Key = "invite_unknown"
	InviteExpired    Key = "invite_expired"
	InviteUsed       Key = "invite_used"
	AlreadyStaff     Key = "already_staff"
	Joined           Key = "joined"
	JoinedBy         Key = "joined_by"
	StaffListTitle   Key = "staff_list_title"
	StaffLine        Key = "staff_line"
	StaffInactive    Key = "staff_inactive"
	StaffMemberCard  Key = "staff_member_card"
	StaffStateActive Key = "staff_state_active"
	StaffStateOff    Key = "staff_state_off"
	MakeRole         Key = "make_role"
	Deactivate       Key = "deactivate"
	DeactivateAsk    Key = "deactivate_ask"
	DeactivateYes    Key = "deactivate_yes"
	BackToStaff      Key = "back_to_staff"
	StaffDeactivated Key = "staff_deactivated"
	RoleChanged      Key = "role_changed"
	LastOwner        Key = "last_owner"
	AuditTitle       Key = "audit_title"
	AuditEmpty       Key = "audit_empty"
	AuditNext        Key = "audit_next"
	AuditPrev        Key = "audit_prev"
	AuditSystem      Key = "audit_system"
	AuditClient      Key = "audit_client"
	ForgetAsk        Key = "forget_ask"
	ForgetYes        Key = "forget_yes"
	ForgetNo         Key = "forget_no"
	ForgetDone       Key = "forget_done"
	ForgetKept       Key = "forget_kept"
	ForgetOpenOrders Key = "forget_open_orders"
	ForgetDebt       Key = "forget_debt"
	ForgetNoData     Key = "forget_no_data"
	ForgetStaff      Key = "forget_staff"
	ConsentNote      Key = "consent_note"
)

// Keys added with the staff fixes live in staff_rules.go.

var staffCatalog = map[Key]forms{
	InviteUsage: {
		"Формат: /invite mechanic|manager|admin",
		"Usage: /invite mechanic|manager|admin",
	},
	InviteCreated: {
		"Приглашение на роль «%s». Ссылка одноразовая и действует до %s:\n%s\n\nПерешлите её сотруднику: он откроет бота по ссылке и нажмёт «Запустить».",
		"An invite for the role “%s”. The link works once, until %s:\n%s\n\nForward it to the new colleague: they open the bot by the link and press Start.",
	},
	InviteUnknown: {
		"Такого приглашения нет. Попросите владельца или администратора прислать новую ссылку.",
		"There is no such invite. Ask an owner or admin for a new link.",
	},
	InviteExpired: {
		"Срок этого приглашения истёк (оно действует 24 часа). Попросите новую ссылку.",
		"This invite has expired (invites work for 24 hours). Ask for a new link.",
	},
	InviteUsed: {
		"Это приглашение уже использовано. Каждая ссылка работает один раз — попросите новую.",
		"This invite has been used already. Each link works once; ask for a new one.",
	},
	AlreadyStaff: {
		"Вы уже сотрудник (%s). Роль меняют в /staff.",
		"You are staff already (%s). Roles are changed in /staff.",
	},
	Joined:   {"Добро пожаловать в команду! Ваша роль: %s.", "Welcome to the team! Your role: %s."},
	JoinedBy: {" Пригласил(а): %s.", " Invited by %s."},
	StaffListTitle: {
		"<b>Сотрудники</b> (%d). Нажмите на имя, чтобы сменить роль или отключить:",
		"<b>Staff</b> (%d). Tap a name to change the role or deactivate:",
	},
	StaffLine:        {"\n%s — %s%s", "\n%s — %s%s"},
	StaffInactive:    {" (отключён)", " (deactivated)"},
	StaffMemberCard:  {"<b>%s</b>\nTelegram id: %d\nРоль: %s\nСтатус: %s", "<b>%s</b>\nTelegram id: %d\nRole: %s\nStatus: %s"},
	StaffStateActive: {"активен", "active"},
	StaffStateOff:    {"отключён", "deactivated"},
	MakeRole:         {"Сделать: %s", "Make %s"},
	Deactivate:       {"🚫 Отключить", "🚫 Deactivate"},
	DeactivateAsk: {
		"Отключить %s? Доступ к боту пропадёт сразу, с его следующего сообщения или нажатия.",
		"Deactivate %s? They lose access to the bot at once, from their next message or button.",
	},
	DeactivateYes:    {"Да, отключить", "Yes, deactivate"},
	BackToStaff:      {"‹ К списку", "‹ Back to the list"},
	StaffDeactivated: {"%s отключён(а).", "%s is deactivated."},
	RoleChanged:      {"%s теперь: %s.", "%s is now: %s."},
	LastOwner: {
		"Нельзя: в автосервисе должен остаться хотя бы один активный владелец.",
		"Not possible: the shop must keep at least one active owner.",
	},
	AuditTitle:  {"<b>Журнал действий</b>, записи %d–%d:", "<b>Audit log</b>, entries %d–%d:"},
	AuditEmpty:  {"Журнал пока пуст.", "The audit log is empty."},
	AuditNext:   {"Раньше ›", "Older ›"},
	AuditPrev:   {"‹ Новее", "‹ Newer"},
	AuditSystem: {"система", "system"},
	AuditClient: {"клиент", "client"},
	ForgetAsk: {
		"Удалить ваши персональные данные? Имя, телефон, номера и VIN ваших машин будут стёрты, бот вас забудет. Заказы и платежи останутся без вашего имени: их хранения требует закон. Отменить удаление нельзя.",
		"Delete your personal data? Your name, phone, your cars' plates and VINs are wiped and the bot forgets you. Orders and payments stay, without your name: the law requires keeping them. This cannot be undone.",
	},
	ForgetYes:  {"🗑 Да, удалить мои данные", "🗑 Yes, delete my data"},
	ForgetNo:   {"Оставить", "Keep them"},
	ForgetDone: {"Готово: ваши персональные данные удалены. Чтобы снова записаться, нажмите /start.", "Done: your personal data is deleted. To book again, press /start."},
	ForgetKept: {"Хорошо, ничего не удалено.", "All right, nothing was deleted."},
	ForgetOpenOrders: {
		"Пока нельзя: у вас есть незавершённый заказ. Когда машину выдадут, повторите /forget_me.",
		"Not yet: you have an order in progress. Once the car is handed back, send /forget_me again.",
	},
	ForgetDebt: {
		"Пока нельзя: по вашему заказу есть неоплаченный счёт. После оплаты повторите /forget_me.",
		"Not yet: an invoice of yours is unpaid. Once it is paid, send /forget_me again.",
	},
	ForgetNoData: {"У нас нет ваших персональных данных.", "We hold no personal data of yours."},
	ForgetStaff: {
		"Данные сотрудников удаляет владелец: попросите его отключить вас в /staff.",
		"Staff data is removed by an owner: ask them to deactivate you in /staff.",
	},
	ConsentNote: {
		"Нажимая «Подтвердить», вы соглашаетесь на обработку ваших персональных данных (имя, телефон, данные машины) автосервисом для записи и обслуживания (152-ФЗ). Отозвать согласие и удалить данные: /forget_me.",
		"By pressing Confirm you agree to the shop processing your personal data (name, phone, car details) to book and service your car. To withdraw consent and delete the data: /forget_me.",
	},
}

// AuditAction names an audit entry's action; unknown kinds show as themselves.
func AuditAction(l Lang, action string) string {
	f, ok := auditActions[action]
	if !ok {
		return action
	}
	if l == EN {
		return f.en
	}
	return f.ru
}

var auditActions = map[string]forms{
	"invite_created":    {"создал(а) приглашение", "created an invite"},
	"invite_redeemed":   {"вступил(а) по приглашению", "joined by invite"},
	"role_changed":      {"сменил(а) роль", "changed the role of"},
	"staff_deactivated": {"отключил(а)", "deactivated"},
	"client_forgotten":  {"удалил(а) свои персональные данные", "deleted their personal data"},
	"item_changed":      {"изменил(а) позицию каталога", "changed a catalog item"},
	"import_applied":    {"импортировал(а) файл", "imported a file"},
	"import_undone":     {"отменил(а) импорт", "undid an import"},
	"status":            {"сменил(а) статус", "changed the status"},
	"created":           {"создал(а) заказ", "created order"},
	"assigned":          {"назначил(а) механика", "assigned mechanic"},
	"line_added":        {"добавил(а) строку", "added a line"},
	"line_changed":      {"изменил(а) строку (цену, количество)", "changed a line (price, quantity)"},
	"line_removed":      {"удалил(а) строку", "removed a line"},
	"line_decided":      {"записал(а) решение клиента", "recorded the client's decision"},
	"discount":          {"дал(а) скидку", "gave a discount"},
	"estimate_sent":     {"отправил(а) смету", "sent the estimate"},
	"part_requested":    {"запросил(а) запчасть", "requested a part"},
	"stock_reserved":    {"зарезервировал(а) со склада", "reserved stock"},
	"stock_released":    {"снял(а) резерв", "released stock"},
	"stock_written_off": {"списал(а) со склада", "wrote stock off"},
	"invoice_issued":    {"выставил(а) счёт", "issued the invoice"},
	"invoice_corrected": {"исправил(а) счёт", "corrected the invoice"},
	"payment":           {"записал(а) оплату", "recorded a payment"},
	"document_sent":     {"отправил(а) документ", "sent a document"},
}

// Role-scoped command menus: which commands each role's chat shows. The server checks every
// command again; a menu only saves typing.
var staffCommandDescriptions = map[string]forms{
	"queue":     {"Мои заказы в работе", "My orders in work"},
	"orders":    {"Открытые заказы", "Open orders"},
	"new":       {"Новый заказ", "New order"},
	"catalog":   {"Каталог работ и запчастей", "Services and parts"},
	"receive":   {"Приход товара", "Receive goods"},
	"outbox":    {"Очередь сообщений", "Message queue"},
	"invite":    {"Пригласить сотрудника", "Invite a colleague"},
	"staff":     {"Сотрудники и роли", "Staff and roles"},
	"audit":     {"Журнал действий", "Audit log"},
	"forget_me": {"Удалить мои данные", "Delete my data"},
	"jobs":      {"Задачи планировщика", "Scheduler jobs"},
}
