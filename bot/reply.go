package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"
)

// say sends an HTML message, split into parts when over Telegram's limit;
// markup goes with the last part.
func (b *Bot) say(ctx context.Context, chatID int64, html string, markup any) error {
	_, err := b.sayMessage(ctx, chatID, html, markup)
	return err
}

// sayMessage is say that returns the id of the (last) message sent.
func (b *Bot) sayMessage(ctx context.Context, chatID int64, html string, markup any) (int, error) {
	parts := splitMessage(html)
	var last int
	for i, part := range parts {
		m := tgbotapi.NewMessage(chatID, part)
		m.ParseMode = tgbotapi.ModeHTML
		m.DisableWebPagePreview = true
		if i == len(parts)-1 && markup != nil {
			m.ReplyMarkup = markup
		}
		sent, err := b.send(ctx, chatID, m)
		if err != nil {
			return 0, fmt.Errorf("send message: %w", err)
		}
		last = sent
	}
	return last, nil
}

// sayCard sends an order card, remembering what it shows: its buttons may
// redraw it, and a redraw that changes nothing must not reach Telegram.
func (b *Bot) sayCard(ctx context.Context, chatID int64, html string, kb *tgbotapi.InlineKeyboardMarkup) (int, error) {
	sent, err := b.sayMessage(ctx, chatID, html, kbOrNil(kb))
	if err == nil && kb != nil {
		b.remember(ctx, chatID, sent, html, kb)
	}
	return sent, err
}

// remember records what a message shows, for editCard. In an update it goes with the update's
// state writes (stateWrites): no round trip of its own.
func (b *Bot) remember(ctx context.Context, chatID int64, messageID int, html string, kb *tgbotapi.InlineKeyboardMarkup) {
	key, drawn := drawnKey(b.cfg.KeyPrefix, chatID, messageID), contentHash(html, kb)
	stateWritesFrom(ctx).knowDrawn(key, drawn)
	if err := b.writeState(ctx, func(p redis.Pipeliner) { p.Set(ctx, key, drawn, drawnTTL) }); err != nil {
		b.log.Warn("remember drawn card", "err", err)
	}
}

// editCard redraws a message in place, unless it already shows exactly
// this: Telegram refuses an edit that changes nothing, and a double tap or
// quick successive moves would ask for the same card twice. What each
// message shows is remembered in Redis by a hash.
func (b *Bot) editCard(ctx context.Context, chatID int64, messageID int, html string, kb *tgbotapi.InlineKeyboardMarkup) error {
	key := drawnKey(b.cfg.KeyPrefix, chatID, messageID)
	drawn := contentHash(html, kb)
	shown, known := stateWritesFrom(ctx).shown(key)
	if !known {
		shown, _ = b.rdb.Get(ctx, key).Result()
	}
	if shown == drawn {
		return nil
	}
	e := tgbotapi.NewEditMessageText(chatID, messageID, html)
	e.ParseMode = tgbotapi.ModeHTML
	e.DisableWebPagePreview = true
	e.ReplyMarkup = kb
	if _, err := b.send(ctx, 0, e); err != nil && !isNotModified(err) {
		return fmt.Errorf("edit message %d: %w", messageID, err)
	}
	b.remember(ctx, chatID, messageID, html, kb)
	return nil
}

func contentHash(html string, kb *tgbotapi.InlineKeyboardMarkup) string {
	h := sha256.New()
	h.Write([]byte(html))
	if kb != nil {
		for _, row := range kb.InlineKeyboard {
			for _, btn := range row {
				h.Write([]byte{0})
				h.Write([]byte(btn.Text))
				if btn.CallbackData != nil {
					h.Write([]byte{1})
					h.Write([]byte(*btn.CallbackData))
				}
			}
			h.Write([]byte{2})
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// editPressed redraws the message whose button was pressed, if Telegram
// still gave it to us (it does not for very old messages).
func (b *Bot) editPressed(ctx context.Context, r *request, html string, kb *tgbotapi.InlineKeyboardMarkup) error {
	if r.cb == nil || r.cb.Message == nil {
		return b.say(ctx, r.chatID, html, kbOrNil(kb))
	}
	return b.editCard(ctx, r.cb.Message.Chat.ID, r.cb.Message.MessageID, html, kb)
}

// kbOrNil keeps a nil keyboard a nil interface, so no "reply_markup" is sent.
func kbOrNil(kb *tgbotapi.InlineKeyboardMarkup) any {
	if kb == nil {
		return nil
	}
	return kb
}
