package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Payment reminders (issue 7): the scheduler scans invoices past due and enqueues one notice per
// ladder step; the sender checks again when it sends (PaymentOutstanding) and cancels the notice
// if the invoice has been paid in the meantime.
const (
	// KindPaymentReminder reminds a client of an unpaid invoice (bulk lane). OrderID is set;
	// Data: PaymentReminderData. Dedupe key "payment_reminder:<order id>:<step days>".
	KindPaymentReminder = "payment_reminder"
	// KindPaymentTask is the ladder's last step: a task for the managers to call the client.
	// OrderID is set; Data: PaymentReminderData. Dedupe key
	// "payment_task:<order id>:<chat id>".
	KindPaymentTask = "payment_task"
	// KindPaymentUnreachable tells the managers that a client who owes could not be reminded
	// (blocked the bot, or never started it). OrderID is set; Data: PaymentReminderData. Dedupe
	// key "payment_unreachable:<order id>:<chat id>": listed once per invoice.
	KindPaymentUnreachable = "payment_unreachable"
)

// PaymentReminderData is the Data of the payment reminder kinds: the order, the ladder step (days
// after the due date) and the invoice's due date.
type PaymentReminderData struct {
	Number int64     `json:"number"`
	Step   int       `json:"step"`
	DueAt  time.Time `json:"due_at"`
}

// OverdueInvoice is an invoice past due and not fully paid, with what the reminder needs.
type OverdueInvoice struct {
	OrderID     int64     `db:"order_id"`
	Number      int64     `db:"number"`
	ClientID    int64     `db:"client_id"`
	ChatID      *int64    `db:"chat_id"` // nil: the client never started the bot
	Language    string    `db:"language"`
	Unreachable bool      `db:"unreachable"` // the client blocked the bot (403)
	DueAt       time.Time `db:"due_at"`
	Total       Money     `db:"total"`
	Paid        Money     `db:"paid"`
}

// sqlOverdueInvoices reads invoices due in [$1, $2) that are not fully paid, on open orders. The
// window keeps the scan to recent invoices (the ladder's reach): invoices_due is a range scan,
// and payments_order sums each candidate's payments.
const sqlOverdueInvoices = `
SELECT o.id AS order_id, o.number, o.client_id, c.chat_id, c.language,
	c.unreachable_since IS NOT NULL AS unreachable, i.due_at, i.total, p.paid
FROM invoices i
JOIN orders o ON o.id = i.order_id
JOIN clients c ON c.id = o.client_id
CROSS JOIN LATERAL (SELECT coalesce(sum(amount), 0)::bigint AS paid FROM payments WHERE order_id = i.order_id) p
WHERE i.due_at >= $1 AND i.due_at < $2
	AND o.status NOT IN ('closed', 'cancelled')
	AND i.total > p.paid
ORDER BY i.due_at, o.id`

// OverdueInvoices returns the invoices that fell due in [from, to) and are not fully paid.
func (s *Service) OverdueInvoices(ctx context.Context, from, to time.Time) ([]OverdueInvoice, error) {
	rows, _ := s.db.Query(ctx, sqlOverdueInvoices, from, to)
	inv, err := pgx.CollectRows(rows, pgx.RowToStructByName[OverdueInvoice])
	if err != nil {
		return nil, fmt.Errorf("list overdue invoices: %w", err)
	}
	return inv, nil
}

// PaymentReminder is one step of the ladder for one invoice, as the scheduler decided it.
type PaymentReminder struct {
	Invoice   OverdueInvoice
	Step      int       // days after the due date
	Last      bool      // the ladder's last step: a task for the managers
	NotBefore time.Time // quiet hours already applied
}

