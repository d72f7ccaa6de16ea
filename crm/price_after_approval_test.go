package crm_test

import (
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

// Catalog prices that change after the client approved the lines never reach those lines: the
// estimate's totals, the approved totals and the invoice fixed on "ready" keep the approved
// prices, and a later change does not reach the fixed invoice either.
func TestCatalogPriceChangeAfterApprovalKeepsApprovedPrices(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	o := w.order(t, 720).Order
	w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit})
	w.add(t, w.mech, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 4 * crm.QtyUnit})
	if _, err := w.svc.SendEstimate(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID)); err != nil {
		t.Fatal(err)
	}
	e, err := w.svc.ClientDecide(w.ctx, 720, o.ID, w.estimate(t, o.ID).Version, 0, crm.ApprovalApproved)
	if err != nil {
		t.Fatal(err)
	}
	approved := crm.Totals{Labour: 150000, Parts: 320000, Total: 470000}
	if e.Approved != approved || e.Pending() != 0 {
		t.Fatalf("approved %+v, pending %d", e.Approved, e.Pending())
	}

	reprice := func(it crm.CatalogItem, price crm.Money) {
		t.Helper()
		in := crm.ItemInput{Kind: it.Kind, SKU: it.SKU, Name: it.Name, Unit: it.Unit, Price: price, Norm: it.Norm, MinStock: it.MinStock}
		if _, err := w.svc.UpdateItem(w.ctx, actor(w.manager), it.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	reprice(w.oil, 95000)
	reprice(w.labour, 200000)
	e = w.estimate(t, o.ID)
	if e.Totals != approved || e.Approved != approved || e.Pending() != 0 {
		t.Errorf("after the catalog change: totals %+v, approved %+v, pending %d", e.Totals, e.Approved, e.Pending())
	}
	for _, l := range e.Lines {
		if l.Approval != crm.ApprovalApproved || (l.Price != 150000 && l.Price != 80000) {
			t.Errorf("line %q: %s at %d", l.Name, l.Approval, l.Price)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM line_decisions WHERE order_id = $1 AND price IN (150000, 80000)`, o.ID); n != 2 {
		t.Errorf("%d decisions at the approved prices", n)
	}

	w.move(t, o.ID, crm.StatusInProgress)
	w.move(t, o.ID, crm.StatusReady)
	e = w.estimate(t, o.ID)
	if e.Invoice == nil {
		t.Fatal("no invoice on ready")
	}
	check := func(when string, inv crm.Invoice) {
		t.Helper()
		if inv.Labour != 150000 || inv.Parts != 320000 || inv.Total != 470000 {
			t.Errorf("%s: invoice %d + %d = %d", when, inv.Labour, inv.Parts, inv.Total)
		}
		for _, l := range inv.Lines {
			if l.Price != 150000 && l.Price != 80000 {
				t.Errorf("%s: invoice line %q at %d", when, l.Name, l.Price)
			}
		}
	}
	check("on ready", *e.Invoice)
	reprice(w.oil, 120000)
	e = w.estimate(t, o.ID)
	check("after another change", *e.Invoice)
	if e.Totals != approved {
		t.Errorf("totals after another change: %+v", e.Totals)
	}
	w.checkLedger(t)
}
