package text

import (
	"fmt"
	"time"
)

// Texts of the scheduler's notices (issue 7): payment reminders, booking reminders, /jobs. They
// live apart from messages.go so that flows added side by side do not edit one list; T looks keys
// up here too, and scheduler_test.go checks both languages.

// Keys of the scheduler's notices.
const (
	PaymentReminder     Key = "payment_reminder"
	PaymentHowTo        Key = "payment_how_to"
	PaymentHowToAddress Key = "payment_how_to_address"
	PaymentHowToPhone   Key = "payment_how_to_phone"
	PaymentTask         Key = "payment_task"
	PaymentUnreachable  Key = "payment_unreachable"

	BookingReminder       Key = "booking_reminder"
	DayToday              Key = "day_today"
	DayTomorrow           Key = "day_tomorrow"
	BookingConfirmButton  Key = "booking_confirm_button"
	BookingRescheduleBtn  Key = "booking_reschedule_button"
	BookingCancelButton   Key = "booking_cancel_button"
	BookingConfirmed      Key = "booking_confirmed"
	BookingCancelledByYou Key = "booking_cancelled_by_you"
	BookingPickNewSlot    Key = "booking_pick_new_slot"
	BookingRescheduled    Key = "booking_rescheduled"
	BookingNotActive      Key = "booking_not_active"
	BookingCancelledStaff Key = "booking_cancelled_staff"
	BookingReminderLate   Key = "booking_reminder_late"
	BookingMovedStaff     Key = "booking_moved_staff"

	JobsTitle     Key = "jobs_title"
	JobsLine      Key = "jobs_line"
	JobsNever     Key = "jobs_never"
	JobsRunning   Key = "jobs_running"
	JobsError     Key = "jobs_error"
	JobsRunButton Key = "jobs_run_button"
	JobsRan       Key = "jobs_ran"
	JobsBusy      Key = "jobs_busy"
	JobsOff       Key = "jobs_off"

	DigestInterimTitle Key = "digest_interim_title"
)