// EnqueuePaymentReminder enqueues one step, after checking again, in the same transaction, that
// the invoice is still unpaid (it may have been paid since the scan). The client gets a
// KindPaymentReminder; the last step goes to the managers as KindPaymentTask instead; a client
// who cannot be reached is skipped and listed for the managers (KindPaymentUnreachable, once per
// invoice). It returns how many rows it added (0 when paid meanwhile or already enqueued).
func (s *Service) EnqueuePaymentReminder(ctx context.Context, r PaymentReminder) (int, error) {
	inv := r.Invoice
	data, err := json.Marshal(PaymentReminderData{Number: inv.Number, Step: r.Step, DueAt: inv.DueAt})
	if err != nil {
		return 0, fmt.Errorf("encode payment reminder: %w", err)
	}
	n := 0
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		due, paid, err := dueAndPaid(ctx, tx, inv.OrderID)
		if err != nil {
			return err
		}
		if paid >= due {
			return nil // paid since the scan
		}
		add := func(m OutboxMessage) error {
			m.OrderID, m.Data, m.NotBefore = &inv.OrderID, data, r.NotBefore
			ok, err := s.enqueue(ctx, tx, m)
			if ok {
				n++
			}
			return err
		}
		id := strconv.FormatInt(inv.OrderID, 10)
		if !r.Last && inv.ChatID != nil && !inv.Unreachable {
			return add(OutboxMessage{Kind: KindPaymentReminder, Lane: LaneBulk, ChatID: *inv.ChatID, Language: inv.Language,
				DedupeKey: KindPaymentReminder + ":" + id + ":" + strconv.Itoa(r.Step)})
		}
		kind := KindPaymentTask
		if !r.Last {
			kind = KindPaymentUnreachable
		}
		to, err := managerRecipients(ctx, tx, s.opts.StaffChatID, s.opts.Pilot)
		if err != nil {
			return err
		}
		for _, rc := range to {
			if err := add(OutboxMessage{Kind: kind, ChatID: rc.ChatID, Language: rc.Language,
				DedupeKey: kind + ":" + id + ":" + strconv.FormatInt(rc.ChatID, 10)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue payment reminder for order %d step %d: %w", inv.OrderID, r.Step, err)
	}
	return n, nil
}

// managerRecipients is where staff tasks go: the staff group when one is configured, else every
// active manager and admin with a chat, in the pilot when one is set (owners when there are
// none).
func managerRecipients(ctx context.Context, q querier, staffChatID int64, pilot Pilot) ([]recipient, error) {
	if staffChatID != 0 {
		return []recipient{{ChatID: staffChatID}}, nil
	}
	rows, _ := q.Query(ctx, sqlNewRequestRecipients, pilot.pilotArgs()...)
	to, err := pgx.CollectRows(rows, pgx.RowToStructByName[recipient])
	if err != nil {
		return nil, fmt.Errorf("list managers: %w", err)
	}
	return to, nil
}

// PaymentOutstanding is what is left to pay on the order's invoice now (0 when paid, or when
// there is no invoice): the sender's check before it sends a reminder.
func (s *Service) PaymentOutstanding(ctx context.Context, orderID int64) (Money, error) {
	var left Money
	err := s.db.QueryRow(ctx, `
SELECT coalesce((SELECT total FROM invoices WHERE order_id = $1), 0)
	- coalesce((SELECT sum(amount) FROM payments WHERE order_id = $1), 0)`, orderID).Scan(&left)
	if err != nil {
		return 0, fmt.Errorf("outstanding of order %d: %w", orderID, err)
	}
	return max(left, 0), nil
}

const sqlCancelOutbox = `
UPDATE outbox SET state = 'cancelled', finished_at = $2, last_error = $3, claimed_at = NULL, attempted_at = NULL
WHERE id = $1 AND state = 'sending'`

// CancelOutbox settles a claimed row whose reason went away before it was sent (the invoice was
// paid, the booking cancelled): it is not sent, and why is kept.
func (s *Service) CancelOutbox(ctx context.Context, id int64, why string) error {
	return s.markOutbox(ctx, "cancelled", sqlCancelOutbox, id, s.now(), truncate(why, maxErrorLen))
}

// PaymentNotice names a payment notice already enqueued for an invoice: the client's reminder of
// a Step, or (Step 0) the managers' task or unreachable listing, which go once per invoice.
type PaymentNotice struct {
	Kind    string
	OrderID int64
	Step    int
}

const sqlPaymentNotices = `
SELECT DISTINCT kind, order_id, CASE WHEN kind = '` + KindPaymentReminder + `' THEN (data->>'step')::int ELSE 0 END
FROM outbox
WHERE order_id = ANY($1) AND kind IN ('` + KindPaymentReminder + `', '` + KindPaymentTask + `', '` + KindPaymentUnreachable + `')`

// PaymentNotices returns the payment notices enqueued so far for the orders, in one query
// (outbox_order): the job skips what is done without a transaction per invoice.
func (s *Service) PaymentNotices(ctx context.Context, orderIDs []int64) (map[PaymentNotice]bool, error) {
	rows, err := s.db.Query(ctx, sqlPaymentNotices, orderIDs)
	if err != nil {
		return nil, fmt.Errorf("list payment notices: %w", err)
	}
	defer rows.Close()
	done := map[PaymentNotice]bool{}
	for rows.Next() {
		var n PaymentNotice
		if err := rows.Scan(&n.Kind, &n.OrderID, &n.Step); err != nil {
			return nil, fmt.Errorf("list payment notices: %w", err)
		}
		done[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list payment notices: %w", err)
	}
	return done, nil
}
