package main

import (
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// An owner who never opened the bot cannot be written to: a request booked
// then reaches nobody, which the log says with its number; when the owner
// presses Start they are greeted by name and shown the waiting request with
// its Take button.
func TestRequestWaitsForStaffWhoOpenTheBot(t *testing.T) {
	t.Parallel()
	labels := map[string]struct{ greeting, waiting, take, accepted string }{
		"ru": {"Здравствуйте, Ольга!", "Новых заявок ждут", "Взять", "принят"},
		"en": {"Hello, Ольга!", "New requests waiting", "Take", "accepted"},
	}
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			lb := labels[l.code]
			h := newHarness(t, tgemu.Options{}, nil)
			owner := h.emu.NewUser(tgemu.UserOptions{FirstName: "Ольга", LanguageCode: l.code})
			h.env["OWNER_TELEGRAM_IDS"] = itoa64(owner.ID())
			h.start()
			client := h.emu.NewUser(tgemu.UserOptions{FirstName: "C", LanguageCode: l.code})
			h.book(client, l, "+79120000041", "Cli", "Kia Rio", "noise")

			deadline := time.Now().Add(awaitTimeout)
			for !strings.Contains(h.logs.String(), `"msg":"new request reaches no staff`) && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			var warning string
			for _, line := range strings.Split(h.logs.String(), "\n") {
				if strings.Contains(line, `"msg":"new request reaches no staff`) {
					warning = line
				}
			}
			if !strings.Contains(warning, `"level":"WARN"`) || !strings.Contains(warning, `"order_number":1001`) {
				t.Errorf("no warning naming order 1001 that it reaches nobody: %q", warning)
			}
			if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'new_request'`); n != 0 {
				t.Errorf("%d new-request notices queued with no one to send them to", n)
			}

			oc := owner.Chat()
			owner.Start("")
			greeting := h.next(oc, 0, lb.greeting)
			if strings.Contains(greeting.Text, "#"+itoa64(owner.ID())) {
				t.Errorf("greeted by id: %q", greeting.Text)
			}
			if n := h.count(`SELECT count(*) FROM staff WHERE telegram_user_id = $1 AND name = 'Ольга'`, owner.ID()); n != 1 {
				t.Errorf("the owner's name is not recorded")
			}
			waiting := h.next(oc, greeting.ID, lb.waiting)
			if !strings.Contains(waiting.Text, "1") {
				t.Errorf("waiting: %q", waiting.Text)
			}
			card := h.next(oc, waiting.ID, "1001")
			h.press(owner, card, lb.take)
			h.card(oc, card.ID, lb.accepted)

			// Taken, it no longer waits.
			owner.Start("")
			again := h.next(oc, card.ID, lb.greeting)
			time.Sleep(300 * time.Millisecond)
			if n := last(oc); n != again.ID {
				t.Errorf("a taken request is shown as waiting:\n%s", oc.Transcript())
			}
			h.noRejections()
		})
	}
}

// Staff text outside any dialog gets a short hint, never the /start greeting with a fresh copy
// of every waiting card: a mistyping manager would fill the chat with live duplicates.
func TestStaffStrayTextGetsAHint(t *testing.T) {
	t.Parallel()
	hints := map[string]string{"ru": "Не понял", "en": "I am not sure"}
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			owner := h.emu.NewUser(tgemu.UserOptions{FirstName: "O", LanguageCode: l.code})
			h.env["OWNER_TELEGRAM_IDS"] = itoa64(owner.ID())
			h.start()
			oc := owner.Chat()
			owner.Start("")
			h.next(oc, 0, "/orders")
			client := h.emu.NewUser(tgemu.UserOptions{FirstName: "C", LanguageCode: l.code})
			h.book(client, l, "+79120000051", "Cli", "Kia Rio", "noise")
			alert := h.next(oc, last(oc), "1001")
			for _, typo := range []string{"-", "ok"} {
				after := last(oc)
				owner.Send(typo)
				hint := h.next(oc, after, hints[l.code])
				if len(hint.Inline) > 0 {
					t.Errorf("the hint carries buttons: %+v", hint.Inline)
				}
			}
			time.Sleep(300 * time.Millisecond)
			cards := 0
			for _, m := range oc.Messages() {
				if m.ID >= alert.ID && strings.Contains(m.Text, "1001") {
					cards++
				}
			}
			if cards != 1 {
				t.Errorf("order 1001 is in the owner's chat %d times:\n%s", cards, oc.Transcript())
			}
			if n := h.count(`SELECT count(*) FROM clients`); n != 1 {
				t.Errorf("%d clients: the owner's text started a booking", n)
			}
			h.noRejections()
		})
	}
}
