package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// A second tap of Cancel on a booking reminder (the old copy of the buttons, as a double tap
// that raced the edit sends) is answered with an alert and leaves the confirmation of the first.
func TestReminderCancelTwiceKeepsConfirmation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, map[string]string{"QUIET_HOURS": "off"})
	petr := h.emu.NewUser(tgemu.UserOptions{FirstName: "Petr", LanguageCode: "ru"})
	petr.Start("")
	deliveryDrainUpdates(t, h.emu)
	ctx := context.Background()
	slot := time.Now().Truncate(time.Hour).Add(4 * time.Hour)
	var orderID, number int64
	if err := h.pool.QueryRow(ctx, sqlBooking, "+79002220009", petr.ID(), slot, "petr", "ru").Scan(&orderID, &number); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `
INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before)
VALUES ('booking_reminder', 'bulk', $1, 'ru', $2, jsonb_build_object('number', $3::bigint, 'slot', $4::timestamptz), 'booking_reminder:test:petr', now())`,
		petr.ID(), orderID, number, slot); err != nil {
		t.Fatal(err)
	}
	h.start()
	c := petr.Chat()
	pm := h.next(c, 0, "Напоминаем о записи")
	h.answered(h.press(petr, pm, "Отменить"))
	h.card(c, pm.ID, "отменена")

	id, err := petr.PressData(pm, buttonData(t, pm, "Отменить"))
	if err != nil {
		t.Fatal(err)
	}
	if a := h.answered(id); !a.ShowAlert || !strings.Contains(a.Text, "не действует") {
		t.Errorf("second tap answered %+v, want an alert", a)
	}
	time.Sleep(300 * time.Millisecond) // an edit would have come by now
	for _, m := range c.Messages() {
		if m.ID == pm.ID && !strings.Contains(m.Text, "отменена") {
			t.Errorf("second tap rewrote the confirmation to %q", m.Text)
		}
	}
	h.noRejections()
}

// A second tap of the slot a booking was just moved to keeps the "moved" confirmation instead of
// redrawing the list of free slots over it.
func TestRescheduleTwiceKeepsConfirmation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, map[string]string{"QUIET_HOURS": "off"})
	anna := h.emu.NewUser(tgemu.UserOptions{FirstName: "Anna", LanguageCode: "ru"})
	anna.Start("")
	deliveryDrainUpdates(t, h.emu)
	ctx := context.Background()
	slot := time.Now().Truncate(time.Hour).Add(4 * time.Hour)
	var orderID, number int64
	if err := h.pool.QueryRow(ctx, sqlBooking, "+79002220008", anna.ID(), slot, "anna", "ru").Scan(&orderID, &number); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `
INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before)
VALUES ('booking_reminder', 'bulk', $1, 'ru', $2, jsonb_build_object('number', $3::bigint, 'slot', $4::timestamptz), 'booking_reminder:test:anna', now())`,
		anna.ID(), orderID, number, slot); err != nil {
		t.Fatal(err)
	}
	h.start()
	c := anna.Chat()
	am := h.next(c, 0, "Напоминаем о записи")
	h.answered(h.press(anna, am, "Перенести"))
	pick := h.card(c, am.ID, "Выберите новое время")
	first := pick.Inline[0][0]
	h.answered(h.press(anna, pick, first.Text))
	h.card(c, am.ID, "перенесён на")

	id, err := anna.PressData(pick, first.CallbackData)
	if err != nil {
		t.Fatal(err)
	}
	if a := h.answered(id); !a.ShowAlert || !strings.Contains(a.Text, "уже перенесена") {
		t.Errorf("second tap answered %+v, want an alert", a)
	}
	time.Sleep(300 * time.Millisecond)
	for _, m := range c.Messages() {
		if m.ID == am.ID && !strings.Contains(m.Text, "перенесён на") {
			t.Errorf("second tap rewrote the confirmation to %q", m.Text)
		}
	}
	h.noRejections()
}

// A second rating tap is answered with an alert and leaves the first rating's message, with its
// apology, as it was.
func TestRatingTwiceKeepsApology(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	client := h.newClient()
	h.seedVisit(client, 0)
	h.start()
	c := client.Chat()
	h.welcomeBack(client)
	ask := h.askRating(client)
	h.press(client, ask, "1")
	h.card(c, ask.ID, "свяжется с вами")

	id, err := client.PressData(ask, buttonData(t, ask, "4"))
	if err != nil {
		t.Fatal(err)
	}
	if a := h.answered(id); !a.ShowAlert || !strings.Contains(a.Text, "уже записана") {
		t.Errorf("second tap answered %+v, want an alert", a)
	}
	time.Sleep(300 * time.Millisecond)
	for _, m := range c.Messages() {
		if m.ID == ask.ID && !strings.Contains(m.Text, "свяжется с вами") {
			t.Errorf("second tap rewrote the rating message to %q", m.Text)
		}
	}
	h.noRejections()
}
