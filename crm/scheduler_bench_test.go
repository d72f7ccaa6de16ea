package crm

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/internal/benchseed"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// The scheduler's scans over a large shop: 200,000 clients and 1,000,000 orders over three
// years. Run with `make bench BENCH=SchedulerScans` (or go test -run '^$' -bench SchedulerScans
// ./crm); the seeded database is a cached template (pgtest.NewSeeded), so only the first run
// seeds. UNIFLOW_BENCH_EXPLAIN=1 logs each scan's EXPLAIN (ANALYZE, BUFFERS).

func BenchmarkSchedulerScans(b *testing.B) {
	pool, _ := pgtest.NewSeeded(b, benchseed.Name, benchseed.LargeShop)
	svc := New(pool, Options{Now: func() time.Time { return benchseed.Now }, Location: time.UTC})
	ctx := context.Background()
	// The windows the jobs use: invoices due in the ladder's reach (14 + 30 days), bookings up
	// to the end of tomorrow, no-shows of the last 30 days.
	from, to := benchseed.Now.AddDate(0, 0, -44), benchseed.Now
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
			"upcoming bookings": {sqlUpcomingBookings, []any{benchseed.Now.Add(2 * time.Hour), benchseed.Now.AddDate(0, 0, 2)}},
			"digest owed":       {sqlOwed, nil},
			"digest numbers":    {sqlDigestNumbers, []any{benchseed.Now.Add(-12 * time.Hour), benchseed.Now.Add(12 * time.Hour)}},
			// As repeatCandidates runs it, with work_mem raised.
			"repeat candidates": {"/* SET LOCAL work_mem = '64MB' */" + sqlRepeatCandidates, []any{benchseed.Now.AddDate(0, 0, -DefaultOfferGapDays)}},
			"no-shows":          {strings.Replace(sqlMarkNoShows, "UPDATE orders SET no_show_at = $2", "UPDATE orders SET no_show_at = $2::timestamptz", 1), []any{benchseed.Now.AddDate(0, 0, -30), benchseed.Now, benchseed.Now.Add(-2 * time.Hour)}},
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
			bs, err := svc.UpcomingBookings(ctx, benchseed.Now.Add(2*time.Hour), benchseed.Now.AddDate(0, 0, 2))
			if err != nil {
				b.Fatal(err)
			}
			n = len(bs)
		}
		b.ReportMetric(float64(n), "rows")
	})
	b.Run("digest", func(b *testing.B) {
		for b.Loop() {
			sum, err := svc.DailySummary(ctx, benchseed.Now)
			if err != nil {
				b.Fatal(err)
			}
			n = len(sum.Exceptions)
		}
		b.ReportMetric(float64(n), "rows")
	})
	b.Run("offer_candidates", func(b *testing.B) {
		// What EnqueueOffers reads before deciding what is due: deferred work and every
		// eligible client's last visit per car and service.
		gapStart := benchseed.Now.AddDate(0, 0, -DefaultOfferGapDays)
		for b.Loop() {
			rows, _ := pool.Query(ctx, sqlDeferredCandidates, gapStart, benchseed.Now)
			d, err := pgx.CollectRows(rows, pgx.RowToStructByName[deferredCandidate])
			if err != nil {
				b.Fatal(err)
			}
			r, err := svc.repeatCandidates(ctx, gapStart)
			if err != nil {
				b.Fatal(err)
			}
			n = len(d) + len(r)
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
			tag, err := tx.Exec(ctx, sqlMarkNoShows, benchseed.Now.AddDate(0, 0, -30), benchseed.Now, benchseed.Now.Add(-2*time.Hour))
			if err != nil {
				b.Fatal(err)
			}
			n = int(tag.RowsAffected())
			_ = tx.Rollback(ctx)
		}
		b.ReportMetric(float64(n), "rows")
	})
}

func explain(tb testing.TB, pool *pgxpool.Pool, sql string, args ...any) string {
	tb.Helper()
	tx, err := pool.Begin(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback(context.Background()) // EXPLAIN ANALYZE of an UPDATE runs it
	if set, ok := strings.CutPrefix(sql, "/* SET LOCAL "); ok {
		set, sql, _ = strings.Cut(set, " */")
		if _, err := tx.Exec(context.Background(), "SET LOCAL "+set); err != nil {
			tb.Fatalf("explain: %v", err)
		}
	}
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
