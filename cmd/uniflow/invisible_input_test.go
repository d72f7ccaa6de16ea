package main

import (
	"context"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// Invisible and spoofing characters are cleaned from what clients type: a name of zero-width
// spaces (or Hangul fillers) is no name and is asked again in the client's language, and a
// right-to-left override never reaches the CRM or the staff, while an emoji family keeps its
// joiners.
func TestInvisibleCharactersAreCleaned(t *testing.T) {
	t.Parallel()
	nameInvalid := map[string]string{"ru": "Напишите имя текстом", "en": "Please type your name"}
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			group := h.emu.NewGroup("Staff", true)
			h.env["STAFF_CHAT_ID"] = itoa64(group.ID())
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "\u200b", LanguageCode: l.code})
			c := u.Chat()
			h.toName(u, l, "+79120000005")
			for _, blank := range []string{"\u200b\u200b\u200b", "\u202e\u2066\ufeff\u00ad", "\u3164\u3164", " \u200d\u0301 "} {
				u.Send(blank)
				h.next(c, last(c), nameInvalid[l.code])
			}
			u.Send("Ан\u200bна\u202e")
			h.next(c, last(c), l.askModel)
			u.Send("Kia\u200b Rio")
			yearQ := h.next(c, last(c), l.askYear)
			h.press(u, yearQ, "")
			h.next(c, last(c), l.askPlate)
			u.Send("А123\u200bВС77")
			h.next(c, last(c), l.askProblem)
			u.Send("Стучит \u202eспереди\u202c справа\nи скрипит 👨\u200d👩\u200d👧")
			slots := h.next(c, last(c), l.askSlot)
			h.press(u, slots, l.noSlotButton)
			summary := h.next(c, last(c), l.summary)
			if !strings.Contains(summary.Text, "Анна") || strings.ContainsAny(summary.Text, "\u200b\u202e") {
				t.Errorf("summary %q", summary.Text)
			}
			h.press(u, summary, l.confirm)
			h.card(c, summary.ID, "1001")

			var name, model, plate, problem string
			if err := h.pool.QueryRow(context.Background(), `
SELECT c.name, v.make || ' ' || v.model, v.plate, o.problem
FROM orders o JOIN clients c ON c.id = o.client_id JOIN vehicles v ON v.id = o.vehicle_id`).Scan(&name, &model, &plate, &problem); err != nil {
				t.Fatal(err)
			}
			if name != "Анна" || model != "Kia Rio" || plate != "А123ВС77" {
				t.Errorf("stored name %q, car %q, plate %q", name, model, plate)
			}
			if want := "Стучит спереди справа\nи скрипит 👨\u200d👩\u200d👧"; problem != want {
				t.Errorf("stored problem %q, want %q", problem, want)
			}
			staff := h.next(group, 0, "1001")
			if strings.ContainsAny(staff.Text, "\u200b\u202e\u202c") || !strings.Contains(staff.Text, "Стучит спереди справа") {
				t.Errorf("staff card %q", staff.Text)
			}
			h.noRejections()
		})
	}
}
