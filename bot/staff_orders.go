package bot

import (
	"context"
	"errors"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// orderAction runs a staff button on an order. The server decides again who
// may do what to which version: a stale or repeated press gets "out of date"
// and the current card, never a second change.
func (b *Bot) orderAction(ctx context.Context, r *request, do func(s crm.Staff) (crm.OrderCard, error)) error {
	s, err := b.staffMember(ctx, r)
	if errors.Is(err, crm.ErrNotFound) {
		b.log.Warn("order button pressed by a non-staff user", "user_id", r.userID, "action", string(r.data.Action))
		b.answer(ctx, r, b.notStaff(ctx, r, text.StaffOnlyButton), true)
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up staff: %w", err)
	}
	card, err := do(s)
	switch {
	case errors.Is(err, crm.ErrStale), errors.Is(err, crm.ErrInvalidTransition):
		// An old button replayed, or a double tap: refused, the fresh card shown.
		b.log.Info("stale order button", "user_id", r.userID, "order_id", r.data.ID, "action", string(r.data.Action), "version", r.data.Version)
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		return b.showFreshCard(ctx, r, s)
	case errors.Is(err, crm.ErrForbidden):
		b.log.Warn("order action refused", "user_id", r.userID, "order_id", r.data.ID, "action", string(r.data.Action))
		b.answer(ctx, r, text.T(r.lang, text.Forbidden), true)
		return nil
	case err != nil:
		return err
	}
	done := text.T(r.lang, text.Done)
	if r.data.Action == actAssignTo && card.Mechanic != nil && card.Mechanic.ChatID == nil {
		done = text.T(r.lang, text.MechanicNoChat)
	}
	b.answer(ctx, r, done, done != text.T(r.lang, text.Done))
	b.wakeSender()
	return b.editPressed(ctx, r, b.staffCard(r.lang, card), b.keyboardFor(r, s, card))
}

// keyboardFor shows a card's buttons as the viewer may use them. In the
// staff group everyone sees the manager's buttons; each press is checked.
func (b *Bot) keyboardFor(r *request, s crm.Staff, card crm.OrderCard) *tgbotapi.InlineKeyboardMarkup {
	return staffKeyboard(r.lang, card, may(s, crm.ActAssign) || !r.private)
}

// showFreshCard redraws the pressed card as the order is now, to those who may see it.
func (b *Bot) showFreshCard(ctx context.Context, r *request, s crm.Staff) error {
	card, err := b.crm.OrderCard(ctx, r.data.ID)
	if errors.Is(err, crm.ErrNotFound) {
		b.log.Warn("order card of a missing order", "user_id", r.userID, "order_id", r.data.ID)
		b.answer(ctx, r, text.T(r.lang, text.NotFound), true)
		return nil
	}
	if err != nil {
		return fmt.Errorf("load order %d: %w", r.data.ID, err)
	}
	if err := mayView(r, s, card.Mechanic); err != nil {
		b.log.Warn("order card refused", "user_id", r.userID, "order_id", r.data.ID, "err", err)
		b.answer(ctx, r, text.T(r.lang, text.Forbidden), true)
		return nil
	}
	return b.editPressed(ctx, r, b.staffCard(r.lang, card), b.keyboardFor(r, s, card))
}

func (b *Bot) onStatus(ctx context.Context, r *request) error {
	return b.orderAction(ctx, r, func(s crm.Staff) (crm.OrderCard, error) {
		return b.crm.Transition(ctx, actorOf(s), r.data.ID, int(r.data.Version), crm.Status(r.data.Arg))
	})
}

func (b *Bot) onTake(ctx context.Context, r *request) error {
	return b.orderAction(ctx, r, func(s crm.Staff) (crm.OrderCard, error) {
		return b.crm.Take(ctx, actorOf(s), r.data.ID, int(r.data.Version))
	})
}

func (b *Bot) onAssignTo(ctx context.Context, r *request) error {
	mechanic, err := parseID(r.data.Arg)
	if err != nil {
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		return nil
	}
	return b.orderAction(ctx, r, func(s crm.Staff) (crm.OrderCard, error) {
		return b.crm.Assign(ctx, actorOf(s), r.data.ID, int(r.data.Version), mechanic)
	})
}

func (b *Bot) onRefresh(ctx context.Context, r *request) error {
	s, err := b.staffMember(ctx, r)
	if errors.Is(err, crm.ErrNotFound) {
		b.answer(ctx, r, b.notStaff(ctx, r, text.StaffOnlyButton), true)
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up staff: %w", err)
	}
	err = b.showFreshCard(ctx, r, s) // answers a refusal itself
	b.answer(ctx, r, "", false)
	return err
}

// onAssignMenu swaps the card's buttons for the list of mechanics. The list
// carries the order version, so a pick after the order moved is refused.
func (b *Bot) onAssignMenu(ctx context.Context, r *request) error {
	s, err := b.staffMember(ctx, r)
	if errors.Is(err, crm.ErrNotFound) || (err == nil && !may(s, crm.ActAssign)) {
		b.log.Warn("assign menu refused", "user_id", r.userID, "order_id", r.data.ID)
		b.answer(ctx, r, text.T(r.lang, text.Forbidden), true)
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up staff: %w", err)
	}
	card, err := b.crm.OrderCard(ctx, r.data.ID)
	if err != nil {
		return fmt.Errorf("load order %d: %w", r.data.ID, err)
	}
	if int64(card.Order.Version) != r.data.Version || card.Order.Status.Terminal() {
		b.log.Info("stale order button", "user_id", r.userID, "order_id", r.data.ID, "action", string(r.data.Action), "version", r.data.Version)
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		return b.editPressed(ctx, r, b.staffCard(r.lang, card), b.keyboardFor(r, s, card))
	}
	mechanics, err := b.crm.ListStaff(ctx, crm.RoleMechanic)
	if err != nil {
		return fmt.Errorf("list mechanics: %w", err)
	}
	b.answer(ctx, r, "", false)
	if len(mechanics) == 0 {
		return b.editPressed(ctx, r, b.staffCard(r.lang, card)+"\n\n"+text.T(r.lang, text.NoMechanics), b.keyboardFor(r, s, card))
	}
	var buttons []tgbotapi.InlineKeyboardButton
	for _, m := range mechanics {
		buttons = append(buttons, button(staffLabel(m), callback{Action: actAssignTo, ID: card.Order.ID, Version: r.data.Version, Arg: formatID(m.ID)}))
	}
	rows := chunk(buttons, 2)
	rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.Back), callback{Action: actRefresh, ID: card.Order.ID, Version: r.data.Version})})
	return b.editPressed(ctx, r, b.staffCard(r.lang, card)+"\n\n"+text.T(r.lang, text.PickMechanic, card.Order.Number), inline(rows...))
}
