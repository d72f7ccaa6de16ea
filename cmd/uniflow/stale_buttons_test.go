package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// A booking button pressed after the conversation expired in Redis gets a
// friendly restart, not an error.
func TestBookingButtonAfterStateExpired(t *testing.T) {
	t.Parallel()
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "S", LanguageCode: l.code})
			c := u.Chat()
			yearQ := h.toYear(u, l, "+79120000009", "Sam")

			// The conversation's TTL runs out.
			rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
			defer rdb.Close()
			if err := rdb.Del(context.Background(), h.env["REDIS_PREFIX"]+"conv:"+itoa64(u.ID())).Err(); err != nil {
				t.Fatal(err)
			}
			id := h.press(u, yearQ, "")
			if a := h.answered(id); !strings.Contains(a.Text, l.expired) {
				t.Errorf("answer %q, want the expired note", a.Text)
			}
			h.next(c, yearQ.ID, l.askPhone) // booking starts again
			h.noRejections()
		})
	}
}

// Order buttons pressed days later, after the order was cancelled, get
// "out of date" and the current card, never a change.
func TestOrderButtonsPressedLate(t *testing.T) {
	t.Parallel()
	labels := map[string]struct{ assign, pick, diagnose, cancel, cancelled string }{
		"ru": {"Назначить", "Кому назначить", "Диагностика", "Отменить", "отменён"},
		"en": {"Assign", "Who takes", "Diagnose", "Cancel", "cancelled"},
	}
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			lb := labels[l.code]
			h := newHarness(t, tgemu.Options{}, nil)
			owner := h.newOwner(l.code)
			mech := h.emu.NewUser(tgemu.UserOptions{FirstName: "Mech", LanguageCode: l.code})
			h.start()
			h.staffHello(owner)
			h.hire(owner, mech, "mechanic")

			client := h.emu.NewUser(tgemu.UserOptions{FirstName: "C", LanguageCode: l.code})
			h.book(client, l, "+79120000010", "Cli", "Kia Rio", "noise")

			// With no managers and no staff group, the owner gets the request.
			req := h.next(owner.Chat(), 0, "1001")
			h.press(owner, req, lb.assign)
			menu := h.card(owner.Chat(), req.ID, lb.pick)
			mechLast := last(mech.Chat())
			h.press(owner, menu, "Mech")
			assigned := h.next(mech.Chat(), mechLast, "1001")

			// The owner cancels: the mechanic's card follows, without buttons.
			ownerCard := h.card(owner.Chat(), req.ID, "Mech")
			h.press(owner, ownerCard, lb.cancel)
			h.card(owner.Chat(), req.ID, lb.cancelled)
			fresh := h.card(mech.Chat(), assigned.ID, lb.cancelled)
			if len(fresh.Inline) != 0 {
				t.Errorf("a cancelled order still offers buttons: %+v", fresh.Inline)
			}
			// Three days pass; the mechanic's phone, which never got the
			// edit, still shows the old card, and he presses Diagnose on it.
			h.emu.Advance(72 * time.Hour)
			events := h.count(`SELECT count(*) FROM order_events`)
			id, err := mech.PressData(assigned, buttonData(t, assigned, lb.diagnose))
			if err != nil {
				t.Fatal(err)
			}
			if a := h.answered(id); !strings.Contains(a.Text, l.outOfDate) {
				t.Errorf("late press answered %q", a.Text)
			}
			if n := h.count(`SELECT count(*) FROM order_events`); n != events {
				t.Errorf("the late press wrote %d events", n-events)
			}
			if n := h.count(`SELECT count(*) FROM orders WHERE status = 'cancelled'`); n != 1 {
				t.Errorf("order is not cancelled")
			}
			h.noRejections()
		})
	}
}
