package crm_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

func (e *env) mustEnqueueKind(t *testing.T, kind, key string, chat int64, order *int64) int64 {
	t.Helper()
	ok, err := e.svc.Enqueue(e.ctx, crm.OutboxMessage{Kind: kind, ChatID: chat, DedupeKey: key, OrderID: order})
	if err != nil || !ok {
		t.Fatalf("Enqueue(%s) = %v, %v", key, ok, err)
	}
	var id int64
	if err := e.db.QueryRow(e.ctx, `SELECT id FROM outbox WHERE dedupe_key = $1`, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) claim(t *testing.T, lane string) []crm.OutboxMessage {
	t.Helper()
	ms, err := e.svc.ClaimOutbox(e.ctx, lane, 100)
	if err != nil {
		t.Fatalf("ClaimOutbox(%s): %v", lane, err)
	}
	return ms
}

func keysOf(ms []crm.OutboxMessage) []string {
	keys := []string{}
	for _, m := range ms {
		keys = append(keys, m.DedupeKey)
	}
	return keys
}

type deliveryRow struct {
	State     string
	Attempts  int
	LastError string
	ChatID    int64
	MsgID     *int
	Parts     int
	Finished  bool
}

func (e *env) row(t *testing.T, id int64) deliveryRow {
	t.Helper()
	var r deliveryRow
	err := e.db.QueryRow(e.ctx, `SELECT state, attempts, last_error, chat_id, telegram_message_id, parts_sent,
		finished_at IS NOT NULL FROM outbox WHERE id = $1`, id).Scan(&r.State, &r.Attempts, &r.LastError, &r.ChatID, &r.MsgID, &r.Parts, &r.Finished)
	if err != nil {
		t.Fatalf("outbox row %d: %v", id, err)
	}
	return r
}

// Each lane claims its own rows; a chat still has one message in flight at a time, and an
// interactive notice does not wait behind an earlier bulk message of its chat.
func TestClaimOutboxLanes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	b1 := e.mustEnqueueKind(t, crm.KindDailySummary, "b1", 10, nil) // bulk by kind
	e.mustEnqueueKind(t, crm.KindDailySummary, "b2", 10, nil)
	e.mustEnqueueKind(t, "offer", "i1", 20, nil) // interactive by default
	i2 := e.mustEnqueueKind(t, "notice", "i2", 10, nil)

	if diff := cmp.Diff([]string{"i1", "i2"}, keysOf(e.claim(t, crm.LaneInteractive))); diff != "" {
		t.Errorf("interactive claim (-want +got):\n%s", diff)
	}
	if got := keysOf(e.claim(t, crm.LaneBulk)); len(got) != 0 {
		t.Errorf("bulk claimed %v while chat 10 has a message in flight", got)
	}
	if err := e.svc.MarkSent(e.ctx, i2, 1, 7); err != nil {
		t.Fatal(err)
	}
	ms := e.claim(t, crm.LaneBulk)
	if diff := cmp.Diff([]string{"b1"}, keysOf(ms)); diff != "" {
		t.Errorf("bulk claim (-want +got):\n%s", diff)
	}
	if ms[0].Lane != crm.LaneBulk || ms[0].ID != b1 {
		t.Errorf("claimed %+v", ms[0])
	}
	if _, err := e.svc.ClaimOutbox(e.ctx, "urgent", 1); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("unknown lane: err = %v", err)
	}
	if _, err := e.svc.Enqueue(e.ctx, crm.OutboxMessage{Kind: "k", Lane: "urgent", ChatID: 1, DedupeKey: "x"}); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("enqueue to an unknown lane: err = %v", err)
	}
}

