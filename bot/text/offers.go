package text

import (
	"fmt"
	"time"
)

// Texts of offers, feedback, campaigns and the owner's digest (issue 7, items 2, 4-6). They live
// apart from messages.go so that flows added side by side do not edit one list; T looks keys up
// here too, and offers_test.go checks both languages.

// Keys of offers, feedback, campaigns and the digest.
const (
	OfferRepeatDays     Key = "offer_repeat_days"
	OfferRepeatKM       Key = "offer_repeat_km"
	OfferDeferred       Key = "offer_deferred"
	OfferCar            Key = "offer_car"
	OfferCampaign       Key = "offer_campaign"
	OfferBookButton     Key = "offer_book_button"
	OfferUnsubButton    Key = "offer_unsub_button"
	OfferGone           Key = "offer_gone"
	OfferBookingFor     Key = "offer_booking_for"
	Unsubscribed        Key = "unsubscribed"
	UnsubscribedAlready Key = "unsubscribed_already"
	Subscribed          Key = "subscribed"
	SubscribeFirst      Key = "subscribe_first"
	ConsentAsk          Key = "consent_ask"
	ConsentButton       Key = "consent_button"

	FeedbackAsk      Key = "feedback_ask"
	FeedbackThanks   Key = "feedback_thanks"
	FeedbackSorry    Key = "feedback_sorry"
	FeedbackAlready  Key = "feedback_already"
	FeedbackAlert    Key = "feedback_alert"
	FeedbackRecorded Key = "feedback_recorded"

	DigestTitle     Key = "digest_title"
	DigestAttention Key = "digest_attention"
	DigestAllClear  Key = "digest_all_clear"
	DigestStuck     Key = "digest_stuck"
	DigestEstimate  Key = "digest_estimate"
	DigestOverdue   Key = "digest_overdue"
	DigestLowStock  Key = "digest_low_stock"
	DigestNumbers   Key = "digest_numbers"
	DigestOrderBtn  Key = "digest_order_btn"
	DigestItemBtn   Key = "digest_item_btn"
	DigestGone      Key = "digest_gone"

	CampaignStart      Key = "campaign_start"
	CampaignSegment    Key = "campaign_segment"
	CampaignAll        Key = "campaign_all"
	CampaignReach      Key = "campaign_reach"
	CampaignByCar      Key = "campaign_by_car"
	CampaignBefore     Key = "campaign_before"
	CampaignAfter      Key = "campaign_after"
	CampaignSpend      Key = "campaign_spend"
	CampaignSource     Key = "campaign_source"
	CampaignDue        Key = "campaign_due"
	CampaignReset      Key = "campaign_reset"
	CampaignWrite      Key = "campaign_write"
	CampaignAskCar     Key = "campaign_ask_car"
	CampaignAskDate    Key = "campaign_ask_date"
	CampaignAskSpend   Key = "campaign_ask_spend"
	CampaignAskSource  Key = "campaign_ask_source"
	CampaignPickDue    Key = "campaign_pick_due"
	CampaignNoDue      Key = "campaign_no_due"
	CampaignAskMessage Key = "campaign_ask_message"
	CampaignPreview    Key = "campaign_preview"
	CampaignSendButton Key = "campaign_send_button"
	CampaignSent       Key = "campaign_sent"
	CampaignCancelled  Key = "campaign_cancelled"
	CampaignBadDate    Key = "campaign_bad_date"
	CampaignBadSpend   Key = "campaign_bad_spend"
	CampaignTooLong    Key = "campaign_too_long"
	CampaignNobody     Key = "campaign_nobody"
	OwnersOnly         Key = "owners_only"

	KMUsage    Key = "km_usage"
	KMRecorded Key = "km_recorded"
)

