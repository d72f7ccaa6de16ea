package scheduler

import (
	"context"
	"fmt"
	"time"
)

// dailySummaryJob enqueues the owners' summary of the local day at 20:00
// shop time: late enough that the day's orders and payments are in, early
// enough to read before the evening ends. The outbox dedupe key (owner, day)
// keeps a catch-up or a second replica from sending a second one.
func (s *Scheduler) dailySummaryJob() Job {
	return Job{
		Name: "daily_summary",
		Spec: "0 20 * * *",
		Run: func(ctx context.Context, now time.Time) (int, error) {
			day := localDay(now, s.loc)
			n, err := s.svc.EnqueueDailySummaries(ctx, day)
			if err != nil {
				return 0, fmt.Errorf("enqueue daily summaries for %s: %w", day.Format(time.DateOnly), err)
			}
			return n, nil
		},
	}
}

// localDay returns midnight of t's calendar day in loc: "today" is the
// shop's today, not the server's.
func localDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}
