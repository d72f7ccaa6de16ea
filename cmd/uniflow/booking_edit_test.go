package main

import (
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// Edit on the summary changes one answer and comes straight back to the
// summary: the name alone, or the car's questions and no others.
func TestEditOneAnswerReturnsToSummary(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	l := langs[1]
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "E", LanguageCode: "en"})
	c := u.Chat()
	u.Start("")
	h.next(c, 0, l.askPhone)
	u.Send("+79120000014")
	h.next(c, last(c), l.askName)
	u.Send("Ed")
	h.next(c, last(c), l.askModel)
	u.Send("Kia Rio")
	year := h.next(c, last(c), l.askYear)
	h.press(u, year, "Skip")
	plate := h.next(c, last(c), l.askPlate)
	h.press(u, plate, "Skip")
	h.next(c, last(c), l.askProblem)
	u.Send("noise")
	slots := h.next(c, last(c), l.askSlot)
	h.press(u, slots, l.noSlotButton)
	summary := h.next(c, last(c), l.summary)

	h.press(u, summary, "Edit")
	menu := h.card(c, summary.ID, "What would you like to change")
	h.press(u, menu, "Name")
	h.next(c, summary.ID, l.askName)
	u.Send("Edward")
	summary = h.next(c, last(c), l.summary)
	if !strings.Contains(summary.Text, "Name: Edward") {
		t.Errorf("summary after the name edit: %q", summary.Text)
	}

	h.press(u, summary, "Edit")
	menu = h.card(c, summary.ID, "What would you like to change")
	h.press(u, menu, "Car")
	h.next(c, summary.ID, l.askModel)
	u.Send("Lada Vesta")
	year = h.next(c, last(c), l.askYear)
	u.Send("2020")
	h.next(c, last(c), l.askPlate)
	u.Send("В777ОР 99")
	summary = h.next(c, last(c), l.summary)
	if !strings.Contains(summary.Text, "Car: Lada Vesta 2020 · В777ОР99") || !strings.Contains(summary.Text, "Name: Edward") {
		t.Errorf("summary after the car edit: %q", summary.Text)
	}
	h.press(u, summary, l.confirm)
	h.card(c, summary.ID, "1001")
	if n := h.count(`SELECT count(*) FROM vehicles WHERE make = 'Lada' AND model = 'Vesta' AND year = 2020`); n != 1 {
		t.Errorf("vehicle rows: %d", n)
	}
	h.noRejections()
}
