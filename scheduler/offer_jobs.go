package scheduler

import (
	"context"
	"fmt"
	"time"
)

// OffersConfig tunes the offer, digest, feedback and campaign jobs (issue 7, items 2, 4-6).
// The per-client gap between offers is crm.Options.OfferGapDays.
type OffersConfig struct{}

// offerJobs are the jobs of offers and feedback. The owner's digest rides on the daily summary
// (core_jobs.go); campaigns are sent when the owner confirms one, not on a schedule.
func (s *Scheduler) offerJobs() []Job {
	return []Job{
		{
			// Once a day in the late morning: offers are not urgent, and 11:00 is well clear of
			// quiet hours and of the morning rush at the counter. A catch-up at night schedules
			// its messages for the morning (Quiet.At).
			Name: "offers",
			Spec: "0 11 * * *",
			Run:  s.quietly("enqueue offers", s.svc.EnqueueOffers),
		},
		{
			// Every 15 minutes, so the rating question comes soon after the car is handed back.
			Name: "feedback",
			Spec: "*/15 * * * *",
			Run:  s.quietly("enqueue feedback requests", s.svc.EnqueueFeedbackRequests),
		},
	}
}

// quietly is the Run of a job whose enqueue makes client messages: each gets its send time from
// quietAt, so a run at night (a catch-up after a restart) schedules them for the morning.
func (s *Scheduler) quietly(what string, enqueue func(ctx context.Context, now time.Time, sendAt func(key int64) time.Time) (int, error)) func(context.Context, time.Time) (int, error) {
	return func(ctx context.Context, now time.Time) (int, error) {
		n, err := enqueue(ctx, now, s.quietAt(now))
		if err != nil {
			return n, fmt.Errorf("%s: %w", what, err)
		}
		return n, nil
	}
}

// quietAt is when a client message made at now about key may go out: now by day, the end of
// quiet hours (spread by key) at night.
func (s *Scheduler) quietAt(now time.Time) func(key int64) time.Time {
	return func(key int64) time.Time { return s.cfg.Quiet.At(now, s.loc, key) }
}
