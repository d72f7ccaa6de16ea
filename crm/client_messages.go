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

// Clients' free messages (issue 7, the digest's "client messages unanswered"): a client who
// writes to the bot outside any dialog is writing to the shop. The message is recorded and
// copied to the staff (the staff group, else the managers); a staff member answers by replying
// to the copy, which is relayed to the client, or presses "Answered" after a call. The digest
// lists the messages left unanswered too long.
const (
	// KindClientMessage is the staff's copy of a client's message. OrderID: the client's latest
	// order in the works, if any; Data: ClientMessageData. Dedupe key
	// "client_message:<message id>:<chat id>".
	KindClientMessage = "client_message"
	// KindClientAnswer is a staff member's reply, relayed to the client. Data: ClientAnswerData.
	// Dedupe key "client_answer:<staff chat id>:<the reply's Telegram message id>".
	KindClientAnswer = "client_answer"
	// KindClientBurst redraws a staff copy (a KindClientMessage row already in a chat) with the
	// lines the client wrote after it, instead of a copy per line. Data: ClientBurstData. Dedupe
	// key "client_burst:<copy outbox id>:<the new line's message id>".
	KindClientBurst = "client_burst"
)

// ClientBurstData is the Data of KindClientBurst: the copy to redraw and the line that made it.
type ClientBurstData struct {
	CopyID          int64 `json:"copy_id"`
	ClientMessageID int64 `json:"client_message_id"`
}

// ClientMessageData is the Data of KindClientMessage.
type ClientMessageData struct {
	ClientMessageID int64 `json:"client_message_id"`
}

// ClientAnswerData is the Data of KindClientAnswer: the reply as the staff member wrote it.
type ClientAnswerData struct {
	ClientMessageID int64  `json:"client_message_id"`
	Text            string `json:"text"`
}

// DefaultUnansweredAfter is how long a client's message may wait for an answer before the
// digest lists it.
const DefaultUnansweredAfter = 30 * time.Minute

// MaxClientMessageLen bounds a recorded message and an answer, in characters (Telegram's own).
const MaxClientMessageLen = 4096

// ClientMessage is a client's free message, with what the staff's copy shows.
type ClientMessage struct {
	ID                int64      `db:"id"`
	ClientID          *int64     `db:"client_id"` // nil: someone not yet a client
	ChatID            int64      `db:"chat_id"`
	TelegramUserID    int64      `db:"telegram_user_id"`
	TelegramMessageID int        `db:"telegram_message_id"`
	Language          string     `db:"language"`
	SenderName        string     `db:"sender_name"` // their Telegram name, when they are not a client
	Text              string     `db:"text"`
	OrderID           *int64     `db:"order_id"`
	OrderNumber       *int64     `db:"order_number"`
	ClientName        string     `db:"client_name"`
	ClientPhone       string     `db:"client_phone"`
	CreatedAt         time.Time  `db:"created_at"`
	AnsweredAt        *time.Time `db:"answered_at"`
	AnsweredBy        *int64     `db:"answered_by"`
	AnsweredByName    string     `db:"answered_by_name"`
	Answer            string     `db:"answer"`   // "" when answered by phone
	BurstOf           *int64     `db:"burst_of"` // the first message of the burst this one joined
}

// Who is the name the staff see: the client's, else the sender's Telegram name.
func (m ClientMessage) Who() string {
	if m.ClientName != "" {
		return m.ClientName
	}
	return m.SenderName
}

// NewClientMessage is a client's message as the bot received it (text already CleanText).
type NewClientMessage struct {
	ChatID     int64
	UserID     int64
	MessageID  int
	Language   string
	SenderName string
	Text       string
}

const sqlClientMessageSelect = `
SELECT m.id, m.client_id, m.chat_id, m.telegram_user_id, m.telegram_message_id, m.language,
	m.sender_name, m.text, m.order_id, o.number AS order_number, coalesce(c.name, '') AS client_name,
	coalesce(c.phone, '') AS client_phone, m.created_at, m.answered_at, m.answered_by,
	coalesce(st.name, '') AS answered_by_name, m.answer, m.burst_of
FROM client_messages m
LEFT JOIN clients c ON c.id = m.client_id
LEFT JOIN orders o ON o.id = m.order_id
LEFT JOIN staff st ON st.id = m.answered_by`

// sqlRecordClientMessage records a message once per Telegram message (an update delivered
// again adds nothing), with the sender's client record and their latest order in the works.
const sqlRecordClientMessage = `
INSERT INTO client_messages (client_id, chat_id, telegram_user_id, telegram_message_id, language,
	sender_name, text, order_id, created_at)
SELECT c.id, $1, $2, $3, $4, $5, $6,
	(SELECT o.id FROM orders o WHERE o.client_id = c.id AND o.status NOT IN ('closed', 'cancelled')
		ORDER BY o.created_at DESC, o.id DESC LIMIT 1), $7
FROM (SELECT 1) one LEFT JOIN clients c ON c.telegram_user_id = $2
ON CONFLICT (chat_id, telegram_message_id) DO NOTHING
RETURNING id`