// A row put aside for its chat's budget holds the chat's later rows and counts no attempt; a
// row claimed but never tried goes back at once; one whose send was on the wire when its sender
// died comes back, after the stuck timeout, marked as attempted.
func TestDeferReleaseAndAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	a1 := e.mustEnqueueKind(t, crm.KindDailySummary, "a1", 10, nil)
	e.mustEnqueueKind(t, crm.KindDailySummary, "a2", 10, nil)
	c1 := e.mustEnqueueKind(t, crm.KindDailySummary, "c1", 30, nil)
	d1 := e.mustEnqueueKind(t, crm.KindDailySummary, "d1", 40, nil)
	if got := keysOf(e.claim(t, crm.LaneBulk)); len(got) != 3 {
		t.Fatalf("claimed %v", got)
	}
	if err := e.svc.Defer(e.ctx, a1, t0.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.MarkAttempt(e.ctx, c1); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ReleaseOutbox(e.ctx, []int64{c1, d1}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"d1"}, keysOf(e.claim(t, crm.LaneBulk))); diff != "" {
		t.Errorf("after deferring a1 and releasing d1 (-want +got):\n%s", diff)
	}
	if r := e.row(t, a1); r.State != crm.OutboxPending || r.Attempts != 0 {
		t.Errorf("deferred row: %+v", r)
	}
	e.clock.Add(3 * time.Second)
	if diff := cmp.Diff([]string{"a1"}, keysOf(e.claim(t, crm.LaneBulk))); diff != "" {
		t.Errorf("a1 due again (-want +got):\n%s", diff)
	}
	e.clock.Add(2*time.Minute + time.Second)
	ms := e.claim(t, crm.LaneBulk)
	var c *crm.OutboxMessage
	for i := range ms {
		if ms[i].ID == c1 {
			c = &ms[i]
		}
	}
	if c == nil || c.AttemptedAt == nil {
		t.Fatalf("c1 not reclaimed as attempted: %+v", ms)
	}
	if err := e.svc.MarkUncertain(e.ctx, c1, "lost"); err != nil {
		t.Fatal(err)
	}
	if r := e.row(t, c1); r.State != crm.OutboxUncertain || r.Attempts != 1 || !r.Finished || r.LastError != "lost" {
		t.Errorf("uncertain row: %+v", r)
	}
}

// A long message is recorded part by part; the last part's id is kept when the final answer
// lost it.
func TestMarkPartSentThenSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	id := e.mustEnqueueKind(t, crm.KindDailySummary, "long", 10, nil)
	ms := e.claim(t, crm.LaneBulk)
	if ms[0].PartsSent != 0 {
		t.Fatalf("parts sent %d", ms[0].PartsSent)
	}
	if err := e.svc.MarkPartSent(e.ctx, id, 1, 41); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.MarkRetry(e.ctx, id, "500", t0); err != nil {
		t.Fatal(err)
	}
	ms = e.claim(t, crm.LaneBulk)
	if len(ms) != 1 || ms[0].PartsSent != 1 || *ms[0].TelegramMessageID != 41 {
		t.Fatalf("reclaimed %+v", ms)
	}
	if err := e.svc.MarkSent(e.ctx, id, 2, 0); err != nil {
		t.Fatal(err)
	}
	if r := e.row(t, id); r.State != crm.OutboxSent || r.Parts != 2 || r.MsgID == nil || *r.MsgID != 41 || r.LastError != "" {
		t.Errorf("sent row: %+v", r)
	}
}

