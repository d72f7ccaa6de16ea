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

// Feedback outbox kinds.
const (
	// KindFeedbackAsk asks the client to rate a delivered order (bulk lane). OrderID is set;
	// Data: {}. Dedupe key "feedback_ask:<order id>".
	KindFeedbackAsk = "feedback_ask"
	// KindFeedbackAlert tells an owner at once that a client rated an order 3 or lower. OrderID
	// is set; Data: FeedbackAlertData. Dedupe key "feedback_alert:<order id>:<chat id>".
	KindFeedbackAlert = "feedback_alert"
)

// FeedbackAlertData is the Data of a KindFeedbackAlert message: {"number":1001,"rating":2}.
type FeedbackAlertData struct {
	Number int64 `json:"number"`
	Rating int   `json:"rating"`
}

// LowRating is the highest rating that alerts the owners.
const LowRating = 3

// feedbackWindow is how long after delivery an order is still asked about: a run missed for a
// day still asks, a question a week late would puzzle.
const feedbackWindow = 3 * 24 * time.Hour

const sqlFeedbackDue = `
SELECT o.id, c.chat_id, c.language FROM orders o JOIN clients c ON c.id = o.client_id
WHERE o.status IN ('delivered', 'closed') AND c.chat_id IS NOT NULL AND c.unreachable_since IS NULL
	AND EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.to_status = 'delivered'
		AND e.created_at > $1 AND e.created_at <= $2)
	AND NOT EXISTS (SELECT 1 FROM order_feedback f WHERE f.order_id = o.id)
	-- Asked already (the dedupe key): a rerun makes no round trip per order.
	AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.dedupe_key = '` + KindFeedbackAsk + `:' || o.id)
ORDER BY o.id`

// EnqueueFeedbackRequests asks for a rating of every order delivered in the three days up to now
// whose client the bot can reach and who has not rated it, once per order (dedupe key
// "feedback_ask:<order id>"), and returns how many questions are new. sendAt, when not nil,
// says when the question about order id may go out (quiet hours); nil is now.
func (s *Service) EnqueueFeedbackRequests(ctx context.Context, now time.Time, sendAt func(orderID int64) time.Time) (int, error) {
	type due struct {
		ID       int64  `db:"id"`
		ChatID   int64  `db:"chat_id"`
		Language string `db:"language"`
	}
	rows, _ := s.db.Query(ctx, sqlFeedbackDue, now.Add(-feedbackWindow), now)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[due])
	if err != nil {
		return 0, fmt.Errorf("list orders to ask feedback on: %w", err)
	}
	added := 0
	var errs []error
	for _, d := range ds {
		at := now
		if sendAt != nil {
			at = sendAt(d.ID)
		}
		ok, err := s.Enqueue(ctx, OutboxMessage{Kind: KindFeedbackAsk, Lane: LaneBulk, ChatID: d.ChatID,
			Language: d.Language, OrderID: &d.ID, NotBefore: at,
			DedupeKey: KindFeedbackAsk + ":" + strconv.FormatInt(d.ID, 10)})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			added++
		}
	}
	if len(errs) > 0 {
		return added, fmt.Errorf("enqueue feedback requests: %w", errors.Join(errs...))
	}
	return added, nil
}

const sqlOrderClientUser = `
SELECT c.id, c.telegram_user_id, o.number, o.status FROM orders o JOIN clients c ON c.id = o.client_id
WHERE o.id = $1 FOR UPDATE OF o`

const sqlInsertFeedback = `
INSERT INTO order_feedback (order_id, client_id, rating, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (order_id) DO NOTHING`

// RateOrder records the rating (1..5) the client linked to Telegram user userID gave their order,
// once: recorded is false when the order was rated before (the first rating stands). A rating
// of LowRating or lower alerts every owner with a chat in the same transaction. The order must
// be the user's own (ErrForbidden) and delivered or closed (ErrInvalidInput).
func (s *Service) RateOrder(ctx context.Context, userID, orderID int64, rating int) (recorded bool, err error) {
	if rating < 1 || rating > 5 {
		return false, fmt.Errorf("rate order %d: rating %d: %w", orderID, rating, ErrInvalidInput)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var clientID, number int64
		var owner *int64
		var status Status
		err := tx.QueryRow(ctx, sqlOrderClientUser, orderID).Scan(&clientID, &owner, &number, &status)
		if err != nil {
			return fmt.Errorf("look up order: %w", notFound(err))
		}
		if owner == nil || *owner != userID {
			return fmt.Errorf("order of another client: %w", ErrForbidden)
		}
		if status != StatusDelivered && status != StatusClosed {
			return fmt.Errorf("order is %s, not delivered: %w", status, ErrInvalidInput)
		}
		now := s.now()
		tag, err := tx.Exec(ctx, sqlInsertFeedback, orderID, clientID, rating, now)
		if err != nil {
			return fmt.Errorf("insert feedback: %w", err)
		}
		if recorded = tag.RowsAffected() == 1; !recorded || rating > LowRating {
			return nil
		}
		return s.alertOwners(ctx, tx, orderID, FeedbackAlertData{Number: number, Rating: rating})
	})
	if err != nil {
		return false, fmt.Errorf("rate order %d: %w", orderID, err)
	}
	return recorded, nil
}

func (s *Service) alertOwners(ctx context.Context, tx pgx.Tx, orderID int64, d FeedbackAlertData) error {
	owners, err := ownersWithChat(ctx, tx)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(d)
	for _, o := range owners {
		_, err := s.enqueue(ctx, tx, OutboxMessage{Kind: KindFeedbackAlert, Lane: LaneInteractive,
			ChatID: o.ChatID, Language: o.Language, OrderID: &orderID, Data: data,
			DedupeKey: KindFeedbackAlert + ":" + strconv.FormatInt(orderID, 10) + ":" + strconv.FormatInt(o.ChatID, 10)})
		if err != nil {
			return err
		}
	}
	return nil
}

const sqlOrderRating = `SELECT rating FROM order_feedback WHERE order_id = $1`

// OrderRating returns the client's rating of an order, or ErrNotFound when there is none.
func (s *Service) OrderRating(ctx context.Context, orderID int64) (int, error) {
	var r int
	if err := s.db.QueryRow(ctx, sqlOrderRating, orderID).Scan(&r); err != nil {
		return 0, fmt.Errorf("rating of order %d: %w", orderID, notFound(err))
	}
	return r, nil
}
