package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Exports (issue 8) read whole tables, so they stream: each query hands its rows to a callback
// one at a time and never holds a table in memory. A callback's error stops the export and is
// returned as is.

// ExportPeriod bounds an export by creation time: From inclusive, To exclusive; a zero end is
// open.
type ExportPeriod struct {
	From, To time.Time
}

// args are the period's ends as query arguments, nil for an open end.
func (p ExportPeriod) args() (from, to any) {
	if !p.From.IsZero() {
		from = p.From
	}
	if !p.To.IsZero() {
		to = p.To
	}
	return from, to
}

// ClientExport is a client as exported.
type ClientExport struct {
	ID               int64     `db:"id"`
	Phone            string    `db:"phone"`
	Name             string    `db:"name"`
	LeadSource       string    `db:"lead_source"`
	MarketingConsent bool      `db:"marketing_consent"`
	IsCompany        bool      `db:"is_company"`
	CreatedAt        time.Time `db:"created_at"`
}

// Clients whose data was erased (/forget_me) are left out: their placeholder phones and blank
// names are nobody's record, and importing them back would make clients of them.
const sqlExportClients = `
SELECT id, phone, name, lead_source, marketing_consent, is_company, created_at
FROM clients WHERE forgotten_at IS NULL ORDER BY id`

// ExportClients calls fn with every client, oldest first.
func (s *Service) ExportClients(ctx context.Context, fn func(ClientExport) error) error {
	return eachRow(ctx, s, "export clients", sqlExportClients, nil, fn)
}

// VehicleExport is a car as exported, with its owner's phone, the latest odometer reading and
// the last day it was at the shop.
type VehicleExport struct {
	ID        int64      `db:"id"`
	Phone     string     `db:"phone"`
	Plate     string     `db:"plate"`
	VIN       string     `db:"vin"`
	Make      string     `db:"make"`
	Model     string     `db:"model"`
	Year      int        `db:"year"` // 0 = unknown
	KM        *int       `db:"km"`   // nil: never read
	LastVisit *time.Time `db:"-"`    // midnight of the day in the shop's time zone; nil: never

	VisitOn   *time.Time `db:"last_visit_on"` // a day an imported file knew of
	LastRead  *time.Time `db:"read_at"`
	LastOrder *time.Time `db:"last_order"`
}

// The last visit is the latest of the day an imported file gave, the car's odometer readings
// and its orders that were not cancelled: a reading is taken when the car is in, and an order
// means it came.
const sqlExportVehicles = `
SELECT v.id, c.phone, v.plate, v.vin, v.make, v.model, v.year, m.km, v.last_visit_on, m.read_at, o.last_order
FROM vehicles v
JOIN clients c ON c.id = v.client_id AND c.forgotten_at IS NULL
LEFT JOIN LATERAL (
    SELECT km, read_at FROM vehicle_mileage WHERE vehicle_id = v.id ORDER BY read_at DESC, id DESC LIMIT 1
) m ON true
LEFT JOIN LATERAL (
    SELECT max(created_at) AS last_order FROM orders WHERE vehicle_id = v.id AND status <> 'cancelled'
) o ON true
ORDER BY v.id`

// ExportVehicles calls fn with every car of a client whose data is kept, oldest first.
func (s *Service) ExportVehicles(ctx context.Context, fn func(VehicleExport) error) error {
	loc := s.opts.Location
	day := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	return eachRow(ctx, s, "export vehicles", sqlExportVehicles, nil, func(v VehicleExport) error {
		if v.VisitOn != nil { // a date: its own day wherever the shop is
			d := time.Date(v.VisitOn.Year(), v.VisitOn.Month(), v.VisitOn.Day(), 0, 0, 0, 0, loc)
			v.LastVisit = &d
		}
		for _, t := range []*time.Time{v.LastRead, v.LastOrder} {
			if t != nil && (v.LastVisit == nil || day(*t).After(*v.LastVisit)) {
				d := day(*t)
				v.LastVisit = &d
			}
		}
		return fn(v)
	})
}

// OrderExport is a work order as exported: the invoice's totals once there is one, else those
// of its active lines (what the estimate shows), what was paid and what is left.
type OrderExport struct {
	Number      int64      `db:"number"`
	CreatedAt   time.Time  `db:"created_at"`
	Status      string     `db:"status"`
	ClientPhone string     `db:"phone"` // "" for an erased client
	ClientName  string     `db:"client_name"`
	Plate       string     `db:"plate"`
	Mechanic    string     `db:"mechanic"` // "" when none is assigned
	Totals      Totals     `db:"-"`
	Paid        Money      `db:"paid"`
	Left        Money      `db:"-"` // total less paid, never below zero
	DueAt       *time.Time `db:"due_at"`

	Invoiced      bool   `db:"invoiced"`
	LabourSum     Money  `db:"labour_sum"` // active lines, before the discount
	PartsSum      Money  `db:"parts_sum"`
	DiscountKind  string `db:"discount_kind"`
	DiscountValue int64  `db:"discount_value"`
	InvLabour     Money  `db:"inv_labour"`
	InvParts      Money  `db:"inv_parts"`
	InvDiscount   Money  `db:"inv_discount"`
	InvTotal      Money  `db:"inv_total"`
}

