package scheduler

import (
	"context"
	"fmt"
	"time"
)

// dailySummarySpec is when the day's summary goes out: see dailySummaryJob.
const dailySummarySpec = "0 20 * * *"

// dailySummaryJob enqueues the owners' summary of the local day at 20:00
// shop time: late enough that the day's orders and payments are in, early
// enough to read before the evening ends. The outbox dedupe key (owner, day)
// keeps a catch-up or a second replica from sending a second one.
//
// A run from /jobs before today's 20:00 sends an interim digest "as of now"
// under its own dedupe key: were it the day's summary, it would use up the
// key and the owner would never get the end-of-day numbers. After 20:00 it is
// the day's summary (a catch-up, if the scheduled one did not go out).
func (s *Scheduler) dailySummaryJob() Job {
	run := func(ctx context.Context, now time.Time) (int, error) {
		day := localDay(now, s.loc)
		n, err := s.svc.EnqueueDailySummaries(ctx, day)
		if err != nil {
			return 0, fmt.Errorf("enqueue daily summaries for %s: %w", day.Format(time.DateOnly), err)
		}
		return n, nil
	}
	return Job{
		Name: "daily_summary",
		Spec: dailySummarySpec,
		Run:  run,
		OnDemand: func(ctx context.Context, now time.Time) (int, error) {
			if !s.sched["daily_summary"].Next(localDay(now, s.loc).Add(-time.Nanosecond)).After(now) {
				return run(ctx, now) // today's scheduled time has passed
			}
			n, err := s.svc.EnqueueInterimSummaries(ctx, now)
			if err != nil {
				return 0, fmt.Errorf("enqueue interim summaries at %s: %w", now.In(s.loc).Format(time.DateTime), err)
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
