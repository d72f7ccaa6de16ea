package crm_test

import (
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// A campaign's results follow each message: enqueued, delivered, opened, booked from, paid.
func TestCampaignResultsFollowTheMoney(t *testing.T) {
	t.Parallel()
	s := newShop(t, crm.Options{Location: msk})
	for n := int64(100); n < 104; n++ {
		c := s.client(t, n, "c-"+itoa(n), true)
		s.visit(t, c.Order.ID, s.brakes, t0)
	}
	now := t0.Add(time.Hour)
	c, err := s.svc.SendCampaign(s.ctx, s.owner.ID, crm.Segment{}, "Скидка", now, nil)
	if err != nil || c.Sent != 4 {
		t.Fatalf("SendCampaign = %+v, %v", c, err)
	}
	// Three delivered, two opened, one booked, and that one paid; a second booked, unpaid.
	s.exec(t, `UPDATE outbox SET state = 'sent' WHERE id IN (SELECT id FROM outbox WHERE kind = 'offer' ORDER BY id LIMIT 3)`)
	s.exec(t, `UPDATE offers SET opened_at = $1 WHERE id IN (SELECT id FROM offers ORDER BY id LIMIT 2)`, now)
	var offers []int64
	rows, _ := s.db.Query(s.ctx, `SELECT id FROM offers ORDER BY id`)
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		offers = append(offers, id)
	}
	if len(offers) != 4 {
		t.Fatalf("offers = %v", offers)
	}
	paid := s.client(t, 100, "paid-"+itoa(offers[0]), true)
	unpaid := s.client(t, 101, "unpaid-"+itoa(offers[1]), true)
	s.exec(t, `UPDATE offers SET converted_order_id = $2 WHERE id = $1`, offers[0], paid.Order.ID)
	s.exec(t, `UPDATE offers SET converted_order_id = $2 WHERE id = $1`, offers[1], unpaid.Order.ID)
	for _, id := range []int64{paid.Order.ID, unpaid.Order.ID} {
		s.exec(t, `INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines) VALUES ($1, $2, 1000, 0, 0, 1000, '[]')`, id, now)
	}
	s.exec(t, `INSERT INTO payments (order_id, amount, method, recorded_by) VALUES ($1, 1000, 'cash', $2)`, paid.Order.ID, s.owner.ID)

	rs, err := s.svc.CampaignResults(s.ctx, 5)
	if err != nil || len(rs) != 1 {
		t.Fatalf("CampaignResults = %+v, %v", rs, err)
	}
	got := rs[0]
	if got.CampaignID != c.ID || got.Message != "Скидка" || got.Recipients != 4 || got.Sent != 3 || got.Opened != 2 || got.Booked != 2 || got.Paid != 1 {
		t.Errorf("result = %+v, want 4 recipients, 3 sent, 2 opened, 2 booked, 1 paid", got)
	}
	// No repeat offers were made: the offers' results are empty, not a row of zeros.
	if or, err := s.svc.OfferResults(s.ctx, t0.AddDate(0, 0, -30)); err != nil || len(or) != 0 {
		t.Errorf("OfferResults = %+v, %v; want none", or, err)
	}
	s.exec(t, `INSERT INTO offers (kind, client_id, title, created_at) SELECT 'repeat', client_id, 'ТО', $1 FROM offers LIMIT 1`, now)
	s.exec(t, `INSERT INTO offers (kind, client_id, title, created_at) SELECT 'repeat', client_id, 'ТО', $1 FROM offers LIMIT 1`, t0.AddDate(0, 0, -40))
	or, err := s.svc.OfferResults(s.ctx, t0.AddDate(0, 0, -30))
	if err != nil || len(or) != 1 || or[0].Kind != crm.OfferRepeat || or[0].Recipients != 1 || or[0].Sent != 0 {
		t.Errorf("OfferResults = %+v, %v; want the one repeat offer of the last 30 days", or, err)
	}
}