// A 403 marks the message blocked and its client unreachable since then, once; bulk senders
// find the chat unreachable; the client's return clears the mark.
func TestMarkBlockedMarksTheClientUnreachable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	card := e.MustBook(t, booking(501, "b501"))
	chat := int64(501)
	first := e.mustEnqueueKind(t, crm.KindStatusChanged, "s1", chat, &card.Order.ID)
	e.claim(t, crm.LaneInteractive)
	if err := e.svc.MarkBlocked(e.ctx, first, "Forbidden: bot was blocked by the user"); err != nil {
		t.Fatal(err)
	}
	if r := e.row(t, first); r.State != crm.OutboxBlocked || r.Attempts != 1 || !r.Finished {
		t.Errorf("blocked row: %+v", r)
	}
	c, err := e.svc.Client(e.ctx, card.Client.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.UnreachableSince == nil || !c.UnreachableSince.Equal(t0) {
		t.Fatalf("unreachable since %v, want %v", c.UnreachableSince, t0)
	}
	e.clock.Add(time.Hour)
	second := e.mustEnqueueKind(t, crm.KindStatusChanged, "s2", chat, &card.Order.ID)
	e.claim(t, crm.LaneInteractive)
	if err := e.svc.MarkBlocked(e.ctx, second, "Forbidden: user is deactivated"); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.svc.Client(e.ctx, card.Client.ID); c.UnreachableSince == nil || !c.UnreachableSince.Equal(t0) {
		t.Errorf("a second refusal moved the date to %v", c.UnreachableSince)
	}
	got, err := e.svc.UnreachableChats(e.ctx, []int64{chat, 502})
	if err != nil || !got[chat] || got[502] {
		t.Errorf("UnreachableChats = %v, %v", got, err)
	}
	if err := e.svc.MarkReachable(e.ctx, 501); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.svc.Client(e.ctx, card.Client.ID); c.UnreachableSince != nil {
		t.Errorf("still unreachable after /start: %v", c.UnreachableSince)
	}
	if err := e.svc.MarkBlocked(e.ctx, 424242, "x"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("missing row: err = %v", err)
	}
}

