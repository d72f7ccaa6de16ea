package main

import (
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// pressStale presses label on m, expects "out of date" and m redrawn in
// place to read want, with no new message in the chat.
func (h *harness) pressStale(u *tgemu.User, l lang, m tgemu.Message, label, want string) tgemu.Message {
	h.t.Helper()
	c := u.Chat()
	before := last(c)
	dead := buttonData(h.t, m, label)
	if a := h.answered(h.press(u, m, label)); !strings.Contains(a.Text, l.outOfDate) {
		h.t.Errorf("stale %q on message %d answered %q", label, m.ID, a.Text)
	}
	redrawn, err := c.Await(awaitTimeout, func(got tgemu.Message) bool {
		if got.ID != m.ID || !strings.Contains(got.Text, want) {
			return false
		}
		for _, row := range got.Inline {
			for _, b := range row {
				if b.CallbackData == dead {
					return false
				}
			}
		}
		return true
	})
	if err != nil {
		h.t.Fatalf("message %d is not redrawn to read %q: %v\n%s", m.ID, want, err, c.Transcript())
	}
	if n := last(c); n != before {
		h.t.Errorf("a stale press sent message %d; want the pressed one redrawn\n%s", n, c.Transcript())
	}
	return redrawn
}

// Every button of a booking is tied to the question it was shown with: a
// Skip, a slot, a car, a menu or a summary button left on an earlier
// question never answers the current one; it gets "out of date" and the
// current question, drawn in the pressed message.
func TestStaleBookingButtons(t *testing.T) {
	t.Parallel()
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "S", LanguageCode: l.code})
			c := u.Chat()
			year := h.toYear(u, l, "+79120000031", "Sam")
			h.press(u, year, "")
			plate := h.next(c, last(c), l.askPlate)

			// The year's Skip, pressed again, must not skip the plate. The
			// plate question drawn there is live, and so is the one below:
			// the client's next press, on either, answers it.
			year = h.pressStale(u, l, year, "", l.askPlate)
			if got, want := buttonData(t, year, ""), buttonData(t, plate, ""); got != want {
				t.Errorf("the redrawn plate question's Skip is %q, the live one's %q", got, want)
			}
			u.Send("А123ВС77")
			h.next(c, last(c), l.askProblem)
			u.Send("noise")
			slots := h.next(c, last(c), l.askSlot)
			h.press(u, slots, l.noSlotButton)
			summary := h.next(c, slots.ID, l.summary)
			if !strings.Contains(summary.Text, "А123ВС77") {
				t.Errorf("the plate was skipped: %q", summary.Text)
			}

			// A slot pressed at the summary changes nothing; the slot list
			// becomes the summary, and the summary below stays live.
			h.pressStale(u, l, slots, slots.Inline[0][0].Text, l.summary)
			h.pressStale(u, l, year, "", l.summary) // the plate's Skip, drawn on the year
			if n := h.count(`SELECT count(*) FROM orders`); n != 0 {
				t.Fatalf("stale presses booked %d orders", n)
			}
			h.press(u, summary, l.confirm)
			h.card(c, summary.ID, "1001")
			if n := h.count(`SELECT count(*) FROM orders o JOIN vehicles v ON v.id = o.vehicle_id WHERE v.plate = 'А123ВС77' AND o.slot IS NULL`); n != 1 {
				t.Errorf("orders as answered: %d", n)
			}

			// A known client: the menu's Book, pressed again at the car
			// question, does not start over.
			carPick := map[string]string{"ru": "Какую машину", "en": "Which car"}[l.code]
			u.Start("")
			menu := h.next(c, last(c)-1, "Sam")
			h.press(u, menu, "🔧")
			cars := h.next(c, menu.ID, carPick)
			menu = h.pressStale(u, l, menu, "🔧", carPick) // now the live car question
			h.press(u, menu, "Kia Rio")
			h.next(c, cars.ID, l.askProblem)
			h.pressStale(u, l, cars, "Kia Rio", l.askProblem)
			h.noRejections()
		})
	}
}

// The buttons of a manager's /new are tied to their step too.
func TestStaleNewOrderButtons(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h, mgr := s.h, s.manager.Chat()
	slots := s.newOrderToSlots("8 912 000-03-01", "Анна", "Lada Granta", "Скрипят тормоза")
	slotData := buttonData(t, slots, slots.Inline[0][0].Text)
	s.tap(s.manager, slots, "Без времени")
	sum := h.next(mgr, slots.ID, "Новый заказ")
	// A slot button (forged on the summary, as a stale client could send)
	// does not change the time of the confirmed step.
	if a := h.answered(h.pressData(s.manager, sum, slotData)); !strings.Contains(a.Text, "устарела") {
		t.Errorf("a slot at the confirm step answered %q", a.Text)
	}
	sum = h.next(mgr, sum.ID, "Новый заказ")
	if !strings.Contains(sum.Text, "по звонку") {
		t.Errorf("the time changed: %q", sum.Text)
	}
	s.tap(s.manager, sum, "Подтвердить")
	h.card(mgr, sum.ID, "Заказ №1001 создан")
	if n := h.count(`SELECT count(*) FROM orders WHERE slot IS NULL`); n != 1 {
		t.Errorf("orders without a time: %d", n)
	}
	h.noRejections()
}
