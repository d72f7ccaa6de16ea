package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// dailySummarySpec fires at 20:00 shop time: late enough that the day's
// orders and payments are in, early enough to read before the evening ends.
const (
	dailySummarySpec   = "0 20 * * *"
	dailySummaryHour   = 20
	dailySummaryMinute = 0
)

// dailySummary enqueues the owners' summary of the local day.
type dailySummary struct {
	svc *crm.Service
	loc *time.Location
	log *slog.Logger
	now func() time.Time
}

// run is the cron job. Errors are logged, not returned: cron has nowhere to
// return them, and the next run (or the catch-up at start) redoes the work.
func (j *dailySummary) run(ctx context.Context) {
	day, n, err := j.enqueue(ctx)
	if err != nil {
		j.log.Error("daily summary failed", slog.String("error", err.Error()))
		return
	}
	j.log.Info("daily summary enqueued",
		slog.String("day", day.Format(time.DateOnly)), slog.Int("enqueued", n))
}

// enqueue asks crm for the summaries of the shop's current day and
// returns that day and how many summaries were newly enqueued.
func (j *dailySummary) enqueue(ctx context.Context) (time.Time, int, error) {
	day := localDay(j.now(), j.loc)
	n, err := j.svc.EnqueueDailySummaries(ctx, day)
	if err != nil {
		return day, 0, fmt.Errorf("enqueue daily summaries for %s: %w", day.Format(time.DateOnly), err)
	}
	return day, n, nil
}

// missedToday reports whether today's 20:00 run already lay in the past
// when the process started, i.e. the process was likely down at 20:00.
// Running it then is harmless: the outbox dedupe key (owner, day) keeps
// owners from getting a second summary if the run did happen.
func (j *dailySummary) missedToday() bool {
	now := j.now().In(j.loc)
	fire := time.Date(now.Year(), now.Month(), now.Day(), dailySummaryHour, dailySummaryMinute, 0, 0, j.loc)
	return !now.Before(fire)
}

// localDay returns midnight of t's calendar day in loc: "today" is the
// shop's today, not the server's.
func localDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}