// A failed message tells the managers in the same transaction; the managers' own notice failing
// tells no one, and no manager is told in the chat that just failed.
func TestMarkFailedTellsManagers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	owner := e.MustOwner(t, 1)
	e.MustStaff(t, owner, 2, crm.RoleManager)
	card := e.MustBook(t, booking(601, "b601"))
	if _, err := e.db.Exec(e.ctx, `DELETE FROM outbox`); err != nil {
		t.Fatal(err)
	}
	id := e.mustEnqueueKind(t, crm.KindStatusChanged, "s1", 601, &card.Order.ID)
	e.claim(t, crm.LaneInteractive)
	if err := e.svc.MarkFailed(e.ctx, id, "Bad Request: chat not found"); err != nil {
		t.Fatal(err)
	}
	if r := e.row(t, id); r.State != crm.OutboxFailed || r.Attempts != 1 || !r.Finished {
		t.Errorf("failed row: %+v", r)
	}
	ms := e.claim(t, crm.LaneInteractive)
	if len(ms) != 1 || ms[0].Kind != crm.KindDeliveryFailed || ms[0].ChatID != 2 || ms[0].OrderID == nil || *ms[0].OrderID != card.Order.ID {
		t.Fatalf("managers' notices: %+v", ms)
	}
	var d crm.DeliveryFailedData
	if err := json.Unmarshal(ms[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	want := crm.DeliveryFailedData{OutboxID: id, Kind: crm.KindStatusChanged, ChatID: 601, Number: card.Order.Number, Error: "Bad Request: chat not found"}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("notice data (-want +got):\n%s", diff)
	}
	if err := e.svc.MarkFailed(e.ctx, ms[0].ID, "Forbidden: bot was blocked by the user"); err != nil {
		t.Fatal(err)
	}
	toManager := e.mustEnqueueKind(t, "staff_note", "n1", 2, nil)
	e.claim(t, crm.LaneInteractive)
	if err := e.svc.MarkFailed(e.ctx, toManager, "Bad Request: chat not found"); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE kind = 'delivery_failed'`); n != 1 {
		t.Errorf("%d delivery_failed rows, want only the first", n)
	}

	// With a staff group configured, the group is told.
	g := newEnv(t, crm.Options{StaffChatID: -100500})
	id = g.mustEnqueueKind(t, crm.KindDailySummary, "d1", 7, nil)
	g.claim(t, crm.LaneBulk)
	if err := g.svc.MarkFailed(g.ctx, id, "Internal Server Error: restart"); err != nil {
		t.Fatal(err)
	}
	if n := g.count(t, `SELECT count(*) FROM outbox WHERE kind = 'delivery_failed' AND chat_id = -100500 AND order_id IS NULL`); n != 1 {
		t.Errorf("staff group told %d times", n)
	}
}

// A group upgraded to a supergroup: unsent messages, staff and cards move, sent messages keep
// their chat, and later messages for the old id go to the new one, also after a second upgrade.
func TestMigrateChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{StaffChatID: -500})
	sent := e.mustEnqueueKind(t, "alert", "a1", -500, nil)
	e.claim(t, crm.LaneInteractive)
	if err := e.svc.MarkSent(e.ctx, sent, 1, 1); err != nil {
		t.Fatal(err)
	}
	pending := e.mustEnqueueKind(t, "alert", "a2", -500, nil)
	if _, err := e.db.Exec(e.ctx, `INSERT INTO staff (telegram_user_id, chat_id, role, branch_id) VALUES (9, -500, 'manager', 1)`); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.MigrateChat(e.ctx, -500, -1000500); err != nil {
		t.Fatal(err)
	}
	if r := e.row(t, sent); r.ChatID != -500 {
		t.Errorf("sent message moved to %d", r.ChatID)
	}
	if r := e.row(t, pending); r.ChatID != -1000500 {
		t.Errorf("pending message at %d", r.ChatID)
	}
	if n := e.count(t, `SELECT count(*) FROM staff WHERE chat_id = -1000500`); n != 1 {
		t.Errorf("staff moved: %d", n)
	}
	later := e.mustEnqueueKind(t, "alert", "a3", -500, nil)
	if r := e.row(t, later); r.ChatID != -1000500 {
		t.Errorf("a later message for the old id goes to %d", r.ChatID)
	}
	if err := e.svc.MigrateChat(e.ctx, -1000500, -1000600); err != nil {
		t.Fatal(err)
	}
	latest := e.mustEnqueueKind(t, "alert", "a4", -500, nil)
	if r := e.row(t, latest); r.ChatID != -1000600 {
		t.Errorf("after a second move the old id goes to %d", r.ChatID)
	}
	if err := e.svc.MigrateChat(e.ctx, 5, 5); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("migrating to itself: err = %v", err)
	}
}

// Staff see an order's notices with their states, and the outbox's health: counts per lane and
// state, and the stuck items.
func TestOrderNoticesAndOutboxHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	card := e.MustBook(t, booking(701, "b701"))
	if _, err := e.db.Exec(e.ctx, `DELETE FROM outbox`); err != nil {
		t.Fatal(err)
	}
	s1 := e.mustEnqueueKind(t, crm.KindStatusChanged, "s1", 701, &card.Order.ID)
	e.claim(t, crm.LaneInteractive)
	if err := e.svc.MarkSent(e.ctx, s1, 1, 3); err != nil {
		t.Fatal(err)
	}
	s2 := e.mustEnqueueKind(t, crm.KindStatusChanged, "s2", 701, &card.Order.ID)
	e.claim(t, crm.LaneInteractive)
	if err := e.svc.MarkRetry(e.ctx, s2, "Internal Server Error: restart", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	e.mustEnqueueKind(t, crm.KindDailySummary, "d1", 1, nil)

	ns, err := e.svc.OrderNotices(e.ctx, card.Order.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 2 || ns[0].ID != s2 || ns[0].State != crm.OutboxPending || ns[0].Attempts != 1 ||
		ns[1].ID != s1 || ns[1].State != crm.OutboxSent || ns[1].FinishedAt == nil || *ns[1].OrderNumber != card.Order.Number {
		t.Errorf("notices: %+v", ns)
	}
	if id, err := e.svc.OrderIDByNumber(e.ctx, card.Order.Number); err != nil || id != card.Order.ID {
		t.Errorf("OrderIDByNumber = %d, %v", id, err)
	}
	if _, err := e.svc.OrderIDByNumber(e.ctx, 99999); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("missing number: err = %v", err)
	}

	e.clock.Add(2 * time.Minute)
	counts, stuck, err := e.svc.OutboxHealth(e.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := []crm.OutboxCount{
		{Lane: crm.LaneBulk, State: crm.OutboxPending, N: 1, Oldest: t0},
		{Lane: crm.LaneInteractive, State: crm.OutboxPending, N: 1, Oldest: t0},
	}
	if diff := cmp.Diff(wantCounts, counts, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if len(stuck) != 2 || stuck[0].ID != s2 {
		t.Errorf("stuck: %+v", stuck)
	}
}
