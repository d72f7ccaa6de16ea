package crm

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Mechanics' work (docs/kpi.md, "Mechanics").

// MechanicKPIs are one mechanic's work in a period: the orders that became ready in the period
// while assigned to them (orders.mechanic_id now).
type MechanicKPIs struct {
	StaffID int64  `json:"staff_id" db:"staff_id"`
	Name    string `json:"name" db:"name"`
	Done    int    `json:"done" db:"done"` // orders moved to ready in the period
	// Billed is the norm hours of those orders' approved labour lines from the catalog
	// (quantity × the service's norm hours); Clocked the time those orders spent in
	// in_progress, from each move into it to the order's next event.
	Billed  Qty `json:"billed" db:"billed"`
	Clocked Qty `json:"clocked" db:"clocked"`
	// LabourRevenue is those lines' amounts (and free-text labour's).
	LabourRevenue Money `json:"labour_revenue" db:"labour_revenue"`
	// Comebacks of those orders saw the same car back: another order of the car, not cancelled,
	// created within 30 days (720 hours) after the order became ready.
	Comebacks int `json:"comebacks" db:"comebacks"`
}

// PerNormHour is the labour revenue per norm hour billed (0 without norm hours).
func (m MechanicKPIs) PerNormHour() Money {
	if m.Billed <= 0 {
		return 0
	}
	return Money((2*int64(m.LabourRevenue)*1000 + int64(m.Billed)) / (2 * int64(m.Billed)))
}

const sqlMechanicKPIs = `
WITH r AS (
	SELECT o.id, o.mechanic_id, o.client_id, o.vehicle_id, min(e.created_at) AS ready_at
	FROM order_events e JOIN orders o ON o.id = e.order_id
	WHERE e.to_status = 'ready' AND e.from_status <> 'ready' AND e.created_at >= $1 AND e.created_at < $2
		AND o.mechanic_id IS NOT NULL AND ` + branchFilter + `
	GROUP BY o.id
)
SELECT r.mechanic_id AS staff_id, st.name, count(*) AS done,
	coalesce(sum(b.billed), 0)::bigint AS billed, coalesce(sum(c.clocked), 0)::bigint AS clocked,
	coalesce(sum(b.labour), 0)::bigint AS labour_revenue, count(*) FILTER (WHERE cb.back) AS comebacks
FROM r JOIN staff st ON st.id = r.mechanic_id
CROSS JOIN LATERAL (
	SELECT sum(l.qty_milli * coalesce(ci.norm_milli, 0) / 1000) AS billed, sum(l.amount) AS labour
	FROM order_lines l LEFT JOIN catalog_items ci ON ci.id = l.item_id
	WHERE l.order_id = r.id AND l.kind = 'labour' AND l.approval = 'approved') b
CROSS JOIN LATERAL (
	SELECT round(extract(epoch FROM sum(x.next_at - x.created_at)) * 1000 / 3600) AS clocked FROM (
		SELECT ev.to_status, ev.created_at, lead(ev.created_at) OVER (ORDER BY ev.id) AS next_at
		FROM order_events ev WHERE ev.order_id = r.id) x
	WHERE x.to_status = 'in_progress' AND x.next_at IS NOT NULL) c
CROSS JOIN LATERAL (
	SELECT EXISTS (SELECT 1 FROM orders o2 WHERE o2.client_id = r.client_id AND o2.vehicle_id = r.vehicle_id
		AND o2.id <> r.id AND o2.status <> 'cancelled'
		AND o2.created_at > r.ready_at AND o2.created_at <= r.ready_at + interval '720 hours') AS back) cb
GROUP BY r.mechanic_id, st.name
ORDER BY done DESC, r.mechanic_id`

func (s *Service) mechanicKPIs(ctx context.Context, q querier, p Period, branch int64) ([]MechanicKPIs, error) {
	rows, _ := q.Query(ctx, sqlMechanicKPIs, p.Start, p.End, branch)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[MechanicKPIs])
	if ms == nil {
		ms = []MechanicKPIs{}
	}
	return ms, err
}
