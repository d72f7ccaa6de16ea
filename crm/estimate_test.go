package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestEstimateApprovedLineByLine(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	o := w.order(t, 700).Order
	lab := w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit}).Line
	oil := w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 4 * crm.QtyUnit}).Line
	flt := w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.filter.ID, Qty: crm.QtyUnit}).Line

	// Mechanics do not send estimates; an order without pending lines has none to send.
	if _, err := w.svc.SendEstimate(w.ctx, actor(w.mech), o.ID, w.version(t, o.ID)); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic sends: %v", err)
	}
	other := w.order(t, 701).Order
	if _, err := w.svc.SendEstimate(w.ctx, actor(w.manager), other.ID, other.Version); !errors.Is(err, crm.ErrNoLines) {
		t.Errorf("no lines: %v", err)
	}
	sent, err := w.svc.SendEstimate(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !sent.ToClient || sent.Card.Order.Status != crm.StatusEstimate {
		t.Errorf("sent: %+v", sent)
	}
	e := w.estimate(t, o.ID)
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'estimate' AND chat_id = 700 AND dedupe_key = $1`, "estimate:"+itoa(o.ID)+":"+itoa(int64(e.Version))); n != 1 {
		t.Errorf("%d estimate messages to the client", n)
	}
	// The catalog price changes after the estimate: the line keeps its price.
	in := crm.ItemInput{Kind: crm.ItemPart, SKU: w.oil.SKU, Name: w.oil.Name, Unit: w.oil.Unit, Price: 99900, MinStock: w.oil.MinStock}
	if _, err := w.svc.UpdateItem(w.ctx, actor(w.manager), w.oil.ID, in); err != nil {
		t.Fatal(err)
	}

	// Someone else's button, an old card and a bad decision are refused.
	if _, err := w.svc.ClientDecide(w.ctx, 701, o.ID, e.Version, lab.ID, crm.ApprovalApproved); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("another client: %v", err)
	}
	if _, err := w.svc.ClientDecide(w.ctx, 700, o.ID, e.Version-1, lab.ID, crm.ApprovalApproved); !errors.Is(err, crm.ErrStale) {
		t.Errorf("old estimate: %v", err)
	}
	if _, err := w.svc.ClientDecide(w.ctx, 700, o.ID, e.Version, lab.ID, crm.ApprovalPending); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("pending is no decision: %v", err)
	}

	w.clock.Add(time.Minute)
	e, err = w.svc.ClientDecide(w.ctx, 700, o.ID, e.Version, lab.ID, crm.ApprovalApproved)
	if err != nil {
		t.Fatal(err)
	}
	// A second tap on the same button: already decided, the card is stale.
	if _, err := w.svc.ClientDecide(w.ctx, 700, o.ID, e.Version, lab.ID, crm.ApprovalDeclined); !errors.Is(err, crm.ErrStale) {
		t.Errorf("second tap: %v", err)
	}
	if _, err := w.svc.ClientDecide(w.ctx, 700, o.ID, e.Version, flt.ID, crm.ApprovalDeclined); err != nil {
		t.Fatal(err)
	}
	if e.Card.Order.Status != crm.StatusEstimate {
		t.Errorf("status %s while a line is pending", e.Card.Order.Status)
	}
	e, err = w.svc.ClientDecide(w.ctx, 700, o.ID, e.Version, oil.ID, crm.ApprovalLater)
	if err != nil {
		t.Fatal(err)
	}
	if e.Card.Order.Status != crm.StatusApproved {
		t.Errorf("status %s after every line is decided", e.Card.Order.Status)
	}
	if want := (crm.Totals{Labour: 150000, Total: 150000}); e.Approved != want || e.Totals != want {
		t.Errorf("approved %+v, active %+v", e.Approved, e.Totals)
	}
	// Declined and postponed parts are free again.
	if it := w.item(t, w.oil.ID); it.Reserved != 0 {
		t.Errorf("oil still reserved: %+v", it)
	}

	ds, err := w.svc.LineDecisions(w.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	type dec struct {
		Line     int64
		Decision crm.Approval
		Price    crm.Money
		Method   string
		User     int64
	}
	var got []dec
	for _, d := range ds {
		if d.TelegramUserID == nil || !d.CreatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("decision without the client or time: %+v", d)
			continue
		}
		got = append(got, dec{d.LineID, d.Decision, d.Price, d.Method, *d.TelegramUserID})
	}
	want := []dec{
		{lab.ID, crm.ApprovalApproved, 150000, crm.MethodChat, 700},
		{flt.ID, crm.ApprovalDeclined, 50000, crm.MethodChat, 700},
		{oil.ID, crm.ApprovalLater, 80000, crm.MethodChat, 700},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}

	// Declined and later lines are deferred work with follow-up dates.
	dw, err := w.svc.ClientDeferredWork(w.ctx, e.Card.Client.ID)
	if err != nil {
		t.Fatal(err)
	}
	type def struct {
		Line   int64
		Reason crm.Approval
		On     string
	}
	var gotDef []def
	for _, d := range dw {
		gotDef = append(gotDef, def{d.LineID, d.Reason, d.FollowUpOn.Format(time.DateOnly)})
	}
	wantDef := []def{{oil.ID, crm.ApprovalLater, "2025-03-24"}, {flt.ID, crm.ApprovalDeclined, "2025-05-09"}}
	if diff := cmp.Diff(wantDef, gotDef); diff != "" {
		t.Errorf("deferred work (-want +got):\n%s", diff)
	}
	// The staff hear about the decision; the client's own moves do not ring the client.
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'estimate_decided'`); n == 0 {
		t.Errorf("staff not told of decisions")
	}
	if n := w.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND to_status = 'approved' AND actor_kind = 'client'`, o.ID); n != 1 {
		t.Errorf("%d approval events by the client", n)
	}
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'status_changed' AND data->>'to' = 'approved'`); n != 0 {
		t.Errorf("the client was told of their own approval")
	}
}

