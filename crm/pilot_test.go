package crm_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/uniflow-crm/uniflow/crm"
)

// chatsOf lists the chats that have outbox rows of kind, in order.
func (e *env) chatsOf(t *testing.T, kind string) []int64 {
	t.Helper()
	var got []int64
	rows, _ := e.db.Query(e.ctx, `SELECT chat_id FROM outbox WHERE kind = $1 ORDER BY chat_id`, kind)
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// In a pilot only the pilot's managers and admins hear of new requests, bookings land in the
// pilot's branch, and a mechanic outside it is not told of an assignment; without one everyone
// is, as before.
func TestPilotLimitsRequestsAndNotices(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		pilot      crm.Pilot
		wantBranch int64
		wantChats  []int64 // new requests
		wantTold   []int64 // assignments, of mechanics 5 (branch 1) and 6 (branch 2)
	}{
		{"no pilot", crm.Pilot{}, 1, []int64{2, 3, 4}, []int64{5, 6}},
		// Branch 2 holds manager 2 and mechanic 6; admin 3 is named.
		{"a branch and a named admin", crm.Pilot{Branches: []int64{2}, Staff: []int64{3}}, 2, []int64{2, 3}, []int64{6}},
		{"named staff only", crm.Pilot{Staff: []int64{4, 5}}, 1, []int64{4}, []int64{5}},
		{"no manager in the pilot: the owners", crm.Pilot{Staff: []int64{99}}, 1, []int64{1}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, crm.Options{Pilot: tc.pilot})
			north, err := e.svc.AddBranch(e.ctx, "Север")
			if err != nil || north.ID != 2 {
				t.Fatalf("AddBranch = %+v, %v; want branch 2", north, err)
			}
			owner := e.MustOwner(t, 1)
			manager := e.MustStaff(t, owner, 2, crm.RoleManager)
			e.MustStaff(t, owner, 3, crm.RoleAdmin)
			e.MustStaff(t, owner, 4, crm.RoleManager)
			mech5 := e.MustStaff(t, owner, 5, crm.RoleMechanic)
			mech6 := e.MustStaff(t, owner, 6, crm.RoleMechanic)
			for _, id := range []int64{2, 6} {
				if _, err := e.svc.MoveStaffToBranch(e.ctx, id, north.ID); err != nil {
					t.Fatal(err)
				}
			}
			manager.BranchID = north.ID
			card := e.MustBook(t, booking(100, "k1"))
			if card.Order.BranchID != tc.wantBranch {
				t.Errorf("booked into branch %d, want %d", card.Order.BranchID, tc.wantBranch)
			}
			if diff := cmp.Diff(tc.wantChats, e.chatsOf(t, crm.KindNewRequest), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("new_request chats (-want +got):\n%s", diff)
			}
			card2 := e.MustBook(t, booking(101, "k2"))
			for _, c := range []struct {
				card crm.OrderCard
				mech crm.Staff
			}{{card, mech5}, {card2, mech6}} {
				if _, err := e.svc.Assign(e.ctx, actor(owner), c.card.Order.ID, c.card.Order.Version, c.mech.ID); err != nil {
					t.Fatalf("Assign to %d: %v", c.mech.TelegramUserID, err)
				}
			}
			if diff := cmp.Diff(tc.wantTold, e.chatsOf(t, crm.KindOrderAssigned), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("order_assigned chats (-want +got):\n%s", diff)
			}
		})
	}
}

// The report shows the pilot's orders and the rest side by side, each computed from the rows of
// its own orders: the pilot is branch 2 and mechanic Иван (9002, branch 1).
func TestPilotReportSideBySide(t *testing.T) {
	t.Parallel()
	pilot := crm.Pilot{Branches: []int64{2}, Staff: []int64{9002}}
	e := newEnv(t, crm.Options{Location: msk, Pilot: pilot})
	shop := genShop(9)
	shop.insert(t, e)
	var pilotShop, restShop fxShop
	for _, o := range shop.orders {
		if o.branch == 2 || o.mechanic == fxMechA {
			pilotShop.orders = append(pilotShop.orders, o)
		} else {
			restShop.orders = append(restShop.orders, o)
		}
	}
	if len(pilotShop.orders) == 0 || len(restShop.orders) == 0 {
		t.Fatal("the fixture puts every order on one side")
	}
	opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateApprox(0, 1e-9)}
	for _, tc := range []struct {
		name   string
		req    crm.ReportRequest
		branch int64
	}{
		{"month", crm.ReportRequest{Kind: crm.PeriodMonth}, 0},
		{"month, branch 1", crm.ReportRequest{Kind: crm.PeriodMonth, BranchID: 1}, 1},
		{"month, branch 2", crm.ReportRequest{Kind: crm.PeriodMonth, BranchID: 2}, 2},
	} {
		e.clock.Set(mustLocal(t, "2025-03-31 23:00:00"))
		got, err := e.svc.Report(e.ctx, tc.req)
		if err != nil {
			t.Fatal(err)
		}
		if got.Pilot == nil {
			t.Fatalf("%s: no pilot split", tc.name)
		}
		p := got.Current.Period
		side := func(s fxShop) crm.PilotKPIs {
			k := s.wantKPIs(p, tc.branch)
			return crm.PilotKPIs{Orders: k.Orders, Revenue: k.Revenue, Discipline: k.Discipline}
		}
		if diff := cmp.Diff(side(pilotShop), got.Pilot.Pilot, opts); diff != "" {
			t.Errorf("%s: pilot (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(side(restShop), got.Pilot.Rest, opts); diff != "" {
			t.Errorf("%s: rest (-want +got):\n%s", tc.name, diff)
		}
		// The whole report is still the whole shop's.
		all := shop.wantKPIs(p, tc.branch)
		if got.Current.Orders.Opened != all.Orders.Opened || got.Current.Revenue.Revenue != all.Revenue.Revenue {
			t.Errorf("%s: the whole period's numbers changed with the pilot", tc.name)
		}
		if tc.branch == 2 && (got.Pilot.Rest.Orders.Opened != 0 || got.Pilot.Rest.Revenue.Delivered != 0) {
			t.Errorf("%s: branch 2 is all pilot, yet the rest has %+v", tc.name, got.Pilot.Rest)
		}
	}
	// Without a pilot there is no split.
	e2 := newEnv(t, crm.Options{Location: msk})
	rep, err := e2.svc.Report(e2.ctx, crm.ReportRequest{Kind: crm.PeriodToday})
	if err != nil || rep.Pilot != nil {
		t.Errorf("no pilot: Pilot = %+v, %v; want nil", rep.Pilot, err)
	}
}

func mustLocal(t *testing.T, s string) time.Time {
	t.Helper()
	tt, err := time.ParseInLocation(time.DateTime, s, msk)
	if err != nil {
		t.Fatal(err)
	}
	return tt
}
