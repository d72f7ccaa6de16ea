package scheduler

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

var testOwners = []int64{700001, 700002}

// newTestService returns a crm.Service on a fresh database whose clock
// stands at now, with two owners who have opened a chat with the bot (a
// summary needs somewhere to go).
func newTestService(t *testing.T, now time.Time, loc *time.Location) (*crm.Service, *pgxpool.Pool) {
	t.Helper()
	pool, _ := pgtest.New(t)
	svc := crm.New(pool, crm.Options{Now: func() time.Time { return now }, Location: loc, Region: "RU"})
	if err := svc.EnsureOwners(t.Context(), testOwners); err != nil {
		t.Fatalf("EnsureOwners: %v", err)
	}
	for _, id := range testOwners {
		// A private chat's id is the user's id.
		if err := svc.TouchStaff(t.Context(), id, id, "Owner", "ru"); err != nil {
			t.Fatalf("TouchStaff: %v", err)
		}
	}
	return svc, pool
}

func mustScheduler(t *testing.T, svc *crm.Service, loc *time.Location) *Scheduler {
	t.Helper()
	s, err := New(svc, Config{Location: loc}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func ownerOutboxRows(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	return ownerRowsOf(t, pool, "daily_summary")
}

// ownerRowsOf counts the owners' outbox rows of kind: each summary is followed by its chart
// (digest_chart, a row of its own).
func ownerRowsOf(t *testing.T, pool *pgxpool.Pool, kind string) int {
	t.Helper()
	var n int
	err := pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE chat_id = ANY($1) AND kind = $2`, testOwners, kind).Scan(&n)
	if err != nil {
		t.Fatalf("count outbox rows: %v", err)
	}
	return n
}

func TestDailySummaryEnqueuesOncePerOwnerAndDay(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	// 20:05 UTC on the 10th is 23:05 in Moscow: the day is the 10th.
	now := time.Date(2026, 3, 10, 20, 5, 0, 0, time.UTC)
	svc, pool := newTestService(t, now, msk)
	j := mustScheduler(t, svc, msk).dailySummaryJob()

	n, err := j.Run(t.Context(), now)
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	var day time.Time
	if err := pool.QueryRow(t.Context(), `SELECT (data->>'day')::timestamptz FROM outbox LIMIT 1`).Scan(&day); err != nil {
		t.Fatalf("read summary day: %v", err)
	}
	if want := time.Date(2026, 3, 10, 0, 0, 0, 0, msk); !day.Equal(want) {
		t.Errorf("day = %s, want %s", day, want)
	}
	if n != len(testOwners) {
		t.Errorf("first run enqueued %d, want %d (one per owner)", n, len(testOwners))
	}

	// A second run the same day (catch-up after a restart) adds nothing.
	if n, err = j.Run(t.Context(), now); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if n != 0 {
		t.Errorf("second run enqueued %d, want 0", n)
	}
	if got := ownerOutboxRows(t, pool); got != len(testOwners) {
		t.Errorf("outbox rows for owners = %d, want %d", got, len(testOwners))
	}
	if got := ownerRowsOf(t, pool, "digest_chart"); got != len(testOwners) {
		t.Errorf("digest charts for owners = %d, want %d", got, len(testOwners))
	}

	// The next day is a new summary.
	next := now.Add(24 * time.Hour)
	if n, err = j.Run(t.Context(), next); err != nil {
		t.Fatalf("next day: %v", err)
	}
	if n != len(testOwners) {
		t.Errorf("next day enqueued %d, want %d", n, len(testOwners))
	}
}

func TestRunCatchesUpMissedSummaryAndStops(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	now := time.Date(2026, 3, 10, 21, 0, 0, 0, msk) // started after today's 20:00
	svc, pool := newTestService(t, now, msk)
	s := mustScheduler(t, svc, msk)
	s.now = func() time.Time { return now }

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	deadline := time.Now().Add(10 * time.Second)
	for ownerOutboxRows(t, pool) < len(testOwners) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("catch-up did not enqueue the summaries")
		}
		time.Sleep(20 * time.Millisecond)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// A press of ▶️ daily_summary in /jobs at 19:31 sends an interim digest "as of 19:31" and leaves
// the day's summary to the 20:00 run: it used to take the day's dedupe key, and 20:00 sent nothing.
func TestRunNowBeforeScheduleLeavesDailySummary(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	press := time.Date(2026, 3, 10, 19, 31, 0, 0, msk)
	svc, pool := newTestService(t, press, msk)
	s := mustScheduler(t, svc, msk)
	s.now = func() time.Time { return press }

	n, err := s.RunNow(t.Context(), "daily_summary")
	if err != nil {
		t.Fatalf("RunNow at 19:31: %v", err)
	}
	if n != len(testOwners) {
		t.Errorf("RunNow at 19:31 enqueued %d, want %d interim digests", n, len(testOwners))
	}
	var interim time.Time
	var key string
	if err := pool.QueryRow(t.Context(), `SELECT (data->>'interim')::timestamptz, dedupe_key FROM outbox LIMIT 1`).Scan(&interim, &key); err != nil {
		t.Fatalf("read interim digest: %v", err)
	}
	if !interim.Equal(press) {
		t.Errorf("interim digest as of %s, want %s", interim, press)
	}
	if !strings.HasSuffix(key, ":2026-03-10:interim:19:31") {
		t.Errorf("interim dedupe key %q, want …:2026-03-10:interim:19:31", key)
	}

	at20 := time.Date(2026, 3, 10, 20, 0, 0, 0, msk)
	if n, err = s.dailySummaryJob().Run(t.Context(), at20); err != nil {
		t.Fatalf("20:00 run: %v", err)
	}
	if n != len(testOwners) {
		t.Errorf("20:00 run after a 19:31 press enqueued %d, want %d", n, len(testOwners))
	}
	var final int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE kind = 'daily_summary' AND data->>'interim' IS NULL`).Scan(&final); err != nil {
		t.Fatalf("count end-of-day summaries: %v", err)
	}
	if final != len(testOwners) {
		t.Errorf("end-of-day summaries = %d, want %d", final, len(testOwners))
	}

	// After 20:00 a press is the day's summary, already sent: nothing more.
	s.now = func() time.Time { return at20.Add(time.Hour) }
	if n, err = s.RunNow(t.Context(), "daily_summary"); err != nil || n != 0 {
		t.Errorf("RunNow at 21:00 = %d, %v; want 0 (the day's summary is out)", n, err)
	}
}
