package bot

import "time"

// OpenAt reports whether the shop is open at t, by its hours in loc: what a client who writes
// is told about when to expect an answer.
func (h ShopHours) OpenAt(t time.Time, loc *time.Location) bool {
	t = t.In(loc)
	w := h.days[t.Weekday()]
	off := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	return off >= w.open && off < w.close
}
