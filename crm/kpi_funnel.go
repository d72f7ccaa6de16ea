package crm

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// The funnel per lead source and the repeat clients (docs/kpi.md, "Funnel", "Repeat clients").

// FunnelRow is one lead source's funnel in a period.
type FunnelRow struct {
	Source string `json:"source"` // orders booked from an offer ("offer_<id>") are "offer"
	// Contacts are the clients first seen (created) in the period with this lead source;
	// ContactsRequested of them made a request in the period. With a branch filter, only
	// contacts who made a request in the branch count (a contact has no branch).
	Contacts          int `json:"contacts"`
	ContactsRequested int `json:"contacts_requested"`
	// The requests (orders created in the period) with this lead source, and how many of them
	// got, by now, at least as far as: confirmed (accepted by the shop), arrived (the car came
	// in: diagnosing, estimate, declined, or straight to work), estimate approved (approved or
	// work started), paid (that and the invoice paid in full). Each step counts the orders that
	// reached it, so the steps never grow.
	Requests  int `json:"requests"`
	Confirmed int `json:"confirmed"`
	Arrived   int `json:"arrived"`
	Approved  int `json:"approved"`
	Paid      int `json:"paid"`
	// Revenue is the invoice total of the orders with this source delivered in the period
	// (RevenueKPIs.Revenue split by source), whenever they were requested.
	Revenue Money `json:"revenue"`
}

// sourceOf is the funnel's source of an order's lead source.
const sourceOf = `CASE WHEN o.lead_source LIKE 'offer\_%' THEN 'offer' ELSE o.lead_source END`

// sqlFunnelRequests: step of a request is the furthest its events got: 1 accepted, 2 the car
// came in (diagnosing, estimate, declined, closed after a decline), 3 approved or work
// (approved, in_progress, waiting_parts, ready, delivered).
const sqlFunnelRequests = `
WITH r AS (
	SELECT ` + sourceOf + ` AS source,
		(SELECT max(CASE WHEN e.to_status IN ('approved', 'in_progress', 'waiting_parts', 'ready', 'delivered') THEN 3
			WHEN e.to_status IN ('diagnosing', 'estimate', 'declined', 'closed') THEN 2
			WHEN e.to_status = 'accepted' THEN 1 ELSE 0 END)
			FROM order_events e WHERE e.order_id = o.id) AS step,
		` + sqlPaidInFull + ` AS paid
	FROM orders o WHERE o.created_at >= $1 AND o.created_at < $2 AND ` + branchFilter + `
)
SELECT source, count(*) AS requests, count(*) FILTER (WHERE step >= 1) AS confirmed,
	count(*) FILTER (WHERE step >= 2) AS arrived, count(*) FILTER (WHERE step >= 3) AS approved,
	count(*) FILTER (WHERE step >= 3 AND paid) AS paid
FROM r GROUP BY source`

const sqlFunnelContacts = `
WITH c AS (
	SELECT c.lead_source AS source, EXISTS (SELECT 1 FROM orders o WHERE o.client_id = c.id
		AND o.created_at >= $1 AND o.created_at < $2 AND ` + branchFilter + `) AS requested
	FROM clients c WHERE c.created_at >= $1 AND c.created_at < $2
)
SELECT source, count(*) AS contacts, count(*) FILTER (WHERE requested) AS contacts_requested
FROM c WHERE $3::bigint = 0 OR requested GROUP BY source`

const sqlFunnelRevenue = `
WITH d AS (` + sqlDeliveredIn + `)
SELECT CASE WHEN d.lead_source LIKE 'offer\_%' THEN 'offer' ELSE d.lead_source END AS source,
	sum(i.total) AS revenue
FROM d JOIN invoices i ON i.order_id = d.id GROUP BY 1`

