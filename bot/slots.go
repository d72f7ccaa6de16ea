package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ShopHours says when the shop takes cars in, per weekday, in the shop's
// time zone. A zero window means closed that day.
type ShopHours struct {
	days [7]window // indexed by time.Weekday
	// SlotLength is how long one booking slot is.
	SlotLength time.Duration
}

type window struct{ open, close time.Duration } // offsets from local midnight

// DefaultShopHours is what SHOP_HOURS means when unset.
const DefaultShopHours = "mon-sat 09:00-19:00"

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseShopHours reads "mon-fri 09:00-19:00; sat 10:00-16:00". Days not named
// are closed; a later clause overrides an earlier one for the same day. An
// optional "slot=60m" clause sets the slot length (default one hour).
func ParseShopHours(s string) (ShopHours, error) {
	h := ShopHours{SlotLength: time.Hour}
	if strings.TrimSpace(s) == "" {
		s = DefaultShopHours
	}
	for _, clause := range strings.Split(s, ";") {
		clause = strings.ToLower(strings.TrimSpace(clause))
		if clause == "" {
			continue
		}
		if v, ok := strings.CutPrefix(clause, "slot="); ok {
			d, err := time.ParseDuration(v)
			if err != nil || d < 15*time.Minute || d > 8*time.Hour {
				return ShopHours{}, fmt.Errorf("slot length %q: want a duration from 15m to 8h", v)
			}
			h.SlotLength = d
			continue
		}
		dayPart, timePart, ok := strings.Cut(clause, " ")
		if !ok {
			return ShopHours{}, fmt.Errorf("clause %q: want \"mon-fri 09:00-19:00\"", clause)
		}
		days, err := parseDays(dayPart)
		if err != nil {
			return ShopHours{}, fmt.Errorf("clause %q: %w", clause, err)
		}
		w, err := parseWindow(strings.TrimSpace(timePart))
		if err != nil {
			return ShopHours{}, fmt.Errorf("clause %q: %w", clause, err)
		}
		for _, d := range days {
			h.days[d] = w
		}
	}
	for _, w := range h.days {
		if w.close-w.open >= h.SlotLength {
			return h, nil
		}
	}
	return ShopHours{}, fmt.Errorf("%q: no day is open long enough for one %s slot", s, h.SlotLength)
}

func parseDays(s string) ([]time.Weekday, error) {
	from, to, isRange := strings.Cut(s, "-")
	a, ok := weekdays[from]
	if !ok {
		return nil, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", from)
	}
	if !isRange {
		return []time.Weekday{a}, nil
	}
	b, ok := weekdays[to]
	if !ok {
		return nil, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", to)
	}
	var out []time.Weekday
	for d := a; ; d = (d + 1) % 7 {
		out = append(out, d)
		if d == b {
			return out, nil
		}
	}
}

func parseWindow(s string) (window, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return window{}, fmt.Errorf("hours %q: want 09:00-19:00", s)
	}
	open, err := parseClock(from)
	if err != nil {
		return window{}, err
	}
	closing, err := parseClock(to)
	if err != nil {
		return window{}, err
	}
	if closing <= open {
		return window{}, fmt.Errorf("hours %q: closing must be after opening", s)
	}
	return window{open, closing}, nil
}

func parseClock(s string) (time.Duration, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// Slots lists the free slot starts from now over the next days, in loc,
// skipping taken ones and any that start within lead of now, at most max.
func (h ShopHours) Slots(now time.Time, loc *time.Location, days int, taken []time.Time, lead time.Duration, max int) []time.Time {
	busy := make(map[int64]bool, len(taken))
	for _, t := range taken {
		busy[t.Unix()] = true
	}
	now = now.In(loc)
	var out []time.Time
	for i := 0; i <= days && len(out) < max; i++ {
		day := time.Date(now.Year(), now.Month(), now.Day()+i, 0, 0, 0, 0, loc)
		w := h.days[day.Weekday()]
		for off := w.open; off+h.SlotLength <= w.close && len(out) < max; off += h.SlotLength {
			// Adding hours and minutes to the date, not a duration to midnight,
			// keeps slots on the clock across DST changes.
			start := time.Date(day.Year(), day.Month(), day.Day(), int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, loc)
			if start.Before(now.Add(lead)) || busy[start.Unix()] {
				continue
			}
			out = append(out, start)
		}
	}
	return out
}
