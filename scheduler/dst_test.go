package scheduler

import (
	"testing"
	"time"
)

// Europe/Berlin across both clock changes of 2026 (29 March: 02:00 → 03:00; 25 October: 03:00
// → 02:00), with the process also restarted every 7 hours after an hour down (so the 20:00 run falls in an outage on some days): the real cron
// schedules' Next() plus the catch-up run each daily job (the summary, the offers) once per
// local day, no hourly job twice at one instant, and the summary of each day is enqueued once.
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
			// Every daily job: the summary at 20:00 and the offers at 11:00.
			for _, job := range []string{"daily_summary", "offers"} {
				perDay := map[string]int{}
				for _, at := range sh.runs[job] {
					perDay[at.In(berlin).Format(time.DateOnly)]++
				}
				for d := range days {
					date := span.from.AddDate(0, 0, d).Format(time.DateOnly)
					if perDay[date] != 1 {
						t.Errorf("%s ran %d times on %s, want 1 (runs: %v)", job, perDay[date], date, sh.runs[job])
					}
				}
			}
			// The hourly jobs never run twice at one instant (the autumn night's 02:00-03:00
			// comes twice on the wall clock, at two different instants).
			for _, job := range []string{"payment_reminders", "booking_reminders", "no_shows"} {
				seen := map[time.Time]bool{}
				for _, at := range sh.runs[job] {
					if seen[at] {
						t.Errorf("%s ran twice at %s", job, at.In(berlin))
					}
					seen[at] = true
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
