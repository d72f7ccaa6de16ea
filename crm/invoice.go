package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// KindInvoice sends the client the order's invoice. OrderID is set; Data: InvoiceData. Dedupe key
// "invoice:<order id>:<corrections>".
const KindInvoice = "invoice"

// KindDocuments sends the client the order's papers (work order and invoice, PDF) when the car is
// delivered. OrderID is set; Data: InvoiceData. Dedupe key "documents:<order id>".
const KindDocuments = "documents"

// InvoiceData is the Data of a KindInvoice message.
type InvoiceData struct {
	Number      int64 `json:"number"`
	Corrections int   `json:"corrections"`
}

// InvoiceLine is a line as fixed on the invoice.
type InvoiceLine struct {
	LineID int64    `json:"line_id"`
	Kind   LineKind `json:"kind"`
	Name   string   `json:"name"`
	SKU    string   `json:"sku,omitempty"`
	Unit   string   `json:"unit"`
	Qty    Qty      `json:"qty"`
	Price  Money    `json:"price"`
	Amount Money    `json:"amount"`
}

// Invoice is the bill of an order, fixed when the order became ready.
type Invoice struct {
	OrderID  int64         `db:"order_id"`
	IssuedAt time.Time     `db:"issued_at"`
	Labour   Money         `db:"labour"`
	Parts    Money         `db:"parts"`
	Discount Money         `db:"discount"`
	Total    Money         `db:"total"`
	Lines    []InvoiceLine `db:"lines"`
	// DueDays after delivery the client has to pay (0: on delivery); DueAt is set on delivery.
	DueDays     int        `db:"due_days"`
	DueAt       *time.Time `db:"due_at"`
	Corrections int        `db:"corrections"`
}

const invoiceColumns = `order_id, issued_at, labour, parts, discount, total, lines, due_days, due_at, corrections`

const sqlInvoice = `SELECT ` + invoiceColumns + ` FROM invoices WHERE order_id = $1`

// Invoice returns the order's invoice, or ErrNotFound before the order is ready.
func (s *Service) Invoice(ctx context.Context, orderID int64) (Invoice, error) {
	return invoiceOf(ctx, s.db, orderID)
}

func invoiceOf(ctx context.Context, q querier, orderID int64) (Invoice, error) {
	rows, _ := q.Query(ctx, sqlInvoice, orderID)
	inv, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Invoice])
	if err != nil {
		return Invoice{}, fmt.Errorf("get invoice of order %d: %w", orderID, notFound(err))
	}
	return inv, nil
}

