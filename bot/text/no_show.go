package text

// The news of a missed booking (bot/no_show.go). Apart from scheduler.go so that flows added
// side by side do not edit one list; T looks keys up here too.

// Keys of the no-show messages.
const (
	NoShowNotice       Key = "no_show_notice"
	NoShowOffered      Key = "no_show_offered"
	NoShowCall         Key = "no_show_call"
	NoShowClient       Key = "no_show_client"
	NoShowPickButton   Key = "no_show_pick_button"
	NoShowCancelButton Key = "no_show_cancel_button"
)

var noShowCatalog = map[Key]forms{
	// %d: order, %s: client and phone (escaped), %s: date, %s: time, %s: NoShowOffered or NoShowCall.
	NoShowNotice: {"🚫 Клиент не приехал: заказ №%d, %s, запись на %s в %s. Отмечено как неявка.%s",
		"🚫 The client did not come: order No. %d, %s, booked for %s at %s. Recorded as a no-show.%s"},
	// The notice's end: what the client was told, and what is left to the staff.
	NoShowOffered: {" Клиенту предложено выбрать другое время.", " The client is offered another time."},
	NoShowCall:    {" Позвоните клиенту.", " Please call the client."},
	// %d: order, %s: date, %s: time.
	NoShowClient: {"Заказ №%d: мы ждали вас %s в %s, но не дождались. Выберите другое удобное время или отмените запись.",
		"Order No. %d: we expected you on %s at %s, but you did not come. Pick another time that suits you, or cancel the booking."},
	NoShowPickButton:   {"🕒 Выбрать другое время", "🕒 Pick another time"},
	NoShowCancelButton: {"❌ Отменить запись", "❌ Cancel the booking"},
}
