package bot

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// How the last campaigns and the offers of the last month did, shown to the owner when /campaign
// opens, above the new campaign's menu: one sees what the last one brought before sending the
// next.

// campaignResultsShown is how many past campaigns /campaign lists; offerResultsDays how far back
// the offers are counted.
const (
	campaignResultsShown = 5
	offerResultsDays     = 30
)

// marketingResults is the results message, or "" when nothing was ever sent.
func (b *Bot) marketingResults(ctx context.Context, l text.Lang) (string, error) {
	cs, err := b.crm.CampaignResults(ctx, campaignResultsShown)
	if err != nil {
		return "", err
	}
	offers, err := b.crm.OfferResults(ctx, b.cfg.Now().AddDate(0, 0, -offerResultsDays))
	if err != nil {
		return "", err
	}
	if len(cs) == 0 && len(offers) == 0 {
		return "", nil
	}
	lines := []string{text.T(l, text.MarketingResultsTitle)}
	funnel := func(r crm.MarketingResult) string {
		return text.T(l, text.ResultFunnel, text.Recipients(l, r.Recipients), r.Sent, r.Opened, r.Booked, r.Paid)
	}
	for _, c := range cs {
		lines = append(lines, text.T(l, text.CampaignResultLine, c.CampaignID,
			dateText(c.CreatedAt.In(b.cfg.Location)), esc(headOf(c.Message, 40)), funnel(c)))
	}
	for _, o := range offers {
		kind := text.T(l, text.OfferKindRepeat)
		if o.Kind == crm.OfferDeferred {
			kind = text.T(l, text.OfferKindDeferred)
		}
		lines = append(lines, text.T(l, text.OfferResultLine, kind, offerResultsDays, funnel(o)))
	}
	return strings.Join(lines, "\n\n"), nil
}

// headOf is the first n characters of s on one line, with an ellipsis when cut.
func headOf(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
