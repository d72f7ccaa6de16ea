package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// The client's answers to a booking reminder (issue 7): confirm, pick a new slot, or cancel. The
// callback carries the order and the slot it was reminded of; crm checks again that the presser
// is the order's client and that the booking still stands at that slot.
const (
	actBookingAnswer action = "bk" // ID: order; Version: slot, Unix seconds; Arg: c (confirm), r (reschedule), x (cancel)
	actBookingSlot   action = "bs" // ID: new slot, Unix seconds; Version: order; Arg: old slot, Unix seconds
)

func (b *Bot) onBookingAnswer(ctx context.Context, r *request) error {
	orderID, slot := r.data.ID, time.Unix(r.data.Version, 0)
	switch r.data.Arg {
	case "c", "x":
		a, key := crm.BookingConfirm, text.BookingConfirmed
		if r.data.Arg == "x" {
			a, key = crm.BookingCancel, text.BookingCancelledByYou
		}
		card, err := b.crm.AnswerBooking(ctx, r.userID, orderID, slot, a)
		if err != nil {
			return b.bookingRefused(ctx, r, err)
		}
		b.answer(ctx, r, "", false)
		at := slot.In(b.cfg.Location)
		html := text.T(r.lang, key, dateText(at), at.Format("15:04"))
		if a == crm.BookingCancel {
			html = text.T(r.lang, key, card.Order.Number)
		}
		return b.editPressed(ctx, r, html, nil)
	case "r":
		ok, err := b.crm.BookingStillDue(ctx, orderID, slot)
		if err != nil {
			return err
		}
		card, err := b.crm.OrderCard(ctx, orderID)
		if err != nil {
			return err
		}
		if !ok || card.Client.TelegramUserID == nil || *card.Client.TelegramUserID != r.userID {
			return b.bookingRefused(ctx, r, fmt.Errorf("reschedule order %d: %w", orderID, crm.ErrInvalidTransition))
		}
		kb, err := b.rescheduleKeyboard(ctx, r.lang, orderID, slot)
		if err != nil {
			return err
		}
		b.answer(ctx, r, "", false)
		return b.editPressed(ctx, r, text.T(r.lang, text.BookingPickNewSlot, card.Order.Number), kb)
	}
	return fmt.Errorf("booking answer %q: %w", r.data.Arg, crm.ErrInvalidInput)
}

// rescheduleKeyboard offers the free slots as the booking flow does, each moving the order.
func (b *Bot) rescheduleKeyboard(ctx context.Context, l text.Lang, orderID int64, slot time.Time) (*tgbotapi.InlineKeyboardMarkup, error) {
	slots, err := b.freeSlots(ctx, slotsShown)
	if err != nil {
		return nil, err
	}
	old := strconv.FormatInt(slot.Unix(), 10)
	var buttons []tgbotapi.InlineKeyboardButton
	for _, s := range slots {
		buttons = append(buttons, button(slotLabel(l, s.In(b.cfg.Location)), callback{Action: actBookingSlot, ID: s.Unix(), Version: orderID, Arg: old}))
	}
	rows := chunk(buttons, 2)
	// Changing one's mind: the reminder's own buttons again; a slot missed (the no-show's offer
	// of another time) can no longer be kept.
	if slot.After(b.cfg.Now()) {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{
			button(text.T(l, text.BookingConfirmButton), callback{Action: actBookingAnswer, ID: orderID, Version: slot.Unix(), Arg: "c"}),
		})
	}
	return inline(rows...), nil
}

func (b *Bot) freeSlots(ctx context.Context, limit int) ([]time.Time, error) {
	now := b.cfg.Now()
	taken, err := b.crm.BookedSlots(ctx, now, now.AddDate(0, 0, slotDays+1))
	if err != nil {
		return nil, fmt.Errorf("list booked slots: %w", err)
	}
	return b.cfg.Hours.Slots(now, b.cfg.Location, slotDays, taken, time.Hour, limit), nil
}

func (b *Bot) onBookingSlot(ctx context.Context, r *request) error {
	newSlot, orderID := time.Unix(r.data.ID, 0), r.data.Version
	old, err := strconv.ParseInt(r.data.Arg, 10, 64)
	if err != nil {
		return fmt.Errorf("reschedule: old slot %q: %w", r.data.Arg, crm.ErrInvalidInput)
	}
	oldSlot := time.Unix(old, 0)
	// The client controls the data: accept only a slot we would offer now.
	free, err := b.freeSlots(ctx, 1000)
	if err != nil {
		return err
	}
	offered := false
	for _, s := range free {
		offered = offered || s.Equal(newSlot)
	}
	if offered {
		var card crm.OrderCard
		card, err = b.crm.RescheduleBooking(ctx, r.userID, orderID, oldSlot, newSlot)
		if err == nil {
			b.answer(ctx, r, "", false)
			at := newSlot.In(b.cfg.Location)
			return b.editPressed(ctx, r, text.T(r.lang, text.BookingRescheduled, card.Order.Number, dateText(at), at.Format("15:04")), nil)
		}
	}
	if !offered {
		// A repeated tap of the slot the booking was just moved to: that slot is now taken by
		// the booking itself. The confirmation stays.
		if moved, err := b.crm.BookingStillDue(ctx, orderID, newSlot); err == nil && moved {
			b.answer(ctx, r, text.BookingMovedAlready(r.lang), true)
			return nil
		}
	}
	if !offered || errors.Is(err, crm.ErrSlotTaken) {
		// Taken since it was offered: the list is redrawn.
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		kb, err := b.rescheduleKeyboard(ctx, r.lang, orderID, oldSlot)
		if err != nil {
			return err
		}
		card, err := b.crm.OrderCard(ctx, orderID)
		if err != nil {
			return err
		}
		return b.editPressed(ctx, r, text.T(r.lang, text.BookingPickNewSlot, card.Order.Number), kb)
	}
	return b.bookingRefused(ctx, r, err)
}

// bookingRefused answers a press on a booking that no longer stands (or is not the presser's).
func (b *Bot) bookingRefused(ctx context.Context, r *request, err error) error {
	if errors.Is(err, crm.ErrInvalidTransition) || errors.Is(err, crm.ErrForbidden) || errors.Is(err, crm.ErrNotFound) {
		b.log.Info("booking answer refused", "user_id", r.userID, "err", err)
		// Alert only: the message may hold the answer of the first tap ("cancelled, the time is
		// free"), which a repeated tap must not erase.
		b.answer(ctx, r, text.T(r.lang, text.BookingNotActive), true)
		return nil
	}
	return err
}
