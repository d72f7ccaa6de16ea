package text

import "fmt"

// AtMostOnceIn words the least gap between two marketing messages (OFFER_GAP_DAYS) for the
// /subscribe answer: "не чаще раза в 14 дней", "at most once every 14 days".
func AtMostOnceIn(l Lang, days int) string {
	if l == EN {
		if days == 1 {
			return "at most once a day"
		}
		return fmt.Sprintf("at most once every %d days", days)
	}
	if days == 1 {
		return "не чаще раза в день"
	}
	return "не чаще раза в " + Days(l, days)
}