func invoiceExists(ctx context.Context, q querier, orderID int64) (bool, error) {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invoices WHERE order_id = $1)`, orderID).Scan(&ok); err != nil {
		return false, fmt.Errorf("look up invoice: %w", err)
	}
	return ok, nil
}

// invoiceFrom builds the invoice of the approved lines.
func invoiceFrom(lines []OrderLine, d Discount) ([]InvoiceLine, Totals) {
	var il []InvoiceLine
	for _, l := range lines {
		if l.Approval == ApprovalApproved {
			il = append(il, InvoiceLine{LineID: l.ID, Kind: l.Kind, Name: l.Name, SKU: l.SKU, Unit: l.Unit, Qty: l.Qty, Price: l.Price, Amount: l.Amount})
		}
	}
	if il == nil {
		il = []InvoiceLine{}
	}
	return il, ComputeTotals(lines, d, true)
}

const sqlOrderDiscount = `SELECT discount_kind, discount_value FROM orders WHERE id = $1`

func orderDiscount(ctx context.Context, q querier, orderID int64) (Discount, error) {
	var d Discount
	if err := q.QueryRow(ctx, sqlOrderDiscount, orderID).Scan(&d.Kind, &d.Value); err != nil {
		return Discount{}, fmt.Errorf("get discount of order %d: %w", orderID, notFound(err))
	}
	return d, nil
}

const sqlInsertInvoice = `
INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines, due_days)
VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT CASE WHEN is_company THEN $8::int ELSE 0 END FROM clients WHERE id = $9))
ON CONFLICT (order_id) DO NOTHING`

// fixInvoice issues the invoice of an order that became ready: its approved lines and totals,
// due on delivery, or Options.CompanyPaymentDays after it for companies. The client gets it in
// the chat (KindInvoice). An order without approved lines gets none.
func (s *Service) fixInvoice(ctx context.Context, tx pgx.Tx, o *Order, by actorRef) error {
	lines, err := orderLines(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	d, err := orderDiscount(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	il, t := invoiceFrom(lines, d)
	if len(il) == 0 {
		return nil // nothing was agreed to bill (an order worked without lines): no invoice
	}
	raw, err := json.Marshal(il)
	if err != nil {
		return fmt.Errorf("encode invoice lines: %w", err)
	}
	if _, err := tx.Exec(ctx, sqlInsertInvoice, o.ID, s.now(), t.Labour, t.Parts, t.Discount, t.Total, string(raw),
		s.opts.CompanyPaymentDays, o.ClientID); err != nil {
		return fmt.Errorf("insert invoice: %w", err)
	}
	if err := s.activity(ctx, tx, o.ID, by, ActivityInvoiceIssued, t); err != nil {
		return err
	}
	return s.sendInvoice(ctx, tx, o, 0)
}

// sendInvoice enqueues KindInvoice to the client's chat, if they are in Telegram.
func (s *Service) sendInvoice(ctx context.Context, tx pgx.Tx, o *Order, corrections int) error {
	var chatID *int64
	var lang string
	if err := tx.QueryRow(ctx, sqlClientChat, o.ClientID).Scan(&chatID, &lang); err != nil {
		return fmt.Errorf("get client chat: %w", err)
	}
	if chatID == nil {
		return nil
	}
	data, err := json.Marshal(InvoiceData{Number: o.Number, Corrections: corrections})
	if err != nil {
		return fmt.Errorf("encode %s data: %w", KindInvoice, err)
	}
	_, err = s.enqueue(ctx, tx, OutboxMessage{
		Kind: KindInvoice, ChatID: *chatID, Language: lang, OrderID: &o.ID, Data: data,
		DedupeKey: KindInvoice + ":" + strconv.FormatInt(o.ID, 10) + ":" + strconv.Itoa(corrections),
	})
	return err
}

const sqlSetDue = `UPDATE invoices SET due_at = $2::timestamptz + make_interval(days => due_days) WHERE order_id = $1 AND due_at IS NULL`

// beforeTransition holds the rules that the status machine alone cannot see, checked inside
// Transition's locked closure: while the client still has lines to decide on, an order may not be
// approved or declined wholesale, started after diagnosis, finished or delivered (supplements
// pending during the work hold up only ready and delivery); and an order closes only when paid.
func (s *Service) beforeTransition(ctx context.Context, tx pgx.Tx, o *Order, to Status) error {
	switch to {
	case StatusApproved, StatusDeclined, StatusInProgress, StatusReady, StatusDelivered:
		if to == StatusInProgress && o.Status != StatusDiagnosing {
			return nil // work goes on with what is approved; supplements wait for the client
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM order_lines WHERE order_id = $1 AND approval = 'pending'`, o.ID).Scan(&pending); err != nil {
			return fmt.Errorf("count pending lines: %w", err)
		}
		if pending > 0 {
			return fmt.Errorf("order %d has %d pending lines: %w", o.ID, pending, ErrUnapprovedLines)
		}
	case StatusClosed:
		inv, err := invoiceOf(ctx, tx, o.ID)
		if errors.Is(err, ErrNotFound) {
			return nil // declined: nothing to pay
		}
		if err != nil {
			return err
		}
		var paid Money
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM payments WHERE order_id = $1`, o.ID).Scan(&paid); err != nil {
			return fmt.Errorf("sum payments: %w", err)
		}
		if paid < inv.Total {
			return fmt.Errorf("order %d: paid %s of %s: %w", o.ID, paid, inv.Total, ErrUnpaid)
		}
	}
	return nil
}

// afterTransition does what a move brings, inside Transition's locked closure: ready fixes the
// invoice, delivery writes the parts off and starts the payment term, cancellation and decline
// release the stock held.
func (s *Service) afterTransition(ctx context.Context, tx pgx.Tx, o *Order, staffID int64) error {
	by := staffRef(staffID)
	switch o.Status {
	case StatusReady:
		return s.fixInvoice(ctx, tx, o, by)
	case StatusDelivered:
		if _, err := tx.Exec(ctx, sqlSetDue, o.ID, s.now()); err != nil {
			return fmt.Errorf("set due date: %w", err)
		}
		if err := s.writeOffOrder(ctx, tx, by, o.ID); err != nil {
			return err
		}
		return s.sendDocuments(ctx, tx, o)
	case StatusCancelled, StatusDeclined:
		return s.releaseOrder(ctx, tx, by, o.ID)
	}
	return nil
}

const sqlCorrectInvoice = `
UPDATE invoices SET labour = $2, parts = $3, discount = $4, total = $5, lines = $6,
	corrections = corrections + 1