var offerCatalog = map[Key]forms{
	OfferRepeatDays: {"🔧 <b>%s</b>: %s с прошлого визита. Пора записаться — подберём удобное время.",
		"🔧 <b>%s</b>: %s since your last visit. Time to book — pick a time that suits you."},
	OfferRepeatKM: {"🔧 <b>%s</b>: около %s км с прошлого визита (по показаниям одометра). Пора записаться.",
		"🔧 <b>%s</b>: about %s km since your last visit (from your odometer readings). Time to book."},
	OfferDeferred: {"🔧 В прошлый раз вы отложили: <b>%s</b>. Самое время сделать — запишитесь.",
		"🔧 Last time you postponed: <b>%s</b>. Now is a good time — book a visit."},
	OfferCar:            {"\nАвтомобиль: %s", "\nCar: %s"},
	OfferCampaign:       {"%s", "%s"},
	OfferBookButton:     {"📅 Записаться", "📅 Book"},
	OfferUnsubButton:    {"🔕 Отписаться", "🔕 Unsubscribe"},
	OfferGone:           {"Это предложение больше не действует.", "This offer is no longer valid."},
	OfferBookingFor:     {"Записываем: <b>%s</b>.", "Booking: <b>%s</b>."},
	Unsubscribed:        {"Вы отписались от предложений и рекламных рассылок. Сообщения о ваших заказах и записях (в том числе напоминания о визите) будут приходить как прежде. Вернуть предложения: /subscribe", "You have unsubscribed from offers and marketing messages. Messages about your orders and bookings (visit reminders too) still come as before. To get offers again: /subscribe"},
	UnsubscribedAlready: {"Вы уже отписаны от предложений и рекламных рассылок. Вернуть их: /subscribe", "You are already unsubscribed from offers and marketing messages. To get them again: /subscribe"},
	Subscribed:          {"Готово: будем напоминать о плановом сервисе и присылать предложения, %s. Отписаться: /unsubscribe", "Done: we will remind you of scheduled service and send offers, %s. To stop: /unsubscribe"},
	ConsentAsk:          {"Напомнить, когда подойдёт срок следующего обслуживания?", "Shall we remind you when your next service is due?"},
	ConsentButton:       {"🔔 Да, напоминайте", "🔔 Yes, remind me"},
	SubscribeFirst:      {"Сначала запишитесь к нам через /start — тогда сможем присылать предложения.", "Book with us first (/start) — then we can send you offers."},

	FeedbackAsk:      {"Как прошёл визит по заказу №%d? Оцените, пожалуйста, от 1 до 5:", "How was your visit (order #%d)? Please rate it from 1 to 5:"},
	FeedbackThanks:   {"Спасибо за оценку!", "Thank you for your rating!"},
	FeedbackSorry:    {"Спасибо за честность. Нам жаль — владелец уже знает и свяжется с вами.", "Thank you for being honest. We are sorry — the owner has been told and will contact you."},
	FeedbackAlready:  {"Ваша оценка уже записана — спасибо!", "Your rating is already recorded — thank you!"},
	FeedbackAlert:    {"⚠️ <b>Низкая оценка</b>: заказ №%d — %d из 5.", "⚠️ <b>Low rating</b>: order #%d — %d of 5."},
	FeedbackRecorded: {"Заказ №%d: ваша оценка — %d из 5. Спасибо!", "Order #%d: your rating is %d of 5. Thank you!"},

	DigestTitle:     {"📊 <b>Сводка за %s</b>", "📊 <b>Digest for %s</b>"},
	DigestAttention: {"⚠️ <b>Требует внимания: %d</b>", "⚠️ <b>Needs attention: %d</b>"},
	DigestAllClear:  {"✅ Ничего не требует внимания.", "✅ Nothing needs attention."},
	DigestStuck:     {"• №%d: %s уже %s (норма %s)", "• #%d: %s for %s (norm %s)"},
	DigestEstimate:  {"• №%d: смета ждёт согласования %s", "• #%d: estimate awaiting approval for %s"},
	DigestOverdue:   {"• №%d: не оплачено %s, срок прошёл %s", "• #%d: %s unpaid, due %s"}, // %s: Ago
	DigestLowStock:  {"• %s: доступно %s при минимуме %s", "• %s: %s available, minimum %s"},
	DigestNumbers: {"<b>Деньги и закрытия</b>\nЗаказов закрыто: %d\nВыручка (выдано сегодня): %s\nПоступило оплат: %s\nК получению всего: %s",
		"<b>Money and closings</b>\nOrders closed: %d\nRevenue (delivered today): %s\nPayments received: %s\nOutstanding in all: %s"},
	DigestOrderBtn: {"№%d", "#%d"},
	DigestItemBtn:  {"📦 %s", "📦 %s"},
	DigestGone:     {"Этого больше нет.", "This is gone."},

	CampaignStart: {"📣 <b>Рассылка</b>\nВыберите, кому: условия складываются. Получат только согласившиеся на рассылку и доступные клиенты, не чаще раза в %d дн.",
		"📣 <b>Campaign</b>\nPick whom it goes to: conditions add up. Only clients who agreed to offers and can be reached get it, at most once in %d days."},
	CampaignSegment:    {"\n\nСегмент: %s", "\n\nSegment: %s"},
	CampaignAll:        {"все", "everyone"},
	CampaignReach:      {"\nПолучат: <b>%d</b>", "\nWill reach: <b>%d</b>"},
	CampaignByCar:      {"🚗 Марка/модель", "🚗 Make/model"},
	CampaignBefore:     {"⏪ Визит до…", "⏪ Visit before…"},
	CampaignAfter:      {"⏩ Визит после…", "⏩ Visit after…"},
	CampaignSpend:      {"💰 Потратил от…", "💰 Spent at least…"},
	CampaignSource:     {"🔗 Источник", "🔗 Lead source"},
	CampaignDue:        {"🔧 Пора на услугу", "🔧 Service due"},
	CampaignReset:      {"♻️ Сбросить", "♻️ Reset"},
	CampaignWrite:      {"✍️ Написать сообщение", "✍️ Write the message"},
	CampaignAskCar:     {"Напишите марку и, если нужно, модель: «Kia» или «Kia Rio».", "Type the make and, if you like, the model: \"Kia\" or \"Kia Rio\"."},
	CampaignAskDate:    {"Напишите дату: ДД.ММ.ГГГГ.", "Type the date: DD.MM.YYYY."},
	CampaignAskSpend:   {"Напишите сумму в рублях, например 10000.", "Type the amount in roubles, e.g. 10000."},
	CampaignAskSource:  {"Напишите источник, как в ссылке (src_avito → avito).", "Type the lead source as in the link (src_avito → avito)."},
	CampaignPickDue:    {"Какая услуга подошла по сроку?", "Which service is due?"},
	CampaignNoDue:      {"В каталоге нет услуг с интервалом повтора в днях.", "The catalog has no service with a repeat interval in days."},
	CampaignAskMessage: {"Напишите текст рассылки (до %d символов). К нему добавятся кнопки «Записаться» и «Отписаться».", "Write the campaign text (up to %d characters). Book and Unsubscribe buttons are added to it."},
	CampaignPreview:    {"Так увидят клиенты:\n\n%s\n\nПолучат: <b>%d</b>. Отправить?", "Clients will see:\n\n%s\n\nWill reach: <b>%d</b>. Send it?"},
	CampaignSendButton: {"📤 Отправить", "📤 Send"},
	CampaignSent:       {"📣 Рассылка №%d поставлена в очередь: %s.", "📣 Campaign #%d is queued for %s."}, // %s: Recipients
	CampaignCancelled:  {"Рассылка отменена.", "Campaign cancelled."},
	CampaignBadDate:    {"Не понял дату. Напишите ДД.ММ.ГГГГ, например 01.06.2026.", "I could not read the date. Type DD.MM.YYYY, e.g. 01.06.2026."},
	CampaignBadSpend:   {"Не понял сумму. Напишите число рублей, например 10000.", "I could not read the amount. Type roubles, e.g. 10000."},
	CampaignTooLong:    {"Слишком длинно: %d символов, можно до %d. Сократите и пришлите ещё раз.", "Too long: %d characters, up to %d allowed. Shorten it and send again."},
	CampaignNobody:     {"Под эти условия не подходит никто — измените сегмент.", "Nobody fits these conditions — change the segment."},
	KMUsage:            {"Напишите номер заказа и пробег: /km 1001 52300", "Type the order number and the mileage: /km 1001 52300"},
	KMRecorded:         {"Пробег %s км записан (заказ №%d).", "Mileage %s km recorded (order #%d)."},
	OwnersOnly:         {"Это может только владелец.", "Only an owner can do this."},
}

