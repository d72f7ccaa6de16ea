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

// Rendering of the scheduler's notices (issue 7), called from renderOutbox's switch. Each checks
// again at send time whether its reason still holds: a reminder scheduled for the morning whose
// invoice was paid overnight is cancelled (errObsolete), not sent.

// errObsolete is a scheduled notice whose reason went away before it was sent.
var errObsolete = errors.New("no longer relevant")

func (b *Bot) renderScheduled(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, error) {
	switch m.Kind {
	case crm.KindPaymentReminder, crm.KindPaymentTask, crm.KindPaymentUnreachable:
		return b.renderPaymentReminder(ctx, l, m)
	case crm.KindBookingReminder:
		return b.renderBookingReminder(ctx, l, m)
	case crm.KindBookingReminderLate:
		d, card, err := decodeNotice[crm.BookingReminderData](ctx, b, m)
		if err != nil {
			return rendered{}, err
		}
		slot := d.Slot.In(b.cfg.Location)
		html := text.T(l, text.BookingReminderLate, d.Number, short(clientName(l, card.Client), 60)+", "+esc(clientPhone(l, card.Client)), b.dayText(l, slot), slot.Format("15:04"))
		return rendered{parts: textParts(html, inline([]tgbotapi.InlineKeyboardButton{workButton(l, card.Order)}))}, nil
	case crm.KindBookingChanged:
		d, card, err := decodeNotice[crm.BookingChangedData](ctx, b, m)
		if err != nil {
			return rendered{}, err
		}
		from := d.From.In(b.cfg.Location)
		who := short(clientName(l, card.Client), 60) + ", " + esc(clientPhone(l, card.Client))
		html := text.T(l, text.BookingCancelledStaff, d.Number, who, dateText(from), from.Format("15:04"))
		if d.To != nil {
			to := d.To.In(b.cfg.Location)
			html = text.T(l, text.BookingMovedStaff, d.Number, who, dateText(from), from.Format("15:04"), dateText(to), to.Format("15:04"))
		}
		return rendered{parts: textParts(html, inline([]tgbotapi.InlineKeyboardButton{workButton(l, card.Order)}))}, nil
	}
	return rendered{}, fmt.Errorf("outbox kind %q: %w", m.Kind, errUnknownKind)
}

func (b *Bot) renderPaymentReminder(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, error) {
	d, card, err := decodeNotice[crm.PaymentReminderData](ctx, b, m)
	if err != nil {
		return rendered{}, err
	}
	left, err := b.crm.PaymentOutstanding(ctx, card.Order.ID)
	if err != nil {
		return rendered{}, err
	}
	if left <= 0 {
		return rendered{}, fmt.Errorf("order %d is paid: %w", d.Number, errObsolete)
	}
	due := dateText(d.DueAt.In(b.cfg.Location))
	ago := text.Days(l, max(1, int(b.cfg.Now().Sub(d.DueAt).Hours()/24)))
	switch m.Kind {
	case crm.KindPaymentReminder:
		how := text.T(l, text.PaymentHowTo)
		if a := b.cfg.Shop.Address; a != "" {
			how += text.T(l, text.PaymentHowToAddress, esc(a))
		}
		if p := b.cfg.Shop.Phone; p != "" {
			how += text.T(l, text.PaymentHowToPhone, esc(p))
		}
		return rendered{parts: textParts(text.T(l, text.PaymentReminder, d.Number, left.String(), due, ago, how), nil)}, nil
	case crm.KindPaymentTask:
		html := text.T(l, text.PaymentTask, d.Number, short(clientName(l, card.Client), 60), esc(clientPhone(l, card.Client)), left.String(), due, ago)
		return rendered{parts: textParts(html, b.payKeyboard(l, card))}, nil
	default:
		html := text.T(l, text.PaymentUnreachable, d.Number, short(clientName(l, card.Client), 60), esc(clientPhone(l, card.Client)), left.String(), due)
		return rendered{parts: textParts(html, b.payKeyboard(l, card))}, nil
	}
}

// payKeyboard opens the order's payment menu for a manager.
func (b *Bot) payKeyboard(l text.Lang, card crm.OrderCard) *tgbotapi.InlineKeyboardMarkup {
	o := card.Order
	return inline([]tgbotapi.InlineKeyboardButton{
		button(text.T(l, text.PayButton), callback{Action: actPayMenu, ID: o.ID, Version: int64(o.Version)}),
		workButton(l, o),
	})
}

// workButton opens the order's work menu at the version the notice was rendered from, so a
// press on a stale notice is caught like any other stale button.
func workButton(l text.Lang, o crm.Order) tgbotapi.InlineKeyboardButton {
	return button(text.T(l, text.WorkButton), callback{Action: actWork, ID: o.ID, Version: int64(o.Version)})
}

// decodeNotice reads a scheduled notice's data and the order it is about: every notice here
// needs both before it can check whether its reason still holds.
func decodeNotice[T any](ctx context.Context, b *Bot, m crm.OutboxMessage) (T, crm.OrderCard, error) {
	var d T
	if err := json.Unmarshal(m.Data, &d); err != nil {
		return d, crm.OrderCard{}, fmt.Errorf("decode %s: %w", m.Kind, err)
	}
	card, err := b.orderOf(ctx, m)
	return d, card, err
}

func (b *Bot) renderBookingReminder(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, error) {
	d, card, err := decodeNotice[crm.BookingReminderData](ctx, b, m)
	if err != nil {
		return rendered{}, err
	}
	due, err := b.crm.BookingStillDue(ctx, card.Order.ID, d.Slot)
	if err != nil {
		return rendered{}, err
	}
	if !due || !crm.BookingRemindable(card.Order.Status) {
		return rendered{}, fmt.Errorf("order %d is no longer a confirmed booking at %s: %w", d.Number, d.Slot, errObsolete)
	}
	slot := d.Slot.In(b.cfg.Location)
	html := text.T(l, text.BookingReminder, d.Number, b.dayText(l, slot), slot.Format("15:04"), esc(vehicleLabel(card.Vehicle)))
	at := func(arg string) callback {
		return callback{Action: actBookingAnswer, ID: card.Order.ID, Version: d.Slot.Unix(), Arg: arg}
	}
	kb := inline(
		[]tgbotapi.InlineKeyboardButton{button(text.T(l, text.BookingConfirmButton), at("c"))},
		[]tgbotapi.InlineKeyboardButton{
			button(text.T(l, text.BookingRescheduleBtn), at("r")),
			button(text.T(l, text.BookingCancelButton), at("x")),
		})
	return rendered{parts: textParts(html, kb)}, nil
}

// dayText is a slot's day as the client reads it: today, tomorrow, or the date, on the shop's
// calendar.
func (b *Bot) dayText(l text.Lang, t time.Time) string {
	now := b.cfg.Now().In(b.cfg.Location)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, b.cfg.Location)
	t = t.In(b.cfg.Location)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, b.cfg.Location)
	switch {
	case day.Equal(today):
		return text.T(l, text.DayToday, dateText(t))
	case day.Equal(today.AddDate(0, 0, 1)):
		return text.T(l, text.DayTomorrow, dateText(t))
	}
	return dateText(t)
}
