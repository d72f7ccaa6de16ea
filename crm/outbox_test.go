package crm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

func (e *env) mustEnqueue(t *testing.T, key string, chat int64, notBefore time.Time) int64 {
	t.Helper()
	ok, err := e.svc.Enqueue(e.ctx, crm.OutboxMessage{Kind: "test", ChatID: chat, DedupeKey: key, NotBefore: notBefore})
	if err != nil || !ok {
		t.Fatalf("Enqueue(%s) = %v, %v", key, ok, err)
	}
	var id int64
	if err := e.db.QueryRow(e.ctx, `SELECT id FROM outbox WHERE dedupe_key = $1`, key).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// claimKeys claims and returns the dedupe keys claimed, checking the claimed rows' state.
func (e *env) claimKeys(t *testing.T) []string {
	t.Helper()
	ms, err := e.svc.ClaimOutbox(e.ctx, crm.LaneInteractive, 100)
	if err != nil {
		t.Fatalf("ClaimOutbox: %v", err)
	}
	keys := []string{}
	for _, m := range ms {
		if m.State != crm.OutboxSending {
			t.Errorf("claimed %s in state %s", m.DedupeKey, m.State)
		}
		keys = append(keys, m.DedupeKey)
	}
	return keys
}

func TestClaimOutboxKeepsEachChatInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	a1 := e.mustEnqueue(t, "a1", 10, time.Time{})
	a2 := e.mustEnqueue(t, "a2", 10, time.Time{})
	b1 := e.mustEnqueue(t, "b1", 20, time.Time{})
	e.mustEnqueue(t, "c-reminder", 30, t0.Add(time.Hour)) // scheduled: does not hold chat 30 up
	c1 := e.mustEnqueue(t, "c1", 30, time.Time{})

	check := func(step string, want ...string) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		if diff := cmp.Diff(want, e.claimKeys(t)); diff != "" {
			t.Errorf("%s: claimed (-want +got):\n%s", step, diff)
		}
	}
	check("first claim: the oldest of each chat", "a1", "b1", "c1")
	check("while in flight, nothing")
	if err := e.svc.MarkSent(e.ctx, a1, 1, 501); err != nil {
		t.Fatal(err)
	}
	check("a1 sent: a2 follows", "a2")

	// A retry holds its chat up, even when a later message is due.
	if err := e.svc.MarkRetry(e.ctx, b1, "429 Too Many Requests", t0.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	b2 := e.mustEnqueue(t, "b2", 20, time.Time{})
	check("b1 waits to be retried: b2 waits too")
	e.clock.Add(31 * time.Second)
	check("b1 due again", "b1")
	if err := e.svc.MarkSent(e.ctx, b1, 1, 502); err != nil {
		t.Fatal(err)
	}

	// a2 and c1 were never marked: after 2 minutes they are claimable again; b2 is free now.
	e.clock.Add(2*time.Minute + time.Second)
	check("stuck a2 and c1 reclaimed", "a2", "c1", "b2")
	if err := e.svc.MarkFailed(e.ctx, a2, "403 Forbidden: bot was blocked by the user"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.MarkSent(e.ctx, b2, 1, 503); err != nil {
		t.Fatal(err)
	}
	a3 := e.mustEnqueue(t, "a3", 10, time.Time{})
	check("a failed message does not hold its chat", "a3")
	if err := e.svc.MarkSent(e.ctx, a3, 1, 504); err != nil {
		t.Fatal(err)
	}

	// The reminder (lower id) falls due while c1 (higher id) is stuck in flight: c1 goes first,
	// and neither blocks the other for ever.
	e.clock.Set(t0.Add(time.Hour))
	check("stuck c1 before the due reminder", "c1")
	check("the reminder waits for c1")
	if err := e.svc.MarkSent(e.ctx, c1, 1, 505); err != nil {
		t.Fatal(err)
	}
	check("then the reminder", "c-reminder")

	var got []struct {
		key, state, lastErr string
		attempts            int
		msgID               *int
	}
	rows, err := e.db.Query(e.ctx, `SELECT dedupe_key, state, last_error, attempts, telegram_message_id FROM outbox WHERE id IN ($1, $2, $3) ORDER BY id`, a1, a2, b1)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r struct {
			key, state, lastErr string
			attempts            int
			msgID               *int
		}
		if err := rows.Scan(&r.key, &r.state, &r.lastErr, &r.attempts, &r.msgID); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 3 || got[0].state != "sent" || *got[0].msgID != 501 ||
		got[1].state != "failed" || got[1].attempts != 1 || got[1].lastErr == "" ||
		got[2].state != "sent" || got[2].attempts != 1 || got[2].lastErr != "" {
		t.Errorf("rows after sending = %+v", got)
	}
}

func TestClaimOutboxConcurrentClaimersNeverShareRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	const chats, perChat = 40, 4
	for i := range perChat {
		for c := range chats {
			e.mustEnqueue(t, fmt.Sprintf("%d:%d", c, i), int64(1000+c), time.Time{})
		}
	}
	var (
		mu       sync.Mutex
		claimed  = map[int64]int{}  // id → times claimed
		inFlight = map[int64]bool{} // chat → a message of it is being "sent"
		lastID   = map[int64]int64{}
		problems []string
	)
	var wg sync.WaitGroup
	deadline := time.Now().Add(20 * time.Second)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				mu.Lock()
				done := len(claimed) == chats*perChat
				mu.Unlock()
				if done {
					return
				}
				ms, err := e.svc.ClaimOutbox(e.ctx, crm.LaneInteractive, 7)
				if err != nil {
					mu.Lock()
					problems = append(problems, fmt.Sprintf("claimer %d: %v", w, err))
					mu.Unlock()
					return
				}
				mu.Lock()
				for _, m := range ms {
					claimed[m.ID]++
					if inFlight[m.ChatID] {
						problems = append(problems, fmt.Sprintf("chat %d: %s claimed while another is in flight", m.ChatID, m.DedupeKey))
					}
					if m.ID < lastID[m.ChatID] {
						problems = append(problems, fmt.Sprintf("chat %d: %s claimed out of order", m.ChatID, m.DedupeKey))
					}
					inFlight[m.ChatID] = true
					lastID[m.ChatID] = m.ID
				}
				mu.Unlock()
				for _, m := range ms {
					mu.Lock()
					inFlight[m.ChatID] = false // before the mark: the next claim may follow it at once
					mu.Unlock()
					if err := e.svc.MarkSent(e.ctx, m.ID, 1, 1); err != nil {
						mu.Lock()
						problems = append(problems, err.Error())
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, p := range problems {
		t.Error(p)
	}
	if len(claimed) != chats*perChat {
		t.Errorf("claimed %d distinct rows, want %d", len(claimed), chats*perChat)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("row %d claimed %d times", id, n)
		}
	}
}

func TestEnqueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	m := crm.OutboxMessage{Kind: "reminder", ChatID: 5, Language: "en", DedupeKey: "reminder:1", Data: json.RawMessage(`{"days": 1}`)}
	for i, want := range []bool{true, false} {
		ok, err := e.svc.Enqueue(e.ctx, m)
		if err != nil || ok != want {
			t.Errorf("Enqueue #%d = %v, %v; want %v, nil", i+1, ok, err, want)
		}
	}
	ms, err := e.svc.ClaimOutbox(e.ctx, crm.LaneInteractive, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []crm.OutboxMessage{{ID: ms[0].ID, Kind: "reminder", Lane: crm.LaneInteractive, ChatID: 5, Language: "en", Data: json.RawMessage(`{"days": 1}`),
		DedupeKey: "reminder:1", NotBefore: t0, State: crm.OutboxSending}}
	if diff := cmp.Diff(want, ms); diff != "" {
		t.Errorf("claimed (-want +got):\n%s", diff)
	}
	bad := []crm.OutboxMessage{
		{ChatID: 5, DedupeKey: "x"},
		{Kind: "k", DedupeKey: "x"},
		{Kind: "k", ChatID: 5},
		{Kind: "k", ChatID: 5, DedupeKey: "x", Data: json.RawMessage(`{not json`)},
	}
	for _, m := range bad {
		if _, err := e.svc.Enqueue(e.ctx, m); !errors.Is(err, crm.ErrInvalidInput) {
			t.Errorf("Enqueue(%+v): err = %v, want ErrInvalidInput", m, err)
		}
	}
	if _, err := e.svc.ClaimOutbox(e.ctx, crm.LaneInteractive, 0); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("ClaimOutbox(0): err = %v, want ErrInvalidInput", err)
	}
	for name, err := range map[string]error{
		"MarkSent":   e.svc.MarkSent(e.ctx, 424242, 1, 1),
		"MarkRetry":  e.svc.MarkRetry(e.ctx, 424242, "x", t0),
		"MarkFailed": e.svc.MarkFailed(e.ctx, 424242, "x"),
	} {
		if !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("%s of a missing row: err = %v, want ErrNotFound", name, err)
		}
	}
}

