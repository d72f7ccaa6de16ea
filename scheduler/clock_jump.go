package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// A clock that jumps (the sandbox's virtual clock: "+1 hour", "tomorrow 09:00") passes fire
// times the cron, which ticks by real time, never sees. CatchUp makes them up: every job with a
// fire time between the last time the scheduler looked and now runs once, at its latest such fire
// time (the day's summary of the day it was due, not of the morning after), through runOnce,
// so under its advisory lock and with its dedupe keys, as a scheduled run would.

// jumpState is the virtual time up to which fire times were looked at.
type jumpState struct {
	mu      sync.Mutex
	checked time.Time
}

// seen records that fire times up to t are dealt with, unless later ones were.
func (j *jumpState) seen(t time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if t.After(j.checked) {
		j.checked = t
	}
}

// CatchUp runs, one after another, each job that had a fire time since the last CatchUp (or
// the scheduler's start) up to now, at its latest passed fire time, and returns the names of
// the jobs it ran. Failures are logged like a cron run's.
func (s *Scheduler) CatchUp(ctx context.Context) []string {
	now := s.now()
	s.jump.mu.Lock()
	from := s.jump.checked
	if now.After(s.jump.checked) {
		s.jump.checked = now
	}
	s.jump.mu.Unlock()
	if from.IsZero() || !now.After(from) {
		return nil
	}
	var ran []string
	for _, j := range s.list {
		at, ok := lastFire(s.sched[j.Name], from, now)
		if !ok || ctx.Err() != nil {
			continue
		}
		n, err := s.runOnce(ctx, j, at)
		if err != nil {
			s.log.Error("job failed", slog.String("job", j.Name), slog.String("error", err.Error()))
			continue
		}
		s.log.Info("job ran after a clock jump", slog.String("job", j.Name), slog.Time("at", at), slog.Int("enqueued", n))
		ran = append(ran, j.Name)
	}
	return ran
}

// maxFires bounds the walk over fire times in lastFire: a year of a job every minute.
const maxFires = 600_000

// lastFire is the latest fire time of sch in (from, to], if there is one.
func lastFire(sch interface{ Next(time.Time) time.Time }, from, to time.Time) (time.Time, bool) {
	t := sch.Next(from)
	if t.IsZero() || t.After(to) {
		return time.Time{}, false
	}
	for range maxFires {
		next := sch.Next(t)
		if next.IsZero() || next.After(to) {
			break
		}
		t = next
	}
	return t, true
}

// maxSteps bounds StepTo's walk: a week of every job is under a thousand fire times.
const maxSteps = 5000

// StepTo moves a virtual clock from now to target through every fire time of every job in
// between, in order: set moves the clock to each, and the jobs due then run at it, as the cron
// would have run them had the time passed by. A week's jump thus gives each day's digest, a
// booking's reminder on the evening before and its no-show just after the slot, each at its own
// time. At target, the jobs that scan at least hourly (reminders, no-shows, payments, feedback)
// run once more, so what fell due by target is enqueued now rather than at the next tick ("+1
// hour" to 18:00 gives the 18:00 reminder); the daily ones (the digest, offers) wait for their
// own time, since an early digest would use up the day's. Past maxSteps fire times the rest is
// caught up as CatchUp does. It returns the names of the jobs that ran, each once, in order.
func (s *Scheduler) StepTo(ctx context.Context, target time.Time, set func(time.Time)) []string {
	now := s.now()
	s.jump.mu.Lock()
	from := s.jump.checked
	s.jump.mu.Unlock()
	if from.IsZero() || from.After(now) {
		from = now
	}
	var ran []string
	note := func(name string) {
		for _, r := range ran {
			if r == name {
				return
			}
		}
		ran = append(ran, name)
	}
	run := func(j Job, at time.Time) {
		n, err := s.runOnce(ctx, j, at)
		if err != nil {
			s.log.Error("job failed", slog.String("job", j.Name), slog.String("error", err.Error()))
			return
		}
		s.log.Info("job ran in a clock step", slog.String("job", j.Name), slog.Time("at", at), slog.Int("enqueued", n))
		note(j.Name)
	}
	cur := from
	for step := 0; ctx.Err() == nil; step++ {
		next, due := s.nextFires(cur, target)
		if len(due) == 0 {
			break
		}
		if step == maxSteps {
			set(target)
			s.jump.seen(cur)
			for _, name := range s.CatchUp(ctx) {
				note(name)
			}
			return ran
		}
		if next.After(s.now()) {
			set(next)
		}
		for _, j := range due {
			run(j, next)
		}
		cur = next
	}
	if target.After(s.now()) {
		set(target)
	}
	for _, j := range s.list {
		if s.scansHourly(j, target) && ctx.Err() == nil {
			run(j, target)
		}
	}
	s.jump.seen(target)
	return ran
}

// nextFires is the earliest fire time of any job in (after, to] and the jobs due at it.
func (s *Scheduler) nextFires(after, to time.Time) (time.Time, []Job) {
	var at time.Time
	var due []Job
	for _, j := range s.list {
		t := s.sched[j.Name].Next(after)
		switch {
		case t.IsZero() || t.After(to):
		case at.IsZero() || t.Before(at):
			at, due = t, []Job{j}
		case t.Equal(at):
			due = append(due, j)
		}
	}
	return at, due
}

// scansHourly reports whether j fires at least once an hour around t.
func (s *Scheduler) scansHourly(j Job, t time.Time) bool {
	a := s.sched[j.Name].Next(t)
	b := s.sched[j.Name].Next(a)
	return !a.IsZero() && !b.IsZero() && b.Sub(a) <= time.Hour
}