// After approval any change is a supplement the client approves on its own; a declined raise
// goes back to the approved price; "approve all" takes every pending line.
func TestSupplementsNeedTheirOwnApproval(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	o := w.order(t, 800).Order
	lab := w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit}).Line
	w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 4 * crm.QtyUnit})
	if _, err := w.svc.SendEstimate(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID)); err != nil {
		t.Fatal(err)
	}
	// The manager cannot approve wholesale while lines are pending.
	if _, err := w.svc.Transition(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), crm.StatusApproved); !errors.Is(err, crm.ErrUnapprovedLines) {
		t.Errorf("approve wholesale: %v", err)
	}
	e, err := w.svc.ClientDecide(w.ctx, 800, o.ID, w.estimate(t, o.ID).Version, 0, crm.ApprovalApproved)
	if err != nil {
		t.Fatal(err)
	}
	if e.Card.Order.Status != crm.StatusApproved || e.Pending() != 0 {
		t.Fatalf("after approve all: %s, %d pending", e.Card.Order.Status, e.Pending())
	}
	w.move(t, o.ID, crm.StatusInProgress)

	// A new line and a higher price are supplements; a lower quantity is not.
	sup := w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.filter.ID, Qty: crm.QtyUnit}).Line
	if !sup.Supplement || sup.Approval != crm.ApprovalPending {
		t.Errorf("new line after approval: %+v", sup)
	}
	raised, err := w.svc.UpdateLine(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), lab.ID, nil, money(180000))
	if err != nil || raised.Line.Approval != crm.ApprovalPending || !raised.Line.Supplement || *raised.Line.ApprovedPrice != 150000 {
		t.Fatalf("raised price: %+v %v", raised.Line, err)
	}
	oil := w.estimate(t, o.ID).Lines[1]
	lowered, err := w.svc.UpdateLine(w.ctx, actor(w.mech), o.ID, w.version(t, o.ID), oil.ID, qty(3500), nil)
	if err != nil || lowered.Line.Approval != crm.ApprovalApproved {
		t.Errorf("lowered quantity: %+v %v", lowered.Line, err)
	}
	if _, err := w.svc.Transition(w.ctx, actor(w.mech), o.ID, w.version(t, o.ID), crm.StatusReady); !errors.Is(err, crm.ErrUnapprovedLines) {
		t.Errorf("ready with supplements pending: %v", err)
	}
	// The client declines the raise (back to 1500 ₽) and approves the new filter.
	ev := w.estimate(t, o.ID).Version
	e, err = w.svc.ClientDecide(w.ctx, 800, o.ID, ev, lab.ID, crm.ApprovalDeclined)
	if err != nil {
		t.Fatal(err)
	}
	if l := e.Lines[0]; l.Approval != crm.ApprovalApproved || l.Price != 150000 {
		t.Errorf("declined raise: %+v", l)
	}
	e, err = w.svc.ClientDecide(w.ctx, 800, o.ID, ev, sup.ID, crm.ApprovalApproved)
	if err != nil {
		t.Fatal(err)
	}
	if e.Card.Order.Status != crm.StatusInProgress {
		t.Errorf("a supplement moved the status to %s", e.Card.Order.Status)
	}
	if want := (crm.Totals{Labour: 150000, Parts: 330000, Total: 480000}); e.Approved != want {
		t.Errorf("approved %+v, want %+v", e.Approved, want)
	}
	w.move(t, o.ID, crm.StatusReady)
	w.checkLedger(t)
}

func TestRecordDecisionForClientOutsideTelegram(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	card, err := w.svc.CreateOrder(w.ctx, actor(w.manager), crm.ManagerOrderRequest{
		Phone: "8 912 111-22-33", ClientName: "Пётр Звонков", NewVehicle: crm.NewVehicle{Make: "Lada", Model: "Granta"}, Problem: "Не заводится",
	})
	if err != nil {
		t.Fatal(err)
	}
	o := w.move(t, card.Order.ID, crm.StatusDiagnosing).Order
	w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit})
	sent, err := w.svc.SendEstimate(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID))
	if err != nil || sent.ToClient {
		t.Fatalf("sent %+v, %v: the client has no chat", sent, err)
	}
	ev := w.estimate(t, o.ID).Version
	if _, err := w.svc.RecordDecision(w.ctx, actor(w.mech), o.ID, ev, 0, crm.ApprovalApproved, crm.MethodPhone); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic records: %v", err)
	}
	if _, err := w.svc.RecordDecision(w.ctx, actor(w.manager), o.ID, ev, 0, crm.ApprovalApproved, crm.MethodChat); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("manager claims the chat: %v", err)
	}
	e, err := w.svc.RecordDecision(w.ctx, actor(w.manager), o.ID, ev, 0, crm.ApprovalApproved, crm.MethodPhone)
	if err != nil {
		t.Fatal(err)
	}
	if e.Card.Order.Status != crm.StatusApproved {
		t.Errorf("status %s", e.Card.Order.Status)
	}
	if n := w.count(t, `SELECT count(*) FROM line_decisions WHERE order_id = $1 AND method = 'phone' AND recorded_by = $2 AND telegram_user_id IS NULL`, o.ID, w.manager.ID); n != 1 {
		t.Errorf("%d phone decisions recorded by the manager", n)
	}
}
