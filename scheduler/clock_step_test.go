package scheduler

import (
	"context"
	"testing"
	"time"
)

// A week's jump of the sandbox's clock steps through every fire time in it: a digest for each
// day, the booking's reminder on the evening before its slot and its no-show recorded just after
// the slot, each at its own time (the tester's finding: one digest, no reminder, and a no-show
// stamped with the jump's time).
func TestStepToRunsEveryFireTimeInOrder(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	start := time.Date(2026, 12, 5, 12, 0, 0, 0, msk)
	sh := newSimShop(t, msk, start)
	clientID, _ := sh.client(true, false)
	slot := time.Date(2026, 12, 8, 15, 0, 0, 0, msk)
	orderID := sh.order(clientID, "accepted", &slot)
	sh.s.jump.seen(start)

	var sets []time.Time
	set := func(t time.Time) { sets = append(sets, t); sh.clk.Set(t) }
	target := start.Add(7 * 24 * time.Hour)
	ran := sh.s.StepTo(context.Background(), target, set)
	if !sh.clk.Now().Equal(target) {
		t.Errorf("the clock is at %v, want %v", sh.clk.Now(), target)
	}
	for i := 1; i < len(sets); i++ {
		if !sets[i].After(sets[i-1]) {
			t.Fatalf("the clock went from %v to %v", sets[i-1], sets[i])
		}
	}
	if len(ran) == 0 {
		t.Fatal("no job ran")
	}

	var digests int
	if err := sh.pool.QueryRow(t.Context(), `SELECT count(DISTINCT data->>'day') FROM outbox WHERE kind = 'daily_summary'`).Scan(&digests); err != nil {
		t.Fatal(err)
	}
	if digests != 7 { // 05.12 to 11.12, each at 20:00
		t.Errorf("digests of %d days, want 7", digests)
	}
	var remindedAt time.Time
	if err := sh.pool.QueryRow(t.Context(), `SELECT created_at FROM outbox WHERE kind = 'booking_reminder' AND order_id = $1`, orderID).Scan(&remindedAt); err != nil {
		t.Fatalf("the booking's reminder: %v", err)
	}
	if eve := time.Date(2026, 12, 7, 18, 0, 0, 0, msk); remindedAt.Before(eve) || !remindedAt.Before(slot.Add(-bookingMinLead)) {
		t.Errorf("reminder enqueued at %v, want the evening before the slot (from %v)", remindedAt.In(msk), eve)
	}
	var noShow *time.Time
	if err := sh.pool.QueryRow(t.Context(), `SELECT no_show_at FROM orders WHERE id = $1`, orderID).Scan(&noShow); err != nil {
		t.Fatal(err)
	}
	if noShow == nil || noShow.Before(slot) || noShow.After(slot.Add(noShowGrace+time.Hour)) {
		t.Errorf("no-show recorded at %v, want just after the slot %v", noShow, slot)
	}
	var told int
	if err := sh.pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE kind = 'no_show' AND order_id = $1`, orderID).Scan(&told); err != nil {
		t.Fatal(err)
	}
	if told == 0 {
		t.Errorf("the managers were not told of the no-show")
	}
}

// "+1 hour" landing on 18:00 enqueues the reminders due at 18:00, although the reminder job's
// own tick is at 10 past; the daily digest is not run early.
func TestStepToRunsTheHourlyScansAtTheTarget(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	start := time.Date(2026, 12, 5, 17, 0, 0, 0, msk)
	sh := newSimShop(t, msk, start)
	clientID, _ := sh.client(true, false)
	slot := time.Date(2026, 12, 6, 15, 0, 0, 0, msk)
	orderID := sh.order(clientID, "accepted", &slot)
	sh.s.jump.seen(start)
	sh.s.StepTo(context.Background(), start.Add(time.Hour), sh.clk.Set)
	var n, digests int
	if err := sh.pool.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE kind = 'booking_reminder' AND order_id = $1),
		count(*) FILTER (WHERE kind = 'daily_summary') FROM outbox`, orderID).Scan(&n, &digests); err != nil {
		t.Fatal(err)
	}
	if n != 1 || digests != 0 {
		t.Errorf("after +1 hour to 18:00: %d reminders (want 1), %d digests (want 0)", n, digests)
	}
}
