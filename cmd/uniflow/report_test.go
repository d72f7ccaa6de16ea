package main

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// The owner's /report through the real bot: today's numbers, the period buttons, the branch
// buttons only once a second branch exists, the managers' operational part, and refusals.
func TestOwnerReportThroughTheBot(t *testing.T) {
	t.Parallel()
	s := newSecShop(t)
	h := s.h
	ctx := context.Background()
	// One order delivered an hour ago, 12 345,67 ₽ of labour, paid; one cancelled by the client.
	if _, err := h.pool.Exec(ctx, `
INSERT INTO clients (phone, name, lead_source, created_at) VALUES ('+79120000077', 'Клиент', 'avito', now() - interval '3 hours');
INSERT INTO vehicles (client_id, make) SELECT id, 'Lada' FROM clients WHERE phone = '+79120000077';
INSERT INTO orders (branch_id, client_id, vehicle_id, status, lead_source, mechanic_id, created_at, updated_at)
SELECT 1, c.id, v.id, st, 'avito', (SELECT id FROM staff WHERE role = 'mechanic'), now() - interval '3 hours', now()
FROM clients c JOIN vehicles v ON v.client_id = c.id, unnest(ARRAY['delivered', 'cancelled']) st WHERE c.phone = '+79120000077';
INSERT INTO order_events (order_id, actor_kind, from_status, to_status, created_at)
SELECT o.id, 'staff', e.f, e.t, now() - e.ago FROM orders o, (VALUES ('', 'new', interval '3 hours'), ('new', 'accepted', interval '170 minutes'),
	('accepted', 'diagnosing', interval '160 minutes'), ('diagnosing', 'in_progress', interval '150 minutes'),
	('in_progress', 'ready', interval '90 minutes'), ('ready', 'delivered', interval '60 minutes')) e(f, t, ago)
WHERE o.status = 'delivered';
INSERT INTO order_events (order_id, actor_kind, from_status, to_status, created_at)
SELECT o.id, 'client', 'new', 'cancelled', now() - interval '2 hours' FROM orders o WHERE o.status = 'cancelled';
INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines, due_at)
SELECT id, now() - interval '90 minutes', 1234567, 0, 0, 1234567, '[]', now() - interval '60 minutes' FROM orders WHERE status = 'delivered';
INSERT INTO payments (order_id, amount, method, recorded_by, created_at)
SELECT id, 1234567, 'card', (SELECT id FROM staff WHERE role = 'owner'), now() - interval '50 minutes' FROM orders WHERE status = 'delivered'`); err != nil {
		t.Fatal(err)
	}

	after := last(s.owner.Chat())
	rep := s.say(s.owner, "/report", "Отчёт: сегодня")
	// The picture comes first, a real PNG Telegram took.
	chart := h.next(s.owner.Chat(), after, "Заказы и выручка за 30 дней")
	if chart.Kind != "photo" || chart.FileID == "" || chart.ID > rep.ID {
		t.Errorf("the chart: %+v", chart)
	}
	for _, want := range []string{"Открыто 2", "отменено 1", "Отмены: клиент 1", "Выручка 12 345,67 ₽ (было 0), выдано 1",
		"Оплаты 12 345,67 ₽", "вовремя 100,0 %", "Воронка по источникам", "avito: 1 → 2", "Пётр: заказов 1",
		"Рентабельность"} {
		if !strings.Contains(rep.Text, want) {
			t.Errorf("the owner's report lacks %q:\n%s", want, rep.Text)
		}
	}
	if utf8.RuneCountInString(rep.Text) > 4096 {
		t.Errorf("the report is %d characters", utf8.RuneCountInString(rep.Text))
	}
	if hasButton(rep, "все филиалы") {
		t.Error("a shop with one branch is offered branches")
	}
	// The month: the same message redrawn.
	h.answered(h.press(s.owner, rep, "месяц"))
	month := h.card(s.owner.Chat(), rep.ID, "Отчёт: месяц")
	if !strings.Contains(month.Text, "Выручка 12 345,67 ₽") || !hasButton(month, "• месяц") {
		t.Errorf("the month's report:\n%s\nbuttons %+v", month.Text, month.Inline)
	}

	// A second branch: branch buttons, and the new branch has nothing.
	if _, err := h.pool.Exec(ctx, `INSERT INTO branches (name) VALUES ('Север')`); err != nil {
		t.Fatal(err)
	}
	rep = s.say(s.owner, "/report", "Филиал: все филиалы")
	h.answered(h.press(s.owner, rep, "Север"))
	north := h.card(s.owner.Chat(), rep.ID, "Филиал: Север")
	if !strings.Contains(north.Text, "Выручка 0,00 ₽") {
		t.Errorf("the empty branch's report:\n%s", north.Text)
	}

	// A custom range, and one the bot cannot read.
	s.say(s.owner, "/report 01.01.2025 31.01.2025", "Отчёт: период, 01.01.2025–31.01.2025")
	s.say(s.owner, "/report вчера", "Не понял даты")

	// The manager sees the operational part only; a mechanic none.
	mrep := s.say(s.manager, "/report", "Отчёт: сегодня")
	if strings.Contains(mrep.Text, "Воронка по источникам") || strings.Contains(mrep.Text, "Рентабельность (") || !strings.Contains(mrep.Text, "в отчёте владельца") {
		t.Errorf("the manager's report:\n%s", mrep.Text)
	}
	refusal := s.say(s.mech, "/report", "")
	if strings.Contains(refusal.Text, "Отчёт") {
		t.Errorf("a mechanic got the report:\n%s", refusal.Text)
	}
	h.noRejections()
}
