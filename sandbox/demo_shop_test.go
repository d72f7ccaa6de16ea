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

	got, err := sb.LoadDemo(ctx)
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	if got["items"] != len(demoCatalog) || got["orders"] != len(demoVisits) {
		t.Errorf("LoadDemo = %v", got)
	}
	var clients, closed, open, oldest, outbox int
	err = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM clients),
		(SELECT count(*) FROM orders WHERE status = 'closed'), (SELECT count(*) FROM orders WHERE status = 'diagnosing'),
		(SELECT coalesce(max(extract(day FROM now() - created_at)), 0)::int FROM orders),
		(SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending'))`).Scan(&clients, &closed, &open, &oldest, &outbox)
	if err != nil {
		t.Fatal(err)
	}
	if clients != 4 || closed != 4 || open != 1 || oldest < 21 || outbox != 0 {
		t.Errorf("demo shop: %d clients, %d closed and %d open orders, the oldest %d days old, %d messages to send; want 4, 4, 1, >= 21, 0",
			clients, closed, open, oldest, outbox)
	}
}
