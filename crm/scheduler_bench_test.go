package crm

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// The scheduler's scans over a large shop: 200,000 clients and 1,000,000 orders over three
// years. Run with `make bench BENCH=SchedulerScans` (or go test -run '^$' -bench SchedulerScans
// ./crm); the seeded database is a cached template (pgtest.NewSeeded), so only the first run
// seeds. UNIFLOW_BENCH_EXPLAIN=1 logs each scan's EXPLAIN (ANALYZE, BUFFERS).

const (
	benchClients = 200_000
	benchOrders  = 1_000_000
)

// benchNow is the shop's "now" in the seeded data.
var benchNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// seedLargeShop fills a fresh schema with COPY: clients (70% in Telegram, 1 in 20 of those
// blocked the bot), a car each, and orders spread evenly over three years, five per client:
// 90% closed and paid, 5% delivered (half of them unpaid), the rest cancelled, except that
// 3% of the last 40 days' orders are bookings still awaiting the car.
func seedLargeShop(ctx context.Context, pool *pgxpool.Pool) error {
	var staffID, branch int64
	if err := pool.QueryRow(ctx, `
INSERT INTO staff (telegram_user_id, chat_id, name, role, branch_id) SELECT 1, 1, 'Owner', 'owner', id FROM branches WHERE is_default
RETURNING id, branch_id`).Scan(&staffID, &branch); err != nil {
		return fmt.Errorf("seed staff: %w", err)
	}
	copyRows := func(table string, cols []string, n int, row func(i int) []any) error {
		_, err := pool.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() func() ([]any, error) {
			i := 0
			return func() ([]any, error) {
				if i == n {
					return nil, nil
				}
				i++
				return row(i), nil
			}
		}()))
		if err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		return nil
	}
	err := copyRows("clients", []string{"phone", "name", "telegram_user_id", "chat_id", "language", "unreachable_since", "created_at"}, benchClients,
		func(i int) []any {
			var tg any
			if i%10 < 7 {
				tg = int64(10_000_000 + i)
			}
			var blocked any
			if tg != nil && i%20 == 0 {
				blocked = benchNow.AddDate(0, -1, 0)
			}
			return []any{fmt.Sprintf("+7902%07d", i), fmt.Sprintf("Client %d", i), tg, tg, "ru", blocked, benchNow.AddDate(-3, 0, 0)}
		})
	if err != nil {
		return err
	}
	// Identity columns count from 1 in a fresh database: client i has id i, and car i too.
	if err := copyRows("vehicles", []string{"client_id", "make", "model"}, benchClients,
		func(i int) []any { return []any{int64(i), "Lada", "Vesta"} }); err != nil {
		return err
	}
	span := benchNow.Sub(benchNow.AddDate(-3, 0, 0))
	created := func(k int) time.Time { return benchNow.Add(-span + time.Duration(k)*(span/benchOrders)) }
	status := func(k int) string {
		r := k % 100
		switch {
		case r < 90:
			return "closed"
		case r < 95:
			return "delivered"
		case r < 98 && benchNow.Sub(created(k)) < 40*24*time.Hour:
			if r%2 == 0 {
				return "new"
			}
			return "accepted"
		}
		return "cancelled"
	}
	err = copyRows("orders", []string{"branch_id", "client_id", "vehicle_id", "status", "slot", "created_at", "updated_at"}, benchOrders,
		func(k int) []any {
			c := int64((k-1)%benchClients + 1)
			var slot any
			if s := status(k); s == "new" || s == "accepted" {
				slot = created(k).Add(72 * time.Hour) // distinct: orders are created seconds apart
			}
			return []any{branch, c, c, status(k), slot, created(k), created(k)}
		})
	if err != nil {
		return err
	}
	billed := func(k int) bool { s := status(k); return s == "closed" || s == "delivered" }
	var invoices, payments []int
	for k := 1; k <= benchOrders; k++ {
		if billed(k) {
			invoices = append(invoices, k)
			if status(k) == "closed" || k%2 == 0 {
				payments = append(payments, k)
			}
		}
	}
	total := func(k int) Money { return Money(100_000 + k%50_000) }
	if err := copyRows("invoices", []string{"order_id", "issued_at", "labour", "parts", "discount", "total", "lines", "due_at"}, len(invoices),
		func(i int) []any {
			k := invoices[i-1]
			return []any{int64(k), created(k).Add(24 * time.Hour), total(k), Money(0), Money(0), total(k), "[]", created(k).Add(48 * time.Hour)}
		}); err != nil {
		return err
	}
	return copyRows("payments", []string{"order_id", "amount", "method", "recorded_by", "created_at"}, len(payments),
		func(i int) []any {
			k := payments[i-1]
			return []any{int64(k), total(k), "card", staffID, created(k).Add(49 * time.Hour)}
		})
}

