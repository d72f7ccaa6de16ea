package scheduler

import (
	"context"
	"log/slog"
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
	var n int
	err := pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE chat_id = ANY($1)`, testOwners).Scan(&n)
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
