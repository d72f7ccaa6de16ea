package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Clients' free messages to the shop (crm/client_messages.go): text a client writes outside the
// booking dialog goes to the staff as a copy; staff answer by replying to the copy (the reply
// is relayed to the client) or press "Answered" after a call; the digest lists what waits.

const (
	actClientAnswered action = "ca" // ID: client message: answered (by phone)
	actClientMessage  action = "cm" // ID: client message: show it (from the digest)
)

// isFreeMessage reports whether r is a client's text to the shop: text outside any booking
// question (no conversation, or the known client's menu, which waits for a button).
func isFreeMessage(r *request) bool {
	return r.private && r.msg != nil && r.msg.Text != "" && !r.msg.IsCommand() &&
		(!r.hasConv || r.conv.Step == stepMenu)
}

// onFreeMessage records the client's message, copies it to the staff and acknowledges it: the
// first of a burst only, saying when an answer can be expected.
func (b *Bot) onFreeMessage(ctx context.Context, r *request) error {
	m, created, waiting, err := b.crm.RecordClientMessage(ctx, crm.NewClientMessage{
		ChatID: r.chatID, UserID: r.userID, MessageID: r.msg.MessageID, Language: string(r.lang),
		SenderName: r.name, Text: r.msg.Text,
	})
	if err != nil {
		return err
	}
	if !created || waiting > 0 {
		return nil // the same update again, or one of several lines in a row
	}
	ack := text.T(r.lang, text.ClientMessageAck)
	if !b.cfg.Hours.OpenAt(b.cfg.Now(), b.cfg.Location) {
		ack = text.T(r.lang, text.ClientMessageAckClosed)
	}
	if m.ClientID == nil {
		ack += "\n" + text.T(r.lang, text.ClientMessageAckStranger)
	}
	return b.say(ctx, r.chatID, ack, nil)
}

// onStaffReply handles a reply to a copy of a client's message: it is relayed to the client.
// handled is false when the message replies to nothing of the kind, and routing goes on.
func (b *Bot) onStaffReply(ctx context.Context, r *request) (handled bool, err error) {
	to := r.msg.ReplyToMessage
	if to == nil || to.From == nil || !to.From.IsBot {
		return false, nil
	}
	m, err := b.crm.ClientMessageByCopy(ctx, r.chatID, to.MessageID)
	if errors.Is(err, crm.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	s, err := b.staffMember(ctx, r)
	if errors.Is(err, crm.ErrNotFound) {
		return true, nil // someone else in the staff group: not for us
	}
	if err != nil {
		return true, fmt.Errorf("look up staff: %w", err)
	}
	if !may(s, crm.ActClientMessages) {
		return true, b.say(ctx, r.chatID, text.T(r.lang, text.ClientMessageNotAllowed), nil)
	}
	if r.msg.Text == "" {
		return true, b.say(ctx, r.chatID, text.T(r.lang, text.ClientMessageNeedText), nil)
	}
	_, _, err = b.crm.AnswerClientMessage(ctx, s, crm.Answer{MessageID: m.ID, Text: r.msg.Text,
		ReplyChatID: r.chatID, ReplyMessageID: r.msg.MessageID})
	if err != nil {
		return true, err
	}
	return true, b.say(ctx, r.chatID, text.T(r.lang, text.ClientMessageSent), nil)
}

// onClientAnswered marks a message answered by the presser ("Answered": by phone) and redraws
// the pressed copy with who answered.
func (b *Bot) onClientAnswered(ctx context.Context, r *request) error {
	s, ok, err := b.staffButtonMay(ctx, r, crm.ActClientMessages, text.ClientMessageNotAllowed)
	if !ok {
		return err
	}
	m, _, err := b.crm.AnswerClientMessage(ctx, s, crm.Answer{MessageID: r.data.ID})
	if errors.Is(err, crm.ErrNotFound) {
		b.answer(ctx, r, text.T(r.lang, text.DigestGone), false)
		return nil
	}
	if err != nil {
		return err
	}
	b.answer(ctx, r, text.T(r.lang, text.ClientMessageMarked), false)
	html, err := b.clientMessageHTML(ctx, r.lang, m)
	if err != nil {
		return err
	}
	return b.editPressed(ctx, r, html, nil)
}

// onClientMessage shows a message from the digest, with its "Answered" button while unanswered.
func (b *Bot) onClientMessage(ctx context.Context, r *request) error {
	if _, ok, err := b.staffButtonMay(ctx, r, crm.ActClientMessages, text.ClientMessageNotAllowed); !ok {
		return err
	}
	m, err := b.crm.ClientMessage(ctx, r.data.ID)
	if errors.Is(err, crm.ErrNotFound) {
		b.answer(ctx, r, text.T(r.lang, text.DigestGone), false)
		return nil
	}
	if err != nil {
		return err
	}
	b.answer(ctx, r, "", false)
	html, err := b.clientMessageHTML(ctx, r.lang, m)
	if err != nil {
		return err
	}
	return b.say(ctx, r.chatID, html, kbOrNil(clientMessageKeyboard(r.lang, m)))
}

// burstCardLen bounds the lines of a burst on its copy: the card stays one message.
const burstCardLen = 3500

// clientMessageCardWith is the card of message m with the lines of its burst (crm: a client's
// lines in a row make one copy for the staff), newest last; lines beyond burstCardLen are cut.
func clientMessageCardWith(l text.Lang, m crm.ClientMessage, burst []crm.ClientMessage) string {
	if len(burst) > 0 {
		var b strings.Builder
		b.WriteString(m.Text)
		for _, line := range burst {
			if b.Len()+len(line.Text) > burstCardLen {
				b.WriteString("\n…")
				break
			}
			b.WriteString("\n")
			b.WriteString(line.Text)
		}
		m.Text = b.String()
	}
	return clientMessageCard(l, m)
}

// clientMessageHTML is the card of message m as it is now, with its burst.
func (b *Bot) clientMessageHTML(ctx context.Context, l text.Lang, m crm.ClientMessage) (string, error) {
	burst, err := b.crm.ClientMessageBurst(ctx, m.ID)
	if err != nil {
		return "", err
	}
	return clientMessageCardWith(l, m, burst), nil
}

// clientMessageCard is the staff's view of a message: who, their order and phone, the text, and
// either how to answer or who answered.
func clientMessageCard(l text.Lang, m crm.ClientMessage) string {
	order, phone := "", ""
	if m.OrderNumber != nil {
		order = text.T(l, text.ClientMessageCopyOrder, *m.OrderNumber)
	}
	if m.ClientPhone != "" {
		phone = text.T(l, text.ClientMessageCopyPhone, esc(m.ClientPhone))
	}
	html := text.T(l, text.ClientMessageCopy, esc(m.Who()), order, phone, esc(m.Text))
	if m.AnsweredAt != nil {
		return html + "\n\n" + text.T(l, text.ClientMessageAnsweredBy, esc(m.AnsweredByName))
	}
	return html + "\n\n" + text.T(l, text.ClientMessageHowTo)
}

func clientMessageKeyboard(l text.Lang, m crm.ClientMessage) *tgbotapi.InlineKeyboardMarkup {
	if m.AnsweredAt != nil {
		return nil
	}
	return inline([]tgbotapi.InlineKeyboardButton{
		button(text.T(l, text.ClientMessageAnsweredBtn), callback{Action: actClientAnswered, ID: m.ID})})
}

// renderClientMessages renders the kinds of this file; ok is false for other kinds.
func (b *Bot) renderClientMessages(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, bool, error) {
	switch m.Kind {
	case crm.KindClientMessage:
		var d crm.ClientMessageData
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return rendered{}, true, fmt.Errorf("decode client message: %w", err)
		}
		cm, err := b.crm.ClientMessage(ctx, d.ClientMessageID)
		if errors.Is(err, crm.ErrNotFound) {
			return rendered{}, true, fmt.Errorf("client message %d is gone: %w", d.ClientMessageID, errObsolete)
		}
		if err != nil {
			return rendered{}, true, err
		}
		html, err := b.clientMessageHTML(ctx, l, cm)
		if err != nil {
			return rendered{}, true, err
		}
		return rendered{parts: textParts(html, kbOrNil(clientMessageKeyboard(l, cm)))}, true, nil
	case crm.KindClientBurst:
		out, err := b.renderClientBurst(ctx, l, m)
		return out, true, err
	case crm.KindClientAnswer:
		var d crm.ClientAnswerData
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return rendered{}, true, fmt.Errorf("decode client answer: %w", err)
		}
		return rendered{parts: textParts(text.T(l, text.ClientMessageAnswer, esc(d.Text)), nil)}, true, nil
	}
	return rendered{}, false, nil
}

