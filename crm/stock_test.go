package crm_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

// Two orders racing for the last unit: exactly one gets it, the other line is short.
func TestTwoOrdersRaceForTheLastUnit(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	for round := range 5 {
		it := w.mustItem(t, crm.ItemInput{Kind: crm.ItemPart, SKU: "LAST-" + itoa(int64(round)), Name: "Последний", Price: 100})
		w.mustReceive(t, it.ID, crm.QtyUnit)
		a, b := w.order(t, int64(200+2*round)).Order, w.order(t, int64(201+2*round)).Order
		var wg sync.WaitGroup
		results := make([]crm.AddLineResult, 2)
		errs := make([]error, 2)
		for i, o := range []crm.Order{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = w.svc.AddLine(w.ctx, actor(w.manager), o.ID, o.Version, crm.LineInput{ItemID: it.ID, Qty: crm.QtyUnit})
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v", round, errs)
		}
		if results[0].Short == results[1].Short {
			t.Fatalf("round %d: short %t and %t, want exactly one", round, results[0].Short, results[1].Short)
		}
		if got := w.item(t, it.ID); got.Reserved != crm.QtyUnit || got.Available() != 0 {
			t.Errorf("round %d: %+v", round, got)
		}
	}
	w.checkLedger(t)
}

func TestNegativeStockRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	for _, allow := range []bool{false, true} {
		w := newWork(t, crm.Options{AllowNegativeStock: allow})
		o := w.order(t, 300).Order
		res := w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.filter.ID, Qty: 3 * crm.QtyUnit})
		if res.Short == allow {
			t.Errorf("allow=%t: short=%t", allow, res.Short)
		}
		if _, err := w.svc.RecordDecision(w.ctx, actor(w.manager), o.ID, w.estimate(t, o.ID).Version, 0, crm.ApprovalApproved, crm.MethodInPerson); err != nil {
			t.Fatal(err)
		}
		w.move(t, o.ID, crm.StatusInProgress)
		w.move(t, o.ID, crm.StatusReady)
		_, err := w.svc.Transition(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), crm.StatusDelivered)
		it := w.item(t, w.filter.ID)
		if allow {
			if err != nil || it.OnHand != -2*crm.QtyUnit || it.Reserved != 0 {
				t.Errorf("allowed: %v, %+v", err, it)
			}
		} else if !errors.Is(err, crm.ErrOutOfStock) || it.OnHand != crm.QtyUnit {
			t.Errorf("refused: %v, %+v", err, it)
		}
		// An inventory count cannot take stock below what orders hold.
		if !allow {
			if _, err := w.svc.CorrectStock(w.ctx, w.filter.ID, -crm.QtyUnit, "пересчёт"); !errors.Is(err, crm.ErrNegative) {
				t.Errorf("negative count: %v", err)
			}
		}
		w.checkLedger(t)
	}
}

