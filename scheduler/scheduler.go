// Package scheduler runs the shop's periodic jobs on a cron in the shop's
// time zone. Every job is an idempotent scan that enqueues outbox rows with
// unique dedupe keys, so a second run (a catch-up after a restart, or two
// instances) is harmless.
package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/uniflow-crm/uniflow/crm"
)

// jobTimeout bounds one run of any job, so a stuck query cannot keep
// SkipIfStillRunning from ever letting the next run through.
const jobTimeout = 5 * time.Minute

// Scheduler owns the cron and the jobs registered on it.
type Scheduler struct {
	svc *crm.Service
	loc *time.Location
	log *slog.Logger
	now func() time.Time
}

// New returns a Scheduler whose jobs run in loc (the shop's time zone).
func New(svc *crm.Service, loc *time.Location, log *slog.Logger) *Scheduler {
	return &Scheduler{
		svc: svc,
		loc: loc,
		log: log.With(slog.String("component", "scheduler")),
		now: time.Now,
	}
}

// Run starts the cron and blocks until ctx is cancelled. It then stops the
// cron and waits for running jobs (which see ctx cancelled and return early;
// being idempotent, an interrupted job is simply redone by the next run).
func (s *Scheduler) Run(ctx context.Context) error {
	c := newCron(s.loc, s.log)
	var catchUps sync.WaitGroup

	daily := &dailySummary{svc: s.svc, loc: s.loc, log: s.log, now: s.now}
	id, err := c.AddJob(dailySummarySpec, jobFunc(ctx, daily.run))
	if err != nil {
		return err
	}
	if daily.missedToday() {
		// Run through the entry's wrapped job so recover and
		// skip-if-still-running apply to the catch-up as well.
		job := c.Entry(id).WrappedJob
		catchUps.Go(job.Run)
	}

	c.Start()
	s.log.Info("scheduler started", slog.String("time_zone", s.loc.String()))
	<-ctx.Done()
	<-c.Stop().Done()
	catchUps.Wait()
	s.log.Info("scheduler stopped")
	return nil
}

// newCron builds the cron with the house chain: a job still running when
// its next tick comes is skipped rather than stacked, and a panicking job is
// logged and recovered (the process and other jobs go on).
//
// The order matters: SkipIfStillRunning must wrap Recover, not the other
// way round. Skip holds a token while the job runs and puts it back only
// when the job returns normally; a panic unwinding through it loses the
// token and the job is skipped forever after (TestCronRecoversPanickingJob).
func newCron(loc *time.Location, log *slog.Logger) *cron.Cron {
	l := cronLogger{log: log}
	return cron.New(
		cron.WithLocation(loc),
		cron.WithLogger(l),
		cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)),
	)
}

// jobFunc adapts a context-aware job to cron.Job. Cron has no context of
// its own, so the job gets the scheduler's ctx with a per-run deadline.
func jobFunc(ctx context.Context, run func(context.Context)) cron.Job {
	return cron.FuncJob(func() {
		ctx, cancel := context.WithTimeout(ctx, jobTimeout)
		defer cancel()
		run(ctx)
	})
}

// cronLogger routes cron's logging through slog. Cron's Info messages
// ("wake", "run", "schedule") fire on every tick, so they go to debug.
type cronLogger struct {
	log *slog.Logger
}

func (l cronLogger) Info(msg string, keysAndValues ...any) {
	l.log.Debug("cron: "+msg, keysAndValues...)
}

func (l cronLogger) Error(err error, msg string, keysAndValues ...any) {
	args := append([]any{slog.String("error", err.Error())}, keysAndValues...)
	l.log.Error("cron: "+msg, args...)
}
