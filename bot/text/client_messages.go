package text

// Texts of clients' free messages to the shop (issue 7: the digest's "client messages
// unanswered"): the client's acknowledgement, the staff's copy and its buttons, the answer
// relayed back. They live apart from messages.go so that flows added side by side do not edit one
// list; T looks keys up here too, and client_messages_test.go checks both languages.

// Keys of clients' free messages.
const (
	ClientMessageAck         Key = "client_message_ack"
	ClientMessageAckClosed   Key = "client_message_ack_closed"
	ClientMessageAckStranger Key = "client_message_ack_stranger"
	ClientMessageCopy        Key = "client_message_copy"
	ClientMessageCopyOrder   Key = "client_message_copy_order"
	ClientMessageCopyPhone   Key = "client_message_copy_phone"
	ClientMessageHowTo       Key = "client_message_how_to"
	ClientMessageAnsweredBtn Key = "client_message_answered_btn"
	ClientMessageMarked      Key = "client_message_marked"
	ClientMessageAnsweredBy  Key = "client_message_answered_by"
	ClientMessageSent        Key = "client_message_sent"
	ClientMessageNeedText    Key = "client_message_need_text"
	ClientMessageNotAllowed  Key = "client_message_not_allowed"
	ClientMessageAnswer      Key = "client_message_answer"
	DigestUnanswered         Key = "digest_unanswered"
	DigestMessageBtn         Key = "digest_message_btn"
)

var clientMessageCatalog = map[Key]forms{
	ClientMessageAck: {"Передали ваше сообщение менеджеру, ответим здесь же.",
		"We passed your message to the manager and will answer here."},
	ClientMessageAckClosed: {"Передали ваше сообщение менеджеру. Сейчас сервис закрыт — ответим в рабочее время.",
		"We passed your message to the manager. The shop is closed now: we will answer during opening hours."},
	ClientMessageAckStranger: {"Записаться на ремонт — /start.", "To book a repair: /start."},
	// %s: who (escaped), then the optional order and phone lines, then the text (escaped).
	ClientMessageCopy:      {"💬 <b>Сообщение клиента</b> — %s%s%s\n\n%s", "💬 <b>Message from a client</b> — %s%s%s\n\n%s"},
	ClientMessageCopyOrder: {", заказ №%d", ", order #%d"},
	ClientMessageCopyPhone: {", %s", ", %s"},
	ClientMessageHowTo: {"<i>Ответьте на это сообщение (Reply) — ответ уйдёт клиенту. Ответили по телефону — нажмите «Ответил».</i>",
		"<i>Reply to this message and the answer goes to the client. Answered by phone? Press \"Answered\".</i>"},
	ClientMessageAnsweredBtn: {"✅ Ответил", "✅ Answered"},
	ClientMessageMarked:      {"Отмечено как отвеченное.", "Marked as answered."},
	ClientMessageAnsweredBy:  {"✅ Ответил(а) %s", "✅ Answered by %s"},
	ClientMessageSent:        {"✅ Ответ отправлен клиенту.", "✅ The answer went to the client."},
	ClientMessageNeedText:    {"Ответ клиенту — текстом: ответьте на сообщение ещё раз.", "Answer the client in text: reply to the message again."},
	ClientMessageNotAllowed: {"Отвечать клиентам могут владелец, администратор и менеджеры.",
		"Owners, admins and managers answer clients."},
	ClientMessageAnswer: {"💬 <b>Ответ автосервиса</b>\n\n%s", "💬 <b>The shop's answer</b>\n\n%s"},
	DigestUnanswered:    {"• 💬 %s: без ответа %s", "• 💬 %s: unanswered for %s"}, // %s: Span
	DigestMessageBtn:    {"💬 %s", "💬 %s"},
}