var schedulerCatalog = map[Key]forms{
	PaymentReminder: {
		"💳 <b>Напоминание об оплате</b>\nЗаказ №%d: к оплате <b>%s</b>, срок оплаты был %s (%s назад).\n%s",
		"💳 <b>Payment reminder</b>\nOrder No. %d: <b>%s</b> to pay, due on %s (%s ago).\n%s"},
	PaymentHowTo:        {"Оплатить можно в сервисе наличными или картой либо переводом.", "You can pay at the shop in cash or by card, or by bank transfer."},
	PaymentHowToAddress: {"\nАдрес: %s", "\nAddress: %s"},
	PaymentHowToPhone:   {"\nВопросы по оплате: %s", "\nQuestions about the payment: %s"},
	PaymentTask: {
		"📞 <b>Задача: долг по заказу №%d</b>\nКлиент: %s, %s\nОсталось оплатить: %s, срок был %s (%s назад). Напоминания клиенту не помогли — позвоните.",
		"📞 <b>Task: debt on order No. %d</b>\nClient: %s, %s\nLeft to pay: %s, due on %s (%s ago). The reminders did not help: please call."},
	PaymentUnreachable: {
		"⚠️ <b>Не удалось напомнить об оплате</b>\nЗаказ №%d, клиент %s, %s: бот не может ему писать (заблокирован или клиент не в Telegram).\nОсталось оплатить: %s, срок был %s.",
		"⚠️ <b>Could not send a payment reminder</b>\nOrder No. %d, client %s, %s: the bot cannot write to them (blocked, or not in Telegram).\nLeft to pay: %s, due on %s."},

	BookingReminder: {
		"🔔 <b>Напоминаем о записи</b>\nЗаказ №%d: %s в %s.\n%s\nВы придёте?",
		"🔔 <b>A reminder of your booking</b>\nOrder No. %d: %s at %s.\n%s\nWill you come?"},
	DayToday:              {"сегодня, %s", "today, %s"},
	DayTomorrow:           {"завтра, %s", "tomorrow, %s"},
	BookingConfirmButton:  {"✅ Приду", "✅ I'll come"},
	BookingRescheduleBtn:  {"🕒 Перенести", "🕒 Reschedule"},
	BookingCancelButton:   {"❌ Отменить", "❌ Cancel"},
	BookingConfirmed:      {"✅ Спасибо! Ждём вас %s в %s.", "✅ Thank you! See you on %s at %s."},
	BookingCancelledByYou: {"Запись по заказу №%d отменена, время освобождено.", "The booking for order No. %d is cancelled; the time is free again."},
	BookingPickNewSlot:    {"Выберите новое время для заказа №%d:", "Pick a new time for order No. %d:"},
	BookingRescheduled:    {"🕒 Заказ №%d перенесён на %s в %s.", "🕒 Order No. %d is moved to %s at %s."},
	BookingNotActive:      {"Эта запись уже не действует.", "This booking is no longer active."},
	BookingReminderLate:   {"⚠️ Напоминание о записи не отправлено вовремя (бот не работал): заказ №%d, %s, %s в %s. Позвоните клиенту.", "⚠️ A booking reminder could not go out in time (the bot was down): order No. %d, %s, %s at %s. Please call the client."},
	BookingCancelledStaff: {"❌ Клиент отменил запись: заказ №%d, %s, %s в %s. Время освобождено.", "❌ The client cancelled the booking: order No. %d, %s, %s at %s. The time is free again."},
	BookingMovedStaff:     {"🕒 Клиент перенёс запись: заказ №%d, %s, с %s %s на %s %s.", "🕒 The client moved the booking: order No. %d, %s, from %s %s to %s %s."},

	JobsTitle:     {"<b>Задания планировщика</b> (время — %s)", "<b>Scheduler jobs</b> (times in %s)"},
	JobsLine:      {"\n\n<b>%s</b> · <code>%s</code>\nпоследний запуск: %s · %s\nследующий: %s · запусков %d, ошибок %d", "\n\n<b>%s</b> · <code>%s</code>\nlast run: %s · %s\nnext: %s · runs %d, errors %d"}, // the 4th %s: JobCount
	JobsNever:     {"не запускалось", "never"},
	JobsRunning:   {" (идёт)", " (running)"},
	JobsError:     {"\n❗ %s", "\n❗ %s"},
	JobsRunButton: {"▶️ %s", "▶️ %s"},
	JobsRan:       {"Задание %s выполнено: %s.", "Job %s done: %s."}, // %s: JobCount
	JobsBusy:      {"Задание %s уже выполняется.", "Job %s is already running."},
	JobsOff:       {"Планировщик в этом процессе не запущен.", "The scheduler is not running in this process."},

	DigestInterimTitle: {"📊 <b>Промежуточная сводка за %s на %s</b>\nИтоговая придёт вечером, как обычно.", "📊 <b>Interim digest for %s as of %s</b>\nThe end-of-day digest comes in the evening as usual."},
}

// Days is "n days" in l: "1 день", "3 дня", "14 дней".
func Days(l Lang, n int) string {
	f := PluralRU(int64(n), "%d день", "%d дня", "%d дней")
	if l == EN {
		f = PluralEN(int64(n), "%d day", "%d days")
	}
	return fmt.Sprintf(f, n)
}

// JobCount words what a run of the job called name did n times, for /jobs: most jobs enqueue
// messages, no_shows counts the orders it marked (each also tells the staff and the client).
func JobCount(l Lang, name string, n int) string {
	if name == "no_shows" {
		if l == EN {
			return fmt.Sprintf("marked %d", n)
		}
		return fmt.Sprintf("отмечено %d", n)
	}
	if l == EN {
		return fmt.Sprintf("%d enqueued", n)
	}
	return fmt.Sprintf("поставлено в очередь %d", n)
}

// Ago words how long ago something happened, for the digest: "just now" under a minute, else
// Span and "ago".
func Ago(l Lang, d time.Duration) string {
	if d < time.Minute {
		if l == EN {
			return "just now"
		}
		return "только что"
	}
	if l == EN {
		return Span(l, d) + " ago"
	}
	return Span(l, d) + " назад"
}
