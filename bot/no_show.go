package bot

import (
	"context"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// renderNoShow renders the news of a missed booking: to the managers (crm.KindNoShow) who the
// client is and how to reach them, with the order's button; to the client (crm.KindNoShowClient)
// an offer of another time, through the booking reminder's own buttons (booking_answers.go), so
// the same checks apply. Both are dropped at send time when the booking no longer stands at the
// slot missed (the car came late, someone moved or cancelled it). ok is false for other kinds.
func (b *Bot) renderNoShow(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, bool, error) {
	if m.Kind != crm.KindNoShow && m.Kind != crm.KindNoShowClient {
		return rendered{}, false, nil
	}
	d, card, err := decodeNotice[crm.BookingReminderData](ctx, b, m)
	if err != nil {
		return rendered{}, true, err
	}
	due, err := b.crm.BookingStillDue(ctx, card.Order.ID, d.Slot)
	if err != nil {
		return rendered{}, true, err
	}
	if !due {
		return rendered{}, true, fmt.Errorf("order %d is no longer booked at %s: %w", d.Number, d.Slot, errObsolete)
	}
	slot := d.Slot.In(b.cfg.Location)
	if m.Kind == crm.KindNoShow {
		who := short(clientName(l, card.Client), 60) + ", " + esc(clientPhone(l, card.Client))
		// The client is offered another time (crm.MarkNoShows) only for a booking the shop
		// confirmed and when the bot can reach them; else it is the staff's to call.
		then := text.T(l, text.NoShowCall)
		if crm.BookingRemindable(card.Order.Status) && card.Client.ChatID != nil && card.Client.UnreachableSince == nil {
			then = text.T(l, text.NoShowOffered)
		}
		html := text.T(l, text.NoShowNotice, d.Number, who, dateText(slot), slot.Format("15:04"), then)
		return rendered{parts: textParts(html, inline([]tgbotapi.InlineKeyboardButton{workButton(l, card.Order)}))}, true, nil
	}
	html := text.T(l, text.NoShowClient, d.Number, dateText(slot), slot.Format("15:04"))
	at := func(arg string) callback {
		return callback{Action: actBookingAnswer, ID: card.Order.ID, Version: d.Slot.Unix(), Arg: arg}
	}
	kb := inline(
		[]tgbotapi.InlineKeyboardButton{button(text.T(l, text.NoShowPickButton), at("r"))},
		[]tgbotapi.InlineKeyboardButton{button(text.T(l, text.NoShowCancelButton), at("x"))})
	return rendered{parts: textParts(html, kb)}, true, nil
}
