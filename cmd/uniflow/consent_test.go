package main

import (
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// The booking summary carries the consent text (CONSENT_TEXT, shown literally), and pressing
// Confirm records the consent with the version of that text: no extra question, no extra step.
func TestConsentIsShownAndRecordedAtTheFirstBooking(t *testing.T) {
	t.Parallel()
	const consent = `Нажимая «Подтвердить», вы соглашаетесь на обработку данных <ООО "Ромашка"> & Co.`
	h := newHarness(t, tgemu.Options{}, map[string]string{"CONSENT_TEXT": consent})
	h.start()
	l := langs[0]
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	summary := h.toSummary(u, l, "+79120000051", "")
	if !strings.Contains(summary.Text, consent) {
		t.Fatalf("the summary does not show the consent text literally:\n%s", summary.Text)
	}
	if n := h.count(`SELECT count(*) FROM clients`); n != 0 {
		t.Fatalf("a client was stored before Confirm")
	}
	h.press(u, summary, l.confirm)
	h.card(u.Chat(), summary.ID, "1001")
	if n := h.count(`SELECT count(*) FROM clients WHERE pd_consent_at IS NOT NULL AND pd_consent_version ~ '^ru-[0-9a-f]{16}$'`); n != 1 {
		t.Errorf("the consent is not recorded with its version")
	}
	h.noRejections()
}
