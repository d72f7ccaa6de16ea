package text

import "fmt"

// Refusals of the campaign dialog and of offers' repeated presses (the fixes after the fresh
// user's review). Functions, like abuse.go, so that they need no line in T's lookup.

// CampaignStale answers Send on a preview of a message the owner has since replaced: the
// campaign goes out only with the text its preview showed.
func CampaignStale(l Lang) string {
	if l == EN {
		return "This preview is out of date: the message has changed since. Here is the current one."
	}
	return "Этот предпросмотр устарел: текст с тех пор изменился. Вот текущий."
}

// CampaignEmpty refuses a campaign text with nothing visible in it.
func CampaignEmpty(l Lang) string {
	if l == EN {
		return "The message is empty: there is nothing visible in it. Write the campaign text."
	}
	return "Сообщение пустое: в нём нет видимого текста. Напишите текст рассылки."
}

// CampaignDateRange refuses a segment date outside the range from..to (DD.MM.YYYY).
func CampaignDateRange(l Lang, from, to string) string {
	if l == EN {
		return fmt.Sprintf("The date must be between %s and %s. Type DD.MM.YYYY.", from, to)
	}
	return fmt.Sprintf("Дата должна быть между %s и %s. Напишите ДД.ММ.ГГГГ.", from, to)
}

// OfferAlreadyBooked refuses Book on an offer that already became order number: one offer, one
// booking; another visit is booked from /start.
func OfferAlreadyBooked(l Lang, number int64) string {
	if l == EN {
		return fmt.Sprintf("You have already booked from this offer: order No. %d. To book another visit, send /start.", number)
	}
	return fmt.Sprintf("Вы уже записались по этому предложению: заказ №%d. Чтобы записаться ещё раз, отправьте /start.", number)
}

// BookingMovedAlready answers a repeated tap of the slot a booking was just moved to.
func BookingMovedAlready(l Lang) string {
	if l == EN {
		return "The booking is already moved to this time."
	}
	return "Запись уже перенесена на это время."
}