// Low stock alerts managers once per crossing below the minimum.
func TestLowStockAlertsOncePerCrossing(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	alerts := func() int {
		return w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'low_stock' AND data->>'item_id' = $1`, itoa(w.oil.ID))
	}
	o := w.order(t, 400).Order
	w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 7 * crm.QtyUnit}) // 3 left, min 2
	if n := alerts(); n != 0 {
		t.Fatalf("%d alerts above the minimum", n)
	}
	w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 2 * crm.QtyUnit}) // 1 left
	w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 500})             // 0,5 left
	if n := alerts(); n != 1 {                                                       // one manager: one chat
		t.Fatalf("%d alerts after crossing, want 1", n)
	}
	w.mustReceive(t, w.oil.ID, 5*crm.QtyUnit) // back to 5,5
	if it := w.item(t, w.oil.ID); it.LowSince != nil {
		t.Errorf("still marked low: %+v", it)
	}
	w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 4 * crm.QtyUnit}) // 1,5 left: second crossing
	if n := alerts(); n != 2 {
		t.Fatalf("%d alerts after the second crossing, want 2", n)
	}
	w.checkLedger(t)
}

// "Need part": the order waits for parts, managers are told; the receipt reserves the part for
// the line and tells the mechanic; work resumes.
func TestNeedPartReceiptResume(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	o := w.order(t, 500).Order
	w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit})
	e := w.estimate(t, o.ID)
	if _, err := w.svc.RecordDecision(w.ctx, actor(w.manager), o.ID, e.Version, 0, crm.ApprovalApproved, crm.MethodPhone); err != nil {
		t.Fatal(err)
	}
	w.move(t, o.ID, crm.StatusInProgress)

	// Three filters are needed, one is in stock: the line is short.
	res := w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.filter.ID, Qty: 3 * crm.QtyUnit})
	if !res.Short || res.Line.Reserved != 0 || !res.Line.Supplement {
		t.Fatalf("line: %+v short=%t", res.Line, res.Short)
	}
	if _, err := w.svc.RequestPart(w.ctx, actor(w.mech2), o.ID, w.version(t, o.ID), res.Line.ID); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("another mechanic asks: %v", err)
	}
	card, err := w.svc.RequestPart(w.ctx, actor(w.mech), o.ID, w.version(t, o.ID), res.Line.ID)
	if err != nil {
		t.Fatal(err)
	}
	if card.Order.Status != crm.StatusWaitingParts {
		t.Errorf("status %s", card.Order.Status)
	}
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'parts_needed' AND chat_id = $1`, *w.manager.ChatID); n != 1 {
		t.Errorf("%d parts_needed to the manager", n)
	}

	// One more filter arrives: still short, nobody told. Another: reserved, mechanic told.
	w.mustReceive(t, w.filter.ID, crm.QtyUnit)
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'parts_arrived'`); n != 0 {
		t.Errorf("%d parts_arrived while still short", n)
	}
	it := w.mustReceive(t, w.filter.ID, crm.QtyUnit)
	if it.OnHand != 3*crm.QtyUnit || it.Reserved != 3*crm.QtyUnit {
		t.Errorf("filter after receipts: %+v", it)
	}
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'parts_arrived' AND chat_id = $1`, *w.mech.ChatID); n != 1 {
		t.Errorf("%d parts_arrived to the mechanic", n)
	}
	if n := w.count(t, `SELECT count(*) FROM stock_movements WHERE kind = 'receipt' AND item_id = $1 AND unit_cost = 1000 AND actor_kind = 'staff' AND actor_id = $2`, w.filter.ID, w.manager.ID); n != 3 {
		t.Errorf("%d receipts with cost and who", n)
	}

	// Back to work; the supplement still needs the client before the car is ready.
	w.move(t, o.ID, crm.StatusInProgress)
	if _, err := w.svc.Transition(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), crm.StatusReady); !errors.Is(err, crm.ErrUnapprovedLines) {
		t.Errorf("ready with a pending supplement: %v", err)
	}
	w.checkLedger(t)

	// Mechanics do not receive goods.
	if _, err := w.svc.ReceiveStock(w.ctx, actor(w.mech), w.filter.ID, crm.QtyUnit, nil, ""); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic receives: %v", err)
	}
	if _, err := w.svc.ReceiveStock(w.ctx, actor(w.manager), w.labour.ID, crm.QtyUnit, nil, ""); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("receive a service: %v", err)
	}
	if _, err := w.svc.ReceiveStock(w.ctx, actor(w.manager), w.filter.ID, 0, nil, ""); !errors.Is(err, crm.ErrNotPositive) {
		t.Errorf("receive zero: %v", err)
	}
}

// Cancelling an order gives its reservations back; delivering writes its parts off. The stock
// on hand is always the sum of the ledger.
func TestStockFollowsTheOrder(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	cancelled := w.order(t, 600).Order
	w.add(t, w.manager, cancelled.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 4 * crm.QtyUnit})
	w.move(t, cancelled.ID, crm.StatusCancelled)
	if it := w.item(t, w.oil.ID); it.Reserved != 0 || it.OnHand != 10*crm.QtyUnit {
		t.Errorf("after cancel: %+v", it)
	}

	o := w.order(t, 601).Order
	w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 4 * crm.QtyUnit})
	w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.filter.ID, Qty: crm.QtyUnit})
	e := w.estimate(t, o.ID)
	// The client takes the oil, declines the filter: its reservation goes back at once.
	if _, err := w.svc.RecordDecision(w.ctx, actor(w.manager), o.ID, e.Version, e.Lines[0].ID, crm.ApprovalApproved, crm.MethodPhone); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.RecordDecision(w.ctx, actor(w.manager), o.ID, e.Version, e.Lines[1].ID, crm.ApprovalDeclined, crm.MethodPhone); err != nil {
		t.Fatal(err)
	}
	if it := w.item(t, w.filter.ID); it.Reserved != 0 {
		t.Errorf("declined filter still reserved: %+v", it)
	}
	w.move(t, o.ID, crm.StatusInProgress)
	w.move(t, o.ID, crm.StatusReady)
	w.move(t, o.ID, crm.StatusDelivered)
	if it := w.item(t, w.oil.ID); it.OnHand != 6*crm.QtyUnit || it.Reserved != 0 {
		t.Errorf("oil after delivery: %+v", it)
	}
	if n := w.count(t, `SELECT count(*) FROM stock_movements WHERE kind = 'writeoff' AND order_id = $1 AND on_hand_delta = -4000`, o.ID); n != 1 {
		t.Errorf("%d write-offs", n)
	}
	if _, err := w.svc.CorrectStock(w.ctx, w.oil.ID, 5500, "инвентаризация"); err != nil {
		t.Fatal(err)
	}
	ledger, err := w.svc.StockLedger(w.ctx, w.oil.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sum crm.Qty
	var kinds []string
	for _, m := range ledger {
		sum += m.OnHandDelta
		kinds = append(kinds, m.Kind)
	}
	if it := w.item(t, w.oil.ID); sum != it.OnHand || it.OnHand != 5500 {
		t.Errorf("ledger sum %s, on hand %s; kinds %v", sum, it.OnHand, kinds)
	}
	w.checkLedger(t)
}
