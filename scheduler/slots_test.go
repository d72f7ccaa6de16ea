package scheduler

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Many jobs caught up at once on a small pool (pgtest's has 6 connections) all finish: each
// holds a connection for its lock, and the slots leave connections to scan with.
func TestManyJobsAtOnceOnASmallPool(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, msk)
	sh := newSimShop(t, msk, now)
	for range 3 {
		cid, _ := sh.client(true, false)
		sh.invoice(cid, 90000, now.AddDate(0, 0, -2))
	}
	var base Job // payment_reminders: a scan and a transaction per row
	for _, j := range sh.s.list {
		if j.Name == "payment_reminders" {
			base = j
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 12 {
		j := base
		j.Name = base.Name + "_" + string(rune('a'+i)) // a lock of its own
		wg.Go(func() {
			if _, err := sh.s.runOnce(ctx, j, now); err != nil {
				t.Errorf("%s: %v", j.Name, err)
			}
		})
	}
	wg.Wait()
}