// renderClientBurst redraws a staff copy with the lines the client wrote after it. Only the
// newest line's row edits: a burst of 25 lines is one copy edited once or twice, not 25 edits.
func (b *Bot) renderClientBurst(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, error) {
	var d crm.ClientBurstData
	if err := json.Unmarshal(m.Data, &d); err != nil {
		return rendered{}, fmt.Errorf("decode client burst: %w", err)
	}
	src, err := b.crm.CardSourceOf(ctx, d.CopyID)
	if err != nil {
		return rendered{}, err
	}
	line, err := b.crm.ClientMessage(ctx, d.ClientMessageID)
	if errors.Is(err, crm.ErrNotFound) || (err == nil && line.BurstOf == nil) {
		return rendered{}, fmt.Errorf("client message %d is gone: %w", d.ClientMessageID, errObsolete)
	}
	if err != nil {
		return rendered{}, err
	}
	head, err := b.crm.ClientMessage(ctx, *line.BurstOf)
	if err != nil {
		return rendered{}, err
	}
	burst, err := b.crm.ClientMessageBurst(ctx, head.ID)
	if err != nil {
		return rendered{}, err
	}
	if src.MessageID == nil || len(burst) == 0 || burst[len(burst)-1].ID != line.ID {
		return rendered{}, nil // not in the chat, or a newer line's row draws the burst
	}
	html, kb := clientMessageCardWith(l, head, burst), clientMessageKeyboard(l, head)
	messageID := *src.MessageID
	return b.editInPlace(messageID, html, kb), nil
}

// unansweredLine is the digest's line of an unanswered message and its button.
func unansweredLine(l text.Lang, e crm.DigestException, now time.Time) (string, tgbotapi.InlineKeyboardButton) {
	return text.T(l, text.DigestUnanswered, esc(e.Name), text.Span(l, now.Sub(e.Since))),
		button(text.T(l, text.DigestMessageBtn, label(e.Name)), callback{Action: actClientMessage, ID: e.MessageID})
}
