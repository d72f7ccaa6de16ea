package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// DeliveryFailedData is the Data of a KindDeliveryFailed message.
type DeliveryFailedData struct {
	OutboxID int64  `json:"outbox_id"`
	Kind     string `json:"kind"`             // the failed message's kind
	ChatID   int64  `json:"chat_id"`          // where it was going
	Number   int64  `json:"number,omitempty"` // its order's number, 0 without an order
	Error    string `json:"error"`
}

const sqlMarkFailed = `
UPDATE outbox SET state = 'failed', attempts = attempts + 1, finished_at = $2, last_error = $3,
	claimed_at = NULL, attempted_at = NULL
WHERE id = $1
RETURNING kind, chat_id, order_id, (SELECT number FROM orders WHERE id = outbox.order_id)`

// MarkFailed gives up on a message and, in the same transaction, tells the managers (the staff
// group when one is configured, else active managers and admins, else owners) unless the message
// was itself such a notice or the managers' chat is where it failed.
func (s *Service) MarkFailed(ctx context.Context, id int64, cause string) error {
	cause = truncate(cause, maxErrorLen)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var (
			kind    string
			chatID  int64
			orderID *int64
			number  *int64
		)
		err := tx.QueryRow(ctx, sqlMarkFailed, id, s.now(), cause).Scan(&kind, &chatID, &orderID, &number)
		if err != nil {
			return notFound(err)
		}
		if kind == KindDeliveryFailed || kind == KindCardRedraw || kind == KindClientBurst {
			// A failure notice tells no one; a card that cannot be redrawn (deleted from the
			// chat) is not worth the managers' attention: the next press shows it fresh.
			return nil
		}
		d := DeliveryFailedData{OutboxID: id, Kind: kind, ChatID: chatID, Error: cause}
		if number != nil {
			d.Number = *number
		}
		return s.notifyManagers(ctx, tx, d, orderID)
	})
	if err != nil {
		return fmt.Errorf("mark outbox message %d failed: %w", id, err)
	}
	return nil
}

