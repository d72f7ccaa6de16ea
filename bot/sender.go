package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// outboxBatch is how many rows one claim takes; each is a different chat.
const outboxBatch = 50

// maxAttempts bounds retries of a row that keeps failing for reasons other
// than flood control.
const maxAttempts = 8

// runSender delivers outbox rows until stop ends: woken by writes of this
// process and, for rows written elsewhere (scheduler, other replicas), by a
// timer. Rows are sent under work, which outlives stop, so a claimed batch
// is finished and recorded rather than left half-sent at shutdown.
func (b *Bot) runSender(stop, work context.Context) {
	t := time.NewTicker(b.cfg.OutboxInterval)
	defer t.Stop()
	for {
		for stop.Err() == nil && b.drainOutbox(work) {
		}
		select {
		case <-stop.Done():
			return
		case <-t.C:
		case <-b.poke:
		}
	}
}

// drainOutbox sends one claimed batch; true when there may be more.
func (b *Bot) drainOutbox(ctx context.Context) bool {
	rows, err := b.crm.ClaimOutbox(ctx, outboxBatch)
	if err != nil {
		if ctx.Err() == nil {
			b.log.Error("claim outbox", "err", err)
		}
		return false
	}
	for _, m := range rows {
		b.deliver(ctx, m)
	}
	return len(rows) == outboxBatch
}

// deliver renders one row in its recipient's language and sends it.
func (b *Bot) deliver(ctx context.Context, m crm.OutboxMessage) {
	msgID, err := b.render(ctx, m)
	var tgErr *tgbotapi.Error
	switch {
	case err == nil:
		err = b.crm.MarkSent(ctx, m.ID, msgID)
	case errors.As(err, &tgErr) && tgErr.RetryAfter > 0:
		// Flood control: wait as told, never drop.
		err = b.crm.MarkRetry(ctx, m.ID, err.Error(), b.cfg.Now().Add(time.Duration(tgErr.RetryAfter)*time.Second))
	case errors.As(err, &tgErr) && (tgErr.Code == 403 || tgErr.Code == 400) || m.Attempts+1 >= maxAttempts:
		// Blocked, chat gone, or a message Telegram will never take: retrying
		// cannot help.
		b.log.Warn("outbox row failed", "outbox_id", m.ID, "kind", m.Kind, "err", err)
		err = b.crm.MarkFailed(ctx, m.ID, err.Error())
	default:
		backoff := time.Duration(1<<min(m.Attempts, 6)) * time.Second
		b.log.Info("outbox row will be retried", "outbox_id", m.ID, "kind", m.Kind, "err", err, "retry_in", backoff.String())
		err = b.crm.MarkRetry(ctx, m.ID, err.Error(), b.cfg.Now().Add(backoff))
	}
	if err != nil && ctx.Err() == nil {
		b.log.Error("record outbox outcome", "outbox_id", m.ID, "err", err)
	}
}

// render turns an outbox row into the messages it stands for and returns
// the id of the message sent.
func (b *Bot) render(ctx context.Context, m crm.OutboxMessage) (int, error) {
	l := text.Parse(m.Language)
	switch m.Kind {
	case crm.KindNewRequest, crm.KindOrderAssigned:
		card, err := b.orderOf(ctx, m)
		if err != nil {
			return 0, err
		}
		title, manager := text.NewRequestTitle, true
		if m.Kind == crm.KindOrderAssigned {
			title, manager = text.AssignedTitle, false
		}
		if card.Order.PhotoFileID != "" {
			// Staff see the client's photo above the card. A retry after a
			// failed card may send the photo again; that is the lesser harm.
			photo := tgbotapi.NewPhoto(m.ChatID, tgbotapi.FileID(card.Order.PhotoFileID))
			photo.Caption = text.T(l, text.OrderPhoto, card.Order.Number)
			if _, err := b.send(ctx, m.ChatID, photo); err != nil {
				return 0, fmt.Errorf("send the order's photo: %w", err)
			}
		}
		html := text.T(l, title) + "\n" + b.staffCard(l, card)
		sent, err := b.sayMessage(ctx, m.ChatID, html, kbOrNil(staffKeyboard(l, card, manager)))
		return sent.MessageID, err
	case crm.KindStatusChanged:
		return b.renderStatusChanged(ctx, l, m)
	case crm.KindDailySummary:
		var s crm.DailySummary
		if err := json.Unmarshal(m.Data, &s); err != nil {
			return 0, fmt.Errorf("decode daily summary: %w", err)
		}
		sent, err := b.sayMessage(ctx, m.ChatID, b.dailySummary(l, s), nil)
		return sent.MessageID, err
	}
	return 0, fmt.Errorf("outbox kind %q: %w", m.Kind, errUnknownKind)
}

var errUnknownKind = errors.New("unknown outbox kind")

func (b *Bot) orderOf(ctx context.Context, m crm.OutboxMessage) (crm.OrderCard, error) {
	if m.OrderID == nil {
		return crm.OrderCard{}, fmt.Errorf("outbox row %d of kind %s has no order", m.ID, m.Kind)
	}
	card, err := b.crm.OrderCard(ctx, *m.OrderID)
	if err != nil {
		return crm.OrderCard{}, fmt.Errorf("load order %d: %w", *m.OrderID, err)
	}
	return card, nil
}

// renderStatusChanged tells the client about a move: a short notice that
// rings their phone, and their live card redrawn in place.
func (b *Bot) renderStatusChanged(ctx context.Context, l text.Lang, m crm.OutboxMessage) (int, error) {
	card, err := b.orderOf(ctx, m)
	if err != nil {
		return 0, err
	}
	var change struct {
		To crm.Status `json:"to"`
	}
	if err := json.Unmarshal(m.Data, &change); err != nil {
		return 0, fmt.Errorf("decode status change: %w", err)
	}
	if change.To == "" {
		change.To = card.Order.Status
	}
	sent, err := b.sayMessage(ctx, m.ChatID, text.T(l, text.StatusNotice, card.Order.Number, text.StatusName(l, string(change.To))), nil)
	if err != nil {
		return 0, err
	}
	// Only the notice of the order's current status redraws the card: when
	// moves come quickly, earlier notices would each draw the same current
	// card, and Telegram refuses an edit that changes nothing.
	if o := card.Order; o.Status == change.To && o.ClientCardMessageID != nil && o.ClientCardChatID != nil && *o.ClientCardChatID == m.ChatID {
		if err := b.editCard(ctx, m.ChatID, *o.ClientCardMessageID, b.clientCard(l, card), nil); err != nil {
			b.log.Info("redraw client card", "order_id", o.ID, "err", err)
		}
	}
	return sent.MessageID, nil
}

func (b *Bot) dailySummary(l text.Lang, s crm.DailySummary) string {
	html := text.T(l, text.DailySummary, dateText(s.Day.In(b.cfg.Location)), s.NewRequests, s.Moved, s.Ready, s.Delivered)
	for _, part := range []struct {
		status string
		ns     []int64
	}{{"new", s.NewNumbers}, {"ready", s.ReadyNumbers}, {"delivered", s.DeliveredNumbers}} {
		if len(part.ns) > 0 {
			html += text.T(l, text.SummaryNumbers, text.StatusName(l, part.status), numbers(part.ns))
		}
	}
	return html
}
