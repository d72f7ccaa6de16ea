package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// KindCardRedraw redraws a card of an order that is already in a chat, after a change the card
// shows (status, slot, mechanic, car, problem, photo): the client's live card and each staff
// card the outbox put in a chat (KindNewRequest to the staff group or a manager,
// KindOrderAssigned to a mechanic). OrderID is set; Data: CardRedrawData. Dedupe key
// "card_redraw:<source outbox id | client>:<order id>:<order version after the change>".
// It is an edit, not a message: it rings no phone and is not held by the quiet hours.
const KindCardRedraw = "card_redraw"

// CardRedrawData is the Data of a KindCardRedraw message. SourceID is the outbox row that drew a
// staff card (its message id is read at send time: a card still being sent when the order
// changed is redrawn too, after it, since a chat's rows go out in order); 0 means the client's
// live card (orders.client_card_message_id).
type CardRedrawData struct {
	SourceID int64 `json:"source_id,omitempty"`
}

// sqlEnqueueCardRedraws enqueues one KindCardRedraw per card of order $1 in a chat, for version
// $2, at $3, except the card at chat $4, message $5 (WithPressedCard; 0, 0 for none).
const sqlEnqueueCardRedraws = `
INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before, created_at)
SELECT '` + KindCardRedraw + `', '` + LaneInteractive + `', s.chat_id, s.language, s.order_id,
	jsonb_build_object('source_id', s.id), '` + KindCardRedraw + `:' || s.id || ':' || s.order_id || ':' || $2::int, $3::timestamptz, $3::timestamptz
FROM outbox s
WHERE s.order_id = $1 AND s.kind IN ('` + KindNewRequest + `', '` + KindOrderAssigned + `')
	AND (s.state = '` + OutboxSending + `' OR (s.state = '` + OutboxSent + `' AND s.telegram_message_id IS NOT NULL))
	AND NOT (s.chat_id = $4 AND s.telegram_message_id IS NOT DISTINCT FROM $5::int)
UNION ALL
SELECT '` + KindCardRedraw + `', '` + LaneInteractive + `', o.client_card_chat_id, '', o.id,
	'{}'::jsonb, '` + KindCardRedraw + `:client:' || o.id || ':' || $2::int, $3::timestamptz, $3::timestamptz
FROM orders o
WHERE o.id = $1 AND o.client_card_chat_id IS NOT NULL AND o.client_card_message_id IS NOT NULL
	AND NOT (o.client_card_chat_id = $4 AND o.client_card_message_id = $5::int)
ON CONFLICT (dedupe_key) DO NOTHING`

type pressedCardKey struct{}

type pressedCard struct {
	chatID    int64
	messageID int
}

// WithPressedCard tells the order changes made under ctx that their caller redraws the card at
// chatID, messageID itself (the card whose button was pressed): that card gets no redraw row,
// which would race the caller's own edit and be refused by Telegram as "not modified".
func WithPressedCard(ctx context.Context, chatID int64, messageID int) context.Context {
	return context.WithValue(ctx, pressedCardKey{}, pressedCard{chatID: chatID, messageID: messageID})
}

// cardShows reports whether the change from before to after is one a card of the order shows.
func cardShows(before, after Order) bool {
	return before.Status != after.Status || !sameTime(before.Slot, after.Slot) ||
		!sameID(before.MechanicID, after.MechanicID) || before.VehicleID != after.VehicleID ||
		before.Problem != after.Problem || before.PhotoFileID != after.PhotoFileID
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// enqueueCardRedraws redraws every card of the saved order in a chat, in the change's
// transaction: UpdateOrder calls it, so no path that changes what a card shows can leave a card
// behind.
func (s *Service) enqueueCardRedraws(ctx context.Context, tx pgx.Tx, saved Order) error {
	pressed, _ := ctx.Value(pressedCardKey{}).(pressedCard)
	if _, err := tx.Exec(ctx, sqlEnqueueCardRedraws, saved.ID, saved.Version, s.now(), pressed.chatID, pressed.messageID); err != nil {
		return fmt.Errorf("enqueue card redraws: %w", err)
	}
	return nil
}

const sqlCardSource = `SELECT kind, chat_id, telegram_message_id FROM outbox WHERE id = $1`

// CardSource is where an outbox row drew a card: its kind, chat and message (nil: not in the
// chat).
type CardSource struct {
	Kind      string
	ChatID    int64
	MessageID *int
}

// CardSourceOf returns where the outbox row id drew its card.
func (s *Service) CardSourceOf(ctx context.Context, id int64) (CardSource, error) {
	var c CardSource
	if err := s.db.QueryRow(ctx, sqlCardSource, id).Scan(&c.Kind, &c.ChatID, &c.MessageID); err != nil {
		return CardSource{}, fmt.Errorf("get card source %d: %w", id, notFound(err))
	}
	return c, nil
}
