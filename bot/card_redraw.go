package bot

import (
	"context"
	"encoding/json"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// renderCardRedraw edits a card of an order already in a chat to show the order as it is now
// (crm.KindCardRedraw): the client's live card, or a staff card the outbox sent (the staff
// group's or a manager's new request, a mechanic's assignment). The edit goes through the
// sender like a message, so it is rate limited and retried; a card that already shows the order
// as it is (the pressed card, redrawn by the press) is left alone.
func (b *Bot) renderCardRedraw(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, error) {
	card, err := b.orderOf(ctx, m)
	if err != nil {
		return rendered{}, err
	}
	var d crm.CardRedrawData
	if err := json.Unmarshal(m.Data, &d); err != nil {
		return rendered{}, fmt.Errorf("decode card redraw: %w", err)
	}
	var (
		messageID int
		html      string
		kb        *tgbotapi.InlineKeyboardMarkup
	)
	if d.SourceID == 0 {
		o := card.Order
		if o.ClientCardChatID == nil || o.ClientCardMessageID == nil || *o.ClientCardChatID != m.ChatID {
			return rendered{}, fmt.Errorf("client card of order %d moved: %w", o.ID, errObsolete)
		}
		messageID, html = *o.ClientCardMessageID, b.clientCard(l, card)
	} else {
		src, err := b.crm.CardSourceOf(ctx, d.SourceID)
		if err != nil {
			return rendered{}, err
		}
		if src.MessageID == nil {
			return rendered{}, fmt.Errorf("card of outbox row %d never reached the chat: %w", d.SourceID, errObsolete)
		}
		messageID, html = *src.MessageID, b.staffCard(l, card)
		switch {
		case src.Kind == crm.KindNewRequest:
			kb = staffKeyboard(l, card, true) // the group's and managers' cards: manager buttons
		case card.Mechanic != nil && card.Mechanic.ChatID != nil && *card.Mechanic.ChatID == m.ChatID:
			kb = staffKeyboard(l, card, false)
		default:
			// A mechanic's card of an order given to someone else: the card says who has it,
			// with no buttons that would be refused.
		}
	}
	if shown, _ := b.rdb.Get(ctx, drawnKey(b.cfg.KeyPrefix, m.ChatID, messageID)).Result(); shown == contentHash(html, kb) {
		// The press that made the change already redrew this card (editCard remembers what
		// it drew): nothing to send.
		return rendered{}, nil
	}
	return b.editInPlace(messageID, html, kb), nil
}

// editInPlace is an outbox row drawn as an edit of a message already in the chat (a card, a
// client's burst of lines), remembered once sent so that an identical redraw is skipped.
func (b *Bot) editInPlace(messageID int, html string, kb *tgbotapi.InlineKeyboardMarkup) rendered {
	return rendered{
		parts: []func(int64) tgbotapi.Chattable{func(chatID int64) tgbotapi.Chattable {
			e := tgbotapi.NewEditMessageText(chatID, messageID, html)
			e.ParseMode = tgbotapi.ModeHTML
			e.DisableWebPagePreview = true
			e.ReplyMarkup = kb
			return e
		}},
		after: func(ctx context.Context, chatID int64) { b.remember(ctx, chatID, messageID, html, kb) },
	}
}
