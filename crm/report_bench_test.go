package crm

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/internal/benchseed"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// The owner's report over the seeded story shop (benchseed.ReportShop: 200,000 clients and
// 1,000,000 orders over three years, each with its status events). Run with
// `go test -run '^$' -bench Report -benchtime 40x ./crm`; each sub-benchmark reports the p95 of
// one whole /report (the period, the one before, and what is true now) as p95-ms. The seeded
// database is a cached template (pgtest.NewSeeded): only the first run seeds, and logs how long
// it took. UNIFLOW_BENCH_EXPLAIN=1 logs each query's EXPLAIN (ANALYZE, BUFFERS) for the month.
// Figures and plans: docs/report-bench.md.

func BenchmarkReport(b *testing.B) {
	pool, _ := pgtest.NewSeeded(b, benchseed.ReportName, benchseed.ReportShop)
	// The day before the seeded "now": its month (November) and week are whole, in Moscow time.
	msk := time.FixedZone("MSK", 3*3600)
	now := benchseed.Now.AddDate(0, 0, -1)
	svc := New(pool, Options{Now: func() time.Time { return now }, Location: msk})
	ctx := context.Background()
	month, _, err := ReportPeriods(PeriodMonth, now, time.Time{}, time.Time{}, msk)
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("UNIFLOW_BENCH_EXPLAIN") != "" {
		args := []any{month.Start, month.End, int64(0)}
		for _, q := range []struct {
			name, sql string
			args      []any
		}{
			{"orders", sqlOrderKPIs, args},
			{"revenue", sqlRevenueKPIs, args},
			{"discipline", sqlDisciplineRows, args},
			{"mechanics", sqlMechanicKPIs, args},
			{"funnel requests", sqlFunnelRequests, args},
			{"funnel contacts", sqlFunnelContacts, args},
			{"funnel revenue", sqlFunnelRevenue, args},
			{"repeat", sqlRepeatKPIs, args},
			{"offers", sqlOfferKPIs, args[:2]},
			{"profit", sqlProfitKPIs, args},
			{"open by status", sqlOpenByStatus, []any{int64(0)}},
			{"owed", sqlOwedInBranch, []any{int64(0)}},
		} {
			// As reportTx runs them.
			b.Logf("EXPLAIN %s:\n%s", q.name, explain(b, pool, "/* SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1 */"+q.sql, q.args...))
		}
	}
	for _, c := range []struct {
		name  string
		req   ReportRequest
		chart bool
	}{
		{"today", ReportRequest{Kind: PeriodToday, Scope: ScopeFull}, false},
		{"yesterday", ReportRequest{Kind: PeriodYesterday, Scope: ScopeFull}, false},
		{"week", ReportRequest{Kind: PeriodWeek, Scope: ScopeFull}, false},
		{"month", ReportRequest{Kind: PeriodMonth, Scope: ScopeFull}, false},
		{"month_manager", ReportRequest{Kind: PeriodMonth, Scope: ScopeOperational}, false},
		{"custom_90_days", ReportRequest{Kind: PeriodCustom, From: now.AddDate(0, 0, -89), To: now, Scope: ScopeFull}, false},
		{"chart_30_days", ReportRequest{}, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				var err error
				if c.chart {
					_, err = svc.DailySeries(ctx, now, 30, 0)
				} else {
					_, err = svc.Report(ctx, c.req)
				}
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(float64(took[(len(took)*95+99)/100-1].Microseconds())/1000, "p95-ms")
		})
	}
}
