package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

// shop is a seeded shop for offer tests: staff, a catalog with repeat intervals, and helpers
// that make clients and their past visits.
type shop struct {
	*work
	oilChange crm.CatalogItem // a service due every 180 days
	brakes    crm.CatalogItem // no interval
	timing    crm.CatalogItem // due every 10 000 km
}

func newShop(t *testing.T, opts crm.Options) *shop {
	t.Helper()
	s := &shop{work: newWork(t, opts)}
	s.oilChange = s.mustItem(t, crm.ItemInput{Kind: crm.ItemService, Name: "Замена масла", Price: 150000, RepeatDays: 180})
	s.brakes = s.mustItem(t, crm.ItemInput{Kind: crm.ItemService, Name: "Замена колодок", Price: 200000})
	s.timing = s.mustItem(t, crm.ItemInput{Kind: crm.ItemService, Name: "Замена ремня ГРМ", Price: 500000, RepeatKm: 10000})
	return s
}

// client books as Telegram user n at the shop's clock and returns the order; consent sets the
// client's marketing consent.
func (s *shop) client(t *testing.T, n int64, key string, consent bool) crm.OrderCard {
	t.Helper()
	r := booking(n, key)
	r.Slot = time.Time{}
	card := s.MustBook(t, r)
	if err := s.svc.SetMarketingConsent(s.ctx, n, consent); err != nil {
		t.Fatal(err)
	}
	return card
}

// visit turns an order into a past visit: the service item done and approved, delivered at at,
// and closed.
func (s *shop) visit(t *testing.T, orderID int64, item crm.CatalogItem, at time.Time) {
	t.Helper()
	s.exec(t, `INSERT INTO order_lines (order_id, kind, item_id, name, unit, qty_milli, price, approval,
		approved_price, approved_qty_milli) VALUES ($1, 'labour', $2, $3, 'усл', 1000, $4, 'approved', $4, 1000)`,
		orderID, item.ID, item.Name, int64(item.Price))
	s.exec(t, `INSERT INTO order_events (order_id, actor_kind, from_status, to_status, created_at)
		VALUES ($1, 'system', 'ready', 'delivered', $2)`, orderID, at)
	s.exec(t, `UPDATE orders SET status = 'closed', updated_at = $2 WHERE id = $1`, orderID, at)
}

