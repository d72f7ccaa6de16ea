package main

import (
	"context"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// /forget_me is refused while the client has an open order or a debt, also when the confirm
// button is forged past the check; once both are settled it wipes the person and keeps the money.
func TestSecurityStaffForgetMe(t *testing.T) {
	t.Parallel()
	s := newSecShop(t)
	h := s.h
	c := s.client.Chat()
	h.book(s.client, langs[0], "+79120000041", "Иван Петров", "Kia Rio", "стук")
	orderID := int64(h.count(`SELECT id FROM orders`))
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := h.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	command := func(u *tgemu.User, text, expect string) func(*testing.T) string {
		return func(*testing.T) string { return s.say(u, text, expect).Text }
	}
	const openOrder = "есть незавершённый заказ"
	s.refuse(t, []attack{
		{name: "forget_me with an open order", by: s.client, do: command(s.client, "/forget_me", openOrder), want: openOrder, log: "forget_me refused"},
		{name: "a forged confirm with an open order", by: s.client, do: func(*testing.T) string {
			return s.pressForged(s.client, "fy:0:0")
		}, want: openOrder + "|больше не действует", log: "forget_me refused|malformed callback data"},
		{name: "forget_me by staff", by: s.mech, do: command(s.mech, "/forget_me", "Данные сотрудников"), want: "Данные сотрудников", log: "forget_me refused"},
		{name: "forget_me by an owner", by: s.owner, do: command(s.owner, "/forget_me", "Вы владелец"), want: "Другой владелец может отключить вас", log: "forget_me refused"},
	})

	// The car is handed back with the invoice unpaid: a debt.
	exec(`UPDATE orders SET status = 'delivered' WHERE id = $1`, orderID)
	exec(`INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines, due_at)
		VALUES ($1, now(), 250000, 0, 0, 250000, '[]', now())`, orderID)
	const debt = "неоплаченный счёт"
	s.refuse(t, []attack{
		{name: "forget_me with a debt", by: s.client, do: command(s.client, "/forget_me", debt), want: debt, log: "forget_me refused"},
	})

	// Paid: the client may go.
	exec(`INSERT INTO payments (order_id, amount, method, recorded_by) VALUES ($1, 250000, 'cash', $2)`, orderID, s.staffID(s.manager))
	ask := s.say(s.client, "/forget_me", "Удалить ваши персональные данные?")
	h.answered(h.press(s.client, ask, "Оставить"))
	h.card(c, ask.ID, "ничего не удалено")
	if n := h.count(`SELECT count(*) FROM clients WHERE name = 'Иван Петров'`); n != 1 {
		t.Fatalf("Keep deleted the client")
	}
	ask = s.say(s.client, "/forget_me", "Удалить ваши персональные данные?")
	h.answered(h.press(s.client, ask, "Да, удалить"))
	h.card(c, ask.ID, "персональные данные удалены")
	if n := h.count(`SELECT count(*) FROM clients WHERE name = '' AND telegram_user_id IS NULL AND chat_id IS NULL
		AND phone NOT LIKE '%120000041' AND forgotten_at IS NOT NULL`); n != 1 {
		t.Errorf("the client is not anonymised")
	}
	if n := h.count(`SELECT count(*) FROM vehicles WHERE plate <> '' OR vin <> ''`); n != 0 {
		t.Errorf("plates kept: %d", n)
	}
	if n := h.count(`SELECT count(*) FROM orders o JOIN invoices i ON i.order_id = o.id JOIN payments p ON p.order_id = o.id`); n != 1 {
		t.Errorf("the order, its invoice and payment are gone")
	}
	if n := h.count(`SELECT count(*) FROM audit_log WHERE action = 'client_forgotten' AND actor_kind = 'client'`); n != 1 {
		t.Errorf("forgetting is not audited")
	}
	// The bot no longer knows them: /my finds nothing.
	s.say(s.client, "/my", "")
	if n := h.count(`SELECT count(*) FROM clients WHERE telegram_user_id = $1`, s.client.ID()); n != 0 {
		t.Errorf("the client is linked again")
	}
	h.noRejections()
}
