package scheduler

import (
	"context"
	"time"
)

// Job is one idempotent scan: it enqueues what is due at now and not yet enqueued (outbox rows
// with unique dedupe keys), so a second run at the same now (a catch-up, a second replica, a
// "run now" from /jobs) enqueues nothing more. Run gets now from the scheduler's clock, never
// from time.Now, so tests fast-forward; it returns how many rows it newly enqueued (or changed).
// A bad row is logged and skipped by the job itself; an error means the scan as a whole failed
// and is recorded for /jobs.
type Job struct {
	Name string // unique, snake_case: the advisory lock, scheduler_runs and /jobs key
	Spec string // standard 5-field cron spec, on the shop's wall clock (SHOP_TIMEZONE)
	Run  func(ctx context.Context, now time.Time) (enqueued int, err error)
	// OnDemand, when set, is what a run from /jobs does instead of Run: a job whose scheduled
	// run must not be used up by an earlier press (the daily summary) says so here.
	OnDemand func(ctx context.Context, now time.Time) (enqueued int, err error)
}

// jobs is every job the scheduler runs: its own and those of the other areas, each area's
// list in its own file, so adding a job touches only that area's file.
func (s *Scheduler) jobs() []Job {
	var all []Job
	all = append(all, s.coreJobs()...)
	all = append(all, s.offerJobs()...)
	return all
}
