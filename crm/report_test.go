package crm_test

import (
	"encoding/json"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin below, whatever the machine has installed

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestDailySummaryCountsByTheShopsDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{Location: msk})
	tm := e.MustTeam(t)
	at := func(s string) time.Time { // shop time
		tt, err := time.ParseInLocation("2006-01-02 15:04:05", s, msk)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	book := func(when, key string) crm.OrderCard {
		e.clock.Set(at(when))
		return e.MustBook(t, booking(100, key))
	}
	move := func(when string, id int64, to ...crm.Status) {
		t.Helper()
		e.clock.Set(at(when))
		for _, s := range to {
			c, err := e.svc.OrderCard(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Transition(e.ctx, actor(tm.manager), id, c.Order.Version, s); err != nil {
				t.Fatalf("move %d to %s: %v", id, s, err)
			}
		}
	}
	o1 := book("2025-03-09 23:59:59", "1") // 20:59:59 UTC on the 9th
	o2 := book("2025-03-10 00:00:00", "2") // 21:00 UTC on the 9th, but the 10th in the shop
	o3 := book("2025-03-10 23:59:59", "3")
	o4 := book("2025-03-11 00:00:00", "4")
	move("2025-03-10 12:00:00", o1.Order.ID, crm.StatusAccepted, crm.StatusDiagnosing, crm.StatusInProgress, crm.StatusReady)
	move("2025-03-10 13:00:00", o2.Order.ID, crm.StatusAccepted, crm.StatusDiagnosing, crm.StatusInProgress, crm.StatusReady)
	move("2025-03-10 23:59:59", o2.Order.ID, crm.StatusDelivered)
	move("2025-03-11 00:00:30", o1.Order.ID, crm.StatusDelivered)
	// A reassignment that keeps the status is not a move.
	e.clock.Set(at("2025-03-11 09:00:00"))
	c3, _ := e.svc.OrderCard(e.ctx, o3.Order.ID)
	if _, err := e.svc.Assign(e.ctx, actor(tm.manager), o3.Order.ID, c3.Order.Version, tm.mech1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Assign(e.ctx, actor(tm.manager), o3.Order.ID, c3.Order.Version+1, tm.mech2.ID); err != nil {
		t.Fatal(err)
	}
	_ = o4

	tests := []struct {
		day  time.Time
		want crm.DailySummary
	}{
		{at("2025-03-09 12:00:00"), crm.DailySummary{Day: at("2025-03-09 00:00:00"), NewRequests: 1,
			NewNumbers: []int64{1001}, ReadyNumbers: []int64{}, DeliveredNumbers: []int64{}}},
		// 22:00 UTC on the 9th is the 10th in the shop.
		{time.Date(2025, 3, 9, 22, 0, 0, 0, time.UTC), crm.DailySummary{Day: at("2025-03-10 00:00:00"),
			NewRequests: 2, Moved: 2, Ready: 2, Delivered: 1,
			NewNumbers: []int64{1002, 1003}, ReadyNumbers: []int64{1001, 1002}, DeliveredNumbers: []int64{1002}}},
		{at("2025-03-11 23:59:59"), crm.DailySummary{Day: at("2025-03-11 00:00:00"),
			NewRequests: 1, Moved: 2, Delivered: 1,
			NewNumbers: []int64{1004}, ReadyNumbers: []int64{}, DeliveredNumbers: []int64{1001}}},
		{at("2025-03-12 10:00:00"), crm.DailySummary{Day: at("2025-03-12 00:00:00"),
			NewNumbers: []int64{}, ReadyNumbers: []int64{}, DeliveredNumbers: []int64{}}},
	}
	for _, tt := range tests {
		got, err := e.svc.DailySummary(e.ctx, tt.day)
		if err != nil {
			t.Fatal(err)
		}
		// The digest's exceptions and numbers: digest_test.go.
		ignoreDigest := cmpopts.IgnoreFields(crm.DailySummary{}, "Exceptions", "Numbers")
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateApproxTime(0), ignoreDigest); diff != "" {
			t.Errorf("DailySummary(%v) (-want +got):\n%s", tt.day, diff)
		}
		if got.Day.Location() != msk {
			t.Errorf("Day %v is not in the shop's zone", got.Day)
		}
	}
}

func TestDailySummaryOnADaylightSavingDay(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, crm.Options{Location: berlin})
	// 30 March 2025 has 23 hours in Berlin: 00:00 CET is 23:00 UTC the day before, 24:00 CEST is 22:00 UTC.
	for i, utc := range []string{"2025-03-29T22:59:59Z", "2025-03-29T23:00:00Z", "2025-03-30T21:59:59Z", "2025-03-30T22:00:00Z"} {
		tt, _ := time.Parse(time.RFC3339, utc)
		e.clock.Set(tt)
		e.MustBook(t, booking(100, itoa(int64(i))))
	}
	got, err := e.svc.DailySummary(e.ctx, time.Date(2025, 3, 30, 12, 0, 0, 0, berlin))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{1002, 1003}, got.NewNumbers); diff != "" {
		t.Errorf("new on 30 March (-want +got):\n%s", diff)
	}
}

