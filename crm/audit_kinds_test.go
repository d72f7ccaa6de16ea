package crm_test

import (
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

// The audit log names who created the invite a member joined by (not the member again), and
// tells an order's creation and a mechanic's assignment from status moves.
func TestAuditLogKinds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	owner, _, mech, manager := e.MustEveryRole(t)
	card, err := e.svc.CreateOrder(e.ctx, actor(manager), crm.ManagerOrderRequest{
		Phone: "+79125554433", ClientName: "Анна", Problem: "Скрип",
		NewVehicle: crm.NewVehicle{Make: "Kia", Model: "Rio"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Assign(e.ctx, actor(manager), card.Order.ID, card.Order.Version, mech.ID); err != nil {
		t.Fatal(err)
	}
	log, err := e.svc.AuditLog(e.ctx, actor(owner), 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, en := range log {
		seen[en.Action]++
		switch en.Action {
		case crm.AuditInviteRedeemed:
			if en.TargetName != "staff 1" || en.ActorName == en.TargetName {
				t.Errorf("join by %s names %q as the inviter, want the owner (staff 1)", en.ActorName, en.TargetName)
			}
		case crm.OrderEventAssigned:
			if en.TargetName != mech.Name || en.OrderNumber == nil || *en.OrderNumber != card.Order.Number {
				t.Errorf("assignment = %+v, want mechanic %q on №%d", en, mech.Name, card.Order.Number)
			}
		case crm.OrderEventCreated:
			if en.ActorName != manager.Name || en.OrderNumber == nil || *en.OrderNumber != card.Order.Number {
				t.Errorf("creation = %+v", en)
			}
		case crm.OrderEventStatus:
			t.Errorf("a status move where none was made: %+v", en)
		}
	}
	if seen[crm.AuditInviteRedeemed] != 3 || seen["created"] != 1 || seen["assigned"] != 1 {
		t.Errorf("entries by kind = %v, want 3 joins, 1 creation, 1 assignment", seen)
	}
}
