package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// A confirmed booking whose slot passed with the car not in: the no-show job records it, the
// staff (here the owner: there are no managers) hear who did not come, in Moscow time on a UTC
// host, and the client is offered another time; they pick one from the offer, the booking moves
// and the staff hear of the move. Running the job again sends nothing more.
func TestNoShowOffersAnotherTimeE2E(t *testing.T) {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, tgemu.Options{}, map[string]string{"SHOP_TIMEZONE": "Europe/Moscow", "QUIET_HOURS": "off"})
	ownerUser := h.emu.NewUser(tgemu.UserOptions{FirstName: "Owner", LanguageCode: "ru"})
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(ownerUser.ID())
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Kolya", LanguageCode: "ru"})
	client.Start("")
	deliveryDrainUpdates(t, h.emu)
	h.start()
	ownerUser.Start("")
	h.next(ownerUser.Chat(), 0, "")

	// The start's catch-up runs every hourly job once (a fresh database has no runs): let it end,
	// so the presses below are what marks the bookings.
	h.waitCount(1, `SELECT count(*) FROM scheduler_runs WHERE job = 'no_shows' AND last_finished_at IS NOT NULL`)

	// Booked three hours ago (past the two hours' grace), confirmed, never came.
	slot := time.Now().In(msk).Truncate(time.Minute).Add(-3 * time.Hour)
	var orderID, number int64
	if err := h.pool.QueryRow(context.Background(), sqlBooking, "+79003330001", client.ID(), slot, "Коля", "ru").Scan(&orderID, &number); err != nil {
		t.Fatal(err)
	}
	// A request the shop never confirmed, its time passed too: the staff are told to call; its
	// client is offered nothing (nobody promised them that time).
	unconfirmed := h.emu.NewUser(tgemu.UserOptions{FirstName: "Vera", LanguageCode: "ru"})
	var otherID, otherNumber int64
	if err := h.pool.QueryRow(context.Background(), sqlBooking, "+79003330002", unconfirmed.ID(), slot.Add(-time.Hour), "Вера", "ru").Scan(&otherID, &otherNumber); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(context.Background(), `UPDATE orders SET status = 'new' WHERE id = $1`, otherID); err != nil {
		t.Fatal(err)
	}
	runJob := func() string {
		t.Helper()
		before := last(ownerUser.Chat())
		ownerUser.Send("/jobs")
		jm := h.next(ownerUser.Chat(), before, "no_shows")
		return h.answered(h.press(ownerUser, jm, "no_shows")).Text
	}
	if a := runJob(); !strings.Contains(a, "отмечено 2") {
		t.Errorf("run-now answer = %q, want two orders marked", a)
	}

	when := slot.Format("02.01.2006") + " в " + slot.Format("15:04")
	sm := h.next(ownerUser.Chat(), 0, "№"+itoa64(number)+", Коля")
	for _, want := range []string{"Клиент не приехал", "+79003330001", when, "Клиенту предложено выбрать другое время"} {
		if !strings.Contains(sm.Text, want) {
			t.Errorf("staff notice lacks %q:\n%s", want, sm.Text)
		}
	}
	cm := h.next(client.Chat(), 0, "мы ждали вас")
	if !strings.Contains(cm.Text, when) || !strings.Contains(cm.Text, "№"+itoa64(number)) {
		t.Errorf("client's offer does not name order %d at %s Moscow time:\n%s", number, when, cm.Text)
	}
	h.waitCount(1, `SELECT count(*) FROM orders WHERE id = $1 AND no_show_at IS NOT NULL`, orderID)
	if m := h.next(ownerUser.Chat(), 0, "№"+itoa64(otherNumber)+", Вера"); !strings.Contains(m.Text, "Позвоните клиенту") || strings.Contains(m.Text, "предложено") {
		t.Errorf("staff notice of the unconfirmed request: %s", m.Text)
	}

	h.answered(h.press(client, cm, "Выбрать другое время"))
	pick := h.card(client.Chat(), cm.ID, "Выберите новое время")
	if len(pick.Inline) == 0 || len(pick.Inline[0]) == 0 {
		t.Fatalf("no slots offered: %+v", pick)
	}
	for _, row := range pick.Inline {
		for _, b := range row {
			if strings.Contains(b.Text, "Приду") {
				t.Errorf("a slot missed offers to come to it: %+v", pick.Inline)
			}
		}
	}
	h.answered(h.press(client, pick, pick.Inline[0][0].Text))
	h.card(client.Chat(), cm.ID, "перенесён")
	h.waitCount(0, `SELECT count(*) FROM orders WHERE id = $1 AND slot = $2`, orderID, slot)
	if n := h.count(`SELECT count(*) FROM orders WHERE id = $1 AND slot > now() AND status = 'accepted'`, orderID); n != 1 {
		t.Errorf("the booking was not moved to a later slot")
	}
	if m := h.next(ownerUser.Chat(), sm.ID, "Клиент перенёс запись"); !strings.Contains(m.Text, "№"+itoa64(number)) {
		t.Errorf("move notice: %s", m.Text)
	}

	if a := runJob(); !strings.Contains(a, "отмечено 0") {
		t.Errorf("second run-now answer = %q, want nothing marked", a)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE order_id IN ($1, $2) AND kind IN ('no_show', 'no_show_client')`, orderID, otherID); n != 3 {
		t.Errorf("no-show messages = %d after a second run, want 3 (the staff's two and one client's)", n)
	}
	for _, m := range unconfirmed.Chat().BotMessages() {
		if strings.Contains(m.Text, "ждали") {
			t.Errorf("the client of an unconfirmed request was told they did not come: %s", m.Text)
		}
	}
	if r := h.emu.Rejected(); len(r) > 0 {
		t.Errorf("Telegram would refuse: %+v", r)
	}
}
