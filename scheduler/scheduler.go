// Package scheduler runs the shop's periodic jobs on a cron in the shop's
// time zone. Every job is an idempotent scan that enqueues outbox rows with
// unique dedupe keys, so a second run (a catch-up after a restart, or two
// instances) is harmless; a PostgreSQL advisory lock per job keeps two
// replicas from scanning at once, and scheduler_runs records each job's last
// run, so a run missed while the process was down is made up at start.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/metrics"
)

// jobTimeout bounds one run of any job, so a stuck query cannot keep
// SkipIfStillRunning from ever letting the next run through.
const jobTimeout = 5 * time.Minute

// jobSlots is how many jobs of one process run at once. Each run holds a connection for its
// advisory lock while its scan needs others: unbounded, a burst of catch-ups at start could take
// every connection of a small pool for locks and wait forever for one to scan with.
const jobSlots = 2

// Config is the scheduler's part of the configuration.
type Config struct {
	Location *time.Location // the shop's time zone [UTC]
	// Quiet is the nightly window in which nothing is sent to clients [nil: DefaultQuietHours].
	Quiet *QuietHours
	// PaymentLadder is the days after the due date on which an unpaid invoice is reminded of
	// [1, 7, 14]; the last step is a task for the managers instead of a client message.
	PaymentLadder []int
	// Offers tunes the jobs of offer_jobs.go.
	Offers OffersConfig
	// Metrics counts runs, their time and the rows they enqueue; nil counts nothing.
	Metrics *metrics.Metrics
	// Now is the clock jobs run by [time.Now]; the sandbox passes the emulator's virtual clock
	// and calls CatchUp after moving it (clock_jump.go).
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Quiet == nil {
		q := DefaultQuietHours
		c.Quiet = &q
	}
	if len(c.PaymentLadder) == 0 {
		c.PaymentLadder = []int{1, 7, 14}
	}
}

// Scheduler owns the cron and the jobs registered on it.
type Scheduler struct {
	svc   *crm.Service
	cfg   Config
	loc   *time.Location
	log   *slog.Logger
	now   func() time.Time
	list  []Job
	sched map[string]cron.Schedule
	slots chan struct{} // jobSlots
	jump  jumpState     // clock_jump.go
}

// New returns a Scheduler with every job (jobs) parsed against cfg.Location.
func New(svc *crm.Service, cfg Config, log *slog.Logger) (*Scheduler, error) {
	cfg.defaults()
	s := &Scheduler{
		svc:   svc,
		cfg:   cfg,
		loc:   cfg.Location,
		log:   log.With(slog.String("component", "scheduler")),
		now:   time.Now,
		sched: map[string]cron.Schedule{},
		slots: make(chan struct{}, jobSlots),
	}
	if cfg.Now != nil {
		s.now = cfg.Now
	}
	for _, j := range s.jobs() {
		if _, dup := s.sched[j.Name]; dup || j.Name == "" || j.Run == nil {
			return nil, fmt.Errorf("scheduler: job %q: empty, duplicate or without Run", j.Name)
		}
		sch, err := cron.ParseStandard(j.Spec)
		if err != nil {
			return nil, fmt.Errorf("scheduler: job %s: spec %q: %w", j.Name, j.Spec, err)
		}
		if ss, ok := sch.(*cron.SpecSchedule); ok {
			ss.Location = s.loc // the shop's wall clock, whatever the host's zone
		}
		s.sched[j.Name] = sch
		s.list = append(s.list, j)
	}
	return s, nil
}

// Run starts the cron, makes up the runs missed while the process was down,
// and blocks until ctx is cancelled. It then stops the cron and waits for
// running jobs (which see ctx cancelled and return early; being idempotent,
// an interrupted job is simply redone by the next run).
func (s *Scheduler) Run(ctx context.Context) error {
	c := newCron(s.loc, s.log)
	var catchUps sync.WaitGroup
	start := s.now()
	s.jump.seen(start)
	late := s.missedJobs(ctx, start)
	var lateRuns []cron.Job
	for _, j := range s.list {
		id := c.Schedule(s.sched[j.Name], jobFunc(ctx, func(ctx context.Context) { s.runLogged(ctx, j) }))
		if late[j.Name] {
			// Through the entry's wrapped job, so recover and
			// skip-if-still-running apply to the catch-up as well.
			s.log.Info("catching up a missed run", slog.String("job", j.Name))
			lateRuns = append(lateRuns, c.Entry(id).WrappedJob)
		}
	}
	// One after another: a run holds a pooled connection for its advisory
	// lock while it works, so every job caught up at once could hold the
	// whole pool and leave no connection for the work itself (six jobs on a
	// pool of six did exactly that).
	catchUps.Go(func() {
		for _, j := range lateRuns {
			if ctx.Err() != nil {
				return
			}
			j.Run()
		}
	})
	c.Start()
	s.log.Info("scheduler started", slog.String("time_zone", s.loc.String()), slog.Int("jobs", len(s.list)))
	<-ctx.Done()
	<-c.Stop().Done()
	catchUps.Wait()
	s.log.Info("scheduler stopped")
	return nil
}

