package text

// NoticeKind names an outbox message kind as staff read it: who was told what. Kinds are plain
// strings here so that this package stays free of the domain.
func NoticeKind(l Lang, kind string) string {
	return pick(l, noticeKinds, kind)
}

// DeliveryState is an outbox state as staff read it, with a sign to scan by.
func DeliveryState(l Lang, state string) string {
	return pick(l, deliveryStates, state)
}

// LaneName is an outbox lane as staff read it.
func LaneName(l Lang, lane string) string {
	return pick(l, laneNames, lane)
}

func pick(l Lang, m map[string]forms, key string) string {
	f, ok := m[key]
	if !ok {
		return key
	}
	if l == EN {
		return f.en
	}
	return f.ru
}

var noticeKinds = map[string]forms{
	"new_request":     {"сотрудникам: новая заявка", "staff: new request"},
	"order_assigned":  {"механику: назначен заказ", "mechanic: order assigned"},
	"status_changed":  {"клиенту: статус заказа", "client: order status"},
	"daily_summary":   {"владельцу: итоги дня", "owner: daily summary"},
	"digest_chart":    {"владельцу: график дня", "owner: the day's chart"},
	"delivery_failed": {"менеджерам: сбой доставки", "managers: delivery failure"},
	"card_redraw":     {"карточка заказа обновлена в чате", "order card redrawn in the chat"},
	"client_burst":    {"сотрудникам: сообщение клиента дополнено", "staff: client message extended"},
	// Order work (issue 4).
	"estimate":         {"клиенту: смета на согласование", "client: estimate to approve"},
	"estimate_decided": {"сотрудникам: решение по смете", "staff: estimate decided"},
	"invoice":          {"клиенту: счёт", "client: invoice"},
	"documents":        {"клиенту: документы заказа", "client: order documents"},
	"payment_receipt":  {"клиенту: оплата получена", "client: payment received"},
	"parts_needed":     {"менеджерам: нужны запчасти", "managers: parts needed"},
	"parts_arrived":    {"механику: запчасти пришли", "mechanic: parts arrived"},
	"low_stock":        {"менеджерам: запас на исходе", "managers: low stock"},
	// Scheduler (issue 7).
	"payment_reminder":      {"клиенту: напоминание об оплате", "client: payment reminder"},
	"payment_task":          {"менеджерам: задача по долгу", "managers: debt task"},
	"payment_unreachable":   {"менеджерам: клиенту не напомнить об оплате", "managers: client cannot be reminded to pay"},
	"booking_reminder":      {"клиенту: напоминание о записи", "client: booking reminder"},
	"booking_reminder_late": {"менеджерам: напоминание о записи не ушло", "managers: booking reminder missed"},
	"booking_changed":       {"менеджерам: клиент изменил запись", "managers: booking changed by the client"},
	"no_show":               {"менеджерам: клиент не приехал", "managers: client did not come"},
	"no_show_client":        {"клиенту: неявка, выбрать другое время", "client: missed booking, pick another time"},
}

var deliveryStates = map[string]forms{
	"pending":   {"⏳ ждёт отправки", "⏳ waiting"},
	"sending":   {"📤 отправляется", "📤 sending"},
	"sent":      {"✅ доставлено", "✅ delivered"},
	"failed":    {"❌ не доставлено", "❌ failed"},
	"blocked":   {"⛔ получатель заблокировал бота", "⛔ blocked by the recipient"},
	"uncertain": {"❔ ответ Telegram потерян, повторно не отправлялось", "❔ Telegram's answer was lost; not sent again"},
	"cancelled": {"🚫 отменено: повод отпал (оплачено, запись отменена)", "🚫 cancelled: no longer relevant (paid, booking cancelled)"},
}

var laneNames = map[string]forms{
	"interactive": {"срочные", "interactive"},
	"bulk":        {"рассылки", "bulk"},
}
