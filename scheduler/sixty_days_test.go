package scheduler

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

// payer is how a seeded debtor behaves.
type payer int

const (
	neverPays payer = iota
	paysBeforeFirst
	paysAfterFirst
	blockedBot
	noChat
	paysHalf
	paysAfterSecond
	payerKinds
)

// TestSixtySimulatedDays fast-forwards 60 days over a seeded shop in Moscow: four dozen debtors
// of every kind, bookings kept, missed, cancelled, moved and made late at night, services coming
// due for clients with and without consent, unreachable or with an order open, a car handed back
// at night. Every notice that should be enqueued is, exactly once, and none other; no client
// message is due in the quiet hours.
func TestSixtySimulatedDays(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, msk)
	end := start.AddDate(0, 0, 60)
	sh := newSimShop(t, msk, start)
	day := func(d, h, m int) time.Time { return time.Date(2026, 3, 1+d, h, m, 0, 0, msk) }
	var events []simEvent
	want := map[string]bool{}
	wantNotBefore := map[string]time.Time{}
	mgr := fmt.Sprint(simManagerChat)

	// Debtors. The oracle is the ladder written out: step s falls due at 10:00 on the s-th
	// day after the due date and the hourly scan (:05) enqueues it, unless paid by then.
	for i := range 48 {
		kind := payer(i % int(payerKinds))
		due := day(1+(i*3)%55, 15, 0)
		if i%2 == 1 {
			due = day(1+(i*3)%55, 23, 30) // due late at night: its steps still come at 10:00
		}
		cid, _ := sh.client(kind != noChat, kind == blockedBot)
		total := crm.Money(150000 + 100*int64(i))
		oid := sh.invoice(cid, total, due)
		var paidAt *time.Time
		full := true
		switch kind {
		case paysBeforeFirst:
			p := dueDay(due, 1, 8, msk)
			paidAt = &p
		case paysAfterFirst:
			p := dueDay(due, 3, 13, msk)
			paidAt = &p
		case paysAfterSecond:
			p := dueDay(due, 8, 13, msk)
			paidAt = &p
		case paysHalf:
			p := dueDay(due, 2, 13, msk)
			paidAt, full = &p, false
		}
		if paidAt != nil {
			amount := total
			if !full {
				amount = total / 2
			}
			events = append(events, simEvent{*paidAt, func() { sh.pay(oid, amount) }})
		}
		for _, step := range []int{1, 7, 14} {
			at := dueDay(due, step, 10, msk).Add(5 * time.Minute)
			if at.After(end) || (full && paidAt != nil && !paidAt.After(at)) {
				continue
			}
			o := fmt.Sprint(oid)
			switch {
			case step == 14:
				want["payment_task:"+o+":"+mgr] = true
			case kind == blockedBot || kind == noChat:
				want["payment_unreachable:"+o+":"+mgr] = true
			default:
				k := "payment_reminder:" + o + ":" + fmt.Sprint(step)
				want[k], wantNotBefore[k] = true, at
			}
		}
	}

	// Bookings.
	booking := func(slot time.Time, blocked bool) int64 {
		cid, _ := sh.client(true, blocked)
		return sh.order(cid, "accepted", &slot)
	}
	reminded := func(oid int64, slot time.Time) string {
		k := fmt.Sprintf("booking_reminder:%d:%d", oid, slot.Unix())
		want[k] = true
		return k
	}
	arrives := func(oid int64, at time.Time) {
		events = append(events, simEvent{at, func() { sh.exec(`UPDATE orders SET status = 'diagnosing' WHERE id = $1`, oid) }})
	}
	moves := func(oid int64, at, to time.Time) {
		events = append(events, simEvent{at, func() { sh.exec(`UPDATE orders SET slot = $2 WHERE id = $1`, oid, to) }})
	}
	var noShows []int64
	noShowSlot := map[int64]time.Time{}
	missed := func(oid int64, slot time.Time) { noShows, noShowSlot[oid] = append(noShows, oid), slot }

	b1 := booking(day(5, 14, 0), false) // kept
	wantNotBefore[reminded(b1, day(5, 14, 0))] = day(4, 18, 10)
	arrives(b1, day(5, 14, 0))
	b2 := booking(day(8, 11, 0), false) // reminded, never comes
	reminded(b2, day(8, 11, 0))
	missed(b2, day(8, 11, 0))
	b3 := booking(day(6, 12, 0), false) // cancelled before the reminder
	events = append(events, simEvent{day(3, 12, 0), func() { sh.exec(`UPDATE orders SET status = 'cancelled' WHERE id = $1`, b3) }})
	// Booked at 22:30 for 15:00 tomorrow: reminded in the morning, not at night.
	var b4 int64
	events = append(events, simEvent{day(9, 22, 30), func() {
		b4 = booking(day(10, 15, 0), false)
		reminded(b4, day(10, 15, 0))
	}})
	events = append(events, simEvent{day(10, 15, 0), func() { sh.exec(`UPDATE orders SET status = 'diagnosing' WHERE id = $1`, b4) }})
	// Booked at 22:30 for 09:30 tomorrow: a reminder could only come after 07:30, too late.
	var b5 int64
	events = append(events, simEvent{day(12, 22, 30), func() { b5 = booking(day(13, 9, 30), false); missed(b5, day(13, 9, 30)) }})
	b6 := booking(day(15, 10, 0), true) // blocked the bot: no reminder
	arrives(b6, day(15, 10, 0))
	b7 := booking(day(20, 10, 0), false) // moved before its reminder
	moves(b7, day(18, 12, 0), day(22, 10, 0))
	reminded(b7, day(22, 10, 0))
	arrives(b7, day(22, 10, 0))
	b8 := booking(day(25, 16, 0), false) // reminded, then moved: reminded of the new slot too
	reminded(b8, day(25, 16, 0))
	moves(b8, day(24, 20, 0), day(26, 16, 0))
	reminded(b8, day(26, 16, 0))
	arrives(b8, day(26, 16, 0))
	for k := range 10 {
		slot := day(30+k, 10+k%8, 0)
		oid := booking(slot, false)
		reminded(oid, slot)
		if k%2 == 0 {
			arrives(oid, slot.Add(20*time.Minute))
		} else {
			missed(oid, slot)
		}
	}
	// Booked for 19:00 and missed: recorded at 21:15, in the quiet hours. The manager is told at
	// once; the client's offer of another time waits for the morning.
	late := booking(day(45, 19, 0), false)
	reminded(late, day(45, 19, 0))
	missed(late, day(45, 19, 0))
	wantNotBefore[fmt.Sprintf("no_show:%d:%d:%s", late, day(45, 19, 0).Unix(), mgr)] = day(45, 21, 15)
	wantNotBefore[fmt.Sprintf("no_show_client:%d:%d", late, day(45, 19, 0).Unix())] = DefaultQuietHours.At(day(45, 21, 15), msk, late)

	// Offers (daily at 11:00) and feedback (every 15 minutes). The oracle: a consenting,
	// reachable client without an open order is offered a service on the day its interval
	// has passed since the visit (by the shop's calendar), one offer per 30 days; the others
	// never; a car handed back is asked for a rating once, in the morning when at night.
	oil, coolant := sh.item("Замена масла", 180), sh.item("Замена антифриза", 200)
	wantOffers := map[int64][]time.Time{}
	offered, _ := sh.client(true, false) // two services due: the second waits out the 30-day gap
	sh.consent(offered)
	sh.visit(offered, oil, day(5-180, 12, 0))
	sh.visit(offered, coolant, day(15-200, 12, 0))
	wantOffers[offered] = []time.Time{day(5, 11, 0), day(35, 11, 0)}
	noConsent, _ := sh.client(true, false)
	sh.visit(noConsent, oil, day(5-180, 12, 0))
	unreachable, _ := sh.client(true, true)
	sh.consent(unreachable)
	sh.visit(unreachable, oil, day(5-180, 12, 0))
	busy, _ := sh.client(true, false) // an order in the works all along
	sh.consent(busy)
	sh.visit(busy, oil, day(5-180, 12, 0))
	sh.order(busy, "in_progress", nil)
	rated, _ := sh.client(true, false)
	handedBack := sh.order(rated, "ready", nil)
	events = append(events, simEvent{day(12, 22, 0), func() { sh.deliver(handedBack) }})
	want[fmt.Sprintf("feedback_ask:%d", handedBack)] = true

	// The owners' summaries, one a day.
	for d := range 60 {
		for _, o := range testOwners {
			want[fmt.Sprintf("daily_summary:%d:%s", o, day(d, 0, 0).Format(time.DateOnly))] = true
			want[fmt.Sprintf("digest_chart:%d:%s", o, day(d, 0, 0).Format(time.DateOnly))] = true // its picture
		}
	}

	sh.runUntil(end, events)
	// The manager hears of each no-show once, however many runs saw it, and the client is
	// offered another time once.
	for _, id := range noShows {
		at := noShowSlot[id].Unix()
		want[fmt.Sprintf("no_show:%d:%d:%s", id, at, mgr)] = true
		want[fmt.Sprintf("no_show_client:%d:%d", id, at)] = true
	}

	got := sh.outbox()
	var gotKeys, wantKeys []string
	for k, r := range got {
		if r.Kind != crm.KindOffer { // their keys name offer ids: checked by client below
			gotKeys = append(gotKeys, k)
		}
	}
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
		t.Errorf("enqueued notices (-want +got):\n%s", diff)
	}
	for k, nb := range wantNotBefore {
		if r, ok := got[k]; ok && !r.NotBefore.Equal(nb) {
			t.Errorf("%s not before %s, want %s", k, r.NotBefore.In(msk), nb)
		}
	}
	if r, ok := got[fmt.Sprintf("booking_reminder:%d:%d", b4, day(10, 15, 0).Unix())]; ok {
		if nb := r.NotBefore.In(msk); nb.Before(day(10, 9, 0)) || !nb.Before(day(10, 9, 10)) {
			t.Errorf("night booking reminded at %s, want within 09:00-09:10 the next morning", nb)
		}
	}
	if diff := cmp.Diff(wantOffers, sh.offersByClient(), cmpTimes); diff != "" {
		t.Errorf("offers sent, by client (-want +got):\n%s", diff)
	}
	if r, ok := got[fmt.Sprintf("feedback_ask:%d", handedBack)]; ok {
		if nb := r.NotBefore.In(msk); nb.Before(day(13, 9, 0)) || !nb.Before(day(13, 9, 10)) {
			t.Errorf("rating asked at %s for a car handed back at 22:00, want 09:00-09:10 the next morning", nb)
		}
	}
	for k, r := range got {
		if (r.Kind == crm.KindPaymentReminder || r.Kind == crm.KindBookingReminder || r.Kind == crm.KindNoShowClient ||
			r.Kind == crm.KindOffer || r.Kind == crm.KindFeedbackAsk) && InQuiet(r.NotBefore, msk, Clock(21, 0), Clock(9, 0)) {
			t.Errorf("%s due at %s, in the quiet hours", k, r.NotBefore.In(msk))
		}
	}

	n, err := sh.svc.NoShows(t.Context(), start, end)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(noShows) {
		t.Errorf("no-shows recorded = %d, want %d", n, len(noShows))
	}
	var marked []int64
	rows, _ := sh.pool.Query(t.Context(), `SELECT id FROM orders WHERE no_show_at IS NOT NULL ORDER BY id`)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		marked = append(marked, id)
	}
	slices.Sort(noShows)
	if diff := cmp.Diff(noShows, marked); diff != "" {
		t.Errorf("no-show orders (-want +got):\n%s", diff)
	}
	if got := len(sh.runs["daily_summary"]); got != 60 {
		t.Errorf("daily summary ran %d times in 60 days, want 60", got)
	}
}

// dueDay is h:00 on the d-th local day after due's.
func dueDay(due time.Time, d, h int, loc *time.Location) time.Time {
	due = due.In(loc)
	return time.Date(due.Year(), due.Month(), due.Day()+d, h, 0, 0, 0, loc)
}

// cmpTimes compares instants, whatever their zone.
var cmpTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })
