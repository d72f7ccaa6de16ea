package crm_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/uniflow-crm/uniflow/crm"
)

// A change made from a pressed card redraws every other card of the order, but not the pressed
// one: its handler edits it, and a redraw row would race that edit and be refused by Telegram
// as "message is not modified" (seen in TestStoryWithDuplicateDelivery under load).
func TestCardRedrawSkipsThePressedCard(t *testing.T) {
	e := newEnv(t, crm.Options{})
	req := booking(1, "redraw")
	req.ClientCard = &crm.CardLocation{ChatID: 1, MessageID: 10}
	card := e.MustBook(t, req)
	const group, groupMsg = -100, 20
	if _, err := e.db.Exec(e.ctx, `
INSERT INTO outbox (kind, chat_id, language, order_id, data, dedupe_key, state, telegram_message_id)
VALUES ('new_request', $1, 'ru', $2, '{}', 'new_request:redraw', 'sent', $3)`, group, card.Order.ID, groupMsg); err != nil {
		t.Fatal(err)
	}
	redraws := func() map[int64]int {
		rows, _ := e.db.Query(e.ctx, `SELECT chat_id FROM outbox WHERE kind = 'card_redraw'`)
		chats, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		n := map[int64]int{}
		for _, c := range chats {
			n[c]++
		}
		return n
	}
	// Pressed in the group: the client's card is redrawn, the group's is not.
	ctx := crm.WithPressedCard(e.ctx, group, groupMsg)
	if _, err := e.svc.UpdateOrder(ctx, card.Order.ID, func(_ pgx.Tx, o *crm.Order) error {
		o.Problem = "knocking, and now a rattle"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := redraws(); got[1] != 1 || got[group] != 0 {
		t.Fatalf("after a press on the group's card: redraws by chat %v, want the client's card only", got)
	}

	// Pressed on the client's card: the group's card is redrawn, the client's is not.
	ctx = crm.WithPressedCard(e.ctx, 1, 10)
	if _, err := e.svc.UpdateOrder(ctx, card.Order.ID, func(_ pgx.Tx, o *crm.Order) error {
		o.Problem = "a rattle only"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := redraws(); got[1] != 1 || got[group] != 1 {
		t.Fatalf("after a press on the client's card: redraws by chat %v, want one more for the group", got)
	}

	// No press (a job, a typed command): both.
	if _, err := e.svc.UpdateOrder(e.ctx, card.Order.ID, func(_ pgx.Tx, o *crm.Order) error {
		o.Problem = "quiet now"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := redraws(); got[1] != 2 || got[group] != 2 {
		t.Fatalf("after a change with no press: redraws by chat %v, want one more each", got)
	}
}
