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