// missedJobs is the set of jobs whose run was missed at now (see missed),
// going by scheduler_runs: when it cannot be read every job is caught up,
// which is harmless (the scans are idempotent).
func (s *Scheduler) missedJobs(ctx context.Context, now time.Time) map[string]bool {
	last, err := s.svc.JobRuns(ctx)
	if err != nil {
		s.log.Warn("read last job runs: every job is caught up", slog.String("error", err.Error()))
	}
	late := map[string]bool{}
	for _, j := range s.list {
		var lastStart *time.Time
		if r, ok := last[j.Name]; ok {
			lastStart = &r.LastStartedAt
		}
		if err != nil || missed(s.sched[j.Name], lastStart, now, s.loc) {
			late[j.Name] = true
		}
	}
	return late
}

// missed reports whether a fire time of sch lies between the job's last
// recorded start (or, for a job never run, the start of the local day) and
// now: the process was down then, and the job is run at once. A job never run
// is not made up for days before today: its scan covers what is due anyway.
func missed(sch cron.Schedule, lastStart *time.Time, now time.Time, loc *time.Location) bool {
	from := localDay(now, loc).Add(-time.Nanosecond)
	if lastStart != nil {
		from = lastStart.In(loc)
	}
	return !sch.Next(from).After(now)
}

// RunNow runs the job called name at once, under its lock, and returns what
// it enqueued: /jobs's button. crm.ErrJobBusy when it is running already,
// crm.ErrNotFound for a job that does not exist.
func (s *Scheduler) RunNow(ctx context.Context, name string) (int, error) {
	for _, j := range s.list {
		if j.Name == name {
			if j.OnDemand != nil {
				j.Run = j.OnDemand
			}
			return s.runOnce(ctx, j, s.now())
		}
	}
	return 0, fmt.Errorf("run job %q: %w", name, crm.ErrNotFound)
}

// Status is every job with its last run and next fire time after now, in
// registration order: what /jobs shows.
func (s *Scheduler) Status(ctx context.Context) ([]crm.JobStatus, error) {
	last, err := s.svc.JobRuns(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().In(s.loc)
	out := make([]crm.JobStatus, 0, len(s.list))
	for _, j := range s.list {
		st := crm.JobStatus{Name: j.Name, Spec: j.Spec, Next: s.sched[j.Name].Next(now)}
		if r, ok := last[j.Name]; ok {
			st.Last = &r
		}
		out = append(out, st)
	}
	return out, nil
}

// runOnce runs j at now under its advisory lock, once one of the jobSlots is free.
func (s *Scheduler) runOnce(ctx context.Context, j Job, now time.Time) (int, error) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return 0, fmt.Errorf("run job %s: %w", j.Name, ctx.Err())
	}
	start := time.Now() // wall time: the metric measures the run, not the shop's clock
	n, err := s.svc.RunJob(ctx, j.Name, now, func(ctx context.Context) (int, error) { return j.Run(ctx, now) })
	result := "ok"
	switch {
	case errors.Is(err, crm.ErrJobBusy):
		result = "busy"
	case err != nil:
		result = "error"
	}
	s.cfg.Metrics.JobRun(j.Name, result, time.Since(start), n)
	return n, err
}

// runLogged is a cron run: errors are logged, not returned (cron has nowhere
// to put them; scheduler_runs keeps them for /jobs), and a run skipped
// because another replica holds the lock is no error.
func (s *Scheduler) runLogged(ctx context.Context, j Job) {
	n, err := s.runOnce(ctx, j, s.now())
	switch {
	case errors.Is(err, crm.ErrJobBusy):
		s.log.Debug("job running elsewhere: skipped", slog.String("job", j.Name))
	case err != nil:
		s.log.Error("job failed", slog.String("job", j.Name), slog.String("error", err.Error()))
	default:
		s.log.Info("job ran", slog.String("job", j.Name), slog.Int("enqueued", n))
	}
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