func TestEnqueueDailySummariesOncePerOwnerAndDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{Location: msk})
	owner := e.MustOwner(t, 1)
	e.MustStaff(t, owner, 2, crm.RoleManager) // managers get no summary
	if err := e.svc.EnsureOwners(e.ctx, []int64{1, 5, 6}); err != nil {
		t.Fatal(err) // 5: an owner who never talked to the bot (no chat)
	}
	e.mustTouch(t, 6)
	if _, err := e.db.Exec(e.ctx, `UPDATE staff SET active = false WHERE telegram_user_id = 6`); err != nil {
		t.Fatal(err)
	}
	e.MustBook(t, booking(100, "a"))

	day := time.Date(2025, 3, 10, 23, 0, 0, 0, msk)
	for i, want := range []int{1, 0} {
		n, err := e.svc.EnqueueDailySummaries(e.ctx, day)
		if err != nil || n != want {
			t.Errorf("EnqueueDailySummaries #%d = %d, %v; want %d", i+1, n, err, want)
		}
	}
	rows := e.outbox(t, crm.KindDailySummary)
	if len(rows) != 1 || rows[0].Key != "daily_summary:1:2025-03-10" || rows[0].ChatID != 1 {
		t.Fatalf("daily summary rows = %+v", rows)
	}
	var got crm.DailySummary
	if err := json.Unmarshal([]byte(rows[0].Data), &got); err != nil {
		t.Fatal(err)
	}
	want, err := e.svc.DailySummary(e.ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("Data (-want +got):\n%s", diff)
	}
	if got.NewRequests != 1 {
		t.Errorf("NewRequests = %d, want 1", got.NewRequests)
	}
	// Its picture follows in a row of its own, once too (issue 9: the digest attaches the chart).
	charts := e.outbox(t, crm.KindDigestChart)
	if len(charts) != 1 || charts[0].Key != "digest_chart:1:2025-03-10" || charts[0].ChatID != 1 {
		t.Fatalf("digest chart rows = %+v", charts)
	}
	var cd crm.DigestChartData
	if err := json.Unmarshal([]byte(charts[0].Data), &cd); err != nil || !cd.Day.Equal(time.Date(2025, 3, 10, 0, 0, 0, 0, msk)) {
		t.Errorf("chart data %s: %+v, %v", charts[0].Data, cd, err)
	}
	if lane := crm.LaneOf(crm.KindDigestChart); lane != crm.LaneBulk {
		t.Errorf("the chart's lane is %s, want bulk", lane)
	}
	// The next day is a new message.
	if n, err := e.svc.EnqueueDailySummaries(e.ctx, day.Add(2*time.Hour)); err != nil || n != 1 {
		t.Errorf("next day: %d, %v; want 1", n, err)
	}
}
