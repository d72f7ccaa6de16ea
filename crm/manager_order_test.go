package crm_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

// A manager takes an order for a client who called; when the client starts the bot with the same
// phone they are linked, see the order and are told about it from then on.
func TestManagerOrderForClientOutsideTelegram(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	req := crm.ManagerOrderRequest{
		Phone: "+7 (912) 555-44-33", ClientName: "Анна", Problem: "Скрип тормозов",
		NewVehicle: crm.NewVehicle{Make: "Kia", Model: "Rio", Year: 2019, Plate: "a777aa77"},
	}
	if _, err := w.svc.CreateOrder(w.ctx, actor(w.mech), req); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic creates: %v", err)
	}
	for _, bad := range []crm.ManagerOrderRequest{
		{Phone: "12", Problem: "x", NewVehicle: req.NewVehicle},
		{Phone: req.Phone, Problem: " ", NewVehicle: req.NewVehicle},
		{Phone: req.Phone, Problem: "x"},
	} {
		if _, err := w.svc.CreateOrder(w.ctx, actor(w.manager), bad); !errors.Is(err, crm.ErrInvalidInput) && !errors.Is(err, crm.ErrInvalidPhone) {
			t.Errorf("CreateOrder(%+v): %v", bad, err)
		}
	}
	card, err := w.svc.CreateOrder(w.ctx, actor(w.manager), req)
	if err != nil {
		t.Fatal(err)
	}
	if card.Order.Status != crm.StatusAccepted || card.Client.TelegramUserID != nil || card.Client.Phone != "+79125554433" ||
		card.Client.LeadSource != "manual" || card.Vehicle.Plate != "А777АА77" || card.Order.LeadSource != "manual" {
		t.Errorf("card: %+v", card)
	}
	// Staff work the order although the client is not in Telegram; nothing is queued for them.
	w.move(t, card.Order.ID, crm.StatusDiagnosing)
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE order_id = $1 AND kind = 'status_changed'`, card.Order.ID); n != 0 {
		t.Errorf("%d notices for a client without a chat", n)
	}
	// A second order for the same phone reuses the client and the car.
	second, err := w.svc.CreateOrder(w.ctx, actor(w.manager), crm.ManagerOrderRequest{Phone: "89125554433", Problem: "ТО", VehicleID: card.Vehicle.ID})
	if err != nil || second.Client.ID != card.Client.ID || second.Vehicle.ID != card.Vehicle.ID || second.Client.Name != "Анна" {
		t.Fatalf("second order: %+v %v", second, err)
	}

	// The client starts the bot and gives the same phone.
	if _, err := w.svc.LinkClientByPhone(w.ctx, 960, 960, "+79990000000", "ru"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("unknown phone: %v", err)
	}
	c, err := w.svc.LinkClientByPhone(w.ctx, 960, 960, "8 (912) 555-44-33", "ru")
	if err != nil || c.ID != card.Client.ID || c.TelegramUserID == nil || *c.TelegramUserID != 960 {
		t.Fatalf("link: %+v %v", c, err)
	}
	// Another Telegram user with the same phone cannot take the client over.
	if _, err := w.svc.LinkClientByPhone(w.ctx, 961, 961, "+79125554433", "ru"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("second link: %v", err)
	}
	orders, err := w.svc.ClientOrders(w.ctx, c.ID, 10)
	if err != nil || len(orders) != 2 {
		t.Errorf("client orders: %d %v", len(orders), err)
	}
	w.move(t, card.Order.ID, crm.StatusCancelled)
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE order_id = $1 AND kind = 'status_changed' AND chat_id = 960`, card.Order.ID); n != 1 {
		t.Errorf("%d notices after linking, want 1", n)
	}
	// Booking in the bot afterwards keeps the one client.
	r := booking(960, "tg-960")
	r.Phone = "+79125554433"
	booked := w.MustBook(t, r)
	if booked.Client.ID != c.ID {
		t.Errorf("booking made client %d, want %d", booked.Client.ID, c.ID)
	}
	// A new order of a client already in Telegram tells them.
	third, err := w.svc.CreateOrder(w.ctx, actor(w.manager), crm.ManagerOrderRequest{Phone: "+79125554433", Problem: "Шиномонтаж", VehicleID: card.Vehicle.ID})
	if err != nil {
		t.Fatal(err)
	}
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE order_id = $1 AND kind = 'status_changed' AND chat_id = 960`, third.Order.ID); n != 1 {
		t.Errorf("%d notices of the new order", n)
	}
}

func TestTimeline(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	o := w.order(t, 970).Order
	w.clock.Add(time.Second)
	l := w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: crm.QtyUnit}).Line
	w.clock.Add(time.Second)
	if _, err := w.svc.UpdateLine(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), l.ID, nil, money(70000)); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(time.Second)
	if _, err := w.svc.SendEstimate(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID)); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(time.Second)
	if _, err := w.svc.ClientDecide(w.ctx, 970, o.ID, w.estimate(t, o.ID).Version, 0, crm.ApprovalApproved); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(time.Second)
	if _, err := w.svc.RecordPayment(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), 70000, crm.PayCard); err != nil {
		t.Fatal(err)
	}
	es, err := w.svc.Timeline(w.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		s := e.Kind + ":" + e.ActorKind
		if e.Kind == crm.ActivityStatus {
			var d struct{ From, To string }
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			s += ":" + d.From + ">" + d.To
		}
		got = append(got, s)
	}
	want := []string{
		"status:client:>new", "status:staff:new>accepted", "status:staff:accepted>diagnosing",
		"stock_reserved:staff", "line_added:staff", "line_changed:staff",
		"status:staff:diagnosing>estimate", "estimate_sent:staff",
		"status:client:estimate>approved", "line_decided:client", "payment:staff",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	if es[1].ActorName != "staff 2" {
		t.Errorf("actor name %q", es[1].ActorName)
	}
	if _, err := w.svc.Timeline(w.ctx, 999999); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
}
