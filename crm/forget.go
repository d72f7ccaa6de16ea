package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Why a client cannot be forgotten yet: the shop still has a duty to them, or they to it.
var (
	ErrOpenOrders = errors.New("client has open orders")
	ErrHasDebt    = errors.New("client owes money")
)

const sqlClientForForget = `SELECT id, chat_id FROM clients WHERE telegram_user_id = $1 FOR UPDATE`

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

// ErasedPhonePrefix starts the phone of a forgotten client: +999 is a code no country has, and
// the client's id after it keeps the phone unique and valid. Staff views show "data erased"
// rather than it (Client.Erased).
const ErasedPhonePrefix = "+999"

// Erased reports whether the client asked to be forgotten (/forget_me).
func (c Client) Erased() bool { return strings.HasPrefix(c.Phone, ErasedPhonePrefix) }

// What /forget_me wipes: first by the client's id ($1; $2 is now), then by their Telegram ids
// ($1: user and private chat), as numbers and, where JSON or keys hold them, as text. Orders,
// lines, invoices, payments and the history of statuses stay (the law keeps financial records);
// only what points at the person goes: name, phone and Telegram ids, their cars' plates and VINs,
// the photos they sent, the booking keys (tg:<user id>:…), the client card's chat, their messages
// in the outbox (unsent ones are dropped, sent ones keep no chat), the chat ids in outbox and
// activity data, the Telegram id on their chat decisions on estimates (0: "the client, in the
// chat"), any chat migration of theirs and the free messages they wrote to the shop.
var sqlForgetByClient = []string{
	// The phone's hash first, while the row still has it: imports refuse it from now on.
	`INSERT INTO forgotten_phones (phone_sha256, forgotten_at)
SELECT sha256(convert_to(phone, 'UTF8')), $2 FROM clients WHERE id = $1 AND phone NOT LIKE '` + ErasedPhonePrefix + `%'
ON CONFLICT (phone_sha256) DO UPDATE SET forgotten_at = excluded.forgotten_at`,
	`UPDATE clients SET phone = '` + ErasedPhonePrefix + `' || lpad(id::text, 11, '0'), name = '', telegram_user_id = NULL,
	chat_id = NULL, marketing_consent = false, forgotten_at = $2, updated_at = $2
WHERE id = $1`,
	`UPDATE vehicles SET plate = '', vin = '' WHERE client_id = $1`,
	`UPDATE orders SET client_card_chat_id = NULL, client_card_message_id = NULL, booking_key = NULL, photo_file_id = ''
WHERE client_id = $1`,
}

var sqlForgetByTelegram = []string{
	`DELETE FROM outbox WHERE chat_id = ANY($1::bigint[]) AND state = 'pending'`,
	`UPDATE outbox SET chat_id = 0,
	dedupe_key = CASE WHEN dedupe_key ~ ('(^|:)(' || array_to_string($1::bigint[], '|') || ')(:|$)') THEN 'forgotten:' || id ELSE dedupe_key END
WHERE chat_id = ANY($1::bigint[])`,
	`UPDATE outbox SET data = jsonb_set(data, '{chat_id}', '0') WHERE data->>'chat_id' = ANY($1::bigint[]::text[])`,
	`UPDATE order_activity SET data = jsonb_set(data, '{chat_id}', '0') WHERE data->>'chat_id' = ANY($1::bigint[]::text[])`,
	`UPDATE line_decisions SET telegram_user_id = 0 WHERE telegram_user_id = ANY($1::bigint[])`,
	`DELETE FROM chat_migrations WHERE from_chat_id = ANY($1::bigint[]) OR to_chat_id = ANY($1::bigint[])`,
	`DELETE FROM client_messages WHERE telegram_user_id = ANY($1::bigint[]) OR chat_id = ANY($1::bigint[])`,
}

// CanForget says whether the client behind the Telegram user may be forgotten now: nil, or
// ErrNotFound, ErrOpenOrders or ErrHasDebt.
func (s *Service) CanForget(ctx context.Context, telegramUserID int64) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		_, _, err := forgettable(ctx, tx, telegramUserID)
		return err
	})
}

// ForgetClient anonymises the client behind the Telegram user (152-FZ): what sqlForget lists is
// wiped; orders and money stay. Refused with
// ErrOpenOrders or ErrHasDebt, changing nothing.
func (s *Service) ForgetClient(ctx context.Context, telegramUserID int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		id, chat, err := forgettable(ctx, tx, telegramUserID)
		if err != nil {
			return err
		}
		ids := []int64{telegramUserID}
		if chat != nil && *chat != telegramUserID {
			ids = append(ids, *chat)
		}
		now := s.now()
		for _, q := range sqlForgetByClient {
			args := []any{id}
			if strings.Contains(q, "$2") {
				args = append(args, now)
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return fmt.Errorf("anonymise client %d: %w", id, err)
			}
		}
		for _, q := range sqlForgetByTelegram {
			if _, err := tx.Exec(ctx, q, ids); err != nil {
				return fmt.Errorf("anonymise client %d: %w", id, err)
			}
		}
		return s.audit(ctx, tx, clientRef(id), AuditClientForgotten, nil, map[string]any{"client_id": id})
	})
	if err != nil {
		return fmt.Errorf("forget client of user %d: %w", telegramUserID, err)
	}
	return nil
}

func forgettable(ctx context.Context, tx pgx.Tx, telegramUserID int64) (id int64, chat *int64, _ error) {
	if err := tx.QueryRow(ctx, sqlClientForForget, telegramUserID).Scan(&id, &chat); err != nil {
		return 0, nil, fmt.Errorf("client of user %d: %w", telegramUserID, notFound(err))
	}
	var open int
	if err := tx.QueryRow(ctx, sqlClientOpenOrders, id).Scan(&open); err != nil {
		return 0, nil, fmt.Errorf("count open orders: %w", err)
	}
	if open > 0 {
		return 0, nil, fmt.Errorf("client %d: %d open: %w", id, open, ErrOpenOrders)
	}
	var debt Money
	if err := tx.QueryRow(ctx, sqlUnpaid, id).Scan(&debt); err != nil {
		return 0, nil, fmt.Errorf("sum unpaid: %w", err)
	}
	if debt > 0 {
		return 0, nil, fmt.Errorf("client %d owes %d: %w", id, debt, ErrHasDebt)
	}
	return id, chat, nil
}