WHERE order_id = $1
RETURNING corrections`

const sqlInsertCorrection = `
INSERT INTO invoice_corrections (order_id, reason, total_from, total_to, recorded_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`

const sqlCorrectLinePrice = `
UPDATE order_lines SET price = $2, approved_price = $2, updated_at = $3 WHERE id = $1`

// CorrectInvoice changes the price of a line on a fixed invoice: the only way to change a price
// once the order is ready, and itself recorded (who, why, the total before and after). Managers,
// admins and owners only; a closed order cannot be corrected (ErrInvalidTransition); the reason
// is required. The client gets the corrected invoice.
func (s *Service) CorrectInvoice(ctx context.Context, a Actor, orderID int64, version int, lineID int64, price Money, reason string) (Invoice, error) {
	reason, err := trimmed("reason", reason, 500)
	if err != nil || reason == "" {
		return Invoice{}, fmt.Errorf("correct invoice of order %d: reason required: %w", orderID, ErrInvalidInput)
	}
	if price < 0 || price > MaxPrice {
		return Invoice{}, fmt.Errorf("correct invoice of order %d: price: %w", orderID, ErrTooLarge)
	}
	_, err = s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := actorStaff(ctx, tx, a)
		if err != nil {
			return err
		}
		if err := Permit(st, ActPrice, o.MechanicID); err != nil {
			return err
		}
		if err := checkVersion(o, version); err != nil {
			return err
		}
		if o.Status == StatusClosed || o.Status == StatusCancelled {
			return fmt.Errorf("correct a %s order: %w", o.Status, ErrInvalidTransition)
		}
		inv, err := invoiceOf(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		l, err := lockLine(ctx, tx, o.ID, lineID)
		if err != nil {
			return err
		}
		if l.Approval != ApprovalApproved {
			return fmt.Errorf("line %d is not on the invoice: %w", l.ID, ErrInvalidInput)
		}
		now := s.now()
		if _, err := tx.Exec(ctx, sqlCorrectLinePrice, l.ID, price, now); err != nil {
			return fmt.Errorf("correct line %d: %w", l.ID, err)
		}
		lines, err := orderLines(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		d, err := orderDiscount(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		il, t := invoiceFrom(lines, d)
		raw, err := json.Marshal(il)
		if err != nil {
			return fmt.Errorf("encode invoice lines: %w", err)
		}
		var corrections int
		if err := tx.QueryRow(ctx, sqlCorrectInvoice, o.ID, t.Labour, t.Parts, t.Discount, t.Total, string(raw)).Scan(&corrections); err != nil {
			return fmt.Errorf("save corrected invoice: %w", err)
		}
		if _, err := tx.Exec(ctx, sqlInsertCorrection, o.ID, reason, inv.Total, t.Total, st.ID, now); err != nil {
			return fmt.Errorf("record correction: %w", err)
		}
		if err := s.activity(ctx, tx, o.ID, staffRef(st.ID), ActivityInvoiceCorrected, map[string]any{
			"line_id": l.ID, "name": l.Name, "price_from": l.Price, "price_to": price,
			"total_from": inv.Total, "total_to": t.Total, "reason": reason,
		}); err != nil {
			return err
		}
		return s.sendInvoice(ctx, tx, o, corrections)
	})
	if err != nil {
		return Invoice{}, fmt.Errorf("correct invoice of order %d: %w", orderID, err)
	}
	return s.Invoice(ctx, orderID)
}

// InvoiceCorrection is one recorded correction of an invoice.
type InvoiceCorrection struct {
	ID         int64     `db:"id"`
	Reason     string    `db:"reason"`
	TotalFrom  Money     `db:"total_from"`
	TotalTo    Money     `db:"total_to"`
	RecordedBy int64     `db:"recorded_by"`
	CreatedAt  time.Time `db:"created_at"`
}

const sqlInvoiceCorrections = `
SELECT id, reason, total_from, total_to, recorded_by, created_at
FROM invoice_corrections WHERE order_id = $1 ORDER BY id`

// InvoiceCorrections lists the corrections of an order's invoice, oldest first.
func (s *Service) InvoiceCorrections(ctx context.Context, orderID int64) ([]InvoiceCorrection, error) {
	rows, _ := s.db.Query(ctx, sqlInvoiceCorrections, orderID)
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[InvoiceCorrection])
	if err != nil {
		return nil, fmt.Errorf("list corrections of order %d: %w", orderID, err)
	}
	return cs, nil
}

// sendDocuments enqueues the order's papers to the client's chat on delivery, if they are in
// Telegram and have an invoice.
func (s *Service) sendDocuments(ctx context.Context, tx pgx.Tx, o *Order) error {
	if ok, err := invoiceExists(ctx, tx, o.ID); err != nil || !ok {
		return err
	}
	var chatID *int64
	var lang string
	if err := tx.QueryRow(ctx, sqlClientChat, o.ClientID).Scan(&chatID, &lang); err != nil {
		return fmt.Errorf("get client chat: %w", err)
	}
	if chatID == nil {
		return nil
	}
	data, err := json.Marshal(InvoiceData{Number: o.Number})
	if err != nil {
		return fmt.Errorf("encode %s data: %w", KindDocuments, err)
	}
	_, err = s.enqueue(ctx, tx, OutboxMessage{
		Kind: KindDocuments, ChatID: *chatID, Language: lang, OrderID: &o.ID, Data: data,
		DedupeKey: KindDocuments + ":" + strconv.FormatInt(o.ID, 10),
	})
	return err
}

const sqlOrderCardByNumber = sqlCardSelect + ` WHERE o.number = $1`

// OrderByNumber returns the card of the order with this human number, or ErrNotFound.
func (s *Service) OrderByNumber(ctx context.Context, number int64) (OrderCard, error) {
	cs, err := s.cards(ctx, sqlOrderCardByNumber, number)
	if err == nil && len(cs) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return OrderCard{}, fmt.Errorf("get order number %d: %w", number, err)
	}
	return cs[0], nil
}
