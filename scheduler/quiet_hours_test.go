package scheduler

import (
	"strings"
	"testing"
	"time"
)

func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load location %q: %v", name, err)
	}
	return loc
}

func TestInQuietAndNextAllowed(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	berlin := mustLoad(t, "Europe/Berlin")
	at := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	tests := []struct {
		name      string
		t         time.Time
		loc       *time.Location
		from, to  TimeOfDay
		wantQuiet bool
		wantNext  time.Time
	}{
		{"overnight window, evening inside", at(msk, "2026-03-10 22:30"), msk, Clock(21, 0), Clock(9, 0), true, at(msk, "2026-03-11 09:00")},
		{"overnight window, early morning inside", at(msk, "2026-03-10 03:00"), msk, Clock(21, 0), Clock(9, 0), true, at(msk, "2026-03-10 09:00")},
		{"overnight window, start is inclusive", at(msk, "2026-03-10 21:00"), msk, Clock(21, 0), Clock(9, 0), true, at(msk, "2026-03-11 09:00")},
		{"overnight window, end is exclusive", at(msk, "2026-03-10 09:00"), msk, Clock(21, 0), Clock(9, 0), false, at(msk, "2026-03-10 09:00")},
		{"overnight window, midday outside", at(msk, "2026-03-10 13:15"), msk, Clock(21, 0), Clock(9, 0), false, at(msk, "2026-03-10 13:15")},
		{"overnight window, just before start", at(msk, "2026-03-10 20:59"), msk, Clock(21, 0), Clock(9, 0), false, at(msk, "2026-03-10 20:59")},
		{"daytime window inside", at(msk, "2026-03-10 13:30"), msk, Clock(13, 0), Clock(14, 0), true, at(msk, "2026-03-10 14:00")},
		{"daytime window outside", at(msk, "2026-03-10 14:00"), msk, Clock(13, 0), Clock(14, 0), false, at(msk, "2026-03-10 14:00")},
		{"empty window", at(msk, "2026-03-10 23:00"), msk, Clock(9, 0), Clock(9, 0), false, at(msk, "2026-03-10 23:00")},
		{"month end rolls over", at(msk, "2026-01-31 23:59"), msk, Clock(21, 0), Clock(9, 0), true, at(msk, "2026-02-01 09:00")},
		// 22:00 UTC is 01:00 in Moscow: the shop's clock decides, not the server's.
		{"instant given in UTC is judged on the shop clock", time.Date(2026, 3, 10, 22, 0, 0, 0, time.UTC), msk, Clock(21, 0), Clock(9, 0), true, at(msk, "2026-03-11 09:00")},
		{"UTC midday is Moscow afternoon", time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC), msk, Clock(21, 0), Clock(9, 0), false, at(msk, "2026-03-10 15:00")},
		// Berlin springs forward on 2026-03-29 at 02:00 -> 03:00: the night
		// is 10 hours on the clock but 9 in real time; the window still ends
		// at 09:00 local.
		{"clock change night ends at local 09:00", at(berlin, "2026-03-28 23:00"), berlin, Clock(21, 0), Clock(9, 0), true, at(berlin, "2026-03-29 09:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InQuiet(tt.t, tt.loc, tt.from, tt.to); got != tt.wantQuiet {
				t.Errorf("InQuiet(%s, %s-%s) = %v, want %v", tt.t, tt.from, tt.to, got, tt.wantQuiet)
			}
			got := NextAllowed(tt.t, tt.loc, tt.from, tt.to)
			if !got.Equal(tt.wantNext) {
				t.Errorf("NextAllowed(%s, %s-%s) = %s, want %s", tt.t, tt.from, tt.to, got, tt.wantNext)
			}
			if got.Location() != tt.loc {
				t.Errorf("NextAllowed location = %s, want %s", got.Location(), tt.loc)
			}
			if InQuiet(got, tt.loc, tt.from, tt.to) {
				t.Errorf("NextAllowed returned %s, which is still quiet", got)
			}
		})
	}
}

func TestClock(t *testing.T) {
	if got := Clock(9, 5).String(); got != "09:05" {
		t.Errorf("Clock(9, 5) = %q, want 09:05", got)
	}
	for _, hm := range [][2]int{{24, 0}, {-1, 0}, {0, 60}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Clock(%d, %d) did not panic", hm[0], hm[1])
				}
			}()
			Clock(hm[0], hm[1])
		}()
	}
}

func TestQuietHoursAtSpreadsDeterministically(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	q := DefaultQuietHours
	night := time.Date(2026, 3, 10, 23, 0, 0, 0, msk)
	morning := time.Date(2026, 3, 11, 9, 0, 0, 0, msk)
	seen := map[time.Time]bool{}
	for id := int64(1); id <= 200; id++ {
		got := q.At(night, msk, id)
		if got.Before(morning) || !got.Before(morning.Add(q.Spread)) {
			t.Fatalf("At(night, %d) = %s, want within [09:00, 09:10)", id, got)
		}
		if again := q.At(night, msk, id); !again.Equal(got) {
			t.Fatalf("At is not deterministic for %d: %s then %s", id, got, again)
		}
		seen[got] = true
	}
	if len(seen) < 30 {
		t.Errorf("200 rows got only %d distinct minutes-seconds, want them spread", len(seen))
	}
	day := time.Date(2026, 3, 10, 14, 0, 0, 0, msk)
	if got := q.At(day, msk, 7); !got.Equal(day) {
		t.Errorf("At(daytime) = %s, want unchanged", got)
	}
}

func TestParseQuietHours(t *testing.T) {
	q, err := ParseQuietHours("22:30-08:00")
	if err != nil || q.From != Clock(22, 30) || q.To != Clock(8, 0) {
		t.Errorf("ParseQuietHours = %+v, %v", q, err)
	}
	if q, err := ParseQuietHours("off"); err != nil || q.From != q.To {
		t.Errorf("off = %+v, %v", q, err)
	}
	for _, bad := range []string{"", "22:00", "25:00-08:00", "22-08"} {
		if _, err := ParseQuietHours(bad); err == nil {
			t.Errorf("ParseQuietHours(%q) accepted", bad)
		}
	}
}

// A window that starts and ends at the same time would mean no quiet hours: it is refused, and
// the error says to write off.
func TestParseQuietHoursRefusesEmptyWindow(t *testing.T) {
	for _, s := range []string{"09:00-09:00", "00:00-00:00", "21:30 - 21:30"} {
		if _, err := ParseQuietHours(s); err == nil || !strings.Contains(err.Error(), "write off") {
			t.Errorf("ParseQuietHours(%q) = %v, want an error saying to write off", s, err)
		}
	}
}
