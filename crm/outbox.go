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
	// KindDailySummary is an owner's daily summary (bulk lane). OrderID is nil; Data:
	// DailySummary. Dedupe key "daily_summary:<owner telegram user id>:<YYYY-MM-DD>".
	KindDailySummary = "daily_summary"
	// KindDigestChart is the picture that follows an owner's end-of-day summary (bulk lane,
	// issue 9): orders and revenue by day for the 30 days ending with the summary's day, and
	// their funnel, drawn at send time. OrderID is nil; Data: DigestChartData. Dedupe key
	// "digest_chart:<owner telegram id>:<YYYY-MM-DD>".
	KindDigestChart = "digest_chart"
	// KindDeliveryFailed tells managers that a message could not be delivered. OrderID is the
	// failed message's order (or nil); Data: DeliveryFailedData. Dedupe key
	// "delivery_failed:<failed outbox id>:<chat id>". Its own failure tells no one.
	KindDeliveryFailed = "delivery_failed"
)

// Outbox states: pending → sending (claimed) → sent | failed | blocked | uncertain, or back to
// pending to be retried.
const (
	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
	// OutboxBlocked: Telegram answered 403 (blocked by the user, deactivated, never started);
	// the client is marked unreachable and the message is not retried.
	OutboxBlocked = "blocked"
	// OutboxUncertain: a bulk message whose answer was lost (a timeout, a dropped connection, a
	// crash mid-send). It may be in the chat; it is not sent again blindly (at most once).
	OutboxUncertain = "uncertain"
)

// Outbox lanes. Each lane is claimed and sent by its own workers, and the rate limiter keeps a
// reserve of the global budget for the interactive lane, so a broadcast never delays a button
// press or a status notice.
const (
	// LaneInteractive: replies and notices someone is waiting for (status changes, staff alerts).
	// After a lost answer they are sent again: a rare duplicate is better than a lost notice.
	LaneInteractive = "interactive"
	// LaneBulk: reminders, offers, summaries. At most once: after a lost answer they are not
	// sent again (OutboxUncertain).
	LaneBulk = "bulk"
)

// LaneOf is the lane a message of kind goes to unless Enqueue is told otherwise.
func LaneOf(kind string) string {
	if kind == KindDailySummary || kind == KindDigestChart {
		return LaneBulk
	}
	return LaneInteractive
}

// DigestChartData is the Data of a KindDigestChart message.
type DigestChartData struct {
	Day time.Time `json:"day"` // the summary's day: its local midnight
}

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
	Lane              string          `db:"lane"` // LaneInteractive or LaneBulk; "" in Enqueue = LaneOf(Kind)
	ChatID            int64           `db:"chat_id"`
	Language          string          `db:"language"` // as enqueued; ClaimOutbox gives the recipient's current one
	OrderID           *int64          `db:"order_id"`
	Data              json.RawMessage `db:"data"` // JSON object; see the Kind constants
	DedupeKey         string          `db:"dedupe_key"`
	NotBefore         time.Time       `db:"not_before"` // the creator's schedule
	RetryAt           *time.Time      `db:"retry_at"`   // the sender's: not before this again
	Attempts          int             `db:"attempts"`   // failed attempts so far
	State             string          `db:"state"`
	AttemptedAt       *time.Time      `db:"attempted_at"` // a send on the wire (or lost in a crash)
	PartsSent         int             `db:"parts_sent"`   // parts already in the chat
	TelegramMessageID *int            `db:"telegram_message_id"`
	LastError         string          `db:"last_error"`
}

const outboxColumns = `id, kind, lane, chat_id, language, order_id, data, dedupe_key, not_before,
	retry_at, attempts, state, attempted_at, parts_sent, telegram_message_id, last_error`

// claimStuckAfter is how long a claimed ("sending") message may go unmarked before another
// sender may claim it again (the first sender is presumed dead).
const claimStuckAfter = 2 * time.Minute

