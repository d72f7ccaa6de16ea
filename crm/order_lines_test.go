package crm_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestAddLinesAndTotals(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	o := w.order(t, 100).Order

	// A mechanic adds catalog lines to his own order at catalog prices.
	lab := w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit})
	oil := w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 4500})
	if lab.Line.Kind != crm.LineLabour || lab.Line.Price != 150000 || lab.Line.Approval != crm.ApprovalPending || lab.Line.Supplement {
		t.Errorf("labour line: %+v", lab.Line)
	}
	if oil.Short || oil.Line.Reserved != 4500 || oil.Line.Amount != 360000 || oil.Line.Unit != "л" || oil.Line.SKU != "OIL-5W30" {
		t.Errorf("oil line: %+v short=%t", oil.Line, oil.Short)
	}
	// ...but not free text, not his own price, not on another mechanic's order.
	v := w.version(t, o.ID)
	for _, tc := range []struct {
		by crm.Staff
		in crm.LineInput
	}{
		{w.mech, crm.LineInput{Kind: crm.LineLabour, Name: "Что-то своё", Qty: crm.QtyUnit, Price: money(100)}},
		{w.mech, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit, Price: money(100)}},
		{w.mech2, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit}},
	} {
		if _, err := w.svc.AddLine(w.ctx, actor(tc.by), o.ID, v, tc.in); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("AddLine by %d %+v: %v, want ErrForbidden", tc.by.ID, tc.in, err)
		}
	}
	// A manager adds free text and sets prices.
	free := w.add(t, w.manager, o.ID, crm.LineInput{Kind: crm.LineLabour, Name: "  Диагностика подвески  ", Qty: 1500, Price: money(100000)})
	if free.Line.Name != "Диагностика подвески" || free.Line.ItemID != nil || free.Line.Amount != 150000 || free.Line.Unit != "усл" {
		t.Errorf("free line: %+v", free.Line)
	}
	// Bad input gets its own error.
	v = w.version(t, o.ID)
	for _, tc := range []struct {
		in  crm.LineInput
		err error
	}{
		{crm.LineInput{ItemID: w.oil.ID, Qty: 0}, crm.ErrNotPositive},
		{crm.LineInput{ItemID: w.oil.ID, Qty: -1000}, crm.ErrNotPositive},
		{crm.LineInput{ItemID: w.oil.ID, Qty: crm.MaxQty + 1}, crm.ErrTooLarge},
		{crm.LineInput{ItemID: w.oil.ID, Qty: 1000, Price: money(int64(crm.MaxPrice) + 1)}, crm.ErrTooLarge},
		{crm.LineInput{Kind: crm.LinePart, Name: strings.Repeat("ж", 201), Qty: 1000, Price: money(1)}, crm.ErrInvalidInput},
		{crm.LineInput{Kind: crm.LinePart, Name: "", Qty: 1000, Price: money(1)}, crm.ErrInvalidInput},
		{crm.LineInput{ItemID: 999999, Qty: 1000}, crm.ErrNotFound},
	} {
		if _, err := w.svc.AddLine(w.ctx, actor(w.manager), o.ID, v, tc.in); !errors.Is(err, tc.err) {
			t.Errorf("AddLine(%+v): %v, want %v", tc.in, err, tc.err)
		}
	}
	// A stale card is refused.
	if _, err := w.svc.AddLine(w.ctx, actor(w.manager), o.ID, v-1, crm.LineInput{ItemID: w.oil.ID, Qty: 1000}); !errors.Is(err, crm.ErrStale) {
		t.Errorf("stale version: %v", err)
	}

	e := w.estimate(t, o.ID)
	want := crm.Totals{Labour: 300000, Parts: 360000, Total: 660000}
	if e.Totals != want || e.Version != 3 || len(e.Lines) != 3 {
		t.Errorf("estimate: totals %+v version %d lines %d", e.Totals, e.Version, len(e.Lines))
	}

	// Quantity and price: mechanics change quantities, managers prices too.
	v = w.version(t, o.ID)
	res, err := w.svc.UpdateLine(w.ctx, actor(w.mech), o.ID, v, oil.Line.ID, qty(2000), nil)
	if err != nil || res.Line.Qty != 2000 || res.Line.Reserved != 2000 {
		t.Errorf("mechanic lowers quantity: %+v %v", res.Line, err)
	}
	if _, err := w.svc.UpdateLine(w.ctx, actor(w.mech), o.ID, w.version(t, o.ID), oil.Line.ID, nil, money(1)); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic changes a price: %v", err)
	}
	if _, err := w.svc.UpdateLine(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), oil.Line.ID, qty(0), nil); !errors.Is(err, crm.ErrNotPositive) {
		t.Errorf("zero quantity: %v", err)
	}
	res, err = w.svc.UpdateLine(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), oil.Line.ID, qty(6000), money(75000))
	if err != nil || res.Line.Qty != 6000 || res.Line.Reserved != 6000 || res.Line.Amount != 450000 {
		t.Errorf("manager raises quantity and price: %+v %v", res.Line, err)
	}
	if it := w.item(t, w.oil.ID); it.Reserved != 6000 {
		t.Errorf("oil reserved %s", it.Reserved)
	}

	// Discounts: managers only, never above the total.
	if err := w.svc.SetDiscount(w.ctx, actor(w.mech), o.ID, w.version(t, o.ID), crm.Discount{Kind: crm.DiscountPercent, Value: 1000}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic discount: %v", err)
	}
	if err := w.svc.SetDiscount(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), crm.Discount{Kind: crm.DiscountAmount, Value: 750001}); !errors.Is(err, crm.ErrDiscountTooBig) {
		t.Errorf("discount above total: %v", err)
	}
	if err := w.svc.SetDiscount(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), crm.Discount{Kind: crm.DiscountPercent, Value: 10001}); !errors.Is(err, crm.ErrDiscountTooBig) {
		t.Errorf("discount above 100 %%: %v", err)
	}
	if err := w.svc.SetDiscount(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), crm.Discount{Kind: crm.DiscountPercent, Value: 1000}); err != nil {
		t.Fatal(err)
	}
	e = w.estimate(t, o.ID)
	if want := (crm.Totals{Labour: 300000, Parts: 450000, Discount: 75000, Total: 675000}); e.Totals != want {
		t.Errorf("totals with 10 %%: %+v, want %+v", e.Totals, want)
	}

	// Removing a line gives its stock back.
	if err := w.svc.RemoveLine(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), oil.Line.ID); err != nil {
		t.Fatal(err)
	}
	if it := w.item(t, w.oil.ID); it.Reserved != 0 || it.OnHand != 10*crm.QtyUnit {
		t.Errorf("after removal: %+v", it)
	}
	w.checkLedger(t)
}

// Two managers change the same order from the same card: one wins, the other is told the card
// is out of date, and no change is lost.
func TestTwoManagersEditOneOrder(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	second := w.MustStaff(t, w.owner, 5, crm.RoleManager)
	o := w.order(t, 101).Order
	l := w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit}).Line
	v := w.version(t, o.ID)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, by := range []crm.Staff{w.manager, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.svc.UpdateLine(w.ctx, actor(by), o.ID, v, l.ID, nil, money(int64(200000+i)))
		}()
	}
	wg.Wait()
	won, stale := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, crm.ErrStale):
			stale++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if won != 1 || stale != 1 {
		t.Fatalf("won %d, stale %d: %v", won, stale, errs)
	}
	if w.version(t, o.ID) != v+1 {
		t.Errorf("version %d, want %d", w.version(t, o.ID), v+1)
	}
}
