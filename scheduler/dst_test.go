package scheduler

import (
	"testing"
	"time"
)

// Europe/Berlin across both clock changes of 2026 (29 March: 02:00 → 03:00; 25 October: 03:00
// → 02:00), with the process also restarted every 7 hours after an hour down (so the 20:00 run falls in an outage on some days): the real cron
// schedules' Next() plus the catch-up run each daily job once per local day, and the summary
// of each day is enqueued once.
func TestDaylightSavingOncePerLocalDay(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	for _, span := range []struct{ from, to time.Time }{
		{time.Date(2026, 3, 26, 0, 0, 0, 0, berlin), time.Date(2026, 4, 1, 0, 0, 0, 0, berlin)},
		{time.Date(2026, 10, 22, 0, 0, 0, 0, berlin), time.Date(2026, 10, 28, 0, 0, 0, 0, berlin)},
	} {
		t.Run(span.from.Format(time.DateOnly), func(t *testing.T) {
			sh := newSimShop(t, berlin, span.from)
			for at := span.from; at.Before(span.to); {
				stop := at.Add(6 * time.Hour)
				if stop.After(span.to) {
					stop = span.to
				}
				sh.runUntil(stop, nil)
				at = stop.Add(time.Hour)
				if at.Before(span.to) {
					sh.restart(at)
				}
			}
			days := int(span.to.Sub(span.from).Round(24*time.Hour) / (24 * time.Hour))
			perDay := map[string]int{}
			for _, at := range sh.runs["daily_summary"] {
				perDay[at.In(berlin).Format(time.DateOnly)]++
			}
			for d := range days {
				date := span.from.AddDate(0, 0, d).Format(time.DateOnly)
				if perDay[date] != 1 {
					t.Errorf("daily summary ran %d times on %s, want 1 (runs: %v)", perDay[date], date, sh.runs["daily_summary"])
				}
			}
			if got := ownerOutboxRows(t, sh.pool); got != days*len(testOwners) {
				t.Errorf("summaries enqueued = %d, want %d", got, days*len(testOwners))
			}
			// Each summary is at 20:00 local, whatever the offset that day.
			for _, at := range sh.runs["daily_summary"] {
				if l := at.In(berlin); l.Hour() < 20 {
					t.Errorf("summary ran at %s local, before 20:00", l)
				}
			}
		})
	}
}
