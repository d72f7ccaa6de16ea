package crm

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// Orders, money, payment discipline and what is owed now (docs/kpi.md, "Orders", "Money",
// "Payment discipline", "Now").

// branchFilter is the condition every report query puts on an order o: $3 is the branch, 0 for
// all of them.
const branchFilter = `($3::bigint = 0 OR o.branch_id = $3)`

// sqlDeliveredIn is the set the money KPIs are about: the orders delivered in [$1, $2) (an
// event into delivered), in the branch, with when they were delivered. Revenue is recognised on
// delivery, as in the daily digest.
const sqlDeliveredIn = `
SELECT o.id, o.client_id, o.lead_source, min(e.created_at) AS delivered_at
FROM order_events e JOIN orders o ON o.id = e.order_id
WHERE e.to_status = 'delivered' AND e.from_status <> 'delivered'
	AND e.created_at >= $1 AND e.created_at < $2 AND ` + branchFilter + `
GROUP BY o.id`

// sqlPaidInFull is true for an order o whose invoice is paid in full now (payments, refunds
// subtracted, reach the invoice total).
const sqlPaidInFull = `EXISTS (SELECT 1 FROM invoices pi WHERE pi.order_id = o.id
	AND pi.total <= (SELECT coalesce(sum(pp.amount), 0) FROM payments pp WHERE pp.order_id = o.id))`

// OrderKPIs count orders in a period.
type OrderKPIs struct {
	Opened    int `json:"opened"`    // orders created in the period
	Closed    int `json:"closed"`    // orders moved to closed in the period
	Cancelled int `json:"cancelled"` // orders moved to cancelled in the period
	// CancelReasons splits Cancelled by CancelReason*.
	CancelReasons map[string]int `json:"cancel_reasons"`
}

// Why an order was cancelled, derived from what the shop records (first that applies).
const (
	CancelNoShow   = "no_show"  // the booked slot passed without the car (orders.no_show_at)
	CancelClient   = "client"   // the client cancelled (the cancel event's actor is the client)
	CancelDeclined = "declined" // cancelled after an estimate (from estimate or declined)
	CancelStaff    = "staff"    // cancelled by staff for another reason
)

// sqlOrderKPIs: opened = orders created in the period; closed and cancelled = orders whose
// status moved to closed / cancelled in the period; a cancellation's reason is CancelNoShow if
// the slot was marked a no-show, else CancelClient if the client cancelled, else CancelDeclined
// if it was cancelled from estimate or declined, else CancelStaff.
const sqlOrderKPIs = `
SELECT 'opened' AS what, count(*) AS n FROM orders o
WHERE o.created_at >= $1 AND o.created_at < $2 AND ` + branchFilter + `
UNION ALL
SELECT 'closed', count(DISTINCT e.order_id) FROM order_events e JOIN orders o ON o.id = e.order_id
WHERE e.to_status = 'closed' AND e.from_status <> 'closed' AND e.created_at >= $1 AND e.created_at < $2 AND ` + branchFilter + `
UNION ALL
SELECT 'cancelled:' || CASE WHEN o.no_show_at IS NOT NULL THEN 'no_show' WHEN e.actor_kind = 'client' THEN 'client'
		WHEN e.from_status IN ('estimate', 'declined') THEN 'declined' ELSE 'staff' END, count(DISTINCT e.order_id)
FROM order_events e JOIN orders o ON o.id = e.order_id
WHERE e.to_status = 'cancelled' AND e.from_status <> 'cancelled' AND e.created_at >= $1 AND e.created_at < $2 AND ` + branchFilter + `
GROUP BY 1`

func (s *Service) orderKPIs(ctx context.Context, q querier, p Period, set orderSet) (OrderKPIs, error) {
	k := OrderKPIs{CancelReasons: map[string]int{}}
	rows, _ := q.Query(ctx, set.sql(sqlOrderKPIs), set.args(p)...)
	type row struct {
		What string `db:"what"`
		N    int    `db:"n"`
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[row])
	if err != nil {
		return k, err
	}
	for _, r := range rs {
		switch r.What {
		case "opened":
			k.Opened = r.N
		case "closed":
			k.Closed = r.N
		default:
			k.CancelReasons[r.What[len("cancelled:"):]] = r.N
			k.Cancelled += r.N
		}
	}
	return k, nil
}