// notifyManagers enqueues a KindDeliveryFailed notice to each manager chat.
func (s *Service) notifyManagers(ctx context.Context, tx pgx.Tx, d DeliveryFailedData, orderID *int64) error {
	var to []recipient
	if s.opts.StaffChatID != 0 {
		to = []recipient{{ChatID: s.opts.StaffChatID}}
	} else {
		rows, _ := tx.Query(ctx, sqlNewRequestRecipients, s.opts.Pilot.pilotArgs()...)
		var err error
		if to, err = pgx.CollectRows(rows, pgx.RowToStructByName[recipient]); err != nil {
			return fmt.Errorf("list managers to tell: %w", err)
		}
	}
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode %s data: %w", KindDeliveryFailed, err)
	}
	for _, rc := range to {
		if rc.ChatID == d.ChatID {
			continue // the chat that just failed would fail again
		}
		_, err := s.enqueue(ctx, tx, OutboxMessage{
			Kind: KindDeliveryFailed, ChatID: rc.ChatID, Language: rc.Language, OrderID: orderID, Data: data,
			DedupeKey: KindDeliveryFailed + ":" + strconv.FormatInt(d.OutboxID, 10) + ":" + strconv.FormatInt(rc.ChatID, 10),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

const sqlMarkBlocked = `
UPDATE outbox SET state = 'blocked', attempts = attempts + 1, finished_at = $2, last_error = $3,
	claimed_at = NULL, attempted_at = NULL
WHERE id = $1
RETURNING chat_id`

// sqlMarkChatUnreachable marks the clients behind a private chat unreachable, keeping the date
// of the first refusal.
const sqlMarkChatUnreachable = `
UPDATE clients SET unreachable_since = coalesce(unreachable_since, $2), updated_at = $2
WHERE chat_id = $1 AND unreachable_since IS NULL`

// MarkBlocked records that Telegram refused a message with 403 (the user blocked the bot, is
// deactivated, or never started it): the message is not retried, and the client behind the chat
// is marked unreachable since now, in the same transaction. Staff see the mark on the client's
// card; bulk messages skip unreachable clients; the client's next /start clears it.
func (s *Service) MarkBlocked(ctx context.Context, id int64, cause string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		now := s.now()
		var chatID int64
		if err := tx.QueryRow(ctx, sqlMarkBlocked, id, now, truncate(cause, maxErrorLen)).Scan(&chatID); err != nil {
			return notFound(err)
		}
		if _, err := tx.Exec(ctx, sqlMarkChatUnreachable, chatID, now); err != nil {
			return fmt.Errorf("mark chat %d unreachable: %w", chatID, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark outbox message %d blocked: %w", id, err)
	}
	return nil
}

const sqlMarkReachable = `
UPDATE clients SET unreachable_since = NULL, updated_at = $2
WHERE telegram_user_id = $1 AND unreachable_since IS NOT NULL`

// MarkReachable clears the unreachable mark of the Telegram user's client: they talk to the bot
// again (a /start after unblocking it). A user who is no client is no error.
func (s *Service) MarkReachable(ctx context.Context, telegramUserID int64) error {
	if _, err := s.db.Exec(ctx, sqlMarkReachable, telegramUserID, s.now()); err != nil {
		return fmt.Errorf("mark telegram user %d reachable: %w", telegramUserID, err)
	}
	return nil
}

const sqlUnreachableChats = `
SELECT DISTINCT chat_id FROM clients WHERE chat_id = ANY($1) AND unreachable_since IS NOT NULL`

// UnreachableChats returns which of chatIDs belong to clients marked unreachable.
func (s *Service) UnreachableChats(ctx context.Context, chatIDs []int64) (map[int64]bool, error) {
	rows, _ := s.db.Query(ctx, sqlUnreachableChats, chatIDs)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("look up unreachable chats: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// The statements of MigrateChat: remember the move, then point everything that names the old
// chat at the new one. Sent messages keep the chat they were sent to.
const (
	sqlRecordMigration = `
INSERT INTO chat_migrations (from_chat_id, to_chat_id, migrated_at) VALUES ($1, $2, $3)
ON CONFLICT (from_chat_id) DO UPDATE SET to_chat_id = excluded.to_chat_id, migrated_at = excluded.migrated_at`
	// Chains stay one hop: what moved to the old chat now moves to the new one.
	sqlForwardMigrations = `UPDATE chat_migrations SET to_chat_id = $2 WHERE to_chat_id = $1`
	sqlMigrateOutbox     = `UPDATE outbox SET chat_id = $2 WHERE chat_id = $1 AND state IN ('pending', 'sending')`
	sqlMigrateClients    = `UPDATE clients SET chat_id = $2, updated_at = $3 WHERE chat_id = $1`
	sqlMigrateStaff      = `UPDATE staff SET chat_id = $2, updated_at = $3 WHERE chat_id = $1`
	sqlMigrateCards      = `UPDATE orders SET client_card_chat_id = $2 WHERE client_card_chat_id = $1`
)

// MigrateChat records that Telegram upgraded group from to supergroup to: unsent messages,
// clients, staff and live cards of the old chat move to the new one, and messages enqueued later
// for the old chat (the staff group of the configuration, say) go to the new one.
func (s *Service) MigrateChat(ctx context.Context, from, to int64) error {
	if from == 0 || to == 0 || from == to {
		return fmt.Errorf("migrate chat %d to %d: %w", from, to, ErrInvalidInput)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, sqlForwardMigrations, from, to); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sqlRecordMigration, from, to, now); err != nil {
			return err
		}
		for _, q := range []string{sqlMigrateOutbox, sqlMigrateCards} {
			if _, err := tx.Exec(ctx, q, from, to); err != nil {
				return err
			}
		}
		for _, q := range []string{sqlMigrateClients, sqlMigrateStaff} {
			if _, err := tx.Exec(ctx, q, from, to, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate chat %d to %d: %w", from, to, err)
	}
	return nil
}

// Notice is an outbox message as staff see it: what, where, and how its delivery went.
type Notice struct {
	ID          int64           `db:"id"`
	Kind        string          `db:"kind"`
	Lane        string          `db:"lane"`
	ChatID      int64           `db:"chat_id"`
	OrderNumber *int64          `db:"order_number"`
	Data        json.RawMessage `db:"data"`
	State       string          `db:"state"`
	Attempts    int             `db:"attempts"`
	LastError   string          `db:"last_error"`
	NotBefore   time.Time       `db:"not_before"`
	RetryAt     *time.Time      `db:"retry_at"`
	ClaimedAt   *time.Time      `db:"claimed_at"`
	CreatedAt   time.Time       `db:"created_at"`
	FinishedAt  *time.Time      `db:"finished_at"`
}

const sqlNoticeSelect = `
SELECT m.id, m.kind, m.lane, m.chat_id, o.number AS order_number, m.data, m.state, m.attempts,
	m.last_error, m.not_before, m.retry_at, m.claimed_at, m.created_at, m.finished_at
FROM outbox m LEFT JOIN orders o ON o.id = m.order_id`

const sqlOrderNotices = sqlNoticeSelect + `
WHERE m.order_id = $1 AND m.kind <> 'delivery_failed' ORDER BY m.id DESC LIMIT $2`

// OrderNotices returns the latest messages about an order (not the managers' failure notices),
// newest first (limit <= 0 means 20).
func (s *Service) OrderNotices(ctx context.Context, orderID int64, limit int) ([]Notice, error) {
	rows, _ := s.db.Query(ctx, sqlOrderNotices, orderID, listLimit(limit))
	ns, err := pgx.CollectRows(rows, pgx.RowToStructByName[Notice])
	if err != nil {
		return nil, fmt.Errorf("list notices of order %d: %w", orderID, err)
	}
	return ns, nil
}

const sqlOrderIDByNumber = `SELECT id FROM orders WHERE number = $1`

// OrderIDByNumber returns the id of the order with the human number, or ErrNotFound.
func (s *Service) OrderIDByNumber(ctx context.Context, number int64) (int64, error) {
	var id int64
	if err := s.db.QueryRow(ctx, sqlOrderIDByNumber, number).Scan(&id); err != nil {
		return 0, fmt.Errorf("find order №%d: %w", number, notFound(err))
	}
	return id, nil
}

// Outbox health thresholds: a due message still unsent after overdueAfter is stuck; problems
// (failed, blocked, uncertain) are reported for problemsWindow.
const (
	overdueAfter   = time.Minute
	problemsWindow = 24 * time.Hour
)

// OutboxCount is how many messages of a lane are in a state (unsent ones, and problems of the
// last 24 hours); Oldest is when the oldest of them was due.
type OutboxCount struct {
	Lane   string    `db:"lane"`
	State  string    `db:"state"`
	N      int       `db:"n"`
	Oldest time.Time `db:"oldest"`
}

const sqlOutboxCounts = `
SELECT lane, state, count(*)::int AS n, min(not_before) AS oldest FROM outbox
WHERE state IN ('pending', 'sending')
	OR (state IN ('failed', 'blocked', 'uncertain') AND finished_at >= $1)
GROUP BY lane, state ORDER BY lane, state`

const sqlStuckOutbox = sqlNoticeSelect + `
WHERE (m.state = 'pending' AND m.not_before <= $1)
	OR (m.state = 'sending' AND m.claimed_at <= $2)
	OR (m.state IN ('failed', 'uncertain') AND m.finished_at >= $3)
ORDER BY m.id LIMIT $4`

// OutboxHealth returns the counts of unsent messages and recent problems, and up to limit stuck
// items, oldest first: due for over a minute and still unsent (waiting for retries or behind
// one), claimed by a sender that went quiet, failed or uncertain in the last 24 hours. Blocked
// messages are only counted: they are visible on the clients' cards.
func (s *Service) OutboxHealth(ctx context.Context, limit int) ([]OutboxCount, []Notice, error) {
	now := s.now()
	rows, _ := s.db.Query(ctx, sqlOutboxCounts, now.Add(-problemsWindow))
	counts, err := pgx.CollectRows(rows, pgx.RowToStructByName[OutboxCount])
	if err != nil {
		return nil, nil, fmt.Errorf("count outbox: %w", err)
	}
	rows, _ = s.db.Query(ctx, sqlStuckOutbox, now.Add(-overdueAfter), now.Add(-claimStuckAfter),
		now.Add(-problemsWindow), listLimit(limit))
	stuck, err := pgx.CollectRows(rows, pgx.RowToStructByName[Notice])
	if err != nil {
		return nil, nil, fmt.Errorf("list stuck outbox: %w", err)
	}
	return counts, stuck, nil
}

// LaneDepth is the unsent part of one outbox lane, for the metrics: Rows pending or being
// sent, and the age of the oldest of them that is due (0 when none is).
type LaneDepth struct {
	Lane   string
	Rows   int
	Oldest time.Duration
}

// Both lanes always appear, so a drained lane reads 0 rather than vanishing from the graphs.
const sqlOutboxDepths = `
SELECT l.lane, count(m.id)::int AS rows,
	coalesce(extract(epoch FROM $1 - min(m.not_before) FILTER (WHERE m.not_before <= $1)), 0)::float8
FROM (VALUES ('interactive'), ('bulk')) AS l (lane)
LEFT JOIN outbox m ON m.lane = l.lane AND m.state IN ('pending', 'sending')
GROUP BY l.lane ORDER BY l.lane`

// OutboxDepths returns each lane's unsent rows and the age of its oldest due one.
func (s *Service) OutboxDepths(ctx context.Context) ([]LaneDepth, error) {
	rows, _ := s.db.Query(ctx, sqlOutboxDepths, s.now())
	ds, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LaneDepth, error) {
		var d LaneDepth
		var oldest float64
		err := row.Scan(&d.Lane, &d.Rows, &oldest)
		d.Oldest = time.Duration(oldest * float64(time.Second))
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	return ds, nil
}
