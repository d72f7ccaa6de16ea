package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// uniflow seed makes a shop the report has something to say about, consistent with itself, and
// refuses a database that holds one already.
func TestSeedMakesAStoryShop(t *testing.T) {
	t.Parallel()
	pool, dsn := pgtest.New(t)
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "--clients", "400", "--orders", "4000"}, env(map[string]string{"DATABASE_URL": dsn}), &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "seeded 400 clients and 4000 orders in ") {
		t.Errorf("printed %q", out.String())
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM clients`: 400,
		`SELECT count(*) FROM orders`:  4000,
		`SELECT count(*) FROM offers`:  100,
		// Every order's history ends in its status, and starts with its creation.
		`SELECT count(*) FROM orders o WHERE o.status <> (SELECT to_status FROM order_events e WHERE e.order_id = o.id ORDER BY created_at DESC, id DESC LIMIT 1)`: 0,
		`SELECT count(*) FROM orders o WHERE o.created_at <> (SELECT min(created_at) FROM order_events e WHERE e.order_id = o.id)`:                                 0,
		// Closed orders are paid in full before they close, as the CRM demands.
		`SELECT count(*) FROM orders o JOIN invoices i ON i.order_id = o.id WHERE o.status = 'closed'
			AND i.total > (SELECT coalesce(sum(amount), 0) FROM payments p WHERE p.order_id = o.id
				AND p.created_at < (SELECT created_at FROM order_events e WHERE e.order_id = o.id AND e.to_status = 'closed'))`: 0,
		`SELECT count(*) FROM invoices WHERE total <> labour + parts - discount`: 0,
	} {
		if got := count(q); got != want {
			t.Errorf("%s = %d, want %d", strings.Join(strings.Fields(q), " "), got, want)
		}
	}
	// The report finds every part of the story in the last full month.
	svc := crm.New(pool, crm.Options{Location: time.UTC})
	rep, err := svc.Report(ctx, crm.ReportRequest{Kind: crm.PeriodCustom, From: time.Now().AddDate(0, -3, 0), To: time.Now().AddDate(0, 0, -5), Scope: crm.ScopeFull})
	if err != nil {
		t.Fatal(err)
	}
	k := rep.Current
	if k.Revenue.Revenue == 0 || k.Revenue.Parts == 0 || k.Revenue.Discount == 0 || len(k.Funnel) < 5 || k.Repeat.RepeatClients == 0 ||
		k.Discipline.OnTime == k.Discipline.Due || k.Discipline.OnTime == 0 || len(k.Mechanics) != 4 || k.Offers.Converted == 0 ||
		k.Offers.Opened <= k.Offers.Converted || len(k.Profit) < 2 || k.Orders.CancelReasons[crm.CancelClient] == 0 ||
		k.Funnel[0].Contacts == 0 || k.Mechanics[0].Comebacks == 0 {
		t.Errorf("the story lacks something the report shows: %+v", k)
	}
	err = run(ctx, []string{"seed", "--clients", "10", "--orders", "10"}, env(map[string]string{"DATABASE_URL": dsn}), &out)
	if err == nil || !strings.Contains(err.Error(), "already holds a shop") {
		t.Errorf("a second seed: %v", err)
	}
}

// The binary may use benchseed, never a test helper: nothing it links pulls in package testing.
func TestBinaryDoesNotLinkTesting(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "testing" || strings.HasSuffix(dep, "/internal/pgtest") || strings.HasSuffix(dep, "/internal/redistest") {
			t.Errorf("the uniflow binary links %s", dep)
		}
	}
}
