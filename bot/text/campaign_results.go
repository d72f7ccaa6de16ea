package text

import "fmt"

// Texts of how campaigns and offers did (the owner's /campaign) and the campaign's reach. They
// live apart from offers.go so that flows added side by side do not edit one list; T looks keys
// up here too, and campaign_results_test.go checks both languages.

// Keys of the marketing results.
const (
	MarketingResultsTitle Key = "marketing_results_title"
	CampaignResultLine    Key = "campaign_result_line"
	OfferResultLine       Key = "offer_result_line"
	OfferKindRepeat       Key = "offer_kind_repeat"
	OfferKindDeferred     Key = "offer_kind_deferred"
	ResultFunnel          Key = "result_funnel"
)

var campaignResultsCatalog = map[Key]forms{
	MarketingResultsTitle: {"📊 <b>Как сработали рассылки и предложения</b>", "📊 <b>How campaigns and offers did</b>"},
	// %d: number, %s: date, %s: the message's start (escaped), %s: ResultFunnel.
	CampaignResultLine: {"📣 №%d от %s «%s»\n%s", "📣 #%d of %s \"%s\"\n%s"},
	// %s: the kind, %d: days, %s: ResultFunnel.
	OfferResultLine:   {"%s за %d дн.\n%s", "%s, last %d days\n%s"},
	OfferKindRepeat:   {"🔁 Повторные предложения", "🔁 Repeat-sale offers"},
	OfferKindDeferred: {"⏳ Отложенные работы", "⏳ Deferred work"},
	ResultFunnel: {"   %s → доставлено %d → открыли %d → записались %d → оплатили %d",
		"   %s → delivered %d → opened %d → booked %d → paid %d"},
}

// Recipients words a number of recipients: "1 получатель", "5 получателей", "1 recipient".
func Recipients(l Lang, n int) string {
	f := PluralRU(int64(n), "%d получатель", "%d получателя", "%d получателей")
	if l == EN {
		f = PluralEN(int64(n), "%d recipient", "%d recipients")
	}
	return fmt.Sprintf(f, n)
}