// sqlWaitingBefore counts the chat's other messages still unanswered from the last $3: a client
// who writes three lines in a row is told once that the shop has them.
const sqlWaitingBefore = `
SELECT count(*) FROM client_messages
WHERE chat_id = $1 AND id <> $2 AND answered_at IS NULL AND created_at > $3`

// sqlBurstHead finds the burst a new message $2 of chat $1 joins: the chat's latest unanswered
// first message whose burst had a line after $3.
const sqlBurstHead = `
SELECT h.id FROM client_messages h
WHERE h.chat_id = $1 AND h.id <> $2 AND h.burst_of IS NULL AND h.answered_at IS NULL
	AND greatest(h.created_at, (SELECT max(b.created_at) FROM client_messages b WHERE b.burst_of = h.id)) > $3
ORDER BY h.id DESC LIMIT 1`

const sqlJoinBurst = `UPDATE client_messages SET burst_of = $2 WHERE id = $1`

// sqlEnqueueBurstRedraws enqueues a KindClientBurst for each copy of burst $1 being sent or in
// a chat (a copy still pending is drawn with the whole burst when it goes), for line $2, at $3.
const sqlEnqueueBurstRedraws = `
INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before, created_at)
SELECT '` + KindClientBurst + `', '` + LaneInteractive + `', o.chat_id, o.language, o.order_id,
	jsonb_build_object('copy_id', o.id, 'client_message_id', $2::bigint),
	'` + KindClientBurst + `:' || o.id || ':' || $2::bigint, $3::timestamptz, $3::timestamptz
FROM outbox o
WHERE o.kind = '` + KindClientMessage + `' AND (o.data->>'client_message_id')::bigint = $1
	AND (o.state = '` + OutboxSending + `' OR (o.state = '` + OutboxSent + `' AND o.telegram_message_id IS NOT NULL))
ON CONFLICT (dedupe_key) DO NOTHING`

// ClientMessageBurst returns the lines that joined the burst of message head, oldest first.
func (s *Service) ClientMessageBurst(ctx context.Context, head int64) ([]ClientMessage, error) {
	rows, _ := s.db.Query(ctx, sqlClientMessageSelect+` WHERE m.burst_of = $1 ORDER BY m.id`, head)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[ClientMessage])
	if err != nil {
		return nil, fmt.Errorf("list the burst of client message %d: %w", head, err)
	}
	return ms, nil
}

// ackQuiet is how long after an unanswered message the next one is taken without a new
// acknowledgement.
const ackQuiet = 10 * time.Minute

// RecordClientMessage records a client's free message and copies it to the staff: the staff
// group when one is configured, else every active manager and admin (owners when there are
// none). created is false when the message was recorded before (the same update again): nothing
// is copied twice. waiting is how many of the chat's messages of the last minutes were already
// waiting for an answer, so the bot acknowledges the first of a burst only.
func (s *Service) RecordClientMessage(ctx context.Context, in NewClientMessage) (m ClientMessage, created bool, waiting int, err error) {
	if in.ChatID == 0 || in.UserID == 0 || in.MessageID == 0 || in.Text == "" {
		return ClientMessage{}, false, 0, fmt.Errorf("record client message: chat, user, message and text are required: %w", ErrInvalidInput)
	}
	now := s.now()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, sqlRecordClientMessage, in.ChatID, in.UserID, in.MessageID, in.Language,
			truncate(in.SenderName, 200), truncate(in.Text, MaxClientMessageLen), now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // recorded and copied before
		}
		if err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		created = true
		if m, err = clientMessage(ctx, tx, id); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, sqlWaitingBefore, in.ChatID, id, now.Add(-ackQuiet)).Scan(&waiting); err != nil {
			return fmt.Errorf("count waiting: %w", err)
		}
		var head int64
		err = tx.QueryRow(ctx, sqlBurstHead, in.ChatID, id, now.Add(-ackQuiet)).Scan(&head)
		if err == nil {
			// A line of a burst: the burst's copies are redrawn with it, no copy of its own.
			if _, err := tx.Exec(ctx, sqlJoinBurst, id, head); err != nil {
				return fmt.Errorf("join burst %d: %w", head, err)
			}
			m.BurstOf = &head
			if _, err := tx.Exec(ctx, sqlEnqueueBurstRedraws, head, id, now); err != nil {
				return fmt.Errorf("enqueue burst redraws: %w", err)
			}
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("find burst: %w", err)
		}
		to, err := managerRecipients(ctx, tx, s.opts.StaffChatID, s.opts.Pilot)
		if err != nil {
			return err
		}
		data, _ := json.Marshal(ClientMessageData{ClientMessageID: id})
		for _, rc := range to {
			_, err := s.enqueue(ctx, tx, OutboxMessage{Kind: KindClientMessage, ChatID: rc.ChatID, Language: rc.Language,
				OrderID: m.OrderID, Data: data,
				DedupeKey: KindClientMessage + ":" + strconv.FormatInt(id, 10) + ":" + strconv.FormatInt(rc.ChatID, 10)})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ClientMessage{}, false, 0, fmt.Errorf("record client message of user %d: %w", in.UserID, err)
	}
	return m, created, waiting, nil
}

