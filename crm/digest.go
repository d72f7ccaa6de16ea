package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The owner's digest: what needs attention (exceptions), then the day's numbers. It is part of
// DailySummary, computed when the summary is enqueued.

// Exception kinds of the digest.
const (
	ExceptionStuck    = "stuck"     // an order in one status longer than StatusNorms allows
	ExceptionEstimate = "estimate"  // an estimate waiting for the client over EstimateWait
	ExceptionOverdue  = "overdue"   // an invoice past its due date, not fully paid
	ExceptionLowStock = "low_stock" // a part below its minimum stock
	// ExceptionUnanswered: a client's message unanswered longer than Options.UnansweredAfter.
	ExceptionUnanswered = "unanswered"
)

// StatusNorms is how long an order may stay in a status before the digest calls it stuck.
// Statuses not listed (closed, cancelled) never are; an estimate has its own rule (EstimateWait).
var StatusNorms = map[Status]time.Duration{
	StatusNew:          2 * time.Hour,  // a request nobody took
	StatusAccepted:     24 * time.Hour, // taken, car not looked at
	StatusDiagnosing:   24 * time.Hour,
	StatusApproved:     24 * time.Hour, // approved, work not started
	StatusDeclined:     48 * time.Hour, // declined, car not handed back
	StatusInProgress:   72 * time.Hour,
	StatusWaitingParts: 7 * 24 * time.Hour,
	StatusReady:        48 * time.Hour, // ready, client has not come
	StatusDelivered:    14 * 24 * time.Hour,
}

// EstimateWait is how long an estimate may wait for the client's decision.
const EstimateWait = 24 * time.Hour

// maxExceptions bounds each kind of exception in one digest; the count says how many there were.
const maxExceptions = 30

// DigestException is one thing in the digest that needs the owner's attention.
type DigestException struct {
	Kind    string    `json:"kind"`
	OrderID int64     `json:"order_id,omitempty"`
	Number  int64     `json:"number,omitempty"`
	Status  Status    `json:"status,omitempty"`
	Since   time.Time `json:"since,omitempty"` // in the status, or the estimate sent, or due since
	ItemID  int64     `json:"item_id,omitempty"`
	Name    string    `json:"name,omitempty"`   // low stock: the part
	Amount  Money     `json:"amount,omitempty"` // overdue: what is owed
	Qty     Qty       `json:"qty,omitempty"`    // low stock: available
	MinQty  Qty       `json:"min_qty,omitempty"`
	// MessageID: unanswered: the client's message (Name: who wrote, Since: when).
	MessageID int64 `json:"message_id,omitempty"`
}

// DigestNumbers are the day's figures of the digest.
type DigestNumbers struct {
	Opened      int   `json:"opened"`      // orders created
	Closed      int   `json:"closed"`      // orders closed
	Revenue     Money `json:"revenue"`     // invoice totals of the orders delivered
	Payments    Money `json:"payments"`    // payments received (refunds subtracted)
	Outstanding Money `json:"outstanding"` // owed on all delivered orders, now (sqlOwed)
}

const sqlStatusSince = `
SELECT o.id, o.number, o.status,
	coalesce((SELECT max(e.created_at) FROM order_events e WHERE e.order_id = o.id
		AND e.to_status = o.status), o.updated_at) AS since
FROM orders o WHERE o.status NOT IN ('closed', 'cancelled')
ORDER BY since, o.id`

// sqlOwedInvoices lists the invoices with a due date of orders neither closed nor cancelled, with
// what is still owed on each. Closed orders are left out because none owes anything: an order
// closes only when paid in full (beforeTransition), and a closed order takes no payment, refund
// or correction after. So the scan is bounded by the open orders (orders_open), each summed
// through payments_order, not by three years of invoices and payments.
const sqlOwedInvoices = `
SELECT o.id, o.number, o.status, i.due_at, i.total - p.paid AS amount
FROM orders o
JOIN invoices i ON i.order_id = o.id
CROSS JOIN LATERAL (SELECT coalesce(sum(amount), 0)::bigint AS paid FROM payments WHERE order_id = o.id) p
WHERE o.status NOT IN ('closed', 'cancelled') AND i.due_at IS NOT NULL AND i.total > p.paid`

// sqlOwed is every owed invoice, oldest due first: the digest's "outstanding" is their sum and
// its overdue exceptions the first of those past due, in one pass.
const sqlOwed = `
SELECT id, number, status, due_at AS since, amount FROM (` + sqlOwedInvoices + `) owed
ORDER BY due_at, id`

const sqlLowStock = `
SELECT id, name, on_hand_milli - reserved_milli AS qty, min_stock_milli, low_since FROM catalog_items
WHERE active AND kind = 'part' AND low_since IS NOT NULL ORDER BY low_since, id`

