package scheduler

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// sqlDuplicateNotices counts notices told twice: the same kind to the same chat about the same
// order and step (payments) or slot (bookings), or a second summary of a day.
const sqlDuplicateNotices = `
SELECT count(*) FROM (
	SELECT 1 FROM outbox
	GROUP BY kind, chat_id, order_id, data->>'step', data->>'slot', data->>'day'
	HAVING count(*) > 1) d`

// Two replicas run every job at every fire time at the same moment, on their own pools: each
// scan is done by one of them (the other finds the lock held), and no notice is enqueued twice.
func TestTwoReplicasSameJobsSameTime(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, msk)
	pool, dsn := pgtest.New(t)
	a := newSimShopOn(t, pool, msk, start)
	pool2, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool2.Close)
	b := newSimShopOn(t, pool2, msk, start)
	b.clk = a.clk
	b.s.now = a.clk.Now

	for i := range 12 {
		cid, _ := a.client(i%4 != 3, false)
		a.invoice(cid, 100000, time.Date(2026, 3, 1+i%3, 15, 0, 0, 0, msk))
		slot := time.Date(2026, 3, 2+i%4, 11+i%5, 0, 0, 0, msk)
		a.order(cid, "accepted", &slot)
	}

	// Every fire time of the next 20 days, both replicas at once.
	end := start.AddDate(0, 0, 20)
	var busy, ran atomic.Int32
	for t0 := start; t0.Before(end); {
		next := end
		for _, j := range a.s.list {
			if n := a.s.sched[j.Name].Next(t0); n.Before(next) {
				next = n
			}
		}
		if !next.Before(end) {
			break
		}
		a.clk.Set(next)
		var wg sync.WaitGroup
		for _, sh := range []*simShop{a, b} {
			for _, j := range sh.s.list {
				if !sh.s.sched[j.Name].Next(t0).Equal(next) {
					continue
				}
				wg.Go(func() {
					_, err := sh.s.runOnce(context.Background(), j, next)
					switch {
					case errors.Is(err, crm.ErrJobBusy):
						busy.Add(1)
					case err != nil:
						t.Errorf("%s at %s: %v", j.Name, next, err)
					default:
						ran.Add(1)
					}
				})
			}
		}
		wg.Wait()
		t0 = next
	}
	t.Logf("runs: %d done, %d found the job running on the other replica", ran.Load(), busy.Load())

	var dups int
	if err := pool.QueryRow(t.Context(), sqlDuplicateNotices).Scan(&dups); err != nil {
		t.Fatal(err)
	}
	if dups != 0 {
		t.Errorf("%d notices enqueued twice", dups)
	}
	// The same as one replica would have enqueued: 9 debtors with a chat get steps 1 and 7,
	// 3 without are listed once; each of the 12 gets a manager task; 9 bookings are reminded;
	// 2 owners get 20 summaries.
	want := map[string]int{
		crm.KindPaymentReminder: 9 * 2, crm.KindPaymentUnreachable: 3, crm.KindPaymentTask: 12,
		crm.KindBookingReminder: 9, crm.KindDailySummary: 2 * 20,
	}
	for kind, n := range want {
		var got int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE kind = $1`, kind).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("%s rows = %d, want %d", kind, got, n)
		}
	}
}

// Two processes started at the same moment both catch up the missed jobs through Run (cron's
// wrapped jobs, the advisory lock): the summaries go out once.
func TestTwoProcessesCatchUpOnce(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	now := time.Date(2026, 3, 10, 21, 0, 0, 0, msk)
	pool, dsn := pgtest.New(t)
	a := newSimShopOn(t, pool, msk, now)
	pool2, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool2.Close)
	b := newSimShopOn(t, pool2, msk, now)
	cid, _ := a.client(true, false)
	a.invoice(cid, 100000, now.AddDate(0, 0, -2))

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, sh := range []*simShop{a, b} {
		wg.Go(func() {
			if err := sh.s.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, err := a.svc.JobRuns(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		done := len(runs) == len(a.s.list)
		for _, r := range runs {
			done = done && r.LastFinishedAt != nil
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if got := ownerOutboxRows(t, pool); got != len(testOwners) {
		t.Errorf("summaries = %d, want %d", got, len(testOwners))
	}
	var dups, reminders int
	if err := pool.QueryRow(t.Context(), sqlDuplicateNotices).Scan(&dups); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE kind = 'payment_reminder'`).Scan(&reminders); err != nil {
		t.Fatal(err)
	}
	if dups != 0 || reminders != 1 {
		t.Errorf("duplicates %d, payment reminders %d; want 0 and 1", dups, reminders)
	}
}