// offerCommandDescriptions are the menu lines of this file's commands.
var offerCommandDescriptions = map[string]forms{
	"campaign":    {"Рассылка клиентам", "Campaign to clients"},
	"subscribe":   {"Получать предложения сервиса", "Get the shop's offers"},
	"unsubscribe": {"Не присылать предложения", "Stop offers"},
	"km":          {"Записать пробег машины по заказу", "Record a car's mileage by order"},
}

// SinceDays words a time since a visit: days under two months, months after.
func SinceDays(l Lang, days int) string {
	if days >= 60 {
		m := int64((days + 15) / 30)
		if l == EN {
			return fmt.Sprintf(PluralEN(m, "%d month", "%d months"), m)
		}
		return fmt.Sprintf(PluralRU(m, "%d месяц", "%d месяца", "%d месяцев"), m)
	}
	n := int64(days)
	if l == EN {
		return fmt.Sprintf(PluralEN(n, "%d day", "%d days"), n)
	}
	return fmt.Sprintf(PluralRU(n, "%d день", "%d дня", "%d дней"), n)
}

// Span words a stretch of time for the digest: minutes under an hour (at least one), hours
// under two days, days after. Each unit is rounded down: 30 seconds is not "1 hour".
func Span(l Lang, d time.Duration) string {
	if d < time.Hour {
		m := max(int64(d/time.Minute), 1)
		if l == EN {
			return fmt.Sprintf(PluralEN(m, "%d minute", "%d minutes"), m)
		}
		return fmt.Sprintf(PluralRU(m, "%d минуту", "%d минуты", "%d минут"), m)
	}
	if h := int64(d / time.Hour); h < 48 {
		if l == EN {
			return fmt.Sprintf(PluralEN(h, "%d hour", "%d hours"), h)
		}
		return fmt.Sprintf(PluralRU(h, "%d час", "%d часа", "%d часов"), h)
	}
	return SinceDays(l, int(d/(24*time.Hour)))
}