// defer records a declined line of an order as deferred work to follow up on day.
func (s *shop) deferWork(t *testing.T, orderID int64, item crm.CatalogItem, day time.Time) {
	t.Helper()
	var lineID, clientID, vehicleID int64
	err := s.db.QueryRow(s.ctx, `INSERT INTO order_lines (order_id, kind, item_id, name, unit, qty_milli, price, approval)
		VALUES ($1, 'labour', $2, $3, 'усл', 1000, $4, 'later') RETURNING id`, orderID, item.ID, item.Name, int64(item.Price)).Scan(&lineID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow(s.ctx, `SELECT client_id, vehicle_id FROM orders WHERE id = $1`, orderID).Scan(&clientID, &vehicleID); err != nil {
		t.Fatal(err)
	}
	s.exec(t, `INSERT INTO deferred_work (line_id, order_id, client_id, vehicle_id, reason, follow_up_on)
		VALUES ($1, $2, $3, $4, 'later', $5)`, lineID, orderID, clientID, vehicleID, day.Format(time.DateOnly))
}

func (s *shop) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := s.db.Exec(s.ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// runDays runs EnqueueOffers twice a simulated day at 11:00 shop time, for days days from the
// clock's day on (the clock ends on the last day), and checks every offer has its one message.
func (s *shop) runDays(t *testing.T, days int) {
	t.Helper()
	start := s.clock.Now().In(msk)
	start = time.Date(start.Year(), start.Month(), start.Day(), 11, 0, 0, 0, msk)
	for d := 0; d < days; d++ {
		now := start.AddDate(0, 0, d)
		s.clock.Set(now)
		for range 2 { // a second run the same minute (a catch-up, another replica) adds nothing
			if _, err := s.svc.EnqueueOffers(s.ctx, now, nil); err != nil {
				t.Fatalf("day %d: EnqueueOffers: %v", d, err)
			}
		}
	}
	offers := s.count(t, `SELECT count(*) FROM offers`)
	if n := s.count(t, `SELECT count(*) FROM outbox WHERE kind = 'offer' AND lane = 'bulk'`); n != offers {
		t.Errorf("%d offer messages for %d offers", n, offers)
	}
}

func TestOffersOverSimulatedDays(t *testing.T) {
	t.Parallel()
	s := newShop(t, crm.Options{Location: msk})
	visitAt := t0 // day 0

	due := s.client(t, 100, "due", true) // oil change 180 days ago → day 180
	s.visit(t, due.Order.ID, s.oilChange, visitAt)
	noConsent := s.client(t, 101, "no-consent", false)
	s.visit(t, noConsent.Order.ID, s.oilChange, visitAt)
	blocked := s.client(t, 102, "blocked", true)
	s.visit(t, blocked.Order.ID, s.oilChange, visitAt)
	s.exec(t, `UPDATE clients SET unreachable_since = $1 WHERE telegram_user_id = 102`, visitAt)
	open := s.client(t, 103, "open-1", true)
	s.visit(t, open.Order.ID, s.oilChange, visitAt)
	s.client(t, 103, "open-2", true) // a new request, still open
	// Deferred work on day 170, then the oil change on day 180 waits out the 30-day gap: day 200.
	gap := s.client(t, 104, "gap", true)
	s.visit(t, gap.Order.ID, s.oilChange, visitAt)
	s.deferWork(t, gap.Order.ID, s.brakes, visitAt.In(msk).AddDate(0, 0, 170))
	// Unsubscribes from its first offer (day 180): nothing after it.
	unsub := s.client(t, 105, "unsub", true)
	s.visit(t, unsub.Order.ID, s.oilChange, visitAt)
	s.deferWork(t, unsub.Order.ID, s.brakes, visitAt.In(msk).AddDate(0, 0, 215))
	// Never had a service with an interval.
	other := s.client(t, 106, "other", true)
	s.visit(t, other.Order.ID, s.brakes, visitAt)

	s.runDays(t, 181) // days 0..180
	var unsubOffer int64
	if err := s.db.QueryRow(s.ctx, `SELECT f.id FROM offers f JOIN clients c ON c.id = f.client_id
		WHERE c.telegram_user_id = 105`).Scan(&unsubOffer); err != nil {
		t.Fatalf("client 105 got no offer by day 180: %v", err)
	}
	if _, err := s.svc.Unsubscribe(s.ctx, unsubOffer, 106); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("Unsubscribe by another user = %v, want ErrForbidden", err)
	}
	if ok, err := s.svc.Unsubscribe(s.ctx, unsubOffer, 105); err != nil || !ok {
		t.Fatalf("Unsubscribe = %v, %v", ok, err)
	}
	if ok, err := s.svc.Unsubscribe(s.ctx, unsubOffer, 105); err != nil || ok {
		t.Errorf("second Unsubscribe = %v, %v; want false, nil", ok, err)
	}
	// 60 more days (181..240): past the gap, past 105's deferred work on day 215.
	s.clock.Set(s.clock.Now().Add(24 * time.Hour))
	s.runDays(t, 60)

	want := map[int64][]string{
		100: {"repeat@180"},
		104: {"deferred@170", "repeat@200"},
		105: {"repeat@180"},
	}
	gotAll := s.offersSince(t, visitAt)
	if diff := cmp.Diff(want, gotAll); diff != "" {
		t.Errorf("offers by client and day (-want +got):\n%s", diff)
	}
}

// offersSince lists offers per client Telegram user as kind@day, days counted from day0's
// calendar day in the shop.
func (s *shop) offersSince(t *testing.T, day0 time.Time) map[int64][]string {
	t.Helper()
	d0 := day0.In(msk)
	d0 = time.Date(d0.Year(), d0.Month(), d0.Day(), 0, 0, 0, 0, msk)
	rows, err := s.db.Query(s.ctx, `SELECT c.telegram_user_id, f.kind, f.created_at FROM offers f
		JOIN clients c ON c.id = f.client_id ORDER BY f.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int64][]string{}
	for rows.Next() {
		var user int64
		var kind string
		var at time.Time
		if err := rows.Scan(&user, &kind, &at); err != nil {
			t.Fatal(err)
		}
		got[user] = append(got[user], kind+"@"+itoa(int64(at.In(msk).Sub(d0).Hours()/24)))
	}
	return got
}

func TestKMProjection(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	tests := []struct {
		name     string
		readings []crm.MileageReading
		rate     float64
		ok       bool
	}{
		{"none", nil, 0, false},
		{"one", []crm.MileageReading{{KM: 1000, ReadAt: day(0)}}, 0, false},
		{"same moment", []crm.MileageReading{{KM: 1000, ReadAt: day(0)}, {KM: 1200, ReadAt: day(0)}}, 0, false},
		{"two", []crm.MileageReading{{KM: 50000, ReadAt: day(0)}, {KM: 51500, ReadAt: day(30)}}, 50, true},
		// Least squares: three readings on a line with one 300 km off moves the slope a little.
		{"three", []crm.MileageReading{{KM: 10000, ReadAt: day(0)}, {KM: 11300, ReadAt: day(10)}, {KM: 12000, ReadAt: day(20)}}, 100, true},
		{"backwards", []crm.MileageReading{{KM: 60000, ReadAt: day(0)}, {KM: 100, ReadAt: day(30)}}, 0, false},
	}
	for _, tt := range tests {
		rate, ok := crm.KMPerDay(tt.readings)
		if ok != tt.ok || (ok && (rate < tt.rate-0.001 || rate > tt.rate+0.001)) {
			t.Errorf("%s: KMPerDay = %v, %v; want %v, %v", tt.name, rate, ok, tt.rate, tt.ok)
		}
	}
	two := tests[3].readings
	if km, ok := crm.KMSince(two, day(10), day(110)); !ok || km != 5000 {
		t.Errorf("KMSince 100 days at 50 km = %d, %v; want 5000", km, ok)
	}
}

func TestOfferByProjectedKM(t *testing.T) {
	t.Parallel()
	s := newShop(t, crm.Options{Location: msk})
	c := s.client(t, 100, "km", true)
	s.visit(t, c.Order.ID, s.timing, t0)
	// 50 km a day: 10 000 km after the visit on day 200.
	s.addMileage(t, c.Order.VehicleID, 50000, t0, c.Order.ID)
	s.addMileage(t, c.Order.VehicleID, 51500, t0.AddDate(0, 0, 30), 0)
	// One reading only: no projection, no offer.
	lone := s.client(t, 101, "km-lone", true)
	s.visit(t, lone.Order.ID, s.timing, t0)
	s.addMileage(t, lone.Order.VehicleID, 50000, t0, 0)
	s.runDays(t, 241)
	want := map[int64][]string{100: {"repeat@200"}}
	if diff := cmp.Diff(want, s.offersSince(t, t0)); diff != "" {
		t.Errorf("offers (-want +got):\n%s", diff)
	}
	var o crm.Offer
	id := int64(0)
	if err := s.db.QueryRow(s.ctx, `SELECT id FROM offers`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	o, err := s.svc.Offer(s.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.DueBy != "km" || o.SinceKM == nil || *o.SinceKM < 10000 || *o.SinceKM > 10050 || o.Title != "Замена ремня ГРМ" {
		t.Errorf("offer = %+v, want due by km, about 10 000 km since", o)
	}
}

func TestOfferConversion(t *testing.T) {
	t.Parallel()
	s := newShop(t, crm.Options{Location: msk})
	c := s.client(t, 100, "conv", true)
	s.visit(t, c.Order.ID, s.oilChange, t0)
	now := t0.AddDate(0, 0, 181)
	s.clock.Set(now)
	if n, err := s.svc.EnqueueOffers(s.ctx, now, nil); err != nil || n != 1 {
		t.Fatalf("EnqueueOffers = %d, %v", n, err)
	}
	var id int64
	if err := s.db.QueryRow(s.ctx, `SELECT id FROM offers`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.OfferOf(s.ctx, id, 101); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("OfferOf by another user = %v, want ErrForbidden", err)
	}
	// Another client booking with the offer's lead source does not convert it.
	r := booking(101, "stranger")
	r.Slot, r.LeadSource = time.Time{}, crm.OfferLeadSource(id)
	stranger := s.MustBook(t, r)
	if ok, err := s.svc.RecordOfferConversion(s.ctx, stranger.Order.ID); err != nil || ok {
		t.Errorf("conversion by another client's order = %v, %v", ok, err)
	}
	r = booking(100, "from-offer")
	r.Slot, r.LeadSource, r.VehicleID = time.Time{}, crm.OfferLeadSource(id), c.Order.VehicleID
	booked := s.MustBook(t, r)
	for i, want := range []bool{true, false} {
		if ok, err := s.svc.RecordOfferConversion(s.ctx, booked.Order.ID); err != nil || ok != want {
			t.Errorf("RecordOfferConversion #%d = %v, %v; want %v", i+1, ok, err, want)
		}
	}
	converted := func(want int64) {
		t.Helper()
		o, err := s.svc.Offer(s.ctx, id)
		if err != nil || o.ConvertedOrderID == nil || *o.ConvertedOrderID != want {
			t.Errorf("offer = %+v, %v; want converted by order %d", o, err, want)
		}
	}
	converted(booked.Order.ID)

	// A second booking from the same offer: the offer still counts the first (one recipient
	// booked once); the order keeps the offer as its lead source.
	r2 := booking(100, "from-offer-again")
	r2.Slot, r2.LeadSource, r2.VehicleID = time.Time{}, crm.OfferLeadSource(id), c.Order.VehicleID
	second := s.MustBook(t, r2)
	if second.Order.ID == booked.Order.ID {
		t.Fatal("the second booking is the first one")
	}
	if ok, err := s.svc.RecordOfferConversion(s.ctx, second.Order.ID); err != nil || ok {
		t.Errorf("conversion by a second booking = %v, %v; want none", ok, err)
	}
	converted(booked.Order.ID)
	if second.Order.LeadSource != crm.OfferLeadSource(id) {
		t.Errorf("second booking's lead source = %q", second.Order.LeadSource)
	}
	// The first is cancelled: the booking that stands is the conversion now.
	if _, err := s.db.Exec(s.ctx, `UPDATE orders SET status = 'cancelled' WHERE id = $1`, booked.Order.ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.svc.RecordOfferConversion(s.ctx, second.Order.ID); err != nil || !ok {
		t.Errorf("conversion by the booking after a cancelled one = %v, %v; want it", ok, err)
	}
	converted(second.Order.ID)
}
