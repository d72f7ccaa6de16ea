package sandbox

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// The demo shop is made as a manager would make it, weeks back, and sends nobody anything.
func TestLoadDemoFillsAShopWithHistory(t *testing.T) {
	ctx := context.Background()
	pool, _ := pgtest.New(t)
	emu := tgemu.NewServer(tgemu.Options{})
	t.Cleanup(emu.Close)
	loc := time.FixedZone("shop", 3*3600)
	svc := crm.New(pool, crm.Options{Now: emu.Clock().Now, Location: loc})
	sb := New(Options{Emu: emu, Location: loc, Log: slog.New(slog.DiscardHandler)})
	sb.Attach(svc, pool, nil, nil)

	if _, err := sb.LoadDemo(ctx); err == nil {
		t.Fatalf("LoadDemo without a manager: no error")
	}
	if err := svc.EnsureOwners(ctx, []int64{ownerID}); err != nil {
		t.Fatal(err)
	}
	owner, err := svc.StaffByTelegramID(ctx, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := svc.CreateInvite(ctx, crm.Actor{StaffID: owner.ID, Role: owner.Role, TelegramUserID: ownerID}, crm.RoleManager)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RedeemInvite(ctx, inv.Token, crm.Joiner{TelegramUserID: managerID, ChatID: managerID, Name: "Мария", Language: "ru"}); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.LoadDemo(ctx); err == nil {
		t.Fatalf("LoadDemo without a mechanic: no error")
	}
	inv, err = svc.CreateInvite(ctx, crm.Actor{StaffID: owner.ID, Role: owner.Role, TelegramUserID: ownerID}, crm.RoleMechanic)
	if err != nil {
		t.Fatal(err)
	}
	mech, err := svc.RedeemInvite(ctx, inv.Token, crm.Joiner{TelegramUserID: mechanicID, ChatID: mechanicID, Name: "Пётр", Language: "ru"})
	if err != nil {
		t.Fatal(err)
	}

	got, err := sb.LoadDemo(ctx)
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	if got["items"] != len(demoCatalog) || got["orders"] != len(demoVisits) {
		t.Errorf("LoadDemo = %v", got)
	}
	if got["already"] != 0 {
		t.Errorf("the first load says the demo was already loaded: %v", got)
	}
	var clients, closed, open, oldest, outbox int
	err = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM clients),
		(SELECT count(*) FROM orders WHERE status = 'closed'), (SELECT count(*) FROM orders WHERE status = 'diagnosing'),
		(SELECT coalesce(max(extract(day FROM now() - created_at)), 0)::int FROM orders),
		(SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending'))`).Scan(&clients, &closed, &open, &oldest, &outbox)
	if err != nil {
		t.Fatal(err)
	}
	if clients != 4 || closed != 4 || open != 1 || oldest < 21 || outbox != 1 {
		t.Errorf("demo shop: %d clients, %d closed and %d open orders, the oldest %d days old, %d messages to send; want 4, 4, 1, >= 21, 1 (the mechanic's assignment)",
			clients, closed, open, oldest, outbox)
	}
	// The open order is the mechanic's: his queue is not empty (the tester's finding 12).
	queue, err := svc.MechanicQueue(ctx, mech.Staff.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(queue) != 1 || queue[0].Order.Status != crm.StatusDiagnosing {
		t.Errorf("the mechanic's queue after the demo: %d orders, want the diagnosing one", len(queue))
	}

	// A second press adds nothing and says the demo is already there (the tester's finding 2:
	// orders, payments and stock movements doubled).
	counts := func() string {
		var s string
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM clients) || '/' || (SELECT count(*) FROM orders) || '/' ||
			(SELECT count(*) FROM payments) || '/' || (SELECT coalesce(sum(amount), 0) FROM payments) || '/' ||
			(SELECT count(*) FROM stock_movements) || '/' || (SELECT count(*) FROM catalog_items)`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := counts()
	again, err := sb.LoadDemo(ctx)
	if err != nil {
		t.Fatalf("LoadDemo again: %v", err)
	}
	if again["already"] != 1 {
		t.Errorf("the second load does not say the demo is already loaded: %v", again)
	}
	if after := counts(); after != before {
		t.Errorf("the second load changed clients/orders/payments/sum/stock movements/items from %s to %s", before, after)
	}
}
