package scheduler

import (
	"fmt"
	"strings"
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

// QuietHours is the nightly window in which nothing is sent to clients:
// whatever falls due in it goes out when it ends, spread over Spread so that
// a night's worth of reminders does not arrive in one burst at 09:00.
type QuietHours struct {
	From, To TimeOfDay     // From == To: no quiet hours
	Spread   time.Duration // [10 min]
}

// DefaultQuietHours is 21:00-09:00, spread over 10 minutes.
var DefaultQuietHours = QuietHours{From: Clock(21, 0), To: Clock(9, 0), Spread: 10 * time.Minute}

// ParseQuietHours reads QUIET_HOURS: "21:00-09:00", or "off" for none.
func ParseQuietHours(s string) (QuietHours, error) {
	q := DefaultQuietHours
	if strings.EqualFold(strings.TrimSpace(s), "off") {
		q.From, q.To = 0, 0
		return q, nil
	}
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM or off", s)
	}
	var err error
	if q.From, err = parseClock(from); err == nil {
		q.To, err = parseClock(to)
	}
	if err != nil {
		return QuietHours{}, fmt.Errorf("quiet hours %q: %w", s, err)
	}
	if q.From == q.To {
		// A window of no length is no quiet hours at all: surely not what was meant, and "off"
		// says it plainly.
		return QuietHours{}, fmt.Errorf("quiet hours %q start and end at the same time; for no quiet hours write off", s)
	}
	return q, nil
}

func parseClock(s string) (TimeOfDay, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return Clock(t.Hour(), t.Minute()), nil
}

// At is when a notice due at due may go out: due itself outside the quiet
// window; else the window's end plus a deterministic share of Spread chosen
// by key (a row or order id), so the same row always gets the same minute and
// a second scan computes the same schedule.
func (q QuietHours) At(due time.Time, loc *time.Location, key int64) time.Time {
	start, spread := q.Window(due, loc)
	steps := int64(spread / (10 * time.Second)) // 10-second slots
	if steps <= 0 {
		return start
	}
	slot := key % steps
	if slot < 0 {
		slot = -slot
	}
	return start.Add(time.Duration(slot) * 10 * time.Second)
}

// Window is what At spreads notices due at due over: from start, over spread (0 outside the
// quiet window: due itself). For a statement that schedules many rows at once (At's rule, the
// key taken in SQL).
func (q QuietHours) Window(due time.Time, loc *time.Location) (start time.Time, spread time.Duration) {
	if !InQuiet(due, loc, q.From, q.To) {
		return due.In(loc), 0
	}
	return NextAllowed(due, loc, q.From, q.To), max(q.Spread, 0)
}
