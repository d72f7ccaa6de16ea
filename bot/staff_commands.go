package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// queueShown bounds how many cards one /queue sends: each is a message, and
// Telegram allows about one a second per chat.
const queueShown = 10

// requireStaff answers non-staff with a clear refusal; ok is false then.
func (b *Bot) requireStaff(ctx context.Context, r *request) (crm.Staff, bool, error) {
	s, err := b.staffMember(ctx, r)
	if errors.Is(err, crm.ErrNotFound) {
		// Clients, and staff deactivated since their last update.
		b.log.Warn("staff command refused: not active staff", "user_id", r.userID, "command", r.msg.Command())
		return crm.Staff{}, false, b.say(ctx, r.chatID, b.notStaff(ctx, r, text.NotStaff), nil)
	}
	if err != nil {
		return crm.Staff{}, false, fmt.Errorf("look up staff: %w", err)
	}
	return s, true, nil
}

// cmdQueue shows a mechanic their own orders, each as a card with the moves
// they may make; managers see all open orders.
func (b *Bot) cmdQueue(ctx context.Context, r *request) error {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	var cards []crm.OrderCard
	if crm.Can(s.Role, crm.ActQueue) != crm.ScopeAll {
		cards, err = b.crm.MechanicQueue(ctx, s.ID)
	} else {
		cards, err = b.crm.OpenOrders(ctx, queueShown+50)
	}
	if err != nil {
		return fmt.Errorf("list orders: %w", err)
	}
	return b.sendCards(ctx, r, s, cards)
}

func (b *Bot) cmdOrders(ctx context.Context, r *request) error {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	if !may(s, crm.ActQueue) {
		return b.cmdQueue(ctx, r)
	}
	cards, err := b.crm.OpenOrders(ctx, queueShown+50)
	if err != nil {
		return fmt.Errorf("list open orders: %w", err)
	}
	return b.sendCards(ctx, r, s, cards)
}

func (b *Bot) sendCards(ctx context.Context, r *request, s crm.Staff, cards []crm.OrderCard) error {
	if len(cards) == 0 {
		return b.say(ctx, r.chatID, text.T(r.lang, text.QueueEmpty), nil)
	}
	if err := b.say(ctx, r.chatID, text.T(r.lang, text.QueueTitle, len(cards)), nil); err != nil {
		return err
	}
	for i, c := range cards {
		if i == queueShown {
			return b.say(ctx, r.chatID, text.T(r.lang, text.QueueMore, len(cards)-queueShown), nil)
		}
		if _, err := b.sayCard(ctx, r.chatID, b.staffCard(r.lang, c), b.keyboardFor(r, s, c)); err != nil {
			return err
		}
	}
	return nil
}

// showWaitingRequests shows a manager or owner who opens the bot the requests nobody has taken:
// one booked while no staff member could be written to (Telegram lets a bot message only those
// who started it) is not lost, and any other waiting one is in view at once.
func (b *Bot) showWaitingRequests(ctx context.Context, r *request, s crm.Staff) error {
	if !may(s, crm.ActAssign) {
		return nil
	}
	cards, err := b.crm.NewRequests(ctx, 100)
	if err != nil {
		return fmt.Errorf("list new requests: %w", err)
	}
	if len(cards) == 0 {
		return nil
	}
	msg := text.T(r.lang, text.RequestsWaiting, len(cards))
	if len(cards) > queueShown {
		msg += text.T(r.lang, text.RequestsWaitingMore, queueShown)
		cards = cards[:queueShown]
	}
	if err := b.say(ctx, r.chatID, msg, nil); err != nil {
		return err
	}
	for _, c := range cards {
		if _, err := b.sayCard(ctx, r.chatID, b.staffCard(r.lang, c), b.keyboardFor(r, s, c)); err != nil {
			return err
		}
	}
	return nil
}