const sqlExportOrders = `
SELECT o.number, o.created_at, o.status,
       CASE WHEN c.forgotten_at IS NULL THEN c.phone ELSE '' END AS phone,
       CASE WHEN c.forgotten_at IS NULL THEN c.name ELSE '' END AS client_name,
       v.plate, COALESCE(st.name, '') AS mechanic,
       COALESCE(l.labour, 0) AS labour_sum, COALESCE(l.parts, 0) AS parts_sum,
       o.discount_kind, o.discount_value,
       i.order_id IS NOT NULL AS invoiced, COALESCE(i.labour, 0) AS inv_labour,
       COALESCE(i.parts, 0) AS inv_parts, COALESCE(i.discount, 0) AS inv_discount,
       COALESCE(i.total, 0) AS inv_total, i.due_at,
       COALESCE(p.paid, 0) AS paid
FROM orders o
JOIN clients c ON c.id = o.client_id
JOIN vehicles v ON v.id = o.vehicle_id
LEFT JOIN staff st ON st.id = o.mechanic_id
LEFT JOIN invoices i ON i.order_id = o.id
LEFT JOIN LATERAL (
    SELECT sum(amount) FILTER (WHERE kind = 'labour') AS labour, sum(amount) FILTER (WHERE kind = 'part') AS parts
    FROM order_lines WHERE order_id = o.id AND approval IN ('pending', 'approved')
) l ON true
LEFT JOIN LATERAL (SELECT sum(amount) AS paid FROM payments WHERE order_id = o.id) p ON true
WHERE ($1::timestamptz IS NULL OR o.created_at >= $1) AND ($2::timestamptz IS NULL OR o.created_at < $2)
ORDER BY o.number`

// ExportOrders calls fn with every order created in p, by number.
func (s *Service) ExportOrders(ctx context.Context, p ExportPeriod, fn func(OrderExport) error) error {
	from, to := p.args()
	return eachRow(ctx, s, "export orders", sqlExportOrders, []any{from, to}, func(o OrderExport) error {
		if o.Invoiced {
			o.Totals = Totals{Labour: o.InvLabour, Parts: o.InvParts, Discount: o.InvDiscount, Total: o.InvTotal}
		} else {
			// ComputeTotals over the two sums: the one rule for the discount, which applies to
			// the sum of the lines, so summing first changes nothing.
			o.Totals = ComputeTotals([]OrderLine{
				{Kind: LineLabour, Amount: o.LabourSum, Approval: ApprovalPending},
				{Kind: LinePart, Amount: o.PartsSum, Approval: ApprovalPending},
			}, Discount{Kind: o.DiscountKind, Value: o.DiscountValue}, false)
		}
		o.Left = max(o.Totals.Total-o.Paid, 0)
		return fn(o)
	})
}

// PaymentExport is one payment (a refund is negative) as exported.
type PaymentExport struct {
	ID          int64     `db:"id"`
	CreatedAt   time.Time `db:"created_at"`
	OrderNumber int64     `db:"number"`
	Amount      Money     `db:"amount"`
	Method      string    `db:"method"` // PayCash, PayCard, PayTransfer
}

const sqlExportPayments = `
SELECT p.id, p.created_at, o.number, p.amount, p.method
FROM payments p JOIN orders o ON o.id = p.order_id
WHERE ($1::timestamptz IS NULL OR p.created_at >= $1) AND ($2::timestamptz IS NULL OR p.created_at < $2)
ORDER BY p.created_at, p.id`

// ExportPayments calls fn with every payment recorded in p, oldest first.
func (s *Service) ExportPayments(ctx context.Context, p ExportPeriod, fn func(PaymentExport) error) error {
	from, to := p.args()
	return eachRow(ctx, s, "export payments", sqlExportPayments, []any{from, to}, fn)
}

const sqlExportCatalog = `SELECT ` + itemColumns + ` FROM catalog_items WHERE active ORDER BY kind DESC, sku, id`

// ExportCatalog calls fn with every active catalog item: services first, then parts, by SKU.
func (s *Service) ExportCatalog(ctx context.Context, fn func(CatalogItem) error) error {
	return eachRow(ctx, s, "export catalog", sqlExportCatalog, nil, fn)
}

// eachRow runs query and hands its rows to fn one by one, scanned by column name.
func eachRow[T any](ctx context.Context, s *Service, what, query string, args []any, fn func(T) error) error {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := pgx.RowToStructByName[T](rows)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
