package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Delivery state for staff: /notices shows how an order's notices went, /outbox shows managers
// what is waiting and what is stuck.

const (
	noticesShown = 10
	stuckShown   = 15
)

// cmdNotices: "/notices <order number>", staff only: the order's latest notices, newest first,
// each delivered, waiting, failed, blocked or uncertain.
func (b *Bot) cmdNotices(ctx context.Context, r *request) error {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	number, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.msg.CommandArguments()), "№"), 10, 64)
	if err != nil || number <= 0 {
		return b.say(ctx, r.chatID, text.T(r.lang, text.NoticesUsage), nil)
	}
	orderID, err := b.crm.OrderIDByNumber(ctx, number)
	if errors.Is(err, crm.ErrNotFound) {
		return b.say(ctx, r.chatID, text.T(r.lang, text.NotFound), nil)
	}
	if err != nil {
		return err
	}
	if crm.Can(s.Role, crm.ActViewOrder) != crm.ScopeAll { // a mechanic: their own orders only
		card, err := b.crm.OrderCard(ctx, orderID)
		if err != nil {
			return fmt.Errorf("load order %d: %w", orderID, err)
		}
		if err := mayView(r, s, card.Mechanic); err != nil {
			return fmt.Errorf("notices of order %d: %w", orderID, err)
		}
	}
	notices, err := b.crm.OrderNotices(ctx, orderID, noticesShown)
	if err != nil {
		return err
	}
	if len(notices) == 0 {
		return b.say(ctx, r.chatID, text.T(r.lang, text.NoticesEmpty, number), nil)
	}
	var sb strings.Builder
	sb.WriteString(text.T(r.lang, text.NoticesTitle, number))
	for _, n := range notices {
		sb.WriteString(text.T(r.lang, text.NoticeLine, b.shortTime(n.CreatedAt), b.noticeWhat(r.lang, n), b.noticeState(r.lang, n)))
	}
	return b.say(ctx, r.chatID, sb.String(), nil)
}

// cmdOutbox: managers see how many messages wait in each lane and which are stuck: due for over
// a minute, claimed by a sender that went quiet, failed or uncertain in the last day.
func (b *Bot) cmdOutbox(ctx context.Context, r *request) error {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	if !may(s, crm.ActOutbox) {
		return b.say(ctx, r.chatID, text.T(r.lang, text.Forbidden), nil)
	}
	counts, stuck, err := b.crm.OutboxHealth(ctx, stuckShown)
	if err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString(text.T(r.lang, text.OutboxTitle))
	if len(counts) == 0 {
		sb.WriteString(text.T(r.lang, text.OutboxClear))
	}
	for _, c := range counts {
		sb.WriteString(text.T(r.lang, text.OutboxCount, text.LaneName(r.lang, c.Lane),
			text.DeliveryState(r.lang, c.State), c.N, b.shortTime(c.Oldest)))
	}
	if len(stuck) > 0 {
		sb.WriteString(text.T(r.lang, text.OutboxStuck))
	}
	for _, n := range stuck {
		order := ""
		if n.OrderNumber != nil {
			order = " · №" + strconv.FormatInt(*n.OrderNumber, 10)
		}
		sb.WriteString(text.T(r.lang, text.OutboxItem, n.ID, text.NoticeKind(r.lang, n.Kind), order, n.ChatID, b.noticeState(r.lang, n)))
	}
	return b.say(ctx, r.chatID, sb.String(), nil)
}

// noticeWhat is who was told what, with the status for a status notice.
func (b *Bot) noticeWhat(l text.Lang, n crm.Notice) string {
	what := text.NoticeKind(l, n.Kind)
	if n.Kind == crm.KindStatusChanged {
		var change crm.StatusChangedData
		if json.Unmarshal(n.Data, &change) == nil && change.To != "" {
			what += " «" + text.StatusName(l, string(change.To)) + "»"
		}
	}
	return what
}

// noticeState is the delivery state, with when it was delivered, the attempts so far and the
// last error where they matter.
func (b *Bot) noticeState(l text.Lang, n crm.Notice) string {
	s := text.DeliveryState(l, n.State)
	switch n.State {
	case crm.OutboxSent:
		if n.FinishedAt != nil {
			s += " " + b.shortTime(*n.FinishedAt)
		}
		return s
	case crm.OutboxPending, crm.OutboxSending:
		if n.Attempts > 0 {
			s += text.T(l, text.NoticeAttempts, n.Attempts)
		}
	}
	if n.LastError != "" {
		s += text.T(l, text.NoticeDetail, short(n.LastError, 120))
	}
	return s
}

func (b *Bot) shortTime(t time.Time) string {
	return t.In(b.cfg.Location).Format("02.01 15:04")
}

// unreachableNote is the mark on a client's card when Telegram refuses to deliver to them.
func (b *Bot) unreachableNote(l text.Lang, c crm.Client) string {
	if c.UnreachableSince == nil {
		return ""
	}
	return text.T(l, text.ClientUnreachable, dateText(c.UnreachableSince.In(b.cfg.Location)))
}

// startedAgain clears the client's unreachable mark: a /start after unblocking the bot.
func (b *Bot) startedAgain(ctx context.Context, r *request) {
	if err := b.crm.MarkReachable(ctx, r.userID); err != nil {
		b.log.Warn("clear unreachable mark on /start", "user_id", r.userID, "err", err)
	}
}
