package scheduler

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// syncBuffer is a bytes.Buffer safe for the cron goroutines to log into.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// every fires every d; cron's own "@every" cannot go below one second.
type every time.Duration

func (e every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

func TestCronRecoversPanickingJob(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newCron(time.UTC, log)

	var panics, healthy atomic.Int32
	c.Schedule(every(10*time.Millisecond), cronFunc(func() {
		panics.Add(1)
		panic("boom")
	}))
	c.Schedule(every(10*time.Millisecond), cronFunc(func() { healthy.Add(1) }))
	c.Start()

	deadline := time.Now().Add(5 * time.Second)
	for (panics.Load() < 3 || healthy.Load() < 3) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	<-c.Stop().Done()

	// The panicking job ran again after its panic, and the process and the
	// other job went on.
	if panics.Load() < 3 || healthy.Load() < 3 {
		t.Fatalf("runs: panicking %d, healthy %d; want >= 3 each", panics.Load(), healthy.Load())
	}
	out := logs.String()
	if !strings.Contains(out, `"msg":"cron: panic"`) || !strings.Contains(out, `"error":"boom"`) {
		t.Errorf("panic not logged through slog; log:\n%.2000s", out)
	}
}

func TestCronSkipsRunStillInProgress(t *testing.T) {
	log := slog.New(slog.NewJSONHandler(&syncBuffer{}, nil))
	c := newCron(time.UTC, log)

	var running, maxRunning, runs atomic.Int32
	release := make(chan struct{})
	c.Schedule(every(5*time.Millisecond), cronFunc(func() {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		runs.Add(1)
		<-release
	}))
	c.Start()
	time.Sleep(100 * time.Millisecond) // many ticks pass while the first run blocks
	close(release)
	<-c.Stop().Done()

	if got := maxRunning.Load(); got != 1 {
		t.Errorf("at most %d runs overlapped, want 1", got)
	}
	if got := runs.Load(); got < 1 {
		t.Errorf("job ran %d times, want >= 1", got)
	}
}

type cronFunc func()

func (f cronFunc) Run() { f() }

func TestJobFuncBoundsTheRun(t *testing.T) {
	var deadline time.Time
	var ok bool
	jobFunc(t.Context(), func(ctx context.Context) { deadline, ok = ctx.Deadline() }).Run()
	if !ok || time.Until(deadline) > jobTimeout {
		t.Errorf("job context deadline = %v (set %v), want within %v", deadline, ok, jobTimeout)
	}
}

func TestMissed(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	daily := mustSchedule(t, "0 20 * * *", msk)
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, msk) }
	ptr := func(t time.Time) *time.Time { return &t }
	tests := []struct {
		name      string
		lastStart *time.Time
		now       time.Time
		want      bool
	}{
		// Never run: only today's fire time counts.
		{"never run, before today's 20:00", nil, at(10, 19, 59), false},
		{"never run, at 20:00", nil, at(10, 20, 0), true},
		{"never run, late evening", nil, at(10, 23, 30), true},
		{"never run, just after midnight", nil, at(10, 0, 5), false},
		// 18:00 UTC is 21:00 in Moscow: past the shop's 20:00.
		{"never run, host clock in UTC", nil, time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC), true},
		// 21:30 UTC is 00:30 MSK on the 11th: the 11th's run is ahead.
		{"never run, UTC evening is Moscow's next day", nil, time.Date(2026, 3, 10, 21, 30, 0, 0, time.UTC), false},
		// Recorded runs: a fire time between the last start and now was missed.
		{"ran at 20:00 today", ptr(at(10, 20, 0)), at(10, 23, 0), false},
		{"ran yesterday, now before today's", ptr(at(9, 20, 0)), at(10, 12, 0), false},
		{"ran yesterday, now after today's", ptr(at(9, 20, 0)), at(10, 20, 30), true},
		{"down for three days", ptr(at(6, 20, 0)), at(10, 9, 0), true},
	}
	for _, tt := range tests {
		if got := missed(daily, tt.lastStart, tt.now, msk); got != tt.want {
			t.Errorf("%s: missed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func mustSchedule(tb testing.TB, spec string, loc *time.Location) cron.Schedule {
	tb.Helper()
	sch, err := cron.ParseStandard(spec)
	if err != nil {
		tb.Fatalf("parse %q: %v", spec, err)
	}
	sch.(*cron.SpecSchedule).Location = loc
	return sch
}

func TestLocalDay(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	// 22:30 UTC on the 10th is already the 11th in Moscow.
	got := localDay(time.Date(2026, 3, 10, 22, 30, 0, 0, time.UTC), msk)
	want := time.Date(2026, 3, 11, 0, 0, 0, 0, msk)
	if !got.Equal(want) || got.Location() != msk {
		t.Errorf("localDay = %s, want %s", got, want)
	}
}