const sqlDigestNumbers = `
SELECT
	(SELECT count(*) FROM orders WHERE created_at >= $1 AND created_at < $2) AS opened,
	(SELECT count(DISTINCT order_id) FROM order_events
		WHERE created_at >= $1 AND created_at < $2 AND to_status = 'closed' AND from_status <> 'closed') AS closed,
	(SELECT coalesce(sum(i.total), 0) FROM invoices i WHERE i.order_id IN (
		SELECT order_id FROM order_events WHERE created_at >= $1 AND created_at < $2
			AND to_status = 'delivered' AND from_status <> 'delivered')) AS revenue,
	(SELECT coalesce(sum(amount), 0) FROM payments WHERE created_at >= $1 AND created_at < $2) AS payments`

// digest fills the exceptions as of now and the numbers of [start, end).
func (s *Service) digest(ctx context.Context, q querier, start, end, now time.Time) ([]DigestException, DigestNumbers, error) {
	var n DigestNumbers
	if err := q.QueryRow(ctx, sqlDigestNumbers, start, end).Scan(&n.Opened, &n.Closed, &n.Revenue, &n.Payments); err != nil {
		return nil, n, fmt.Errorf("digest numbers: %w", err)
	}
	type inStatus struct {
		ID     int64     `db:"id"`
		Number int64     `db:"number"`
		Status Status    `db:"status"`
		Since  time.Time `db:"since"`
	}
	rows, _ := q.Query(ctx, sqlStatusSince)
	open, err := pgx.CollectRows(rows, pgx.RowToStructByName[inStatus])
	if err != nil {
		return nil, n, fmt.Errorf("digest: orders by status: %w", err)
	}
	var stuck, estimates []DigestException
	for _, o := range open {
		e := DigestException{OrderID: o.ID, Number: o.Number, Status: o.Status, Since: o.Since}
		switch norm, ok := StatusNorms[o.Status]; {
		case o.Status == StatusEstimate && now.Sub(o.Since) > EstimateWait && len(estimates) < maxExceptions:
			e.Kind = ExceptionEstimate
			estimates = append(estimates, e)
		case ok && now.Sub(o.Since) > norm && len(stuck) < maxExceptions:
			e.Kind = ExceptionStuck
			stuck = append(stuck, e)
		}
	}
	type overdue struct {
		ID     int64     `db:"id"`
		Number int64     `db:"number"`
		Status Status    `db:"status"`
		Since  time.Time `db:"since"`
		Amount Money     `db:"amount"`
	}
	rows, _ = q.Query(ctx, sqlOwed)
	owed, err := pgx.CollectRows(rows, pgx.RowToStructByName[overdue])
	if err != nil {
		return nil, n, fmt.Errorf("digest: owed invoices: %w", err)
	}
	var ods []overdue
	for _, o := range owed {
		n.Outstanding += o.Amount
		if o.Since.Before(now) {
			ods = append(ods, o)
		}
	}
	type low struct {
		ID       int64     `db:"id"`
		Name     string    `db:"name"`
		Qty      Qty       `db:"qty"`
		MinStock Qty       `db:"min_stock_milli"`
		LowSince time.Time `db:"low_since"`
	}
	rows, _ = q.Query(ctx, sqlLowStock)
	lows, err := pgx.CollectRows(rows, pgx.RowToStructByName[low])
	if err != nil {
		return nil, n, fmt.Errorf("digest: low stock: %w", err)
	}
	out := append(stuck, estimates...)
	for i, o := range ods {
		if i == maxExceptions {
			break
		}
		out = append(out, DigestException{Kind: ExceptionOverdue, OrderID: o.ID, Number: o.Number,
			Status: o.Status, Since: o.Since, Amount: o.Amount})
	}
	for i, l := range lows {
		if i == maxExceptions {
			break
		}
		out = append(out, DigestException{Kind: ExceptionLowStock, ItemID: l.ID, Name: l.Name,
			Since: l.LowSince, Qty: l.Qty, MinQty: l.MinStock})
	}
	waiting, err := unansweredBefore(ctx, q, now.Add(-s.unansweredAfter()), maxExceptions)
	if err != nil {
		return nil, n, fmt.Errorf("digest: %w", err)
	}
	for _, m := range waiting {
		e := DigestException{Kind: ExceptionUnanswered, MessageID: m.ID, Name: m.Who(), Since: m.CreatedAt}
		if m.OrderID != nil && m.OrderNumber != nil {
			e.OrderID, e.Number = *m.OrderID, *m.OrderNumber
		}
		out = append(out, e)
	}
	if out == nil {
		out = []DigestException{}
	}
	return out, n, nil
}
