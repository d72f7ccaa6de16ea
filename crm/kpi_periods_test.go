package crm_test

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin below, whatever the machine has installed

	"github.com/uniflow-crm/uniflow/crm"
)

func TestReportPeriodsAreLocalMidnights(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(loc *time.Location, s string) time.Time {
		tt, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	type want struct{ start, end, pstart, pend string }
	for _, tc := range []struct {
		name     string
		loc      *time.Location
		kind     crm.PeriodKind
		now      time.Time
		from, to time.Time
		want     want
	}{
		// 2025-03-10 00:30 in Moscow is still the 9th in UTC: the shop's day decides.
		{"today just after midnight", msk, crm.PeriodToday, time.Date(2025, 3, 9, 21, 30, 0, 0, time.UTC), time.Time{}, time.Time{},
			want{"2025-03-10 00:00", "2025-03-11 00:00", "2025-03-09 00:00", "2025-03-10 00:00"}},
		{"yesterday", msk, crm.PeriodYesterday, at(msk, "2025-03-01 10:00"), time.Time{}, time.Time{},
			want{"2025-02-28 00:00", "2025-03-01 00:00", "2025-02-27 00:00", "2025-02-28 00:00"}},
		{"week on a Sunday", msk, crm.PeriodWeek, at(msk, "2025-03-16 23:59"), time.Time{}, time.Time{},
			want{"2025-03-10 00:00", "2025-03-17 00:00", "2025-03-03 00:00", "2025-03-10 00:00"}},
		{"week on a Monday", msk, crm.PeriodWeek, at(msk, "2025-03-10 00:00"), time.Time{}, time.Time{},
			want{"2025-03-10 00:00", "2025-03-17 00:00", "2025-03-03 00:00", "2025-03-10 00:00"}},
		{"month: March against February", msk, crm.PeriodMonth, at(msk, "2025-03-31 23:59"), time.Time{}, time.Time{},
			want{"2025-03-01 00:00", "2025-04-01 00:00", "2025-02-01 00:00", "2025-03-01 00:00"}},
		{"month: a leap February against January", msk, crm.PeriodMonth, at(msk, "2024-02-29 12:00"), time.Time{}, time.Time{},
			want{"2024-02-01 00:00", "2024-03-01 00:00", "2024-01-01 00:00", "2024-02-01 00:00"}},
		{"month: January against December", msk, crm.PeriodMonth, at(msk, "2025-01-01 00:00"), time.Time{}, time.Time{},
			want{"2025-01-01 00:00", "2025-02-01 00:00", "2024-12-01 00:00", "2025-01-01 00:00"}},
		{"custom: three days against the three before", msk, crm.PeriodCustom, at(msk, "2025-03-31 12:00"),
			at(msk, "2025-02-27 15:00"), at(msk, "2025-03-01 09:00"),
			want{"2025-02-27 00:00", "2025-03-02 00:00", "2025-02-24 00:00", "2025-02-27 00:00"}},
		// Berlin moves to summer time on 2025-03-30: that day is 23 hours, still midnight to midnight.
		{"today on the DST day", berlin, crm.PeriodToday, at(berlin, "2025-03-30 12:00"), time.Time{}, time.Time{},
			want{"2025-03-30 00:00", "2025-03-31 00:00", "2025-03-29 00:00", "2025-03-30 00:00"}},
		{"custom over DST", berlin, crm.PeriodCustom, at(berlin, "2025-04-02 12:00"),
			at(berlin, "2025-03-30 00:00"), at(berlin, "2025-03-31 00:00"),
			want{"2025-03-30 00:00", "2025-04-01 00:00", "2025-03-28 00:00", "2025-03-30 00:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur, prev, err := crm.ReportPeriods(tc.kind, tc.now, tc.from, tc.to, tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				got  time.Time
				want string
			}{{cur.Start, tc.want.start}, {cur.End, tc.want.end}, {prev.Start, tc.want.pstart}, {prev.End, tc.want.pend}} {
				if w := at(tc.loc, c.want); !c.got.Equal(w) {
					t.Errorf("boundary %s, want %s", c.got.In(tc.loc).Format(time.DateTime), c.want)
				}
			}
		})
	}
	for _, bad := range [][2]time.Time{
		{at(msk, "2025-03-02 00:00"), at(msk, "2025-03-01 00:00")}, // ends before it starts
		{at(msk, "2024-01-01 00:00"), at(msk, "2025-01-01 00:00")}, // 367 days
	} {
		if _, _, err := crm.ReportPeriods(crm.PeriodCustom, bad[1], bad[0], bad[1], msk); !errors.Is(err, crm.ErrInvalidInput) {
			t.Errorf("custom %v..%v: err = %v, want ErrInvalidInput", bad[0], bad[1], err)
		}
	}
	if _, _, err := crm.ReportPeriods("decade", t0, t0, t0, msk); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("unknown period: err = %v, want ErrInvalidInput", err)
	}
}
