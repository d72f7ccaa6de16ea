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

// KindPaymentReceipt sends the client a receipt of a payment or refund. OrderID is set; Data:
// PaymentData. Dedupe key "payment:<payment id>".
const KindPaymentReceipt = "payment_receipt"

// Payment methods.
const (
	PayCash     = "cash"
	PayCard     = "card"
	PayTransfer = "transfer"
)

// PaymentState is derived from an order's payments, what is due and when.
type PaymentState string

const (
	PaymentUnpaid  PaymentState = "unpaid"
	PaymentPartial PaymentState = "partial"
	PaymentPaid    PaymentState = "paid"
	PaymentOverdue PaymentState = "overdue" // not fully paid and the due date has passed
)

// DerivePaymentState says where payment of due stands at now: paid once paid covers it (also when
// nothing is due), overdue when short of it after dueAt, else partial or unpaid.
func DerivePaymentState(due, paid Money, dueAt *time.Time, now time.Time) PaymentState {
	switch {
	case paid >= due:
		return PaymentPaid
	case dueAt != nil && now.After(*dueAt):
		return PaymentOverdue
	case paid > 0:
		return PaymentPartial
	}
	return PaymentUnpaid
}

// Payment is money received for an order, or refunded (negative).
type Payment struct {
	ID         int64     `db:"id"`
	OrderID    int64     `db:"order_id"`
	Amount     Money     `db:"amount"`
	Method     string    `db:"method"`
	RecordedBy int64     `db:"recorded_by"`
	CreatedAt  time.Time `db:"created_at"`
}

// PaymentData is the Data of a KindPaymentReceipt message.
type PaymentData struct {
	Number    int64  `json:"number"`
	PaymentID int64  `json:"payment_id"`
	Amount    Money  `json:"amount"`
	Method    string `json:"method"`
	Paid      Money  `json:"paid"` // after this payment
	Due       Money  `json:"due"`
}

const sqlInsertPayment = `
INSERT INTO payments (order_id, amount, method, recorded_by, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, order_id, amount, method, recorded_by, created_at`

// RecordPayment records a payment (amount > 0) or a refund (amount < 0) of an order at version,
// by a manager, admin or owner (ErrForbidden). Partial payments are fine; paying more than is
// still due, or refunding more than was paid, is ErrOverpayment. What is due is the invoice
// total, or the approved lines before the order is ready (a prepayment). The client gets a
// receipt in the chat (KindPaymentReceipt).
func (s *Service) RecordPayment(ctx context.Context, a Actor, orderID int64, version int, amount Money, method string) (Payment, error) {
	if method != PayCash && method != PayCard && method != PayTransfer {
		return Payment{}, fmt.Errorf("record payment: method %q: %w", method, ErrInvalidInput)
	}
	if amount == 0 {
		return Payment{}, fmt.Errorf("record payment: %w", ErrNotPositive)
	}
	if amount > MaxPrice*100 || amount < -MaxPrice*100 {
		return Payment{}, fmt.Errorf("record payment: %w", ErrTooLarge)
	}
	var p Payment
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := actorStaff(ctx, tx, a)
		if err != nil {
			return err
		}
		if err := Permit(st, ActPayment, o.MechanicID); err != nil {
			return err
		}
		if err := checkVersion(o, version); err != nil {
			return err
		}
		if o.Status == StatusCancelled || o.Status == StatusClosed {
			return fmt.Errorf("pay for a %s order: %w", o.Status, ErrInvalidTransition)
		}
		due, paid, err := dueAndPaid(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		if amount > 0 && paid+amount > due {
			return fmt.Errorf("pay %s with %s of %s paid: %w", amount, paid, due, ErrOverpayment)
		}
		if amount < 0 && paid+amount < 0 {
			return fmt.Errorf("refund %s of %s paid: %w", -amount, paid, ErrOverpayment)
		}
		rows, _ := tx.Query(ctx, sqlInsertPayment, o.ID, amount, method, st.ID, s.now())
		if p, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Payment]); err != nil {
			return fmt.Errorf("insert payment: %w", err)
		}
		if err := s.activity(ctx, tx, o.ID, staffRef(st.ID), ActivityPayment, map[string]any{
			"payment_id": p.ID, "amount": amount, "method": method, "paid": paid + amount, "due": due,
		}); err != nil {
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
		data, err := json.Marshal(PaymentData{Number: o.Number, PaymentID: p.ID, Amount: amount, Method: method, Paid: paid + amount, Due: due})
		if err != nil {
			return fmt.Errorf("encode %s data: %w", KindPaymentReceipt, err)
		}
		_, err = s.enqueue(ctx, tx, OutboxMessage{
			Kind: KindPaymentReceipt, ChatID: *chatID, Language: lang, OrderID: &o.ID, Data: data,
			DedupeKey: "payment:" + strconv.FormatInt(p.ID, 10),
		})
		return err
	})
	if err != nil {
		return Payment{}, fmt.Errorf("record payment of %s for order %d: %w", amount, orderID, err)
	}
	return p, nil
}

// dueAndPaid reads what an order is to pay and has paid, inside its locked update.
func dueAndPaid(ctx context.Context, tx pgx.Tx, orderID int64) (due, paid Money, err error) {
	inv, err := invoiceOf(ctx, tx, orderID)
	switch {
	case err == nil:
		due = inv.Total
	case errors.Is(err, ErrNotFound):
		lines, err := orderLines(ctx, tx, orderID)
		if err != nil {
			return 0, 0, err
		}
		d, err := orderDiscount(ctx, tx, orderID)
		if err != nil {
			return 0, 0, err
		}
		due = ComputeTotals(lines, d, true).Total
	default:
		return 0, 0, err
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM payments WHERE order_id = $1`, orderID).Scan(&paid); err != nil {
		return 0, 0, fmt.Errorf("sum payments: %w", err)
	}
	return due, paid, nil
}

const sqlPayments = `
SELECT id, order_id, amount, method, recorded_by, created_at FROM payments
WHERE order_id = $1 ORDER BY id`

// Payments lists an order's payments and refunds, oldest first.
func (s *Service) Payments(ctx context.Context, orderID int64) ([]Payment, error) {
	rows, _ := s.db.Query(ctx, sqlPayments, orderID)
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[Payment])
	if err != nil {
		return nil, fmt.Errorf("list payments of order %d: %w", orderID, err)
	}
	return ps, nil
}

// sqlClientDebt sums what the client owes on invoices whose due date has passed.
const sqlClientDebt = `
SELECT coalesce(sum(i.total - coalesce(p.paid, 0)), 0)
FROM invoices i
JOIN orders o ON o.id = i.order_id
LEFT JOIN (SELECT order_id, sum(amount) AS paid FROM payments GROUP BY order_id) p ON p.order_id = i.order_id
WHERE o.client_id = $1 AND i.due_at IS NOT NULL AND i.due_at < $2 AND o.status <> 'cancelled'
	AND i.total > coalesce(p.paid, 0)`

// ClientDebt is what the client owes past due dates (0 when nothing is overdue).
func (s *Service) ClientDebt(ctx context.Context, clientID int64) (Money, error) {
	var debt Money
	if err := s.db.QueryRow(ctx, sqlClientDebt, clientID, s.now()).Scan(&debt); err != nil {
		return 0, fmt.Errorf("debt of client %d: %w", clientID, err)
	}
	return debt, nil
}
