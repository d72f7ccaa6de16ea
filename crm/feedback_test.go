package crm_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestFeedbackAskedOnceAndLowRatingAlertsOwner(t *testing.T) {
	t.Parallel()
	s := newShop(t, crm.Options{Location: msk})
	low := s.client(t, 100, "low", false) // feedback needs no marketing consent
	s.visit(t, low.Order.ID, s.brakes, t0)
	high := s.client(t, 101, "high", false)
	s.visit(t, high.Order.ID, s.brakes, t0)
	old := s.client(t, 102, "old", false) // delivered 4 days before: not asked any more
	s.visit(t, old.Order.ID, s.brakes, t0.Add(-4*24*time.Hour))
	s.client(t, 103, "open", false) // not delivered

	now := t0.Add(10 * time.Minute)
	for i, want := range []int{2, 0} {
		if n, err := s.svc.EnqueueFeedbackRequests(s.ctx, now, nil); err != nil || n != want {
			t.Errorf("EnqueueFeedbackRequests #%d = %d, %v; want %d", i+1, n, err, want)
		}
	}
	if n := s.count(t, `SELECT count(*) FROM outbox WHERE kind = 'feedback_ask' AND lane = 'bulk'`); n != 2 {
		t.Errorf("%d feedback questions, want 2", n)
	}

	if _, err := s.svc.RateOrder(s.ctx, 101, low.Order.ID, 1); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("rating another client's order = %v, want ErrForbidden", err)
	}
	if _, err := s.svc.RateOrder(s.ctx, 100, low.Order.ID, 6); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("rating 6 = %v, want ErrInvalidInput", err)
	}
	open := s.MustBook(t, func() crm.BookingRequest { r := booking(103, "open"); r.Slot = time.Time{}; return r }())
	if _, err := s.svc.RateOrder(s.ctx, 103, open.Order.ID, 5); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("rating an open order = %v, want ErrInvalidInput", err)
	}
	if ok, err := s.svc.RateOrder(s.ctx, 100, low.Order.ID, 3); err != nil || !ok {
		t.Fatalf("RateOrder 3 = %v, %v", ok, err)
	}
	if ok, err := s.svc.RateOrder(s.ctx, 100, low.Order.ID, 5); err != nil || ok {
		t.Errorf("second RateOrder = %v, %v; want not recorded", ok, err)
	}
	if r, err := s.svc.OrderRating(s.ctx, low.Order.ID); err != nil || r != 3 {
		t.Errorf("rating = %d, %v; want the first, 3", r, err)
	}
	if ok, err := s.svc.RateOrder(s.ctx, 101, high.Order.ID, 4); err != nil || !ok {
		t.Fatalf("RateOrder 4 = %v, %v", ok, err)
	}
	alerts := s.outbox(t, crm.KindFeedbackAlert)
	if len(alerts) != 1 || alerts[0].ChatID != 1 {
		t.Fatalf("alerts = %+v, want one to the owner (chat 1)", alerts)
	}
	var d crm.FeedbackAlertData
	if err := json.Unmarshal([]byte(alerts[0].Data), &d); err != nil || d.Rating != 3 || d.Number != low.Order.Number {
		t.Errorf("alert data = %+v, %v", d, err)
	}
	// Rated orders are not asked again.
	if n, err := s.svc.EnqueueFeedbackRequests(s.ctx, now, nil); err != nil || n != 0 {
		t.Errorf("after rating: %d, %v", n, err)
	}
}
