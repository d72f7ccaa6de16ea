package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// The clock control moves the emulator's virtual clock, which the whole program reads in the
// sandbox (crm, bot, scheduler), through every fire time of the scheduler's jobs on the way, so
// each runs when it would have: the owner's digest every evening, a booking's reminder the
// evening before and its no-show after the slot, offers at 11:00.

// Step is a jump of the clock control.
type Step string

const (
	StepHour    Step = "hour"    // +1 hour
	StepMorning Step = "morning" // to the next 09:00 in the shop's time zone
	StepWeek    Step = "week"    // +7 days
)

// jump is how far step moves the clock from now, in the shop's zone loc.
func jump(step Step, now time.Time, loc *time.Location) (time.Duration, error) {
	switch step {
	case StepHour:
		return time.Hour, nil
	case StepWeek:
		return 7 * 24 * time.Hour, nil
	case StepMorning:
		l := now.In(loc)
		nine := time.Date(l.Year(), l.Month(), l.Day(), 9, 0, 0, 0, loc)
		if !nine.After(now) {
			nine = time.Date(l.Year(), l.Month(), l.Day()+1, 9, 0, 0, 0, loc)
		}
		return nine.Sub(now), nil
	}
	return 0, fmt.Errorf("clock step %q: want hour, morning or week", step)
}

// Advance moves the clock by step, running the jobs at each fire time it passes. It returns the
// new time and the jobs that ran.
func (sb *Sandbox) Advance(ctx context.Context, step Step) (time.Time, []string, error) {
	clock := sb.opts.Emu.Clock()
	d, err := jump(step, clock.Now(), sb.opts.Location)
	if err != nil {
		return time.Time{}, nil, err
	}
	target := clock.Now().Add(d)
	budget := time.Now().Add(settleBudget)
	set := func(t time.Time) {
		// What the last jobs enqueued goes out at its own time (a reminder before its slot
		// passes and makes it obsolete), then the clock moves on.
		sb.settle(ctx, clock.Now(), budget)
		if d := t.Sub(clock.Now()); d > 0 {
			clock.Advance(d)
		}
	}
	var ran []string
	if sb.opts.StepTo != nil {
		ran = sb.opts.StepTo(ctx, target, set)
	}
	set(target)
	return clock.Now(), ran, nil
}

// settleBudget bounds the waits of one jump for messages to go out: a chat that refuses or
// retries (rate limits, a blocked client) must not hold the clock.
const settleBudget = 20 * time.Second

const sqlDueUnsent = `
SELECT EXISTS (SELECT 1 FROM outbox WHERE state IN ('pending', 'sending') AND not_before <= $1
	AND (retry_at IS NULL OR retry_at <= $1))`

// settle waits until no message due at now is left to send, until the wall-clock deadline.
func (sb *Sandbox) settle(ctx context.Context, now, deadline time.Time) {
	if sb.opts.Pool == nil {
		return
	}
	for time.Now().Before(deadline) && ctx.Err() == nil {
		var due bool
		if err := sb.opts.Pool.QueryRow(ctx, sqlDueUnsent, now).Scan(&due); err != nil || !due {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (sb *Sandbox) serveClock(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Step Step `json:"step"`
	}
	if err := readJSON(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "description": err.Error()})
		return
	}
	if _, err := jump(in.Step, time.Now(), sb.opts.Location); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "description": err.Error()})
		return
	}
	now, ran, err := sb.Advance(r.Context(), in.Step)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"ok": false, "description": err.Error()})
		return
	}
	if ran == nil {
		ran = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": map[string]any{"now": now.Unix(), "jobs": ran}})
}
