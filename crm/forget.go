package crm

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Why a client cannot be forgotten yet: the shop still has a duty to them, or they to it.
var (
	ErrOpenOrders = errors.New("client has open orders")
	ErrHasDebt    = errors.New("client owes money")
)

const sqlClientForForget = `SELECT id FROM clients WHERE telegram_user_id = $1 FOR UPDATE`

// An order is open until the car is handed back (delivered) or the order ends (closed,
// cancelled).
const sqlClientOpenOrders = `
SELECT count(*) FROM orders WHERE client_id = $1 AND status NOT IN ('delivered', 'closed', 'cancelled')`

// Any unpaid invoice is a debt, due or not.
const sqlUnpaid = `
SELECT coalesce(sum(i.total - coalesce(p.paid, 0)), 0)
FROM invoices i
JOIN orders o ON o.id = i.order_id
LEFT JOIN (SELECT order_id, sum(amount) AS paid FROM payments GROUP BY order_id) p ON p.order_id = i.order_id
WHERE o.client_id = $1 AND o.status <> 'cancelled' AND i.total > coalesce(p.paid, 0)`

// The phone must stay unique and valid: +999 is a code no country has, and the id keeps it
// unique. Orders, invoices and payments stay (the law keeps financial records); only what
// points at the person goes.
const (
	sqlForgetClient = `
UPDATE clients SET phone = '+999' || lpad(id::text, 11, '0'), name = '', telegram_user_id = NULL,
	chat_id = NULL, marketing_consent = false, forgotten_at = $2, updated_at = $2
WHERE id = $1`
	sqlForgetVehicles = `UPDATE vehicles SET plate = '', vin = '' WHERE client_id = $1`
	sqlForgetCards    = `
UPDATE orders SET client_card_chat_id = NULL, client_card_message_id = NULL WHERE client_id = $1`
)

// CanForget says whether the client behind the Telegram user may be forgotten now: nil, or
// ErrNotFound, ErrOpenOrders or ErrHasDebt.
func (s *Service) CanForget(ctx context.Context, telegramUserID int64) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := forgettable(ctx, tx, telegramUserID)
		return err
	})
}

// ForgetClient anonymises the client behind the Telegram user (152-FZ): name, phone, Telegram
// ids and their cars' plates and VINs are wiped; orders and money stay. Refused with
// ErrOpenOrders or ErrHasDebt, changing nothing.
func (s *Service) ForgetClient(ctx context.Context, telegramUserID int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		id, err := forgettable(ctx, tx, telegramUserID)
		if err != nil {
			return err
		}
		now := s.now()
		for _, q := range []string{sqlForgetVehicles, sqlForgetCards} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return fmt.Errorf("anonymise client %d: %w", id, err)
			}
		}
		if _, err := tx.Exec(ctx, sqlForgetClient, id, now); err != nil {
			return fmt.Errorf("anonymise client %d: %w", id, err)
		}
		return s.audit(ctx, tx, clientRef(id), AuditClientForgotten, nil, map[string]any{"client_id": id})
	})
	if err != nil {
		return fmt.Errorf("forget client of user %d: %w", telegramUserID, err)
	}
	return nil
}

func forgettable(ctx context.Context, tx pgx.Tx, telegramUserID int64) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, sqlClientForForget, telegramUserID).Scan(&id); err != nil {
		return 0, fmt.Errorf("client of user %d: %w", telegramUserID, notFound(err))
	}
	var open int
	if err := tx.QueryRow(ctx, sqlClientOpenOrders, id).Scan(&open); err != nil {
		return 0, fmt.Errorf("count open orders: %w", err)
	}
	if open > 0 {
		return 0, fmt.Errorf("client %d: %d open: %w", id, open, ErrOpenOrders)
	}
	var debt Money
	if err := tx.QueryRow(ctx, sqlUnpaid, id).Scan(&debt); err != nil {
		return 0, fmt.Errorf("sum unpaid: %w", err)
	}
	if debt > 0 {
		return 0, fmt.Errorf("client %d owes %d: %w", id, debt, ErrHasDebt)
	}
	return id, nil
}
