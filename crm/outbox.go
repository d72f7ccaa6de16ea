package crm

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outbox kinds. The outbox holds what to say, not text: the sender renders Kind with the order
// (OrderID) and Data in the recipient's Language at send time.
const (
	// KindNewRequest tells staff about a new booking. OrderID is set; Data: NewRequestData.
	// Dedupe key "new_request:<order id>:<chat id>".
	KindNewRequest = "new_request"
	// KindOrderAssigned tells a mechanic an order is theirs. OrderID is set; Data:
	// OrderAssignedData. Dedupe key "order_assigned:<order id>:<order version after the change>".
	KindOrderAssigned = "order_assigned"
	// KindStatusChanged tells the client their order moved. OrderID is set; Data:
	// StatusChangedData. Dedupe key "status_changed:<order id>:<order version after the change>".
	KindStatusChanged = "status_changed"
	// KindDailySummary is an owner's daily summary. OrderID is nil; Data: DailySummary. Dedupe key
	// "daily_summary:<owner telegram user id>:<YYYY-MM-DD>".
	KindDailySummary = "daily_summary"
)

// Outbox states: pending → sending (claimed) → sent | failed, or back to pending to retry.
const (
	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// NewRequestData is the Data of a KindNewRequest message: {"number":1001}.
type NewRequestData struct {
	Number int64 `json:"number"`
}

// OrderAssignedData is the Data of a KindOrderAssigned message: {"number":1001,"by_staff_id":3}.
type OrderAssignedData struct {
	Number    int64 `json:"number"`
	ByStaffID int64 `json:"by_staff_id"` // who assigned it
}

// StatusChangedData is the Data of a KindStatusChanged message:
// {"number":1001,"from":"new","to":"accepted"}.
type StatusChangedData struct {
	Number int64  `json:"number"`
	From   Status `json:"from"`
	To     Status `json:"to"`
}

// OutboxMessage is a message waiting to be (or already) sent.
type OutboxMessage struct {
	ID                int64           `db:"id"`
	Kind              string          `db:"kind"`
	ChatID            int64           `db:"chat_id"`
	Language          string          `db:"language"`
	OrderID           *int64          `db:"order_id"`
	Data              json.RawMessage `db:"data"` // JSON object; see the Kind constants
	DedupeKey         string          `db:"dedupe_key"`
	NotBefore         time.Time       `db:"not_before"`
	Attempts          int             `db:"attempts"` // failed attempts so far
	State             string          `db:"state"`
	TelegramMessageID *int            `db:"telegram_message_id"`
	LastError         string          `db:"last_error"`
}

const outboxColumns = `id, kind, chat_id, language, order_id, data, dedupe_key, not_before,
	attempts, state, telegram_message_id, last_error`

// claimStuckAfter is how long a claimed ("sending") message may go unmarked before another
// sender may claim it again (the first sender is presumed dead).
const claimStuckAfter = 2 * time.Minute

// sqlClaimOutbox claims due messages, keeping each chat's messages in order. A message is
// claimable when it is pending and due, or stuck in sending (claimed before $2), and
//   - no other message of its chat is in sending (in flight, or stuck and to be reclaimed first);
//   - for a pending one, no earlier (lower id) message of its chat is pending and due or waiting
//     to be retried. Messages scheduled for later that were never tried (reminders) do not hold
//     their chat up until they are due.
//
// So at most one message per chat is claimed, and none while another of the chat is in flight.
const sqlClaimOutbox = `
UPDATE outbox SET state = 'sending', claimed_at = $1
WHERE id IN (
	SELECT o.id FROM outbox o
	WHERE ((o.state = 'pending' AND o.not_before <= $1) OR (o.state = 'sending' AND o.claimed_at <= $2))
		AND NOT EXISTS (
			SELECT 1 FROM outbox e
			WHERE e.chat_id = o.chat_id AND e.id <> o.id
				AND (e.state = 'sending'
					OR (o.state = 'pending' AND e.id < o.id AND e.state = 'pending'
						AND (e.not_before <= $1 OR e.attempts > 0))))
	ORDER BY o.not_before, o.id
	LIMIT $3
	FOR UPDATE SKIP LOCKED)
RETURNING ` + outboxColumns

// ClaimOutbox claims up to limit due messages for sending (state sending), in id order. Rows
// locked by another claimer are skipped (FOR UPDATE SKIP LOCKED), so concurrent senders never get
// the same row; per chat only the oldest unsent message is claimed, and none while an earlier one
// is in flight; a message left in sending for over 2 minutes is claimable again.
//
// Known gap: when a scheduled message becomes due while another claimer's statement is running,
// the two claimers' snapshots may each pick a different message of that chat; the window is one
// claim statement long and only around a scheduled message's due time.
func (s *Service) ClaimOutbox(ctx context.Context, limit int) ([]OutboxMessage, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("claim outbox: limit %d: %w", limit, ErrInvalidInput)
	}
	now := s.now()
	rows, _ := s.db.Query(ctx, sqlClaimOutbox, now, now.Add(-claimStuckAfter), limit)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[OutboxMessage])
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	slices.SortFunc(ms, func(a, b OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
	return ms, nil
}

const sqlMarkSent = `
UPDATE outbox SET state = 'sent', sent_at = $2, telegram_message_id = $3, last_error = ''
WHERE id = $1`

// MarkSent records that a message was delivered as Telegram message telegramMessageID.
func (s *Service) MarkSent(ctx context.Context, id int64, telegramMessageID int) error {
	return s.markOutbox(ctx, "sent", sqlMarkSent, id, s.now(), telegramMessageID)
}

const sqlMarkRetry = `
UPDATE outbox SET state = 'pending', attempts = attempts + 1, not_before = $2, last_error = $3,
	claimed_at = NULL
WHERE id = $1`

// MarkRetry puts a message back to pending after a failed attempt, due again at at.
func (s *Service) MarkRetry(ctx context.Context, id int64, cause string, at time.Time) error {
	return s.markOutbox(ctx, "retry", sqlMarkRetry, id, at, truncate(cause, maxErrorLen))
}

const sqlMarkFailed = `
UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = $2, claimed_at = NULL
WHERE id = $1`

// MarkFailed gives up on a message.
func (s *Service) MarkFailed(ctx context.Context, id int64, cause string) error {
	return s.markOutbox(ctx, "failed", sqlMarkFailed, id, truncate(cause, maxErrorLen))
}

func (s *Service) markOutbox(ctx context.Context, what, sql string, id int64, args ...any) error {
	tag, err := s.db.Exec(ctx, sql, append([]any{id}, args...)...)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mark outbox message %d %s: %w", id, what, err)
	}
	return nil
}

