package crm_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// A no-show is recorded once per slot and told: the staff group at once, the client of a
// confirmed booking (reachable) with an offer of another time from the time given; a client
// who moves the booking and misses the new slot too is told again; a car that came, a request
// the shop never confirmed (staff only) and an unreachable client are handled as such.
func TestNoShowsTellStaffAndClient(t *testing.T) {
	pool, _ := pgtest.New(t)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	svc := crm.New(pool, crm.Options{Now: func() time.Time { return now }, StaffChatID: -100700})
	ctx := context.Background()
	slot := now.Add(-3 * time.Hour)
	missed := bookedOrder(t, pool, 701, "+79005557001", slot)
	came := bookedOrder(t, pool, 702, "+79005557002", slot.Add(-time.Hour))
	request := bookedOrder(t, pool, 703, "+79005557003", slot.Add(-2*time.Hour)) // stays new
	blocked := bookedOrder(t, pool, 704, "+79005557004", slot.Add(-30*time.Minute))
	for q, id := range map[string]int64{
		`UPDATE orders SET status = 'accepted' WHERE id = $1`:   missed,
		`UPDATE orders SET status = 'diagnosing' WHERE id = $1`: came,
		`WITH o AS (UPDATE orders SET status = 'accepted' WHERE id = $1 RETURNING client_id)
UPDATE clients SET unreachable_since = now() WHERE id = (SELECT client_id FROM o)`: blocked,
	} {
		if _, err := pool.Exec(ctx, q, id); err != nil {
			t.Fatal(err)
		}
	}
	morning := now.Add(20 * time.Hour)
	mark := func(wantMarked int) {
		t.Helper()
		marked, _, err := svc.MarkNoShows(ctx, now.AddDate(0, 0, -30), now.Add(-2*time.Hour), morning, 0)
		if err != nil {
			t.Fatal(err)
		}
		if marked != wantMarked {
			t.Errorf("marked %d, want %d", marked, wantMarked)
		}
	}
	type row struct {
		Key       string
		NotBefore time.Time
	}
	outbox := func() []row {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT dedupe_key, not_before FROM outbox WHERE kind LIKE 'no_show%' ORDER BY dedupe_key`)
		if err != nil {
			t.Fatal(err)
		}
		var got []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.Key, &r.NotBefore); err != nil {
				t.Fatal(err)
			}
			got = append(got, row{r.Key, r.NotBefore.UTC()})
		}
		return got
	}
	staff := func(id int64, at time.Time) row {
		return row{fmt.Sprintf("no_show:%d:%d:-100700", id, at.Unix()), now}
	}
	client := func(id int64, at time.Time) row {
		return row{fmt.Sprintf("no_show_client:%d:%d", id, at.Unix()), morning}
	}

	mark(3)
	mark(0) // a second run: nothing new
	want := []row{staff(missed, slot), staff(request, slot.Add(-2*time.Hour)), staff(blocked, slot.Add(-30*time.Minute)), client(missed, slot)}
	slices.SortFunc(want, func(a, b row) int { return strings.Compare(a.Key, b.Key) })
	if diff := cmp.Diff(want, outbox()); diff != "" {
		t.Errorf("no-show notices (-want +got):\n%s", diff)
	}

	// The client takes the offer and moves to tomorrow, then misses that slot too.
	next := now.Add(24 * time.Hour)
	if _, err := svc.RescheduleBooking(ctx, 701, missed, slot, next); err != nil {
		t.Fatal(err)
	}
	// A confirmation of the slot missed is refused: it has passed.
	if _, err := svc.AnswerBooking(ctx, 701, missed, next.Add(-48*time.Hour), crm.BookingConfirm); err == nil {
		t.Error("confirmed a booking at a slot it is not at")
	}
	now = next.Add(3 * time.Hour)
	if _, err := svc.AnswerBooking(ctx, 701, missed, next, crm.BookingConfirm); err == nil {
		t.Error("confirmed a slot that has passed")
	}
	morning = now.Add(20 * time.Hour)
	mark(1)
	got := outbox()
	for _, w := range []row{{fmt.Sprintf("no_show:%d:%d:-100700", missed, next.Unix()), now}, client(missed, next)} {
		if !slices.Contains(got, w) {
			t.Errorf("second no-show of order %d: no %+v in %+v", missed, w, got)
		}
	}
	if n, err := svc.NoShows(ctx, next, next.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("no-shows at the new slot = %d, %v; want 1", n, err)
	}
}