func clientMessage(ctx context.Context, q querier, id int64) (ClientMessage, error) {
	rows, _ := q.Query(ctx, sqlClientMessageSelect+` WHERE m.id = $1`, id)
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ClientMessage])
	if err != nil {
		return ClientMessage{}, fmt.Errorf("get client message %d: %w", id, notFound(err))
	}
	return m, nil
}

// ClientMessage returns the message with id, or ErrNotFound.
func (s *Service) ClientMessage(ctx context.Context, id int64) (ClientMessage, error) {
	return clientMessage(ctx, s.db, id)
}

const sqlCopyOf = `
SELECT (data->>'client_message_id')::bigint FROM outbox
WHERE kind = '` + KindClientMessage + `' AND chat_id = $1 AND telegram_message_id = $2
LIMIT 1`

// ClientMessageByCopy returns the message whose staff copy is Telegram message messageID in chat
// chatID: what a staff member's reply answers. ErrNotFound when that message is no copy.
func (s *Service) ClientMessageByCopy(ctx context.Context, chatID int64, messageID int) (ClientMessage, error) {
	var id int64
	if err := s.db.QueryRow(ctx, sqlCopyOf, chatID, messageID).Scan(&id); err != nil {
		return ClientMessage{}, fmt.Errorf("client message copied as %d in chat %d: %w", messageID, chatID, notFound(err))
	}
	return s.ClientMessage(ctx, id)
}

const sqlMarkAnswered = `
UPDATE client_messages SET answered_at = $2, answered_by = $3, answer = $4
WHERE id = $1 AND answered_at IS NULL`

// sqlMarkBurstAnswered: an answer to a burst's copy answers every line the copy shows.
const sqlMarkBurstAnswered = `
UPDATE client_messages SET answered_at = $2, answered_by = $3, answer = ''
WHERE burst_of = $1 AND answered_at IS NULL`

// Answer is a staff member's answer to a client's message.
type Answer struct {
	MessageID int64
	Text      string // the reply relayed to the client; "" for "Answered" (by phone)
	// ReplyChatID and ReplyMessageID name the staff's reply in Telegram: it is relayed once
	// however often the update comes.
	ReplyChatID    int64
	ReplyMessageID int
}

// AnswerClientMessage records that actor answered message a.MessageID and, for a written answer,
// relays it to the client through the outbox. The first answer marks the message answered (by
// whom, with what); a later reply is relayed too, and first is false. Who may: ActClientMessages.
func (s *Service) AnswerClientMessage(ctx context.Context, actor Staff, a Answer) (m ClientMessage, first bool, err error) {
	if err := Permit(actor, ActClientMessages, nil); err != nil {
		return ClientMessage{}, false, fmt.Errorf("answer client message %d: %w", a.MessageID, err)
	}
	a.Text = truncate(a.Text, MaxClientMessageLen)
	now := s.now()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sqlMarkAnswered, a.MessageID, now, actor.ID, a.Text)
		if err != nil {
			return fmt.Errorf("mark answered: %w", err)
		}
		first = tag.RowsAffected() == 1
		if _, err := tx.Exec(ctx, sqlMarkBurstAnswered, a.MessageID, now, actor.ID); err != nil {
			return fmt.Errorf("mark the burst answered: %w", err)
		}
		if m, err = clientMessage(ctx, tx, a.MessageID); err != nil {
			return err
		}
		if a.Text == "" {
			return nil
		}
		data, _ := json.Marshal(ClientAnswerData{ClientMessageID: a.MessageID, Text: a.Text})
		_, err = s.enqueue(ctx, tx, OutboxMessage{Kind: KindClientAnswer, ChatID: m.ChatID, Language: m.Language,
			OrderID: m.OrderID, Data: data,
			DedupeKey: KindClientAnswer + ":" + strconv.FormatInt(a.ReplyChatID, 10) + ":" + strconv.Itoa(a.ReplyMessageID)})
		return err
	})
	if err != nil {
		return ClientMessage{}, false, fmt.Errorf("answer client message %d: %w", a.MessageID, err)
	}
	return m, first, nil
}

// unansweredBefore lists the messages still unanswered that came before cutoff, oldest first.
func unansweredBefore(ctx context.Context, q querier, cutoff time.Time, limit int) ([]ClientMessage, error) {
	rows, _ := q.Query(ctx, sqlClientMessageSelect+`
WHERE m.answered_at IS NULL AND m.burst_of IS NULL AND m.created_at < $1 ORDER BY m.created_at, m.id LIMIT $2`, cutoff, limit)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[ClientMessage])
	if err != nil {
		return nil, fmt.Errorf("list unanswered client messages: %w", err)
	}
	return ms, nil
}

// unansweredAfter is Options.UnansweredAfter with its default.
func (s *Service) unansweredAfter() time.Duration {
	if s.opts.UnansweredAfter <= 0 {
		return DefaultUnansweredAfter
	}
	return s.opts.UnansweredAfter
}
