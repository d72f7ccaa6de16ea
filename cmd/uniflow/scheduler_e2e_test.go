package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// sqlDebtor seeds a client of the user with a delivered order whose invoice fell due at $3.
const sqlDebtor = `
WITH c AS (
	INSERT INTO clients (phone, name, telegram_user_id, chat_id, language) VALUES ($1, $4, $2, $2, $5)
	ON CONFLICT (phone) DO UPDATE SET name = excluded.name RETURNING id),
v AS (INSERT INTO vehicles (client_id, make, model) SELECT id, 'Kia', 'Rio' FROM c RETURNING id, client_id),
o AS (
	INSERT INTO orders (branch_id, client_id, vehicle_id, status)
	SELECT (SELECT id FROM branches WHERE is_default), client_id, id, $6 FROM v RETURNING id, number),
i AS (
	INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines, due_at)
	SELECT id, $3, 1234500, 0, 0, 1234500, '[]', $3 FROM o)
SELECT id, number FROM o`

// sqlBooking seeds an order of the user's client booked at $3 and confirmed by the shop (accepted).
const sqlBooking = `
WITH c AS (
	INSERT INTO clients (phone, name, telegram_user_id, chat_id, language) VALUES ($1, $4, $2, $2, $5)
	ON CONFLICT (phone) DO UPDATE SET name = excluded.name RETURNING id),
v AS (INSERT INTO vehicles (client_id, make, model, plate) SELECT id, 'Lada', 'Vesta', 'А123ВС77' FROM c RETURNING id, client_id)
INSERT INTO orders (branch_id, client_id, vehicle_id, status, slot)
SELECT (SELECT id FROM branches WHERE is_default), client_id, id, 'accepted', $3 FROM v RETURNING id, number`

