package crm_test

import (
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

// The audit log merges staff actions of all three sources, newest first: a price change of the
// catalog and an order's status moves, with who did them; clients' steps are not in it.
func TestAuditLogMergesStaffActions(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	in := crm.ItemInput{Kind: crm.ItemService, SKU: "SRV-1", Name: "Замена масла в двигателе", Price: 170000, Norm: 500}
	if _, err := w.svc.UpdateItem(w.ctx, actor(w.manager), w.labour.ID, in); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(1e9)
	card := w.order(t, 100) // booked by the client, assigned and moved on by the manager

	log, err := w.svc.AuditLog(w.ctx, actor(w.owner), 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	byAction := map[string]crm.AuditEntry{}
	for _, e := range log {
		if _, seen := byAction[e.Action]; !seen {
			byAction[e.Action] = e
		}
		if e.ActorKind == crm.ActorClient {
			t.Errorf("a client's booking is in the staff audit: %+v", e)
		}
	}
	price := byAction[crm.AuditItemChanged]
	if price.ActorName != "staff 2" || price.Data["price_from"] != float64(150000) || price.Data["price_to"] != float64(170000) {
		t.Errorf("price change entry = %+v", price)
	}
	status := byAction["status"]
	if status.OrderNumber == nil || *status.OrderNumber != card.Order.Number || status.Data["to"] != "diagnosing" || status.ActorName != "staff 2" {
		t.Errorf("status entry = %+v", status)
	}
	if log[0].Action != "status" {
		t.Errorf("newest entry = %+v, want the status move", log[0])
	}
	// Paging: the second page starts where the first ended.
	first, _ := w.svc.AuditLog(w.ctx, actor(w.owner), 2, 0)
	second, _ := w.svc.AuditLog(w.ctx, actor(w.owner), 2, 2)
	if len(first) != 2 || len(second) != 2 || first[1].At.Before(second[0].At) {
		t.Errorf("pages overlap or go backwards: %+v / %+v", first, second)
	}
}