func BenchmarkSchedulerScans(b *testing.B) {
	pool, _ := pgtest.NewSeeded(b, "shop200k_v2", seedLargeShop)
	svc := New(pool, Options{Now: func() time.Time { return benchNow }, Location: time.UTC})
	ctx := context.Background()
	// The windows the jobs use: invoices due in the ladder's reach (14 + 30 days), bookings up
	// to the end of tomorrow, no-shows of the last 30 days.
	from, to := benchNow.AddDate(0, 0, -44), benchNow
	var n int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM orders)`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	b.Logf("clients and orders: %d", n)

	if os.Getenv("UNIFLOW_BENCH_EXPLAIN") != "" {
		for name, q := range map[string]struct {
			sql  string
			args []any
		}{
			"overdue invoices":  {sqlOverdueInvoices, []any{from, to}},
			"upcoming bookings": {sqlUpcomingBookings, []any{benchNow.Add(2 * time.Hour), benchNow.AddDate(0, 0, 2)}},
			"no-shows":          {strings.Replace(sqlMarkNoShows, "UPDATE orders SET no_show_at = $2", "UPDATE orders SET no_show_at = $2::timestamptz", 1), []any{benchNow.AddDate(0, 0, -30), benchNow, benchNow.Add(-2 * time.Hour)}},
		} {
			b.Logf("EXPLAIN %s:\n%s", name, explain(b, pool, q.sql, q.args...))
		}
	}

	b.Run("overdue_invoices", func(b *testing.B) {
		for b.Loop() {
			invs, err := svc.OverdueInvoices(ctx, from, to)
			if err != nil {
				b.Fatal(err)
			}
			n = len(invs)
		}
		b.ReportMetric(float64(n), "rows")
	})
	b.Run("upcoming_bookings", func(b *testing.B) {
		for b.Loop() {
			bs, err := svc.UpcomingBookings(ctx, benchNow.Add(2*time.Hour), benchNow.AddDate(0, 0, 2))
			if err != nil {
				b.Fatal(err)
			}
			n = len(bs)
		}
		b.ReportMetric(float64(n), "rows")
	})
	b.Run("no_shows", func(b *testing.B) {
		for b.Loop() {
			// In a transaction rolled back: every iteration finds the same rows to mark.
			tx, err := pool.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			tag, err := tx.Exec(ctx, sqlMarkNoShows, benchNow.AddDate(0, 0, -30), benchNow, benchNow.Add(-2*time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			n = int(tag.RowsAffected())
			_ = tx.Rollback(ctx)
		}
		b.ReportMetric(float64(n), "rows")
	})
	// The payment job's whole run once its reminders are in: the scan plus one checked
	// enqueue per invoice, all of them found already enqueued.
	b.Run("payment_job_steady", func(b *testing.B) {
		invs, err := svc.OverdueInvoices(ctx, from, to)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		enqueueAll := func() int {
			added := 0
			for _, inv := range invs {
				k, err := svc.EnqueuePaymentReminder(ctx, PaymentReminder{Invoice: inv, Step: 1, NotBefore: benchNow})
				if err != nil {
					b.Fatal(err)
				}
				added += k
			}
			return added
		}
		added := enqueueAll()
		b.Logf("first run: %d invoices, %d reminders enqueued in %s", len(invs), added, time.Since(start).Round(time.Millisecond))
		for b.Loop() {
			invs, err = svc.OverdueInvoices(ctx, from, to)
			if err != nil {
				b.Fatal(err)
			}
			if added := enqueueAll(); added != 0 {
				b.Fatalf("steady run enqueued %d", added)
			}
		}
		b.ReportMetric(float64(len(invs)), "rows")
	})
}

func explain(tb testing.TB, pool *pgxpool.Pool, sql string, args ...any) string {
	tb.Helper()
	tx, err := pool.Begin(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback(context.Background()) // EXPLAIN ANALYZE of an UPDATE runs it
	rows, err := tx.Query(context.Background(), "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		tb.Fatalf("explain: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatalf("explain: %v", err)
	}
	return strings.Join(lines, "\n")
}