func (s *Service) funnelKPIs(ctx context.Context, q querier, p Period, branch int64) ([]FunnelRow, error) {
	bySource := map[string]*FunnelRow{}
	row := func(src string) *FunnelRow {
		if bySource[src] == nil {
			bySource[src] = &FunnelRow{Source: src}
		}
		return bySource[src]
	}
	rows, err := q.Query(ctx, sqlFunnelRequests, p.Start, p.End, branch)
	if err != nil {
		return nil, err
	}
	var src string
	var req, conf, arr, appr, paid int
	if _, err := pgx.ForEachRow(rows, []any{&src, &req, &conf, &arr, &appr, &paid}, func() error {
		r := row(src)
		r.Requests, r.Confirmed, r.Arrived, r.Approved, r.Paid = req, conf, arr, appr, paid
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, sqlFunnelContacts, p.Start, p.End, branch)
	if err != nil {
		return nil, err
	}
	var contacts, requested int
	if _, err := pgx.ForEachRow(rows, []any{&src, &contacts, &requested}, func() error {
		r := row(src)
		r.Contacts, r.ContactsRequested = contacts, requested
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, sqlFunnelRevenue, p.Start, p.End, branch)
	if err != nil {
		return nil, err
	}
	var rev Money
	if _, err := pgx.ForEachRow(rows, []any{&src, &rev}, func() error { row(src).Revenue = rev; return nil }); err != nil {
		return nil, err
	}
	out := make([]FunnelRow, 0, len(bySource))
	for _, r := range bySource {
		out = append(out, *r)
	}
	// Biggest sources first.
	sort.Slice(out, func(i, j int) bool {
		if out[i].Requests != out[j].Requests {
			return out[i].Requests > out[j].Requests
		}
		if out[i].Revenue != out[j].Revenue {
			return out[i].Revenue > out[j].Revenue
		}
		return out[i].Source < out[j].Source
	})
	return out, nil
}

// RepeatKPIs are about the clients whose orders were delivered in a period.
type RepeatKPIs struct {
	Clients int `json:"clients"` // distinct clients with an order delivered in the period
	// RepeatClients of them had, for at least one of those orders, another order of theirs
	// delivered in the 365 days (8,760 hours) before it and paid in full by now.
	RepeatClients int `json:"repeat_clients"`
	// Revenue is the invoice total of the period's delivered orders; RepeatRevenue the part of
	// it from orders that had such a previous paid order.
	Revenue       Money `json:"revenue"`
	RepeatRevenue Money `json:"repeat_revenue"`
}

// Rate is RepeatClients / Clients in hundredths of a percent.
func (r RepeatKPIs) Rate() int { return Share(r.RepeatClients, r.Clients) }

// RevenueShare is RepeatRevenue / Revenue in hundredths of a percent.
func (r RepeatKPIs) RevenueShare() int {
	if r.Revenue <= 0 {
		return 0
	}
	return int((2*int64(r.RepeatRevenue)*10000 + int64(r.Revenue)) / (2 * int64(r.Revenue)))
}

const sqlRepeatKPIs = `
WITH d AS (` + sqlDeliveredIn + `),
r AS MATERIALIZED ( -- else each use of repeat below runs its subquery again
	SELECT d.client_id, i.total, EXISTS (
		SELECT 1 FROM orders o
		JOIN order_events e ON e.order_id = o.id AND e.to_status = 'delivered' AND e.from_status <> 'delivered'
		WHERE o.client_id = d.client_id AND o.id <> d.id
			AND e.created_at < d.delivered_at AND e.created_at >= d.delivered_at - interval '8760 hours'
			AND ` + sqlPaidInFull + `) AS repeat
	FROM d JOIN invoices i ON i.order_id = d.id
)
SELECT count(DISTINCT client_id), count(DISTINCT client_id) FILTER (WHERE repeat),
	coalesce(sum(total), 0), coalesce(sum(total) FILTER (WHERE repeat), 0)
FROM r`

func (s *Service) repeatKPIs(ctx context.Context, q querier, p Period, branch int64) (RepeatKPIs, error) {
	var k RepeatKPIs
	err := q.QueryRow(ctx, sqlRepeatKPIs, p.Start, p.End, branch).Scan(&k.Clients, &k.RepeatClients, &k.Revenue, &k.RepeatRevenue)
	return k, err
}

// Funnel is the funnel per lead source over the days shop days ending with the day of last, for
// branch (0: all): the daily digest's picture shows the same days as its chart of orders.
func (s *Service) Funnel(ctx context.Context, last time.Time, days int, branch int64) ([]FunnelRow, error) {
	if days < 1 || days > 366 {
		return nil, fmt.Errorf("funnel of %d days: %w", days, ErrInvalidInput)
	}
	end := midnight(last, s.opts.Location).AddDate(0, 0, 1)
	p := Period{Kind: PeriodCustom, Start: end.AddDate(0, 0, -days), End: end}
	var rows []FunnelRow
	err := s.reportTx(ctx, func(q querier) error {
		var err error
		rows, err = s.funnelKPIs(ctx, q, p, branch)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("funnel: %w", err)
	}
	return rows, nil
}
