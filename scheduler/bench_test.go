package scheduler

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/benchseed"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// BenchmarkJobs runs the scheduler's jobs over the large shop of benchseed (200,000 clients,
// 1,000,000 orders): each job's first run (which enqueues what is due) is logged, then the
// steady run (everything enqueued already) is measured. `make bench BENCH=Jobs`; see BENCH.md.
func BenchmarkJobs(b *testing.B) {
	pool, _ := pgtest.NewSeeded(b, benchseed.Name, benchseed.LargeShop)
	now := benchseed.Now
	svc := crm.New(pool, crm.Options{Now: func() time.Time { return now }, Location: time.UTC})
	s, err := New(svc, Config{Location: time.UTC}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	s.now = func() time.Time { return now }
	for _, j := range s.list {
		b.Run(j.Name, func(b *testing.B) {
			start := time.Now()
			n, err := s.runOnce(context.Background(), j, now)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("first run: %d enqueued in %s", n, time.Since(start).Round(time.Millisecond))
			for b.Loop() {
				if _, err := s.runOnce(context.Background(), j, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
