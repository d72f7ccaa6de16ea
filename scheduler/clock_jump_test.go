package scheduler

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestLastFireIsTheLatestPassedFireTime(t *testing.T) {
	loc := time.FixedZone("shop", 3*3600)
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
	daily, _ := cron.ParseStandard("0 20 * * *")
	daily.(*cron.SpecSchedule).Location = loc
	quarter, _ := cron.ParseStandard("*/15 * * * *")
	quarter.(*cron.SpecSchedule).Location = loc
	for _, c := range []struct {
		name     string
		sch      cron.Schedule
		from, to time.Time
		want     time.Time
		ok       bool
	}{
		{"noon to tomorrow 09:00 passes today's 20:00", daily, at(4, 12, 0), at(5, 9, 0), at(4, 20, 0), true},
		{"a week passes seven; the last counts", daily, at(4, 12, 0), at(11, 12, 0), at(10, 20, 0), true},
		{"an hour before 20:00 passes none", daily, at(4, 18, 0), at(4, 19, 0), time.Time{}, false},
		{"exactly at the fire time counts", daily, at(4, 19, 0), at(4, 20, 0), at(4, 20, 0), true},
		{"from a fire time, that one is done", daily, at(4, 20, 0), at(4, 21, 0), time.Time{}, false},
		{"every 15 minutes over an hour: the last", quarter, at(4, 12, 1), at(4, 13, 1), at(4, 13, 0), true},
	} {
		got, ok := lastFire(c.sch, c.from, c.to)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("%s: lastFire = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}