// The claim gives each row the language its recipient speaks when it is claimed, not the one
// stored when the row was written: a client or staff member who switched language after a notice
// was enqueued gets it in the new one.
func TestClaimOutboxSpeaksTheRecipientsLanguageNow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	for _, sql := range []string{`
INSERT INTO clients (phone, telegram_user_id, chat_id, language, updated_at) VALUES
	('+79120000101', 101, 101, 'en', $1),
	('+79120000103', 103, 103, 'ru', $1),
	('+79120000104', 104, 104, '', $1)`, `
INSERT INTO staff (telegram_user_id, chat_id, role, branch_id, language, updated_at) VALUES
	(102, 102, 'mechanic', 1, 'en', $1),
	(103, 103, 'manager', 1, 'ru', $1)`} {
		if _, err := e.db.Exec(e.ctx, sql, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	rows := []struct {
		chat        int64
		stored      string
		want        string
		description string
	}{
		{101, "en", "ru", "a client who switched to Russian"},
		{102, "en", "ru", "a staff member who switched to Russian"},
		{103, "ru", "en", "a client who is staff too: the language set last"},
		{104, "en", "en", "a client whose language is not known: the stored one"},
		{-500, "ru", "ru", "a group nobody owns: the stored one"},
	}
	for _, r := range rows {
		ok, err := e.svc.Enqueue(e.ctx, crm.OutboxMessage{Kind: "test", ChatID: r.chat, Language: r.stored,
			DedupeKey: fmt.Sprintf("lang:%d", r.chat)})
		if err != nil || !ok {
			t.Fatalf("Enqueue(%d) = %v, %v", r.chat, ok, err)
		}
	}
	// After the rows were written: the client changes language, and two staff members talk to
	// the bot from a Telegram set to another language.
	if _, err := e.db.Exec(e.ctx, `UPDATE clients SET language = 'ru', updated_at = $1 WHERE chat_id = 101`, t0); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.TouchStaff(e.ctx, 102, 102, "", "ru"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.TouchStaff(e.ctx, 103, 103, "", "en"); err != nil {
		t.Fatal(err)
	}

	ms, err := e.svc.ClaimOutbox(e.ctx, crm.LaneInteractive, 10)
	if err != nil {
		t.Fatal(err)
	}
	got, want := map[int64]string{}, map[int64]string{}
	for _, m := range ms {
		got[m.ChatID] = m.Language
	}
	for _, r := range rows {
		want[r.chat] = r.want
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("languages of the claimed rows by chat (-want +got):\n%s", diff)
		for _, r := range rows {
			t.Logf("%d: %s", r.chat, r.description)
		}
	}
	// The stored language is left as it was written.
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE chat_id = 101 AND language = 'en'`); n != 1 {
		t.Errorf("the stored language of the row was changed")
	}
}

// OutboxDepths counts each lane's unsent rows, due or not, and ages only the due ones; sent rows
// and an empty lane read 0.
func TestOutboxDepths(t *testing.T) {
	e := newEnv(t, crm.Options{})
	now := e.clock.Now()
	e.mustEnqueue(t, "due-long-ago", 1, now.Add(-90*time.Second))
	e.mustEnqueue(t, "due-now", 2, now)
	e.mustEnqueue(t, "later", 3, now.Add(time.Hour))
	sent := e.mustEnqueue(t, "sent", 4, now.Add(-time.Hour))
	if err := e.svc.MarkSent(e.ctx, sent, 1, 7); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.OutboxDepths(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []crm.LaneDepth{{Lane: crm.LaneBulk}, {Lane: crm.LaneInteractive, Rows: 3, Oldest: 90 * time.Second}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OutboxDepths (-want +got):\n%s", diff)
	}
}