// sqlClaimOutbox claims due messages of one lane, keeping each chat's messages in order. A
// message is claimable when it is pending, due by its schedule (not_before) and by the sender's
// retry time (retry_at), or stuck in sending (claimed before $2), and
//   - no other message of its chat is in sending, in either lane (in flight, or stuck and to be
//     reclaimed first);
//   - for a pending one, no earlier (lower id) message of its chat and lane is pending and due by
//     its schedule, whether it waits to be retried or not. Messages scheduled for later
//     (reminders) do not hold their chat up until they are due.
//
// So at most one message per chat is claimed, and none while another of the chat is in flight.
// Interactive messages do not wait for earlier bulk ones of their chat: order is kept per lane.
const sqlClaimOutbox = `
UPDATE outbox SET state = 'sending', claimed_at = $1
WHERE id IN (
	SELECT o.id FROM outbox o
	WHERE o.lane = $4
		AND ((o.state = 'pending' AND o.not_before <= $1 AND (o.retry_at IS NULL OR o.retry_at <= $1))
			OR (o.state = 'sending' AND o.claimed_at <= $2))
		AND NOT EXISTS (
			SELECT 1 FROM outbox e
			WHERE e.chat_id = o.chat_id AND e.id <> o.id
				AND (e.state = 'sending'
					OR (o.state = 'pending' AND e.id < o.id AND e.state = 'pending'
						AND e.lane = o.lane AND e.not_before <= $1)))
	ORDER BY o.not_before, o.id
	LIMIT $3
	FOR UPDATE SKIP LOCKED)
RETURNING id, kind, lane, chat_id, ` + sqlRecipientLanguage + ` AS language, order_id, data, dedupe_key,
	not_before, retry_at, attempts, state, attempted_at, parts_sent, telegram_message_id, last_error`

// sqlRecipientLanguage is the language of a claimed row's recipient as it is now: the client or
// staff member whose chat it is (the one updated last, should a person be both), else the
// language stored when the row was written (a staff group, a chat nobody in the CRM owns, or a
// person whose language is not known). Notices are rendered when they are sent, and a row may
// wait (a schedule, retries) long after the recipient switched language.
const sqlRecipientLanguage = `coalesce((
	SELECT p.language FROM (
		SELECT cl.language, cl.updated_at FROM clients cl
		WHERE cl.chat_id = outbox.chat_id AND cl.language <> ''
		UNION ALL
		SELECT st.language, st.updated_at FROM staff st
		WHERE st.chat_id = outbox.chat_id AND st.language <> '') p
	ORDER BY p.updated_at DESC
	LIMIT 1), outbox.language)`

