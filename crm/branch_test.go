package crm_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestBranchesAddFindAndMoveStaff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	bs, err := e.svc.Branches(e.ctx)
	if err != nil || len(bs) != 1 || !bs[0].IsDefault {
		t.Fatalf("a new shop's branches = %+v, %v; want the one default", bs, err)
	}
	north, err := e.svc.AddBranch(e.ctx, "  Север ")
	if err != nil || north.Name != "Север" || north.IsDefault {
		t.Fatalf("AddBranch = %+v, %v", north, err)
	}
	for _, name := range []string{"север", "", "   "} {
		if _, err := e.svc.AddBranch(e.ctx, name); !errors.Is(err, crm.ErrInvalidInput) {
			t.Errorf("AddBranch(%q) = %v, want ErrInvalidInput", name, err)
		}
	}
	for _, name := range []string{"СЕВЕР", "2"} {
		if b, err := e.svc.BranchByName(e.ctx, name); err != nil || b.ID != north.ID {
			t.Errorf("BranchByName(%q) = %+v, %v", name, b, err)
		}
	}
	if _, err := e.svc.BranchByName(e.ctx, "Юг"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("BranchByName(Юг) = %v, want ErrNotFound", err)
	}
	bs, _ = e.svc.Branches(e.ctx)
	if len(bs) != 2 || bs[0].ID != 1 || bs[1].ID != north.ID {
		t.Errorf("branches = %+v, want the default first", bs)
	}
	owner := e.MustOwner(t, 1)
	if st, err := e.svc.MoveStaffToBranch(e.ctx, owner.TelegramUserID, north.ID); err != nil || st.BranchID != north.ID {
		t.Errorf("MoveStaffToBranch = %+v, %v", st, err)
	}
	if _, err := e.svc.MoveStaffToBranch(e.ctx, 777, north.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("moving a stranger: %v, want ErrNotFound", err)
	}
	if _, err := e.svc.MoveStaffToBranch(e.ctx, owner.TelegramUserID, 99); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("moving to no branch: %v, want ErrNotFound", err)
	}
}

// Stock belongs to a branch: a receipt is the receiving manager's branch's, an order's
// reservation its branch's, and each branch's stock is the sum of its own rows.
func TestStockBelongsToABranch(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{}) // receives 10 l of oil and 1 filter into branch 1
	north, err := w.svc.AddBranch(w.ctx, "Север")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.MoveStaffToBranch(w.ctx, w.manager.TelegramUserID, north.ID); err != nil {
		t.Fatal(err)
	}
	w.mustReceive(t, w.oil.ID, 4*crm.QtyUnit) // now into branch 2
	o := w.order(t, 100)                      // a client booking: the default branch
	w.add(t, w.mech, o.Order.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 3 * crm.QtyUnit})
	type row struct{ onHand, reserved crm.Qty }
	stock := func(branch int64) map[string]row {
		st, err := w.svc.StockOfBranch(w.ctx, branch)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]row{}
		for _, s := range st {
			m[s.Name] = row{s.OnHand, s.Reserved}
		}
		return m
	}
	want1 := map[string]row{w.oil.Name: {10 * crm.QtyUnit, 3 * crm.QtyUnit}, w.filter.Name: {crm.QtyUnit, 0}}
	if diff := cmp.Diff(want1, stock(1), cmp.AllowUnexported(row{})); diff != "" {
		t.Errorf("branch 1 (-want +got):\n%s", diff)
	}
	want2 := map[string]row{w.oil.Name: {4 * crm.QtyUnit, 0}}
	if diff := cmp.Diff(want2, stock(north.ID), cmp.AllowUnexported(row{})); diff != "" {
		t.Errorf("branch 2 (-want +got):\n%s", diff)
	}
	// The item's own columns stay the shop's total.
	if it := w.item(t, w.oil.ID); it.OnHand != 14*crm.QtyUnit || it.Reserved != 3*crm.QtyUnit {
		t.Errorf("oil: on hand %s, reserved %s; want 14 and 3", it.OnHand, it.Reserved)
	}
	w.checkLedger(t)
}
