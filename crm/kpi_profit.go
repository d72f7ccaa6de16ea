package crm

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Profitability (docs/kpi.md, "Profitability").

// ItemProfit is one catalog item's sales in a period: the approved lines of the orders delivered
// in the period (line amounts, before the order's discount).
type ItemProfit struct {
	ItemID  int64  `json:"item_id" db:"item_id"`
	Kind    string `json:"kind" db:"kind"` // "labour" or "part"
	Name    string `json:"name" db:"name"`
	Qty     Qty    `json:"qty" db:"qty"`
	Revenue Money  `json:"revenue" db:"revenue"`
	// Parts: Cost is the quantity at the item's average receipt cost (receipts' unit_cost
	// weighted by quantity, all receipts); nil when no receipt has a cost.
	Cost *Money `json:"cost,omitempty" db:"cost"`
	// Services: NormHours is the quantity × the service's norm hours.
	NormHours Qty `json:"norm_hours" db:"norm_hours"`
}

// Margin is (Revenue - Cost) / Revenue in hundredths of a percent; ok is false without a cost
// or revenue.
func (p ItemProfit) Margin() (int, bool) {
	if p.Cost == nil || p.Revenue <= 0 {
		return 0, false
	}
	m := int64(p.Revenue - *p.Cost)
	return int((2*m*10000 + int64(p.Revenue)) / (2 * int64(p.Revenue))), true
}

// BelowFloor reports whether a part sold at a margin under floor (hundredths of a percent).
func (p ItemProfit) BelowFloor(floor int) bool {
	m, ok := p.Margin()
	return ok && m < floor
}

// PerNormHour is a service's revenue per norm hour (0 without norm hours).
func (p ItemProfit) PerNormHour() Money {
	if p.NormHours <= 0 {
		return 0
	}
	return Money((2*int64(p.Revenue)*1000 + int64(p.NormHours)) / (2 * int64(p.NormHours)))
}

const sqlProfitKPIs = `
WITH d AS (` + sqlDeliveredIn + `),
l AS (
	SELECT l.kind, l.item_id, sum(l.qty_milli) AS qty, sum(l.amount) AS revenue
	FROM d JOIN order_lines l ON l.order_id = d.id
	WHERE l.approval = 'approved' AND l.item_id IS NOT NULL
	GROUP BY l.kind, l.item_id
)
SELECT l.item_id, l.kind, ci.name, l.qty::bigint AS qty, l.revenue::bigint AS revenue,
	CASE WHEN l.kind = 'part' THEN (
		SELECT round(l.qty * sum(sm.on_hand_delta::numeric * sm.unit_cost) / (sum(sm.on_hand_delta) * 1000))::bigint
		FROM stock_movements sm WHERE sm.item_id = l.item_id AND sm.kind = 'receipt' AND sm.unit_cost IS NOT NULL
	) END AS cost,
	(l.qty * ci.norm_milli / 1000)::bigint AS norm_hours
FROM l JOIN catalog_items ci ON ci.id = l.item_id
ORDER BY l.revenue DESC, l.item_id`

func (s *Service) profitKPIs(ctx context.Context, q querier, p Period, branch int64) ([]ItemProfit, error) {
	rows, _ := q.Query(ctx, sqlProfitKPIs, p.Start, p.End, branch)
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[ItemProfit])
	if ps == nil {
		ps = []ItemProfit{}
	}
	return ps, err
}