// The host runs in UTC, the shop in Moscow: the scheduler's reminders reach the clients through
// the emulator with every time in Moscow time; the booking reminder's buttons confirm, cancel
// (freeing the slot) and move the booking; a reminder whose invoice was paid, or whose booking
// was cancelled, before it was sent is cancelled, not sent; /jobs shows the jobs and runs one.
func TestSchedulerRemindersE2E(t *testing.T) {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, tgemu.Options{}, map[string]string{"SHOP_TIMEZONE": "Europe/Moscow", "QUIET_HOURS": "off"})
	ownerUser := h.emu.NewUser(tgemu.UserOptions{FirstName: "Owner", LanguageCode: "ru"})
	owner := ownerUser.ID()
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(owner)
	debtor := h.emu.NewUser(tgemu.UserOptions{FirstName: "Ivan", LanguageCode: "ru"})
	paid := h.emu.NewUser(tgemu.UserOptions{FirstName: "Paid", LanguageCode: "ru"})
	petr := h.emu.NewUser(tgemu.UserOptions{FirstName: "Petr", LanguageCode: "ru"})
	anna := h.emu.NewUser(tgemu.UserOptions{FirstName: "Anna", LanguageCode: "en"})
	olga := h.emu.NewUser(tgemu.UserOptions{FirstName: "Olga", LanguageCode: "ru"})
	gone := h.emu.NewUser(tgemu.UserOptions{FirstName: "Gone", LanguageCode: "ru"})
	for _, u := range []*tgemu.User{debtor, paid, petr, anna, olga, gone} {
		u.Start("")
	}
	deliveryDrainUpdates(t, h.emu)
	ctx := context.Background()

	// Due at 22:30 UTC three days ago: 01:30 the next day in Moscow. Step 1 (10:00 Moscow the
	// day after) has passed, step 7 has not.
	nowUTC := time.Now().UTC()
	due := time.Date(nowUTC.Year(), nowUTC.Month(), nowUTC.Day()-3, 22, 30, 0, 0, time.UTC)
	var debtOrder, debtNumber int64
	if err := h.pool.QueryRow(ctx, sqlDebtor, "+79001110001", debtor.ID(), due, "Иван", "ru", "delivered").Scan(&debtOrder, &debtNumber); err != nil {
		t.Fatal(err)
	}
	// A reminder already enqueued (say, for this morning) whose invoice was paid meanwhile.
	var paidOrder, paidNumber int64
	if err := h.pool.QueryRow(ctx, sqlDebtor, "+79001110002", paid.ID(), due, "Павел", "ru", "delivered").Scan(&paidOrder, &paidNumber); err != nil {
		t.Fatal(err)
	}
	// (It is paid once the owner, who records it, exists: below.)

	// Slots 3 hours and more ahead: reminded of now, in Moscow time.
	base := time.Now().In(msk).Truncate(time.Hour).Add(4 * time.Hour)
	slots := map[string]time.Time{"petr": base, "anna": base.Add(20 * time.Minute), "olga": base.Add(40 * time.Minute), "gone": base.Add(time.Hour)}
	orders := map[string][2]int64{}
	for i, b := range []struct {
		name string
		u    *tgemu.User
		lang string
	}{{"petr", petr, "ru"}, {"anna", anna, "en"}, {"olga", olga, "ru"}, {"gone", gone, "ru"}} {
		var id, number int64
		if err := h.pool.QueryRow(ctx, sqlBooking, "+7900222000"+itoa64(int64(i)), b.u.ID(), slots[b.name], b.name, b.lang).Scan(&id, &number); err != nil {
			t.Fatal(err)
		}
		orders[b.name] = [2]int64{id, number}
	}
	// Gone's booking is cancelled after its reminder was enqueued: the sender drops it.
	if _, err := h.pool.Exec(ctx, `
INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before)
VALUES ('booking_reminder', 'bulk', $1, 'ru', $2, jsonb_build_object('number', $3::bigint, 'slot', $4::timestamptz), 'booking_reminder:test:gone', now()),
	('payment_reminder', 'bulk', $5, 'ru', $6, jsonb_build_object('number', $7::bigint, 'step', 1, 'due_at', $8::timestamptz), 'payment_reminder:test:paid', now() + interval '2 seconds')`,
		gone.ID(), orders["gone"][0], orders["gone"][1], slots["gone"], paid.ID(), paidOrder, paidNumber, due); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `UPDATE orders SET status = 'cancelled' WHERE id = $1`, orders["gone"][0]); err != nil {
		t.Fatal(err)
	}

	h.start()
	ownerUser.Start("")
	h.next(ownerUser.Chat(), 0, "")
	if _, err := h.pool.Exec(ctx, `
INSERT INTO payments (order_id, amount, method, recorded_by)
SELECT $1, 1234500, 'cash', id FROM staff WHERE telegram_user_id = $2 AND NOT EXISTS (SELECT 1 FROM payments WHERE order_id = $1)`, paidOrder, owner); err != nil {
		t.Fatal(err)
	}

	// The payment reminder: amount, order, the due date in Moscow (not the UTC one), how to pay.
	m := h.next(debtor.Chat(), 0, "Напоминание об оплате")
	dueMSK := due.In(msk).Format("02.01.2006")
	for _, want := range []string{"№" + itoa64(debtNumber), "12 345", dueMSK, "Оплатить можно"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("payment reminder lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, due.Format("02.01.2006")) {
		t.Errorf("payment reminder shows the UTC date %s:\n%s", due.Format("02.01.2006"), m.Text)
	}

	// Booking reminders, in Moscow time, with the three buttons.
	local := func(name string) string { return slots[name].In(msk).Format("15:04") }
	pm := h.next(petr.Chat(), 0, "Напоминаем о записи")
	am := h.next(anna.Chat(), 0, "A reminder of your booking")
	om := h.next(olga.Chat(), 0, "Напоминаем о записи")
	for name, m := range map[string]tgemu.Message{"petr": pm, "anna": am, "olga": om} {
		if !strings.Contains(m.Text, local(name)) || !strings.Contains(m.Text, slots[name].In(msk).Format("02.01.2006")) {
			t.Errorf("%s's reminder does not show %s Moscow time:\n%s", name, slots[name].In(msk), m.Text)
		}
	}

	// Olga confirms; Petr cancels (the slot is free again); Anna moves to the first slot offered.
	h.answered(h.press(olga, om, "Приду"))
	h.card(olga.Chat(), om.ID, "Спасибо")
	h.waitCount(1, `SELECT count(*) FROM order_activity WHERE order_id = $1 AND kind = 'booking_confirmed'`, orders["olga"][0])

	h.answered(h.press(petr, pm, "Отменить"))
	if c := h.card(petr.Chat(), pm.ID, "отменена"); len(c.Inline) != 0 {
		t.Errorf("the cancelled reminder still has buttons: %+v", c.Inline)
	}
	h.waitCount(1, `SELECT count(*) FROM orders WHERE id = $1 AND status = 'cancelled'`, orders["petr"][0])

	h.answered(h.press(anna, am, "Reschedule"))
	pick := h.card(anna.Chat(), am.ID, "Pick a new time")
	if len(pick.Inline) == 0 || len(pick.Inline[0]) == 0 {
		t.Fatalf("no slots offered: %+v", pick)
	}
	h.answered(h.press(anna, pick, pick.Inline[0][0].Text))
	h.card(anna.Chat(), am.ID, "is moved to")
	h.waitCount(0, `SELECT count(*) FROM orders WHERE id = $1 AND slot = $2`, orders["anna"][0], slots["anna"])

	// The staff (here the owner: there are no managers) hear of both, in Moscow time.
	if m := h.next(ownerUser.Chat(), 0, "Клиент отменил запись"); !strings.Contains(m.Text, "№"+itoa64(orders["petr"][1])) || !strings.Contains(m.Text, local("petr")) {
		t.Errorf("cancellation notice: %s", m.Text)
	}
	if m := h.next(ownerUser.Chat(), 0, "Клиент перенёс запись"); !strings.Contains(m.Text, "№"+itoa64(orders["anna"][1])) || !strings.Contains(m.Text, local("anna")) {
		t.Errorf("move notice: %s", m.Text)
	}

	// The reminders whose reason went away are cancelled, not sent.
	h.waitCount(2, `SELECT count(*) FROM outbox WHERE dedupe_key LIKE '%:test:%' AND state = 'cancelled'`)
	for _, u := range []*tgemu.User{gone, paid} {
		for _, m := range u.Chat().BotMessages() {
			if strings.Contains(m.Text, "Напоминаем") || strings.Contains(m.Text, "Напоминание") {
				t.Errorf("%s got %q, whose reason went away", u.Chat().Transcript(), m.Text)
			}
		}
	}

	// /jobs: the owner sees the jobs and runs one now.
	before := last(ownerUser.Chat())
	ownerUser.Send("/jobs")
	jm := h.next(ownerUser.Chat(), before, "payment_reminders")
	for _, want := range []string{"booking_reminders", "no_shows", "daily_summary", "Europe/Moscow"} {
		if !strings.Contains(jm.Text, want) {
			t.Errorf("/jobs lacks %q:\n%s", want, jm.Text)
		}
	}
	// The summary's next run is 20:00 Moscow time, whatever the host's clock says.
	if !strings.Contains(jm.Text, "20:00") {
		t.Errorf("/jobs does not show the summary's next run at 20:00 Moscow time:\n%s", jm.Text)
	}
	a := h.answered(h.press(ownerUser, jm, "payment_reminders"))
	if !strings.Contains(a.Text, "payment_reminders") {
		t.Errorf("run-now answer = %q", a.Text)
	}
	// Run again, it enqueues nothing new: still one reminder for the debt.
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'payment_reminder' AND order_id = $1`, debtOrder); n != 1 {
		t.Errorf("payment reminders of the debt = %d, want 1", n)
	}
	if r := h.emu.Rejected(); len(r) > 0 {
		t.Errorf("Telegram would refuse: %+v", r)
	}
}