// maxErrorLen bounds the stored last error.
const maxErrorLen = 2000

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") // drops a rune cut in half
}

// Enqueue adds a pending message unless one with its dedupe key exists, and reports whether it
// added it. Kind, ChatID and DedupeKey are required and Data must be JSON (nil = {})
// (ErrInvalidInput); a zero NotBefore means now. ID, Attempts, State, TelegramMessageID and
// LastError are ignored.
func (s *Service) Enqueue(ctx context.Context, m OutboxMessage) (bool, error) {
	return s.enqueue(ctx, s.db, m)
}

const sqlEnqueue = `
INSERT INTO outbox (kind, chat_id, language, order_id, data, dedupe_key, not_before, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (dedupe_key) DO NOTHING`

// enqueue is Enqueue on q, so that changes enqueue in their own transaction.
func (s *Service) enqueue(ctx context.Context, q querier, m OutboxMessage) (bool, error) {
	if m.Kind == "" || m.ChatID == 0 || m.DedupeKey == "" {
		return false, fmt.Errorf("enqueue: kind, chat and dedupe key are required: %w", ErrInvalidInput)
	}
	if m.Data == nil {
		m.Data = json.RawMessage("{}")
	}
	if !json.Valid(m.Data) {
		return false, fmt.Errorf("enqueue %s: data is not JSON: %w", m.DedupeKey, ErrInvalidInput)
	}
	now := s.now()
	if m.NotBefore.IsZero() {
		m.NotBefore = now
	}
	// Pass the JSON as text: a json.RawMessage would be encoded again as a JSON string.
	tag, err := q.Exec(ctx, sqlEnqueue, m.Kind, m.ChatID, m.Language, m.OrderID, string(m.Data),
		m.DedupeKey, m.NotBefore, now)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", m.DedupeKey, err)
	}
	return tag.RowsAffected() == 1, nil
}
