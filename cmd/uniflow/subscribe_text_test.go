package main

import (
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// /subscribe says the shop's real gap between offers (OFFER_GAP_DAYS), not "once a month"
// always; /unsubscribe says it stops offers and marketing, not the messages about one's bookings
// (booking reminders are service messages and keep coming).
func TestSubscribeTextsSayTheGapAndWhatStops(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, map[string]string{"OFFER_GAP_DAYS": "14"})
	h.start()
	l := langs[0]
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	c := u.Chat()
	summary := h.toSummary(u, l, "+79120000071", "")
	h.press(u, summary, l.confirm)
	h.card(c, summary.ID, "1001")

	before := last(c)
	u.Send("/subscribe")
	if m := h.next(c, before, "Готово"); !strings.Contains(m.Text, "не чаще раза в 14 дней") || strings.Contains(m.Text, "месяц") {
		t.Errorf("/subscribe with OFFER_GAP_DAYS=14: %q", m.Text)
	}
	before = last(c)
	u.Send("/unsubscribe")
	m := h.next(c, before, "Вы отписались")
	if strings.Contains(m.Text, "напоминаний и предложений") || !strings.Contains(m.Text, "записях") {
		t.Errorf("/unsubscribe does not say booking messages keep coming: %q", m.Text)
	}
	if n := h.count(`SELECT count(*) FROM clients WHERE marketing_consent`); n != 0 {
		t.Errorf("%d clients still consent after /unsubscribe", n)
	}
	h.noRejections()
}
