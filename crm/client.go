package crm

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Client is a customer of the shop.
type Client struct {
	ID               int64      `db:"id"`
	Phone            string     `db:"phone"` // E.164, unique
	Name             string     `db:"name"`
	TelegramUserID   *int64     `db:"telegram_user_id"` // nil for imported clients who never started the bot
	ChatID           *int64     `db:"chat_id"`
	Language         string     `db:"language"`
	LeadSource       string     `db:"lead_source"`
	UnreachableSince *time.Time `db:"unreachable_since"` // the bot got 403 (blocked) since then
	CreatedAt        time.Time  `db:"created_at"`
}

const clientColumns = `id, phone, name, telegram_user_id, chat_id, language, lead_source, unreachable_since, created_at`

const sqlClientByTelegramID = `SELECT ` + clientColumns + ` FROM clients WHERE telegram_user_id = $1`

// ClientByTelegramID returns the client linked to the Telegram user, or ErrNotFound.
func (s *Service) ClientByTelegramID(ctx context.Context, userID int64) (Client, error) {
	rows, _ := s.db.Query(ctx, sqlClientByTelegramID, userID)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Client])
	if err != nil {
		return Client{}, fmt.Errorf("get client by telegram user %d: %w", userID, notFound(err))
	}
	return c, nil
}

const sqlClient = `SELECT ` + clientColumns + ` FROM clients WHERE id = $1`

// Client returns the client with id, or ErrNotFound.
func (s *Service) Client(ctx context.Context, id int64) (Client, error) {
	rows, _ := s.db.Query(ctx, sqlClient, id)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Client])
	if err != nil {
		return Client{}, fmt.Errorf("get client %d: %w", id, notFound(err))
	}
	return c, nil
}

var leadSourcePattern = regexp.MustCompile(`^src_[a-z0-9_-]{1,40}$`)

// NormalizeLeadSource turns a /start deep-link payload into a lead source: "src_avito" → "avito",
// "" → "direct", anything else → "other".
func NormalizeLeadSource(payload string) string {
	p := strings.ToLower(strings.TrimSpace(payload))
	switch {
	case p == "":
		return "direct"
	case leadSourcePattern.MatchString(p):
		return strings.TrimPrefix(p, "src_")
	default:
		return "other"
	}
}

// PhoneHolder says whose a phone is, seen from one Telegram user.
type PhoneHolder int

const (
	PhoneFree      PhoneHolder = iota // no client has it
	PhoneMine                         // the user's own client
	PhoneOtherUser                    // a client linked to another Telegram user
	PhoneUnlinked                     // a client the shop created without Telegram (walk-in, import)
)

const sqlPhoneHolder = `
SELECT CASE WHEN telegram_user_id = $2 THEN 1 WHEN telegram_user_id IS NOT NULL THEN 2 ELSE 3 END
FROM clients WHERE phone = $1`

// PhoneHolder tells whose phone is, so the bot can answer at the phone
// step: another user's number is refused, and a walk-in client's number
// links their orders only when Telegram vouches for it (a shared contact).
func (s *Service) PhoneHolder(ctx context.Context, phone string, telegramUserID int64) (PhoneHolder, error) {
	var h PhoneHolder
	err := s.db.QueryRow(ctx, sqlPhoneHolder, phone, telegramUserID).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return PhoneFree, nil
	}
	if err != nil {
		return PhoneFree, fmt.Errorf("check phone owner: %w", err)
	}
	return h, nil
}