// RevenueKPIs are the money of a period.
type RevenueKPIs struct {
	Delivered int   `json:"delivered"` // orders delivered in the period that have an invoice
	Labour    Money `json:"labour"`    // their invoices' labour
	Parts     Money `json:"parts"`     // their invoices' parts
	Discount  Money `json:"discount"`  // their invoices' discounts
	Revenue   Money `json:"revenue"`   // their invoices' totals: labour + parts - discount
	// AverageCheck is Revenue / Delivered, rounded half up to a kopeck; 0 with nothing delivered.
	AverageCheck Money `json:"average_check"`
	// Payments is the payments recorded in the period, refunds subtracted, whatever the
	// order's delivery date.
	Payments Money `json:"payments"`
}

// sqlRevenueKPIs: the invoices (as corrected) of the orders delivered in the period, and the
// payments recorded in it.
const sqlRevenueKPIs = `
WITH d AS (` + sqlDeliveredIn + `)
SELECT count(i.order_id), coalesce(sum(i.labour), 0), coalesce(sum(i.parts), 0),
	coalesce(sum(i.discount), 0), coalesce(sum(i.total), 0),
	(SELECT coalesce(sum(p.amount), 0) FROM payments p JOIN orders o ON o.id = p.order_id
		WHERE p.created_at >= $1 AND p.created_at < $2 AND ` + branchFilter + `)
FROM d JOIN invoices i ON i.order_id = d.id`

func (s *Service) revenueKPIs(ctx context.Context, q querier, p Period, set orderSet) (RevenueKPIs, error) {
	var k RevenueKPIs
	err := q.QueryRow(ctx, set.sql(sqlRevenueKPIs), set.args(p)...).Scan(
		&k.Delivered, &k.Labour, &k.Parts, &k.Discount, &k.Revenue, &k.Payments)
	if k.Delivered > 0 {
		k.AverageCheck = Money((2*int64(k.Revenue) + int64(k.Delivered)) / (2 * int64(k.Delivered)))
	}
	return k, err
}

// DisciplineKPIs are how clients paid the invoices that fell due in a period.
type DisciplineKPIs struct {
	Due int `json:"due"` // invoices whose due date (due_at) is in the period
	// OnTime of them were paid in full by the end of the shop day they were due.
	OnTime int `json:"on_time"`
	// Paid of them are paid in full now; PayDaysTotal is the sum over those of the days from the
	// invoice (issued_at) to the payment that completed it: AvgPayDays is its average.
	Paid         int     `json:"paid"`
	PayDaysTotal float64 `json:"pay_days_total"`
}

// OnTimeShare is OnTime / Due in hundredths of a percent (0 with nothing due).
func (d DisciplineKPIs) OnTimeShare() int { return Share(d.OnTime, d.Due) }

// AvgPayDays is the average days from invoice to full payment, over the invoices paid.
func (d DisciplineKPIs) AvgPayDays() float64 {
	if d.Paid == 0 {
		return 0
	}
	return d.PayDaysTotal / float64(d.Paid)
}

// Share is n/of in hundredths of a percent, rounded half up; 0 when of is 0.
func Share(n, of int) int {
	if of == 0 {
		return 0
	}
	return (2*n*10000 + of) / (2 * of)
}

// sqlDisciplineRows: each invoice due in the period and when it was paid in full, i.e. the
// first payment at which the running sum of its payments (by time) reached the total; an
// invoice of 0 counts as paid when issued.
const sqlDisciplineRows = `
SELECT i.issued_at, i.due_at,
	CASE WHEN i.total = 0 THEN i.issued_at ELSE (
		SELECT min(x.created_at) FROM (
			SELECT pp.created_at, sum(pp.amount) OVER (ORDER BY pp.created_at, pp.id) AS run
			FROM payments pp WHERE pp.order_id = i.order_id) x
		WHERE x.run >= i.total) END AS paid_at
FROM invoices i JOIN orders o ON o.id = i.order_id
WHERE i.due_at >= $1 AND i.due_at < $2 AND ` + branchFilter

