package crm_test

import (
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

// After /forget_me no column holds the client's Telegram id, phone or name: not the outbox's
// chat, keys and data, not the booking key, the activity data, the chat decisions, the chat
// migrations or the photo; the orders, invoices and payments stay.
func TestForgetLeavesNoTrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	owner := e.MustOwner(t, 1)
	card := e.MustBook(t, booking(100, "a"))
	id := card.Order.ID
	for _, q := range []string{
		`UPDATE orders SET status = 'closed', photo_file_id = 'AgACphoto' WHERE id = $1`,
		`INSERT INTO outbox (kind, chat_id, order_id, data, dedupe_key, state) VALUES
			('status_changed', 100, $1::bigint, '{"number":1001}', 'status_changed:' || $1::bigint || ':9', 'sent'),
			('estimate', 100, $1, '{"number":1001}', 'estimate:' || $1::bigint || ':100', 'sent'),
			('feedback_ask', 100, $1, '{"number":1001}', 'feedback_ask:' || $1::bigint, 'pending'),
			('delivery_failed', 1, $1, '{"chat_id":100,"number":1001}', 'delivery_failed:77:1', 'sent')`,
		`INSERT INTO order_activity (order_id, actor_kind, kind, data) VALUES ($1, 'system', 'document_sent', '{"document":"invoice","chat_id":100}')`,
		`INSERT INTO chat_migrations (from_chat_id, to_chat_id) SELECT 100, 555 WHERE $1::bigint > 0`,
		`INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines) VALUES ($1, now(), 1000, 0, 0, 1000, '[]')`,
	} {
		if _, err := e.db.Exec(e.ctx, q, id); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := e.db.Exec(e.ctx, `INSERT INTO payments (order_id, amount, method, recorded_by) VALUES ($1, 1000, 'cash', $2)`, id, owner.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ForgetClient(e.ctx, 100); err != nil {
		t.Fatal(err)
	}
	for what, q := range map[string]string{
		"outbox chat":       `SELECT count(*) FROM outbox WHERE chat_id = 100`,
		"outbox key":        `SELECT count(*) FROM outbox WHERE dedupe_key ~ '(^|:)100(:|$)'`,
		"outbox data":       `SELECT count(*) FROM outbox WHERE data::text ~ '\m100\M'`,
		"unsent to them":    `SELECT count(*) FROM outbox WHERE kind = 'feedback_ask'`,
		"booking key":       `SELECT count(*) FROM orders WHERE booking_key LIKE '%100%'`,
		"photo":             `SELECT count(*) FROM orders WHERE photo_file_id <> ''`,
		"activity data":     `SELECT count(*) FROM order_activity WHERE data::text ~ '\m100\M'`,
		"chat migration":    `SELECT count(*) FROM chat_migrations WHERE 100 IN (from_chat_id, to_chat_id)`,
		"phone, name or id": `SELECT count(*) FROM clients WHERE phone LIKE '%9120000100%' OR name <> '' OR telegram_user_id IS NOT NULL`,
	} {
		if n := e.count(t, q); n != 0 {
			t.Errorf("%s: %d rows still point at the client", what, n)
		}
	}
	if n := e.count(t, `SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM invoices) + (SELECT count(*) FROM payments)`); n != 3 {
		t.Errorf("financial records = %d, want the order, its invoice and payment", n)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE kind IN ('status_changed', 'estimate', 'delivery_failed')`); n != 3 {
		t.Errorf("the sent notices' history = %d rows, want 3 kept", n)
	}
	c, err := e.svc.OrderCard(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Client.Erased() {
		t.Errorf("the order's client %+v does not read as erased", c.Client)
	}
}
