package crm_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// A car delivered before its booked slot frees the slot: it is offered again and can be booked
// (by another client or the same one); a car still in the shop keeps its slot taken.
func TestDeliveredOrderFreesItsSlot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	tm := e.MustTeam(t)
	saturday := time.Date(2025, 3, 15, 10, 0, 0, 0, msk)
	sunday := saturday.AddDate(0, 0, 1)
	week := func() []time.Time {
		t.Helper()
		ts, err := e.svc.BookedSlots(e.ctx, saturday.AddDate(0, 0, -5), saturday.AddDate(0, 0, 2))
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	booked := func(ts []time.Time, slot time.Time) bool {
		return slices.ContainsFunc(ts, slot.Equal)
	}
	advance := func(id int64, to ...crm.Status) {
		t.Helper()
		card, err := e.svc.Assign(e.ctx, actor(tm.manager), id, 1, tm.mech1.ID)
		if err != nil {
			t.Fatalf("assign order %d: %v", id, err)
		}
		for _, s := range to {
			if card, err = e.svc.Transition(e.ctx, actor(tm.manager), id, card.Order.Version, s); err != nil {
				t.Fatalf("order %d to %s: %v", id, s, err)
			}
		}
	}

	done := booking(100, "done")
	done.Slot = saturday
	open := booking(200, "open")
	open.Slot = sunday
	doneID, openID := e.MustBook(t, done).Order.ID, e.MustBook(t, open).Order.ID
	// Both came in early; one car is delivered (and paid) on Friday, the other is ready but still here.
	advance(doneID, crm.StatusDiagnosing, crm.StatusInProgress, crm.StatusReady, crm.StatusDelivered)
	advance(openID, crm.StatusDiagnosing, crm.StatusInProgress, crm.StatusReady)

	ts := week()
	if booked(ts, saturday) {
		t.Errorf("booked slots %v hold Saturday 10:00 of the delivered order", ts)
	}
	if !booked(ts, sunday) {
		t.Errorf("booked slots %v miss Sunday 10:00 of the car still in the shop", ts)
	}

	again := booking(300, "again")
	again.Slot = saturday
	if _, err := e.svc.Book(e.ctx, again); err != nil {
		t.Fatalf("booking the freed Saturday slot: %v", err)
	}
	same := booking(100, "same client")
	same.Slot = sunday
	if _, err := e.svc.Book(e.ctx, same); !errors.Is(err, crm.ErrSlotTaken) {
		t.Errorf("booking Sunday while that car is still in: %v, want ErrSlotTaken", err)
	}
	ts = week()
	if !booked(ts, saturday) {
		t.Errorf("booked slots %v miss the new Saturday booking", ts)
	}
	// Closing the delivered order does not take the slot back from the new booking.
	if _, err := e.svc.Transition(e.ctx, actor(tm.manager), doneID, 6, crm.StatusClosed); err != nil {
		t.Fatalf("close the delivered order: %v", err)
	}
	if n := e.count(t, `SELECT count(*) FROM orders WHERE slot = $1`, saturday); n != 2 {
		t.Errorf("%d orders at Saturday 10:00, want 2", n)
	}
}
