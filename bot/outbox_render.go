package bot

import (
	"context"
	"encoding/json"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// rendered is an outbox row turned into what goes to the chat: parts sent in order, each built
// for the chat id at send time (a group may have become a supergroup since), and work to do
// once they are all in the chat.
type rendered struct {
	parts []func(chatID int64) tgbotapi.Chattable
	after func(ctx context.Context, chatID int64)
}

// textParts is an HTML text as messages within Telegram's limit, split at paragraph or line
// boundaries; markup goes with the last part.
func textParts(html string, markup any) []func(int64) tgbotapi.Chattable {
	texts := splitMessage(html)
	parts := make([]func(int64) tgbotapi.Chattable, len(texts))
	for i, t := range texts {
		last := i == len(texts)-1
		parts[i] = func(chatID int64) tgbotapi.Chattable {
			m := tgbotapi.NewMessage(chatID, t)
			m.ParseMode = tgbotapi.ModeHTML
			m.DisableWebPagePreview = true
			if last && markup != nil {
				m.ReplyMarkup = markup
			}
			return m
		}
	}
	return parts
}

// renderOutbox renders a row as things are now: in the language its recipient speaks at send
// time (m.Language as crm.ClaimOutbox returns it, read from the client or staff member when the
// row is claimed, not the one stored at enqueue), and with the order read at send time, so a
// notice delayed by retries still shows the current card.
func (b *Bot) renderOutbox(ctx context.Context, m crm.OutboxMessage) (rendered, error) {
	l := text.Parse(m.Language)
	switch m.Kind {
	case crm.KindNewRequest, crm.KindOrderAssigned:
		card, err := b.orderOf(ctx, m)
		if err != nil {
			return rendered{}, err
		}
		title, manager := text.NewRequestTitle, true
		if m.Kind == crm.KindOrderAssigned {
			title, manager = text.AssignedTitle, false
		}
		var out rendered
		if id := card.Order.PhotoFileID; id != "" {
			// Staff see the client's photo above the card; sent parts are recorded, so a retry
			// of the card does not send the photo again.
			caption := text.T(l, text.OrderPhoto, card.Order.Number)
			out.parts = append(out.parts, func(chatID int64) tgbotapi.Chattable {
				photo := tgbotapi.NewPhoto(chatID, tgbotapi.FileID(id))
				photo.Caption = caption
				return photo
			})
		}
		html := text.T(l, title) + "\n" + b.staffCard(l, card)
		if m.Kind == crm.KindNewRequest {
			html += b.debtNote(ctx, l, card) // a client with an overdue debt: work_sender.go
		}
		out.parts = append(out.parts, textParts(html, kbOrNil(staffKeyboard(l, card, manager)))...)
		return out, nil
	case crm.KindStatusChanged:
		return b.renderStatusChanged(ctx, l, m)
	case crm.KindCardRedraw:
		return b.renderCardRedraw(ctx, l, m) // card_redraw.go
	case crm.KindDailySummary:
		var s crm.DailySummary
		if err := json.Unmarshal(m.Data, &s); err != nil {
			return rendered{}, fmt.Errorf("decode daily summary: %w", err)
		}
		return b.renderDigest(l, s), nil // exceptions first: digest.go
	case crm.KindDigestChart:
		return b.renderDigestChart(ctx, l, m) // digest.go
	case crm.KindEstimate, crm.KindEstimateDecided, crm.KindPartsNeeded, crm.KindPartsArrived,
		crm.KindLowStock, crm.KindInvoice, crm.KindPaymentReceipt, crm.KindDocuments:
		return b.renderWork(ctx, l, m) // order work: work_sender.go
	case crm.KindPaymentReminder, crm.KindPaymentTask, crm.KindPaymentUnreachable, crm.KindBookingReminder,
		crm.KindBookingChanged, crm.KindBookingReminderLate:
		return b.renderScheduled(ctx, l, m) // scheduler notices: schedule_sender.go
	case crm.KindDeliveryFailed:
		var d crm.DeliveryFailedData
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return rendered{}, fmt.Errorf("decode delivery failure: %w", err)
		}
		order := ""
		if d.Number != 0 {
			order = text.T(l, text.NoticeOrder, d.Number)
		}
		html := text.T(l, text.DeliveryFailed, text.NoticeKind(l, d.Kind), order, short(d.Error, 300))
		return rendered{parts: textParts(html, nil)}, nil
	}
	if out, ok, err := b.renderOffers(ctx, l, m); ok { // offers and feedback: offers.go
		return out, err
	}
	if out, ok, err := b.renderClientMessages(ctx, l, m); ok { // client_messages.go
		return out, err
	}
	if out, ok, err := b.renderNoShow(ctx, l, m); ok { // no_show.go
		return out, err
	}
	return rendered{}, fmt.Errorf("outbox kind %q: %w", m.Kind, errUnknownKind)
}

func (b *Bot) orderOf(ctx context.Context, m crm.OutboxMessage) (crm.OrderCard, error) {
	if m.OrderID == nil {
		return crm.OrderCard{}, errNoOrder(m)
	}
	card, err := b.crm.OrderCard(ctx, *m.OrderID)
	if err != nil {
		return crm.OrderCard{}, fmt.Errorf("load order %d: %w", *m.OrderID, err)
	}
	return card, nil
}

// renderStatusChanged tells the client about a move: a short notice that rings their phone, and
// then their live card redrawn in place. The card is edited, never sent again: an edit repeated
// after a lost answer changes nothing. (The KindCardRedraw the move enqueued after this notice
// then finds the card drawn and sends nothing: card_redraw.go.)
func (b *Bot) renderStatusChanged(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, error) {
	card, err := b.orderOf(ctx, m)
	if err != nil {
		return rendered{}, err
	}
	var change crm.StatusChangedData
	if err := json.Unmarshal(m.Data, &change); err != nil {
		return rendered{}, fmt.Errorf("decode status change: %w", err)
	}
	if change.To == "" {
		change.To = card.Order.Status
	}
	out := rendered{parts: textParts(text.T(l, text.StatusNotice, card.Order.Number, text.StatusName(l, string(change.To))), nil)}
	// Only the notice of the order's current status redraws the card: when moves come quickly,
	// earlier notices would each draw the same current card.
	o := card.Order
	if o.Status == change.To && o.ClientCardMessageID != nil && o.ClientCardChatID != nil {
		cardChat, cardMsg := *o.ClientCardChatID, *o.ClientCardMessageID
		out.after = func(ctx context.Context, chatID int64) {
			if cardChat != chatID {
				return
			}
			if err := b.editCard(ctx, chatID, cardMsg, b.clientCard(l, card), nil); err != nil {
				b.log.Info("redraw client card", "order_id", o.ID, "err", err)
			}
		}
	}
	return out, nil
}

func (b *Bot) dailySummary(l text.Lang, s crm.DailySummary) string {
	html := text.T(l, text.DailySummary, dateText(s.Day.In(b.cfg.Location)), s.NewRequests, s.Moved, s.Ready, s.Delivered)
	for _, part := range []struct {
		status string
		ns     []int64
	}{{"new", s.NewNumbers}, {"ready", s.ReadyNumbers}, {"delivered", s.DeliveredNumbers}} {
		if len(part.ns) > 0 {
			html += text.T(l, text.SummaryNumbers, text.StatusName(l, part.status), numbers(l, part.ns))
		}
	}
	return html
}
