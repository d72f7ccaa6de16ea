package crm_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestDigestExceptions(t *testing.T) {
	t.Parallel()
	s := newShop(t, crm.Options{Location: msk})
	s.clock.Set(t0)
	fresh := s.client(t, 100, "fresh", false)
	stuck := s.client(t, 101, "stuck", false)
	est := s.client(t, 102, "estimate", false)
	owed := s.client(t, 103, "owed", false)
	s.exec(t, `UPDATE orders SET created_at = $2, updated_at = $2 WHERE id = $1`, stuck.Order.ID, t0.Add(-3*time.Hour))
	s.exec(t, `UPDATE order_events SET created_at = $2 WHERE order_id = $1`, stuck.Order.ID, t0.Add(-3*time.Hour))
	s.exec(t, `UPDATE orders SET status = 'estimate' WHERE id = $1`, est.Order.ID)
	s.exec(t, `INSERT INTO order_events (order_id, actor_kind, from_status, to_status, created_at)
		VALUES ($1, 'system', 'diagnosing', 'estimate', $2)`, est.Order.ID, t0.Add(-25*time.Hour))
	s.visit(t, owed.Order.ID, s.brakes, t0.Add(-time.Hour))
	// Delivered, not closed: an order closes only when paid, and the digest counts on that.
	s.exec(t, `UPDATE orders SET status = 'delivered' WHERE id = $1`, owed.Order.ID)
	s.exec(t, `INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines, due_at)
		VALUES ($1, $2, 200000, 0, 0, 200000, '[]', $2)`, owed.Order.ID, t0.Add(-time.Hour))
	s.exec(t, `UPDATE catalog_items SET low_since = $2 WHERE id = $1`, s.filter.ID, t0.Add(-time.Hour))
	s.clock.Set(t0.Add(time.Minute))

	sum, err := s.svc.DailySummary(s.ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range sum.Exceptions {
		got = append(got, e.Kind+":"+itoa(e.Number)+":"+itoa(e.ItemID))
	}
	want := []string{
		"stuck:" + itoa(stuck.Order.Number) + ":0",
		"estimate:" + itoa(est.Order.Number) + ":0",
		"overdue:" + itoa(owed.Order.Number) + ":0",
		"low_stock:0:" + itoa(s.filter.ID),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exceptions (-want +got):\n%s", diff)
	}
	_ = fresh // booked a minute ago: within the norm for new requests
	if sum.Numbers.Opened != 4 || sum.Numbers.Outstanding != 200000 || sum.Numbers.Revenue != 200000 {
		t.Errorf("numbers = %+v", sum.Numbers)
	}
}