func (s *Service) disciplineKPIs(ctx context.Context, q querier, p Period, set orderSet) (DisciplineKPIs, error) {
	var k DisciplineKPIs
	rows, err := q.Query(ctx, set.sql(sqlDisciplineRows), set.args(p)...)
	if err != nil {
		return k, err
	}
	var issued, due time.Time
	var paid *time.Time
	_, err = pgx.ForEachRow(rows, []any{&issued, &due, &paid}, func() error {
		k.Due++
		if paid == nil {
			return nil
		}
		k.Paid++
		k.PayDaysTotal += paid.Sub(issued).Hours() / 24
		if paid.Before(midnight(due, s.opts.Location).AddDate(0, 0, 1)) {
			k.OnTime++
		}
		return nil
	})
	return k, err
}

// SnapshotKPIs are true now, not of a period: they have nothing to compare with.
type SnapshotKPIs struct {
	At time.Time `json:"at"`
	// ByStatus counts the open orders (neither closed nor cancelled) by status.
	ByStatus map[Status]int `json:"by_status"`
	// Outstanding is what is owed now on delivered orders (as the digest: sqlOwedInvoices).
	Outstanding Money `json:"outstanding"`
	// Overdue splits what of it is past due by days overdue (shop days from the due date to
	// today): 0-7, 8-30, 31-60, more than 60.
	Overdue      [4]Money `json:"overdue"`
	OverdueCount [4]int   `json:"overdue_count"`
}

// AgingBuckets are the upper bounds (days) of the overdue buckets but the last.
var AgingBuckets = [3]int{7, 30, 60}

const sqlOpenByStatus = `
SELECT o.status, count(*) FROM orders o
WHERE o.status NOT IN ('closed', 'cancelled') AND ($1::bigint = 0 OR o.branch_id = $1)
GROUP BY o.status`

const sqlOwedInBranch = `
SELECT owed.due_at, owed.amount FROM (` + sqlOwedInvoices + `) owed
JOIN orders b ON b.id = owed.id WHERE $1::bigint = 0 OR b.branch_id = $1`

func (s *Service) snapshotKPIs(ctx context.Context, q querier, now time.Time, branch int64) (SnapshotKPIs, error) {
	k := SnapshotKPIs{At: now, ByStatus: map[Status]int{}}
	rows, err := q.Query(ctx, sqlOpenByStatus, branch)
	if err != nil {
		return k, fmt.Errorf("report: open orders by status: %w", err)
	}
	var st Status
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error { k.ByStatus[st] = n; return nil }); err != nil {
		return k, fmt.Errorf("report: open orders by status: %w", err)
	}
	rows, err = q.Query(ctx, sqlOwedInBranch, branch)
	if err != nil {
		return k, fmt.Errorf("report: owed: %w", err)
	}
	today := midnight(now, s.opts.Location)
	var due time.Time
	var amount Money
	_, err = pgx.ForEachRow(rows, []any{&due, &amount}, func() error {
		k.Outstanding += amount
		if !due.Before(now) {
			return nil
		}
		b := agingBucket(daysBetween(midnight(due, s.opts.Location), today))
		k.Overdue[b] += amount
		k.OverdueCount[b]++
		return nil
	})
	if err != nil {
		return k, fmt.Errorf("report: owed: %w", err)
	}
	return k, nil
}

// agingBucket is the overdue bucket of days overdue.
func agingBucket(days int) int {
	for i, max := range AgingBuckets {
		if days <= max {
			return i
		}
	}
	return len(AgingBuckets)
}

// daysBetween counts the shop days from midnight a to midnight b (both local midnights): a
// multiple of 24 hours give or take a DST hour, so rounding is exact.
func daysBetween(a, b time.Time) int {
	return int(math.Round(b.Sub(a).Hours() / 24))
}
