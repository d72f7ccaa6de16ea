package scheduler

import (
	"fmt"
	"time"
)

// TimeOfDay is a wall-clock time in minutes after midnight. Quiet hours are
// a wall-clock rule ("not after 21:00 shop time"), so they are compared on
// the local clock, not as durations since midnight, which differ on days
// when the clocks change.
type TimeOfDay int

// Clock returns the TimeOfDay h:m. It panics on an impossible time: the
// values come from code or from validated config, never from users.
func Clock(h, m int) TimeOfDay {
	if h < 0 || h > 23 || m < 0 || m > 59 {
		panic(fmt.Sprintf("scheduler: invalid clock %02d:%02d", h, m))
	}
	return TimeOfDay(h*60 + m)
}

func (c TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

func clockOf(t time.Time) TimeOfDay { return TimeOfDay(t.Hour()*60 + t.Minute()) }

// InQuiet reports whether t falls in the quiet window [from, to) on loc's
// wall clock. A window with from > to spans midnight (21:00-09:00); from ==
// to is an empty window (no quiet hours).
func InQuiet(t time.Time, loc *time.Location, from, to TimeOfDay) bool {
	c := clockOf(t.In(loc))
	switch {
	case from == to:
		return false
	case from < to:
		return c >= from && c < to
	default:
		return c >= from || c < to
	}
}

// NextAllowed returns t itself when t is outside the quiet window, else the
// first instant the window ends (to, on loc's wall clock, today or
// tomorrow). The result is in loc.
func NextAllowed(t time.Time, loc *time.Location, from, to TimeOfDay) time.Time {
	t = t.In(loc)
	if !InQuiet(t, loc, from, to) {
		return t
	}
	end := time.Date(t.Year(), t.Month(), t.Day(), int(to)/60, int(to)%60, 0, 0, loc)
	if !end.After(t) {
		// Calendar arithmetic, not +24h: a day with a clock change is
		// 23 or 25 hours long.
		end = time.Date(t.Year(), t.Month(), t.Day()+1, int(to)/60, int(to)%60, 0, 0, loc)
	}
	return end
}
