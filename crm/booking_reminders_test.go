package crm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// bookedOrder seeds a client of telegram user tg with a new order at slot and returns its id.
func bookedOrder(t *testing.T, pool *pgxpool.Pool, tg int64, phone string, slot time.Time) int64 {
	t.Helper()
	var id int64
	err := pool.QueryRow(context.Background(), `
WITH c AS (INSERT INTO clients (phone, telegram_user_id, chat_id) VALUES ($1, $2, $2) RETURNING id),
v AS (INSERT INTO vehicles (client_id) SELECT id FROM c RETURNING id, client_id)
INSERT INTO orders (branch_id, client_id, vehicle_id, slot)
SELECT (SELECT id FROM branches WHERE is_default), client_id, id, $3 FROM v RETURNING id`, phone, tg, slot).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// The answers to a booking reminder are checked on the server: only the order's client, only
// while the booking stands at the slot reminded of; a move to a taken slot is refused.
func TestBookingAnswersAreAuthorised(t *testing.T) {
	pool, _ := pgtest.New(t)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	svc := crm.New(pool, crm.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	slot, other := now.Add(24*time.Hour), now.Add(26*time.Hour)
	mine := bookedOrder(t, pool, 501, "+79005550001", slot)
	bookedOrder(t, pool, 502, "+79005550002", other)

	if _, err := svc.AnswerBooking(ctx, 502, mine, slot, crm.BookingCancel); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("another user's cancel: %v, want ErrForbidden", err)
	}
	if _, err := svc.AnswerBooking(ctx, 501, mine, slot.Add(time.Hour), crm.BookingConfirm); !errors.Is(err, crm.ErrInvalidTransition) {
		t.Errorf("confirm of another slot: %v, want ErrInvalidTransition", err)
	}
	if _, err := svc.RescheduleBooking(ctx, 501, mine, slot, other); !errors.Is(err, crm.ErrSlotTaken) {
		t.Errorf("move to a taken slot: %v, want ErrSlotTaken", err)
	}
	card, err := svc.RescheduleBooking(ctx, 501, mine, slot, now.Add(30*time.Hour))
	if err != nil || card.Order.Slot == nil || !card.Order.Slot.Equal(now.Add(30*time.Hour)) {
		t.Fatalf("move: %v, slot %v", err, card.Order.Slot)
	}
	// The old reminder's buttons no longer act.
	if _, err := svc.AnswerBooking(ctx, 501, mine, slot, crm.BookingCancel); !errors.Is(err, crm.ErrInvalidTransition) {
		t.Errorf("cancel from the old slot's reminder: %v, want ErrInvalidTransition", err)
	}
	card, err = svc.AnswerBooking(ctx, 501, mine, now.Add(30*time.Hour), crm.BookingCancel)
	if err != nil || card.Order.Status != crm.StatusCancelled {
		t.Fatalf("cancel: %v, status %s", err, card.Order.Status)
	}
	// The slot is free again: another booking may take it.
	bookedOrder(t, pool, 503, "+79005550003", now.Add(30*time.Hour))
	if due, err := svc.BookingStillDue(ctx, mine, now.Add(30*time.Hour)); err != nil || due {
		t.Errorf("BookingStillDue after cancel = %v, %v", due, err)
	}
}

// Only a booking the shop confirmed is reminded of: a new order is a request the client was told
// is not a booking until the shop confirms it; a cancelled or finished one is no booking at all.
func TestUpcomingBookingsOnlyConfirmed(t *testing.T) {
	pool, _ := pgtest.New(t)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	svc := crm.New(pool, crm.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	want := map[crm.Status]bool{
		crm.StatusNew: false, crm.StatusAccepted: true, crm.StatusDiagnosing: false,
		crm.StatusCancelled: false, crm.StatusDelivered: false, crm.StatusClosed: false,
	}
	ids := map[int64]crm.Status{}
	i := 0
	for st := range want {
		i++
		id := bookedOrder(t, pool, int64(600+i), "+7900555100"+string(rune('0'+i)), now.Add(time.Duration(20+i)*time.Hour))
		if _, err := pool.Exec(ctx, `UPDATE orders SET status = $2 WHERE id = $1`, id, st); err != nil {
			t.Fatal(err)
		}
		ids[id] = st
	}
	bs, err := svc.UpcomingBookings(ctx, now, now.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := map[crm.Status]bool{}
	for _, b := range bs {
		got[ids[b.OrderID]] = true
	}
	for st, w := range want {
		if got[st] != w {
			t.Errorf("booking in status %s reminded: %v, want %v", st, got[st], w)
		}
		if crm.BookingRemindable(st) != w {
			t.Errorf("BookingRemindable(%s) = %v, want %v", st, !w, w)
		}
	}
}
