package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// send posts a message-returning call through the rate limiter. chatID is
// the chat that receives a NEW message (0 for edits, which Telegram does not
// count against the per-chat limit).
func (b *Bot) send(ctx context.Context, chatID int64, c tgbotapi.Chattable) (tgbotapi.Message, error) {
	if err := b.limit.wait(ctx, chatID); err != nil {
		return tgbotapi.Message{}, fmt.Errorf("wait for the rate limit: %w", err)
	}
	m, err := b.api.Send(c)
	if err != nil {
		return tgbotapi.Message{}, redactErr(err, b.api.Token)
	}
	return m, nil
}

// request posts a call whose result is not a message (answerCallbackQuery,
// setMyCommands, ...): the library's Send would fail to decode its "true".
func (b *Bot) request(ctx context.Context, chatID int64, c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	if err := b.limit.wait(ctx, chatID); err != nil {
		return nil, fmt.Errorf("wait for the rate limit: %w", err)
	}
	resp, err := b.api.Request(c)
	if err != nil {
		return nil, redactErr(err, b.api.Token)
	}
	return resp, nil
}

// redactErr hides the bot token, which transport errors carry in the URL.
func redactErr(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return redacted{err: err, token: token}
}

type redacted struct {
	err   error
	token string
}

func (r redacted) Error() string { return strings.ReplaceAll(r.err.Error(), r.token, "<token>") }
func (r redacted) Unwrap() error { return r.err }

func decodeUpdates(resp *tgbotapi.APIResponse, into *[]tgbotapi.Update) error {
	if err := json.Unmarshal(resp.Result, into); err != nil {
		return fmt.Errorf("decode updates: %w", err)
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// isNotModified tells an edit that changed nothing: the card already shows
// what we wanted, which is success.
func isNotModified(err error) bool {
	var tgErr *tgbotapi.Error
	return errors.As(err, &tgErr) && strings.Contains(tgErr.Message, "message is not modified")
}

// telegramCode is the error code of a Bot API error, 0 for other errors.
func telegramCode(err error) int {
	var tgErr *tgbotapi.Error
	if errors.As(err, &tgErr) {
		return tgErr.Code
	}
	return 0
}
