package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// A client's free message is recorded once per Telegram message and copied to every manager;
// a reply to the copy is relayed to the client once; a mechanic may not answer; the digest lists
// the message while unanswered past the wait, and not once answered.
func TestClientMessagesCopiedAnsweredAndDigested(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{UnansweredAfter: 20 * time.Minute})
	owner := e.MustOwner(t, 1)
	manager := e.MustStaff(t, owner, 2, crm.RoleManager)
	mechanic := e.MustStaff(t, owner, 3, crm.RoleMechanic)
	card := e.MustBook(t, booking(100, "a"))

	in := crm.NewClientMessage{ChatID: 100, UserID: 100, MessageID: 7, Language: "ru", SenderName: "Tg name", Text: "когда будет готово?"}
	m, created, waiting, err := e.svc.RecordClientMessage(e.ctx, in)
	if err != nil || !created || waiting != 0 {
		t.Fatalf("RecordClientMessage = %+v, %v, %d, %v", m, created, waiting, err)
	}
	if m.ClientID == nil || m.OrderID == nil || *m.OrderID != card.Order.ID || m.Who() != "Client 100" {
		t.Errorf("message = %+v, want the client and their open order", m)
	}
	if _, created, _, err := e.svc.RecordClientMessage(e.ctx, in); err != nil || created {
		t.Errorf("the same update again: created = %v, %v", created, err)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE kind = 'client_message' AND chat_id = 2`); n != 1 {
		t.Errorf("copies to the manager = %d, want 1", n)
	}
	in2 := in
	in2.MessageID, in2.Text = 8, "алло"
	m2, _, waiting, err := e.svc.RecordClientMessage(e.ctx, in2)
	if err != nil || waiting != 1 {
		t.Errorf("second message: waiting = %d, %v; want 1 (no second acknowledgement)", waiting, err)
	}
	// It joins the first one's burst: no copy of its own (finding 13: a flood of copies).
	if m2.BurstOf == nil || *m2.BurstOf != m.ID {
		t.Errorf("second message: burst of %v, want %d", m2.BurstOf, m.ID)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE kind = 'client_message' AND chat_id = 2`); n != 1 {
		t.Errorf("copies to the manager after two lines = %d, want 1", n)
	}
	if burst, err := e.svc.ClientMessageBurst(e.ctx, m.ID); err != nil || len(burst) != 1 || burst[0].Text != "алло" {
		t.Errorf("ClientMessageBurst = %+v, %v", burst, err)
	}

	// The sender recorded the copy's Telegram id; a reply to it names the message.
	if _, err := e.db.Exec(e.ctx, `UPDATE outbox SET state = 'sent', telegram_message_id = 555
		WHERE kind = 'client_message' AND chat_id = 2 AND data->>'client_message_id' = $1::bigint::text`, m.ID); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.ClientMessageByCopy(e.ctx, 2, 555)
	if err != nil || got.ID != m.ID {
		t.Fatalf("ClientMessageByCopy = %+v, %v", got, err)
	}
	if _, err := e.svc.ClientMessageByCopy(e.ctx, 2, 556); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("a message that is no copy: %v, want ErrNotFound", err)
	}

	e.clock.Set(t0.Add(30 * time.Minute))
	sum, err := e.svc.DailySummary(e.ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	var unanswered []int64
	for _, x := range sum.Exceptions {
		if x.Kind == crm.ExceptionUnanswered {
			unanswered = append(unanswered, x.MessageID)
		}
	}
	if len(unanswered) != 1 || unanswered[0] != m.ID {
		t.Errorf("digest unanswered = %v, want the burst once, as %d", unanswered, m.ID)
	}

	if _, _, err := e.svc.AnswerClientMessage(e.ctx, mechanic, crm.Answer{MessageID: m.ID, Text: "x", ReplyChatID: 3, ReplyMessageID: 1}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("a mechanic answers: %v, want ErrForbidden", err)
	}
	a := crm.Answer{MessageID: m.ID, Text: "Завтра к обеду", ReplyChatID: 2, ReplyMessageID: 600}
	ans, first, err := e.svc.AnswerClientMessage(e.ctx, manager, a)
	if err != nil || !first || ans.AnsweredBy == nil || *ans.AnsweredBy != manager.ID || ans.Answer != a.Text {
		t.Fatalf("AnswerClientMessage = %+v, %v, %v", ans, first, err)
	}
	if _, first, err := e.svc.AnswerClientMessage(e.ctx, manager, a); err != nil || first {
		t.Errorf("the same reply again: first = %v, %v", first, err)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE kind = 'client_answer' AND chat_id = 100 AND data->>'text' = 'Завтра к обеду'`); n != 1 {
		t.Errorf("answers relayed to the client = %d, want 1", n)
	}
	// The answer to the copy answered the burst's second line too.
	if n := e.count(t, `SELECT count(*) FROM client_messages WHERE answered_at IS NULL`); n != 0 {
		t.Errorf("%d lines unanswered after the answer to the burst", n)
	}
	// A new line after the answer is a new burst, answered by phone: nothing goes to the client.
	in3 := in
	in3.MessageID, in3.Text = 9, "а ещё"
	m3, _, _, err := e.svc.RecordClientMessage(e.ctx, in3)
	if err != nil || m3.BurstOf != nil {
		t.Fatalf("a line after the answer: %+v, %v; want a message of its own", m3, err)
	}
	if _, first, err := e.svc.AnswerClientMessage(e.ctx, owner, crm.Answer{MessageID: m3.ID}); err != nil || !first {
		t.Errorf("answered by phone: %v, %v", first, err)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE kind = 'client_answer'`); n != 1 {
		t.Errorf("answers relayed = %d, want still 1", n)
	}
	sum, err = e.svc.DailySummary(e.ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range sum.Exceptions {
		if x.Kind == crm.ExceptionUnanswered {
			t.Errorf("answered message still in the digest: %+v", x)
		}
	}
}
