package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// A client who moves their booking from the reminder sees their live card and the staff group's
// card redrawn with the new time, as after a status change (the tester's finding: both kept the
// old time).
func TestCardRedrawAfterReschedule(t *testing.T) {
	t.Parallel()
	group := (*tgemu.Chat)(nil)
	h := newHarness(t, tgemu.Options{}, map[string]string{"QUIET_HOURS": "off"})
	group = h.emu.NewGroup("Staff", true)
	h.env["STAFF_CHAT_ID"] = strconv.FormatInt(group.ID(), 10)
	loc := mustLocation(t, h.env["SHOP_TIMEZONE"])
	anna := h.emu.NewUser(tgemu.UserOptions{FirstName: "Anna", LanguageCode: "ru"})
	anna.Start("")
	deliveryDrainUpdates(t, h.emu)
	ctx := context.Background()
	slot := time.Now().In(loc).Truncate(time.Hour).Add(4 * time.Hour)
	var orderID, number int64
	if err := h.pool.QueryRow(ctx, sqlBooking, "+79002220018", anna.ID(), slot, "anna", "ru").Scan(&orderID, &number); err != nil {
		t.Fatal(err)
	}
	h.start()
	c := anna.Chat()
	// The client's live card is a bot message in her chat; the group's card comes from the outbox.
	welcome := h.next(c, 0, "")
	if _, err := h.pool.Exec(ctx, `UPDATE orders SET client_card_chat_id = $2, client_card_message_id = $3 WHERE id = $1`,
		orderID, anna.ID(), welcome.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `
INSERT INTO outbox (kind, chat_id, language, order_id, data, dedupe_key)
VALUES ('new_request', $1, 'ru', $2, jsonb_build_object('number', $3::bigint), 'new_request:test')`, group.ID(), orderID, number); err != nil {
		t.Fatal(err)
	}
	gcard := h.next(group, 0, "Новая заявка")
	old := slot.Format("02.01 15:04")
	if !strings.Contains(gcard.Text, old) {
		t.Fatalf("group card lacks the slot %s:\n%s", old, gcard.Text)
	}
	if _, err := h.pool.Exec(ctx, `
INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before)
VALUES ('booking_reminder', 'bulk', $1, 'ru', $2, jsonb_build_object('number', $3::bigint, 'slot', $4::timestamptz), 'booking_reminder:test:anna', now())`,
		anna.ID(), orderID, number, slot); err != nil {
		t.Fatal(err)
	}
	am := h.next(c, welcome.ID, "Напоминаем о записи")
	h.answered(h.press(anna, am, "Перенести"))
	pick := h.card(c, am.ID, "Выберите новое время")
	h.answered(h.press(anna, pick, pick.Inline[0][0].Text))
	h.card(c, am.ID, "перенесён на")

	var moved time.Time
	if err := h.pool.QueryRow(ctx, `SELECT slot FROM orders WHERE id = $1`, orderID).Scan(&moved); err != nil {
		t.Fatal(err)
	}
	if moved.Equal(slot) {
		t.Fatal("the booking did not move")
	}
	now := moved.In(loc).Format("02.01 15:04")
	h.card(c, welcome.ID, now)
	h.card(group, gcard.ID, now)
	for _, m := range []tgemu.Message{lastText(c, welcome.ID), lastText(group, gcard.ID)} {
		if strings.Contains(m.Text, old) {
			t.Errorf("card %d still shows the old slot %s:\n%s", m.ID, old, m.Text)
		}
	}
	h.noRejections()
}

// lastText is message id of c as it reads now.
func lastText(c *tgemu.Chat, id int) tgemu.Message {
	for _, m := range c.Messages() {
		if m.ID == id {
			return m
		}
	}
	return tgemu.Message{}
}
