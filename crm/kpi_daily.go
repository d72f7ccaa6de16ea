package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The report's chart: orders and revenue by day (docs/kpi.md, "Chart").

// DayPoint is one shop day of the chart: the orders opened that day and the revenue of the
// orders delivered that day (the same definitions as the report's Opened and Revenue).
type DayPoint struct {
	Day     time.Time `json:"day"` // its local midnight
	Opened  int       `json:"opened"`
	Revenue Money     `json:"revenue"`
}

// sqlDailyOpened and sqlDailyRevenue count per day over [$1, $2): $4 holds the days' local
// midnights and the midnight ending the last, so width_bucket gives the day's place (1 for the
// first).
const sqlDailyOpened = `
SELECT width_bucket(o.created_at, $4::timestamptz[]) AS day, count(*)::bigint
FROM orders o WHERE o.created_at >= $1 AND o.created_at < $2 AND ` + branchFilter + `
GROUP BY 1`

const sqlDailyRevenue = `
WITH d AS (` + sqlDeliveredIn + `)
SELECT width_bucket(d.delivered_at, $4::timestamptz[]) AS day, sum(i.total)::bigint
FROM d JOIN invoices i ON i.order_id = d.id GROUP BY 1`

// DailySeries returns the days shop days ending with the day of last, oldest first, for branch
// (0: all).
func (s *Service) DailySeries(ctx context.Context, last time.Time, days int, branch int64) ([]DayPoint, error) {
	if days < 1 || days > 366 {
		return nil, fmt.Errorf("daily series of %d days: %w", days, ErrInvalidInput)
	}
	today := midnight(last, s.opts.Location)
	bounds := make([]time.Time, days+1)
	out := make([]DayPoint, days)
	for i := range bounds {
		bounds[i] = today.AddDate(0, 0, i-days+1)
		if i < days {
			out[i].Day = bounds[i]
		}
	}
	start, end := bounds[0], bounds[days]
	err := s.reportTx(ctx, func(db querier) error {
		for _, q := range []struct {
			sql string
			set func(p *DayPoint, v int64)
		}{
			{sqlDailyOpened, func(p *DayPoint, v int64) { p.Opened = int(v) }},
			{sqlDailyRevenue, func(p *DayPoint, v int64) { p.Revenue = Money(v) }},
		} {
			rows, err := db.Query(ctx, q.sql, start, end, branch, bounds)
			if err != nil {
				return err
			}
			var day int
			var v int64
			if _, err := pgx.ForEachRow(rows, []any{&day, &v}, func() error {
				if day >= 1 && day <= days {
					q.set(&out[day-1], v)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("daily series: %w", err)
	}
	return out, nil
}
