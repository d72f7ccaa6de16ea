package text

import "fmt"

// Key names one message of the catalog.
type Key string

// T renders the message k in language l with fmt-style args. Callers escape
// user-supplied args for HTML before passing them in; the catalog texts
// themselves are trusted HTML.
func T(l Lang, k Key, args ...any) string {
	forms, ok := catalog[k]
	if !ok {
		forms, ok = workCatalog[k] // work.go
	}
	if !ok {
		forms, ok = schedulerCatalog[k] // scheduler.go
	}
	if !ok {
		forms, ok = staffCatalog[k] // staff.go
	}
	if !ok {
		forms, ok = staffRulesCatalog[k] // staff_rules.go
	}
	if !ok {
		forms, ok = offerCatalog[k] // offers.go
	}
	if !ok {
		forms, ok = reportCatalog[k] // report.go
	}
	if !ok {
		forms, ok = importCatalog[k] // import.go
	}
	if !ok {
		forms, ok = clientMessageCatalog[k] // client_messages.go
	}
	if !ok {
		forms, ok = campaignResultsCatalog[k] // campaign_results.go
	}
	if !ok {
		forms, ok = offerLinkCatalog[k] // offer_link.go
	}
	if !ok {
		forms, ok = noShowCatalog[k] // no_show.go
	}
	if !ok {
		return string(k)
	}
	s := forms.ru
	if l == EN {
		s = forms.en
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

type forms struct{ ru, en string }

// Keys of the catalog. A test checks that each has both languages and the
// same format verbs in each.
const (
	Greeting             Key = "greeting"
	GreetingKnown        Key = "greeting_known"
	Help                 Key = "help"
	HelpStaff            Key = "help_staff"
	MenuBook             Key = "menu_book"
	MenuMyOrders         Key = "menu_my_orders"
	AskPhone             Key = "ask_phone"
	SharePhoneButton     Key = "share_phone_button"
	PhoneInvalid         Key = "phone_invalid"
	ForeignContact       Key = "foreign_contact"
	PhoneTaken           Key = "phone_taken"
	AskName              Key = "ask_name"
	NameInvalid          Key = "name_invalid"
	AskCarPick           Key = "ask_car_pick"
	AnotherCar           Key = "another_car"
	AskCarModel          Key = "ask_car_model"
	CarModelInvalid      Key = "car_model_invalid"
	AskCarYear           Key = "ask_car_year"
	CarYearInvalid       Key = "car_year_invalid"
	AskPlate             Key = "ask_plate"
	PlateInvalid         Key = "plate_invalid"
	Skip                 Key = "skip"
	AskProblem           Key = "ask_problem"
	ProblemInvalid       Key = "problem_invalid"
	AskSlot              Key = "ask_slot"
	NoSlots              Key = "no_slots"
	NoSlotButton         Key = "no_slot_button"
	SlotTaken            Key = "slot_taken"
	PhoneNeedsContact    Key = "phone_needs_contact"
	MechanicNoChat       Key = "mechanic_no_chat"
	OwnerRoleFixed       Key = "owner_role_fixed"
	StaffOnlyButton      Key = "staff_only_button"
	ButtonInvalid        Key = "button_invalid"
	StaffGreeting        Key = "staff_greeting"
	StaffStrayText       Key = "staff_stray_text"
	NoTime               Key = "no_time"
	Summary              Key = "summary"
	Confirm              Key = "confirm"
	Edit                 Key = "edit"
	Cancel               Key = "cancel"
	EditWhat             Key = "edit_what"
	FieldName            Key = "field_name"
	FieldCar             Key = "field_car"
	FieldPhone           Key = "field_phone"
	RequestsWaiting      Key = "requests_waiting"
	RequestsWaitingMore  Key = "requests_waiting_more"
	NameIsPhone          Key = "name_is_phone"
	ModelIsPhone         Key = "model_is_phone"
	AskProblemAfterPhoto Key = "ask_problem_after_photo"
	StillWaiting         Key = "still_waiting"
	FieldProblem         Key = "field_problem"
	FieldSlot            Key = "field_slot"
	Booked               Key = "booked"
	BookingCancelled     Key = "booking_cancelled"
	NothingToCancel      Key = "nothing_to_cancel"
	Expired              Key = "expired"
	UnexpectedInput      Key = "unexpected_input"
	CommandNotData       Key = "command_not_data"
	MyOrdersEmpty        Key = "my_orders_empty"
	MyOrdersTitle        Key = "my_orders_title"
	OrderLine            Key = "order_line"
	ClientCard           Key = "client_card"
	ClientCardPending    Key = "client_card_pending"
	StaffCard            Key = "staff_card"
	StaffCardMechanic    Key = "staff_card_mechanic"
	NoMechanic           Key = "no_mechanic"
	PhotoAttached        Key = "photo_attached"
	OrderPhoto           Key = "order_photo"
	StatusNotice         Key = "status_notice"
	NewRequestTitle      Key = "new_request_title"
	AssignedTitle        Key = "assigned_title"
	Take                 Key = "take"
	Assign               Key = "assign"
	PickMechanic         Key = "pick_mechanic"
	NoMechanics          Key = "no_mechanics"
	Back                 Key = "back"
	QueueEmpty           Key = "queue_empty"
	QueueTitle           Key = "queue_title"
	QueueMore            Key = "queue_more"
	OutOfDate            Key = "out_of_date"
	Done                 Key = "done"
	NotStaff             Key = "not_staff"
	Forbidden            Key = "forbidden"
	InternalError        Key = "internal_error"
	InvalidInput         Key = "invalid_input"
	NotFound             Key = "not_found"
	DailySummary         Key = "daily_summary"
	SummaryNumbers       Key = "summary_numbers"
	Truncated            Key = "truncated"
	UnknownCommand       Key = "unknown_command"

	// Delivery (outbox) keys.
	DeliveryFailed    Key = "delivery_failed"
	NoticeOrder       Key = "notice_order"
	ClientUnreachable Key = "client_unreachable"
	NoticesUsage      Key = "notices_usage"
	NoticesTitle      Key = "notices_title"
	NoticesEmpty      Key = "notices_empty"
	NoticeLine        Key = "notice_line"
	NoticeDetail      Key = "notice_detail"
	NoticeAttempts    Key = "notice_attempts"
	OutboxTitle       Key = "outbox_title"
	OutboxCount       Key = "outbox_count"
	OutboxClear       Key = "outbox_clear"
	OutboxStuck       Key = "outbox_stuck"
	OutboxItem        Key = "outbox_item"
)

var catalog = map[Key]forms{
	Greeting: {
		"Здравствуйте! Я бот автосервиса: запишу вас на ремонт и буду сообщать о каждом шаге работы.",
		"Hello! I am the repair shop's bot: I will book you in and tell you about every step of the work.",
	},
	GreetingKnown: {
		"С возвращением, %s! Чем поможем?",
		"Welcome back, %s! How can we help?",
	},
	Help: {
		"/start — начать запись\n/my — мои заказы\n/cancel — прервать текущий шаг\n/help — эта справка",
		"/start — book a repair\n/my — my orders\n/cancel — leave the current step\n/help — this help",
	},
	HelpStaff: {
		"Для сотрудников:\n/queue — мои заказы в работе\n/orders — открытые заказы\n/notices &lt;номер&gt; — как доставлены уведомления по заказу\n/outbox — очередь сообщений (менеджеры)\n/invite mechanic|manager|admin — пригласить сотрудника, /staff — сотрудники и роли (владелец, администратор)\n/audit — журнал действий (владелец)",
		"For staff:\n/queue — my orders in work\n/orders — open orders\n/notices &lt;number&gt; — how an order's notices were delivered\n/outbox — the message queue (managers)\n/invite mechanic|manager|admin — invite a colleague, /staff — staff and roles (owner, admin)\n/audit — the audit log (owner)",
	},
	MenuBook:     {"🔧 Записаться на ремонт", "🔧 Book a repair"},
	MenuMyOrders: {"📋 Мои заказы", "📋 My orders"},
	AskPhone: {
		"Поделитесь номером телефона кнопкой ниже или напишите его (например, +7 912 345-67-89).",
		"Share your phone number with the button below or type it (for example, +7 912 345-67-89).",
	},
	SharePhoneButton: {"📱 Поделиться номером", "📱 Share my phone number"},
	PhoneInvalid: {
		"Не получилось разобрать номер. Напишите его полностью, например +7 912 345-67-89, или нажмите кнопку «Поделиться номером».",
		"I could not read that number. Type it in full, for example +7 912 345-67-89, or press “Share my phone number”.",
	},
	ForeignContact: {
		"Это чужой контакт. Пожалуйста, поделитесь своим номером кнопкой ниже.",
		"That is someone else's contact. Please share your own number with the button below.",
	},
	PhoneTaken: {
		"Этот номер уже привязан к другому аккаунту Telegram. Укажите другой номер или позвоните в сервис — мы поможем.",
		"This number is already linked to another Telegram account. Give another number, or call the shop and we will help.",
	},
	AskName:     {"Как к вам обращаться?", "What is your name?"},
	NameInvalid: {"Напишите имя текстом, до 100 символов.", "Please type your name, up to 100 characters."},
	AskCarPick:  {"Какую машину записываем?", "Which car are we booking?"},
	AnotherCar:  {"➕ Другая машина", "➕ Another car"},
	AskCarModel: {
		"Марка и модель машины? Например: Kia Rio",
		"Make and model of the car? For example: Kia Rio",
	},
	CarModelInvalid: {
		"Напишите марку и модель текстом, до 100 символов. Например: Kia Rio",
		"Please type the make and model, up to 100 characters. For example: Kia Rio",
	},
	AskCarYear: {"Год выпуска? Например: 2017", "Year of manufacture? For example: 2017"},
	CarYearInvalid: {
		"Год — это четыре цифры от 1950 до %d. Или нажмите «Пропустить».",
		"The year is four digits from 1950 to %d. Or press “Skip”.",
	},
	AskPlate: {"Госномер? Например: А123ВС 77", "Licence plate? For example: A123BC 77"},
	PlateInvalid: {
		"Госномер — от 4 до 12 букв и цифр. Или нажмите «Пропустить».",
		"A plate is 4 to 12 letters and digits. Or press “Skip”.",
	},
	Skip: {"Пропустить", "Skip"},
	AskProblem: {
		"Опишите, что случилось. Можно приложить фото с подписью.",
		"Describe the problem. You can attach a photo with a caption.",
	},
	ProblemInvalid: {
		"Опишите проблему текстом или пришлите фото с подписью.",
		"Please describe the problem in text or send a photo with a caption.",
	},
	AskSlot: {"Выберите удобное время:", "Pick a convenient time:"},
	NoSlots: {
		"На ближайшую неделю свободного времени нет. Оставьте заявку без времени — мы позвоним.",
		"There are no free slots in the next week. Leave the request without a time and we will call you.",
	},
	PhoneNeedsContact: {
		"Этот номер уже есть у нас. Чтобы увидеть его заказы, поделитесь номером кнопкой ниже — так мы узнаем, что он ваш.",
		"The shop knows this number. To see its orders, share it with the button below, so we know it is yours.",
	},
	SlotTaken: {
		"Это время только что заняли. Выберите другое:",
		"Someone has just taken that time. Please pick another:",
	},
	MechanicNoChat: {
		"Назначено. Механик ещё не писал боту: попросите его открыть бота, и заказ появится в /queue.",
		"Assigned. The mechanic has not opened the bot yet: ask them to, and the order will be in their /queue.",
	},
	OwnerRoleFixed: {
		"Это владелец: его роль задаётся в настройках (OWNER_TELEGRAM_IDS), а не командой.",
		"That is an owner: owners are set in the configuration (OWNER_TELEGRAM_IDS), not by command.",
	},
	StaffOnlyButton: {"Эта кнопка — для сотрудников сервиса.", "This button is for the shop's staff."},
	ButtonInvalid:   {"Эта кнопка больше не действует.", "This button no longer works."},
	StaffGreeting: {
		"Здравствуйте, %s! Вы в команде сервиса.",
		"Hello, %s! You are on the shop's team.",
	},
	StaffStrayText: {
		"Не понял, к чему это. Открытые заказы — /orders, все команды — /help.",
		"I am not sure what that is for. Open orders: /orders; every command: /help.",
	},
	NoSlotButton: {"📞 Без времени — позвоните мне", "📞 No time, call me"},
	NoTime:       {"по звонку", "we will call"},
	Summary: {
		"<b>Проверьте заявку</b>\n\nИмя: %s\nТелефон: %s\nМашина: %s\nПроблема: %s\nВремя: %s",
		"<b>Please check your request</b>\n\nName: %s\nPhone: %s\nCar: %s\nProblem: %s\nTime: %s",
	},
	Confirm:      {"✅ Подтвердить", "✅ Confirm"},
	Edit:         {"✏️ Изменить", "✏️ Edit"},
	Cancel:       {"✖️ Отменить", "✖️ Cancel"},
	EditWhat:     {"Что изменить?", "What would you like to change?"},
	FieldName:    {"Имя", "Name"},
	FieldCar:     {"Машину", "Car"},
	FieldPhone:   {"Телефон", "Phone"},
	StillWaiting: {"↩️ Продолжим запись:", "↩️ Back to your booking:"},
	AskProblemAfterPhoto: {
		"📷 Фото сохранил. Теперь опишите коротко, что случилось — хватит пары слов.",
		"📷 Photo saved. Now describe the problem in a few words.",
	},
	NameIsPhone: {
		"Это похоже на номер телефона, а не на имя. Напишите имя буквами, например: Анна.",
		"That looks like a phone number, not a name. Please type a name in letters, for example: Anna.",
	},
	ModelIsPhone: {
		"Это похоже на номер телефона, а не на машину. Напишите марку и модель, например: Kia Rio.",
		"That looks like a phone number, not a car. Please type the make and model, for example: Kia Rio.",
	},
	RequestsWaiting: {
		"🆕 Новых заявок ждут, их ещё никто не взял: <b>%d</b>.",
		"🆕 New requests waiting, nobody has taken them yet: <b>%d</b>.",
	},
	RequestsWaitingMore: {
		" Вот первые %d; все — в /orders.",
		" Here are the first %d; /orders shows them all.",
	},
	FieldProblem: {"Проблему", "Problem"},
	FieldSlot:    {"Время", "Time"},
	Booked: {
		"Заявка <b>№%d</b> отправлена.",
		"Request <b>No. %d</b> is sent.",
	},
	BookingCancelled: {"Запись отменена. /start — начать заново.", "Booking cancelled. /start to begin again."},
	NothingToCancel:  {"Сейчас нечего отменять. /help — что я умею.", "There is nothing to cancel. /help shows what I can do."},
	Expired: {
		"Эта запись устарела — давайте начнём заново.",
		"That conversation has expired, let us start again.",
	},
	UnexpectedInput: {"Я жду ответ на вопрос выше.", "I am waiting for an answer to the question above."},
	CommandNotData: {
		"Команду нельзя сохранить как ответ. Ответьте на вопрос выше или /cancel, чтобы выйти.",
		"A command cannot be an answer. Answer the question above, or /cancel to leave.",
	},
	MyOrdersEmpty: {"У вас пока нет заказов. /start — записаться.", "You have no orders yet. /start to book."},
	MyOrdersTitle: {"<b>Ваши заказы</b>", "<b>Your orders</b>"},
	OrderLine:     {"№%d · %s · %s · %s", "No. %d · %s · %s · %s"},
	ClientCard: {
		"<b>Заказ №%d</b>\nСтатус: <b>%s</b>\nМашина: %s\nПроблема: %s\nВремя: %s",
		"<b>Order No. %d</b>\nStatus: <b>%s</b>\nCar: %s\nProblem: %s\nTime: %s",
	},
	ClientCardPending: {
		"\n\nЭто пока <b>заявка</b>: менеджер её подтвердит, и я сразу сообщу.",
		"\n\nThis is a <b>request</b> until the shop confirms it; I will tell you at once.",
	},
	StaffCard: {
		"<b>Заказ №%d</b> · %s\nКлиент: %s, %s\nМашина: %s\nПроблема: %s\nВремя: %s\nИсточник: %s",
		"<b>Order No. %d</b> · %s\nClient: %s, %s\nCar: %s\nProblem: %s\nTime: %s\nSource: %s",
	},
	StaffCardMechanic: {"\nМеханик: %s", "\nMechanic: %s"},
	NoMechanic:        {"не назначен", "not assigned"},
	PhotoAttached:     {" (есть фото)", " (photo attached)"},
	OrderPhoto:        {"Фото к заказу №%d", "Photo for order No. %d"},
	StatusNotice:      {"Заказ №%d: %s", "Order No. %d: %s"},
	NewRequestTitle:   {"🆕 Новая заявка", "🆕 New request"},
	AssignedTitle:     {"👷 Вам назначен заказ", "👷 An order is assigned to you"},
	Take:              {"Взять", "Take"},
	Assign:            {"Назначить", "Assign"},
	PickMechanic:      {"Кому назначить заказ №%d?", "Who takes order No. %d?"},
	NoMechanics: {
		"Механиков нет. Владелец или администратор приглашает их командой /invite mechanic.",
		"There are no mechanics. An owner or admin invites them with /invite mechanic.",
	},
	Back:       {"« Назад", "« Back"},
	QueueEmpty: {"Заказов в работе нет.", "No orders in work."},
	QueueTitle: {"<b>Заказы: %d</b>", "<b>Orders: %d</b>"},
	QueueMore:  {"…и ещё %d. Закройте выданные, чтобы увидеть остальные.", "…and %d more. Close delivered orders to see the rest."},
	OutOfDate: {
		"Карточка устарела — показываю актуальную.",
		"This card is out of date; here is the current one.",
	},
	Done:          {"Готово", "Done"},
	NotStaff:      {"Эта команда для сотрудников автосервиса.", "This command is for the shop's staff."},
	Forbidden:     {"У вас нет прав на это действие.", "You are not allowed to do that."},
	InternalError: {"Что-то пошло не так. Мы уже разбираемся, попробуйте ещё раз чуть позже.", "Something went wrong. We are on it; please try again a bit later."},
	InvalidInput:  {"Не получилось: проверьте введённые данные.", "That did not work: please check what you entered."},
	NotFound:      {"Не нашёл такой заказ.", "I could not find that order."},
	DailySummary: {
		"<b>Итоги дня %s</b>\nНовых заявок: %d\nЗаказов с движением: %d\nГотово к выдаче: %d\nВыдано: %d",
		"<b>Summary for %s</b>\nNew requests: %d\nOrders moved: %d\nReady: %d\nDelivered: %d",
	},
	SummaryNumbers: {"\n%s: %s", "\n%s: %s"},
	Truncated:      {"… (сокращено)", "… (shortened)"},
	UnknownCommand: {"Не знаю такой команды. /help — что я умею.", "I do not know that command. /help shows what I can do."},

	DeliveryFailed: {
		"⚠️ Не удалось доставить: %s%s.\nПричина: %s",
		"⚠️ Could not deliver: %s%s.\nReason: %s",
	},
	NoticeOrder: {" по заказу №%d", " for order No. %d"},
	ClientUnreachable: {
		"\n⛔ Клиент не получает сообщения с %s: бот заблокирован",
		"\n⛔ The client gets no messages since %s: the bot is blocked",
	},
	NoticesUsage:   {"Формат: /notices &lt;номер заказа&gt;", "Usage: /notices &lt;order number&gt;"},
	NoticesTitle:   {"<b>Уведомления по заказу №%d</b>", "<b>Notices of order No. %d</b>"},
	NoticesEmpty:   {"По заказу №%d уведомлений не было.", "Order No. %d has no notices."},
	NoticeLine:     {"\n%s · %s · %s", "\n%s · %s · %s"},
	NoticeDetail:   {": %s", ": %s"},
	NoticeAttempts: {" (попыток: %d)", " (attempts: %d)"},
	OutboxTitle:    {"<b>Очередь сообщений</b>", "<b>Outbox</b>"},
	OutboxCount:    {"\n%s · %s: %d, с %s", "\n%s · %s: %d, since %s"},
	OutboxClear: {
		"\nНичего не ждёт отправки, сбоев за сутки нет.",
		"\nNothing is waiting and nothing failed in the last 24 hours.",
	},
	OutboxStuck: {"\n\n<b>Требуют внимания</b>", "\n\n<b>Needs attention</b>"},
	OutboxItem:  {"\n#%d · %s%s · чат %d · %s", "\n#%d · %s%s · chat %d · %s"},
}