// ClaimOutbox claims up to limit due messages of lane for sending (state sending), in id order,
// each with the Language its recipient speaks now (see sqlRecipientLanguage), read in the same
// statement as the claim.
// Rows locked by another claimer are skipped (FOR UPDATE SKIP LOCKED), so concurrent senders
// (workers, replicas) never get the same row; per chat only the oldest unsent message of the lane
// is claimed, and none while another message of the chat is in flight; a message left in sending
// for over 2 minutes is claimable again, with AttemptedAt set if a send of it may have reached
// Telegram.
//
// Known gaps, each one claim statement wide: when a scheduled message becomes due while another
// claimer's statement runs, or when the two lanes claim for the same chat at the same moment, two
// messages of a chat may be in flight at once (the per-chat rate limit still holds).
func (s *Service) ClaimOutbox(ctx context.Context, lane string, limit int) ([]OutboxMessage, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("claim outbox: limit %d: %w", limit, ErrInvalidInput)
	}
	if lane != LaneInteractive && lane != LaneBulk {
		return nil, fmt.Errorf("claim outbox: lane %q: %w", lane, ErrInvalidInput)
	}
	now := s.now()
	rows, _ := s.db.Query(ctx, sqlClaimOutbox, now, now.Add(-claimStuckAfter), limit, lane)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[OutboxMessage])
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	slices.SortFunc(ms, func(a, b OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
	return ms, nil
}

const sqlReleaseOutbox = `
UPDATE outbox SET state = 'pending', claimed_at = NULL
WHERE id = ANY($1) AND state = 'sending' AND attempted_at IS NULL`

// ReleaseOutbox gives back claimed messages that were never tried (a sender shutting down), so
// they go out at once rather than after the stuck timeout. Messages with a send in flight stay
// claimed.
func (s *Service) ReleaseOutbox(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.Exec(ctx, sqlReleaseOutbox, ids); err != nil {
		return fmt.Errorf("release %d outbox messages: %w", len(ids), err)
	}
	return nil
}

const sqlMarkAttempt = `UPDATE outbox SET attempted_at = $2 WHERE id = $1 AND state = 'sending'`

// MarkAttempt records that a send of the claimed message is about to go on the wire. Should the
// sender die before recording the outcome, the next claimer knows the message may be in the chat.
func (s *Service) MarkAttempt(ctx context.Context, id int64) error {
	return s.markOutbox(ctx, "attempted", sqlMarkAttempt, id, s.now())
}

const sqlMarkPartSent = `
UPDATE outbox SET parts_sent = $2, telegram_message_id = $3, attempted_at = NULL
WHERE id = $1 AND state = 'sending'`

// MarkPartSent records that the first parts parts of a message in several parts (a photo and its
// card, a text over Telegram's limit) are in the chat, the last as telegramMessageID (0 unknown).
func (s *Service) MarkPartSent(ctx context.Context, id int64, parts, telegramMessageID int) error {
	return s.markOutbox(ctx, "part sent", sqlMarkPartSent, id, parts, messageID(telegramMessageID))
}

const sqlMarkSent = `
UPDATE outbox SET state = 'sent', sent_at = $2, finished_at = $2,
	telegram_message_id = coalesce($3, telegram_message_id), parts_sent = $4, last_error = '',
	attempted_at = NULL, claimed_at = NULL, retry_at = NULL
WHERE id = $1`

// MarkSent records that a message was delivered in parts parts, the last as Telegram message
// telegramMessageID (0 when the message is in the chat but its id was lost with the answer).
func (s *Service) MarkSent(ctx context.Context, id int64, parts, telegramMessageID int) error {
	return s.markOutbox(ctx, "sent", sqlMarkSent, id, s.now(), messageID(telegramMessageID), parts)
}

func messageID(id int) *int {
	if id == 0 {
		return nil
	}
	return &id
}

const sqlMarkRetry = `
UPDATE outbox SET state = 'pending', attempts = attempts + 1, retry_at = $2, last_error = $3,
	claimed_at = NULL, attempted_at = NULL
WHERE id = $1`

// MarkRetry puts a message back to pending after a failed attempt, due again at at. It keeps
// holding its chat's later messages until it is sent or given up.
func (s *Service) MarkRetry(ctx context.Context, id int64, cause string, at time.Time) error {
	return s.markOutbox(ctx, "retry", sqlMarkRetry, id, at, truncate(cause, maxErrorLen))
}

const sqlDeferOutbox = `
UPDATE outbox SET state = 'pending', retry_at = $2, claimed_at = NULL, attempted_at = NULL
WHERE id = $1`

// Defer puts a claimed message back without counting an attempt, due again at at: its chat has
// no budget left for now (Telegram allows about one message a second per chat, 20 a minute per
// group), and a sender should not hold a worker for it.
func (s *Service) Defer(ctx context.Context, id int64, at time.Time) error {
	return s.markOutbox(ctx, "deferred", sqlDeferOutbox, id, at)
}

const sqlMarkUncertain = `
UPDATE outbox SET state = 'uncertain', attempts = attempts + 1, finished_at = $2, last_error = $3,
	claimed_at = NULL, attempted_at = NULL
WHERE id = $1`

// MarkUncertain gives up on a bulk message whose answer was lost: it may be in the chat, and
// sending it again could show it twice.
func (s *Service) MarkUncertain(ctx context.Context, id int64, cause string) error {
	return s.markOutbox(ctx, "uncertain", sqlMarkUncertain, id, s.now(), truncate(cause, maxErrorLen))
}

func (s *Service) markOutbox(ctx context.Context, what, sql string, id int64, args ...any) error {
	return markOutboxOn(ctx, s.db, what, sql, id, args...)
}

func markOutboxOn(ctx context.Context, q querier, what, sql string, id int64, args ...any) error {
	tag, err := q.Exec(ctx, sql, append([]any{id}, args...)...)
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
// (ErrInvalidInput); a zero NotBefore means now; an empty Lane means LaneOf(Kind). A chat that
// was upgraded to a supergroup is replaced by the supergroup. ID, Attempts, State, RetryAt,
// AttemptedAt, PartsSent, TelegramMessageID and LastError are ignored.
func (s *Service) Enqueue(ctx context.Context, m OutboxMessage) (bool, error) {
	return s.enqueue(ctx, s.db, m)
}

const sqlEnqueue = `
INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before, created_at)
VALUES ($1, $2, coalesce((SELECT to_chat_id FROM chat_migrations WHERE from_chat_id = $3), $3),
	$4, $5, $6, $7, $8, $9)
ON CONFLICT (dedupe_key) DO NOTHING`

// enqueue is Enqueue on q, so that changes enqueue in their own transaction.
func (s *Service) enqueue(ctx context.Context, q querier, m OutboxMessage) (bool, error) {
	if m.Kind == "" || m.ChatID == 0 || m.DedupeKey == "" {
		return false, fmt.Errorf("enqueue: kind, chat and dedupe key are required: %w", ErrInvalidInput)
	}
	if m.Lane == "" {
		m.Lane = LaneOf(m.Kind)
	}
	if m.Lane != LaneInteractive && m.Lane != LaneBulk {
		return false, fmt.Errorf("enqueue %s: lane %q: %w", m.DedupeKey, m.Lane, ErrInvalidInput)
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
	tag, err := q.Exec(ctx, sqlEnqueue, m.Kind, m.Lane, m.ChatID, m.Language, m.OrderID, string(m.Data),
		m.DedupeKey, m.NotBefore, now)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", m.DedupeKey, err)
	}
	return tag.RowsAffected() == 1, nil
}
