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

	noShowArgs := []any{benchseed.Now.AddDate(0, 0, -30), benchseed.Now, benchseed.Now.Add(-2 * time.Hour),
		[]int64{-100500}, []string{"ru"}, benchseed.Now, int64(1)}
	if os.Getenv("UNIFLOW_BENCH_EXPLAIN") != "" {
		for name, q := range map[string]struct {
			sql  string
			args []any
		}{
			"overdue invoices":  {sqlOverdueInvoices, []any{from, to}},
			"upcoming bookings": {sqlUpcomingBookings, []any{benchseed.Now.Add(2 * time.Hour), benchseed.Now.AddDate(0, 0, 2)}},
			// As DailySummary runs them, in reportTx.
			"digest owed":    {"/* SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1 */" + sqlOwed, nil},
			"digest numbers": {"/* SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1 */" + sqlDigestNumbers, []any{benchseed.Now.Add(-12 * time.Hour), benchseed.Now.Add(12 * time.Hour)}},
			// As repeatCandidates runs it, with work_mem raised.
			"repeat candidates": {"/* SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1 */" + sqlRepeatCandidates, []any{benchseed.Now.AddDate(0, 0, -DefaultOfferGapDays), benchseed.Now}},
			// As MarkNoShows runs it: the marks, the staff group's notices and the clients' offers.
			"no-shows": {strings.Replace(sqlMarkNoShowsAndTell, "UPDATE orders SET no_show_at = $2", "UPDATE orders SET no_show_at = $2::timestamptz", 1), noShowArgs},
		} {
			b.Logf("EXPLAIN %s:\n%s", name, explain(b, pool, q.sql, q.args...))
		}
	}

	b.Run("overdue_invoices", func(b *testing.B) {
		benchRows(b, func() (int, error) {
			invs, err := svc.OverdueInvoices(ctx, from, to)
			return len(invs), err
		})
	})
	b.Run("upcoming_bookings", func(b *testing.B) {
		benchRows(b, func() (int, error) {
			bs, err := svc.UpcomingBookings(ctx, benchseed.Now.Add(2*time.Hour), benchseed.Now.AddDate(0, 0, 2))
			return len(bs), err
		})
	})
	b.Run("digest", func(b *testing.B) {
		benchRows(b, func() (int, error) {
			sum, err := svc.DailySummary(ctx, benchseed.Now)
			return len(sum.Exceptions), err
		})
	})
	b.Run("offer_candidates", func(b *testing.B) {
		// What EnqueueOffers reads before deciding what is due: deferred work and every
		// eligible client's last visit per car and service.
		gapStart := benchseed.Now.AddDate(0, 0, -DefaultOfferGapDays)
		benchRows(b, func() (int, error) {
			rows, _ := pool.Query(ctx, sqlDeferredCandidates, gapStart, benchseed.Now)
			d, err := pgx.CollectRows(rows, pgx.RowToStructByName[deferredCandidate])
			if err != nil {
				return 0, err
			}
			r, err := svc.repeatCandidates(ctx, gapStart, benchseed.Now)
			return len(d) + len(r), err
		})
	})
	b.Run("no_shows", func(b *testing.B) {
		benchRows(b, func() (int, error) {
			// In a transaction rolled back: every iteration finds the same rows to mark. The rows
			// are the orders marked plus the messages enqueued (a staff group's and the clients').
			tx, err := pool.Begin(ctx)
			if err != nil {
				return 0, err
			}
			defer tx.Rollback(ctx)
			var marked, told int
			err = tx.QueryRow(ctx, sqlMarkNoShowsAndTell, noShowArgs...).Scan(&marked, &told)
			return marked + told, err
		})
	})
}

// benchRows runs scan for the benchmark and reports the rows its last run found, next to the
// time: a fast plan that finds no rows would otherwise look like a win.
func benchRows(b *testing.B, scan func() (int, error)) {
	b.Helper()
	var n int
	first := true
	for b.Loop() {
		var err error
		start := time.Now()
		if n, err = scan(); err != nil {
			b.Fatal(err)
		}
		if first { // the first run after the clone reads from disk: the cold figure
			b.Logf("first run: %d rows in %s", n, time.Since(start).Round(time.Millisecond))
			first = false
		}
	}
	b.ReportMetric(float64(n), "rows")
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
