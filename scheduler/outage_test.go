package scheduler

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The process is down for 3 simulated hours twice: across a payment step's 10:00, and across
// the evening's booking reminders and 20:00 summary, coming back in the quiet hours. What was
// missed is enqueued once at restart; a booking reminder that can no longer arrive in time is
// not sent, and the managers are told once.
func TestOutageOfThreeHours(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	day := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, msk) }
	sh := newSimShop(t, msk, day(1, 0, 0))
	cid, _ := sh.client(true, false)
	debt := sh.invoice(cid, 250000, day(1, 15, 0))
	c2, _ := sh.client(true, false)
	early := day(5, 10, 0)
	tooEarly := sh.order(c2, "accepted", &early)
	c3, _ := sh.client(true, false)
	later := day(5, 14, 0)
	kept := sh.order(c3, "accepted", &later)

	// Down from 08:30 to 11:30 on the 2nd: step 1 (10:00) was missed.
	sh.runUntil(day(2, 8, 30), nil)
	sh.clk.Set(day(2, 11, 30))
	if caught := sh.restart(day(2, 11, 30)); !slices.Contains(caught, "payment_reminders") || slices.Contains(caught, "daily_summary") {
		t.Errorf("caught up %v, want the hourly jobs and not the summary", caught)
	}
	step1 := fmt.Sprintf("payment_reminder:%d:1", debt)
	if r, ok := sh.outbox()[step1]; !ok || !r.NotBefore.Equal(day(2, 11, 30)) {
		t.Errorf("missed step 1 = %+v (enqueued %v), want it due at the restart", r, ok)
	}

	// Down from 18:05 to 21:05 on the 4th: the 18:10 booking reminders and the 20:00 summary
	// were missed, and the process is back in the quiet hours.
	sh.runUntil(day(4, 18, 5), nil)
	caught := sh.restart(day(4, 21, 5))
	if !slices.Contains(caught, "daily_summary") || !slices.Contains(caught, "booking_reminders") {
		t.Errorf("caught up %v, want the summary and the booking reminders", caught)
	}
	sh.runUntil(day(7, 0, 0), nil)

	got := sh.outbox()
	if n := len(keysOf(got, "payment_reminder")); n != 1 {
		t.Errorf("payment reminders = %d, want 1 (step 1 once; step 7 is later)", n)
	}
	k := fmt.Sprintf("booking_reminder:%d:%d", kept, later.Unix())
	if r, ok := got[k]; !ok || r.NotBefore.Before(day(5, 9, 0)) || !r.NotBefore.Before(day(5, 9, 10)) {
		t.Errorf("reminder of the 14:00 slot = %+v (enqueued %v), want due 09:00-09:10 on the 5th", r, ok)
	}
	if _, ok := got[fmt.Sprintf("booking_reminder:%d:%d", tooEarly, early.Unix())]; ok {
		t.Errorf("reminder of the 10:00 slot enqueued, though it could only arrive after 09:00")
	}
	if late := keysOf(got, "booking_reminder_late"); !slices.Equal(late, []string{fmt.Sprintf("booking_reminder_late:%d:%d:%d", tooEarly, early.Unix(), simManagerChat)}) {
		t.Errorf("late reminders reported to the managers: %v, want the 10:00 slot's once", late)
	}
	if !strings.Contains(sh.logs.String(), "no longer relevant") || !strings.Contains(sh.logs.String(), fmt.Sprintf(`"order_id":%d`, tooEarly)) {
		t.Errorf("the reminder no longer relevant was not reported; log:\n%.3000s", sh.logs.String())
	}
	var summaries []string
	for _, key := range keysOf(got, "daily_summary") {
		if strings.HasPrefix(key, fmt.Sprintf("daily_summary:%d:", testOwners[0])) {
			summaries = append(summaries, key[strings.LastIndex(key, ":")+1:])
		}
	}
	want := []string{"2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"}
	if diff := cmp.Diff(want, summaries); diff != "" {
		t.Errorf("summaries of one owner (-want +got):\n%s", diff)
	}
}

// The quiet hours are the clients': after an outage that ends at night, the clients' payment
// reminders missed wait for the morning, while the managers' debt task and the listing of a
// client who cannot be reminded go out at the restart.
func TestStaffPaymentNoticesNotHeldByQuietHours(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	day := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, msk) }
	sh := newSimShop(t, msk, day(1, 0, 0))
	reachable, _ := sh.client(true, false)
	reminded := sh.invoice(reachable, 250000, day(1, 15, 0)) // step 1 at 10:00 on the 2nd
	noChat, _ := sh.client(false, false)
	listed := sh.invoice(noChat, 260000, day(1, 15, 0)) // step 1 too, for the managers
	old, _ := sh.client(true, false)
	tasked := sh.invoice(old, 270000, day(1-13, 15, 0)) // step 14 at 10:00 on the 2nd

	// Down from 09:00 to 22:05 on the 2nd: every step of that 10:00 was missed.
	sh.runUntil(day(2, 9, 0), nil)
	sh.restart(day(2, 22, 5))
	got := sh.outbox()
	for key, want := range map[string]time.Time{
		fmt.Sprintf("payment_task:%d:%d", tasked, simManagerChat):        day(2, 22, 5),
		fmt.Sprintf("payment_unreachable:%d:%d", listed, simManagerChat): day(2, 22, 5),
	} {
		if r, ok := got[key]; !ok || !r.NotBefore.Equal(want) {
			t.Errorf("%s = %+v (enqueued %v), want due at the restart %s", key, r, ok, want)
		}
	}
	k := fmt.Sprintf("payment_reminder:%d:1", reminded)
	if r, ok := got[k]; !ok || r.NotBefore.Before(day(3, 9, 0)) || !r.NotBefore.Before(day(3, 9, 10)) {
		t.Errorf("%s = %+v (enqueued %v), want due 09:00-09:10 on the 3rd", k, r, ok)
	}
}
