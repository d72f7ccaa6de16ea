package crm_test

import (
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// work is a shop with staff and a small catalog, for tests of order work.
type work struct {
	*env
	owner, manager, mech, mech2 crm.Staff
	labour, oil, filter         crm.CatalogItem
}

func newWork(t *testing.T, opts crm.Options) *work {
	t.Helper()
	w := &work{env: newEnv(t, opts)}
	w.owner = w.MustOwner(t, 1)
	w.manager = w.MustStaff(t, w.owner, 2, crm.RoleManager)
	w.mech = w.MustStaff(t, w.owner, 3, crm.RoleMechanic)
	w.mech2 = w.MustStaff(t, w.owner, 4, crm.RoleMechanic)
	w.labour = w.mustItem(t, crm.ItemInput{Kind: crm.ItemService, SKU: "SRV-1", Name: "Замена масла в двигателе", Price: 150000, Norm: 500})
	w.oil = w.mustItem(t, crm.ItemInput{Kind: crm.ItemPart, SKU: "OIL-5W30", Name: "Масло моторное 5W-30", Unit: "л", Price: 80000, MinStock: 2 * crm.QtyUnit, RepeatDays: 365, RepeatKm: 10000})
	w.filter = w.mustItem(t, crm.ItemInput{Kind: crm.ItemPart, SKU: "FLT-01", Name: "Фильтр масляный", Price: 50000})
	w.mustReceive(t, w.oil.ID, 10*crm.QtyUnit)
	w.mustReceive(t, w.filter.ID, 1*crm.QtyUnit)
	return w
}

func (w *work) mustItem(t *testing.T, in crm.ItemInput) crm.CatalogItem {
	t.Helper()
	it, err := w.svc.CreateItem(w.ctx, actor(w.manager), in)
	if err != nil {
		t.Fatalf("CreateItem(%q): %v", in.Name, err)
	}
	return it
}

func (w *work) mustReceive(t *testing.T, itemID int64, q crm.Qty) crm.CatalogItem {
	t.Helper()
	cost := crm.Money(1000)
	it, err := w.svc.ReceiveStock(w.ctx, actor(w.manager), itemID, q, &cost, "накладная 1")
	if err != nil {
		t.Fatalf("ReceiveStock(%d, %s): %v", itemID, q, err)
	}
	return it
}

// order books an order for client n (without a time: slots are not what these tests are about),
// assigned to w.mech and being diagnosed.
func (w *work) order(t *testing.T, n int64) crm.OrderCard {
	t.Helper()
	r := booking(n, "key-"+itoa(n))
	r.Slot = time.Time{}
	card := w.MustBook(t, r)
	card, err := w.svc.Assign(w.ctx, actor(w.manager), card.Order.ID, card.Order.Version, w.mech.ID)
	if err != nil {
		t.Fatalf("Assign: %v", err)
	}
	return w.move(t, card.Order.ID, crm.StatusDiagnosing)
}

func (w *work) version(t *testing.T, orderID int64) int {
	t.Helper()
	card, err := w.svc.OrderCard(w.ctx, orderID)
	if err != nil {
		t.Fatalf("OrderCard: %v", err)
	}
	return card.Order.Version
}

func (w *work) move(t *testing.T, orderID int64, to crm.Status) crm.OrderCard {
	t.Helper()
	card, err := w.svc.Transition(w.ctx, actor(w.manager), orderID, w.version(t, orderID), to)
	if err != nil {
		t.Fatalf("Transition(%d → %s): %v", orderID, to, err)
	}
	return card
}

func (w *work) add(t *testing.T, by crm.Staff, orderID int64, in crm.LineInput) crm.AddLineResult {
	t.Helper()
	res, err := w.svc.AddLine(w.ctx, actor(by), orderID, w.version(t, orderID), in)
	if err != nil {
		t.Fatalf("AddLine(%+v): %v", in, err)
	}
	return res
}

func (w *work) estimate(t *testing.T, orderID int64) crm.Estimate {
	t.Helper()
	e, err := w.svc.Estimate(w.ctx, orderID)
	if err != nil {
		t.Fatalf("Estimate: %v", err)
	}
	return e
}

func (w *work) item(t *testing.T, id int64) crm.CatalogItem {
	t.Helper()
	it, err := w.svc.Item(w.ctx, id)
	if err != nil {
		t.Fatalf("Item(%d): %v", id, err)
	}
	return it
}

// checkLedger asserts the stock invariants: every item's on hand and reserved equal the sums of
// its ledger, and reserved equals what its order lines hold.
func (w *work) checkLedger(t *testing.T) {
	t.Helper()
	n := w.count(t, `
SELECT count(*) FROM catalog_items i
WHERE i.on_hand_milli <> coalesce((SELECT sum(on_hand_delta) FROM stock_movements m WHERE m.item_id = i.id), 0)
	OR i.reserved_milli <> coalesce((SELECT sum(reserved_delta) FROM stock_movements m WHERE m.item_id = i.id), 0)
	OR i.reserved_milli <> coalesce((SELECT sum(reserved_milli) FROM order_lines l WHERE l.item_id = i.id), 0)`)
	if n != 0 {
		t.Errorf("%d items whose stock differs from the ledger or the lines", n)
	}
}

func money(m int64) *crm.Money { v := crm.Money(m); return &v }
func qty(q int64) *crm.Qty     { v := crm.Qty(q); return &v }
