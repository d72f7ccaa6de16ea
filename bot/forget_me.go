package bot

import (
	"context"
	"errors"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// /forget_me (152-FZ): a client asks the shop to delete their personal data. It is checked
// first, so that a client who cannot be forgotten yet hears why at once, then confirmed with a
// button. The buttons act only on the presser's own data, so they carry nothing.

func (b *Bot) cmdForgetMe(ctx context.Context, r *request) error {
	if !r.private {
		return nil
	}
	if s, err := b.staffMember(ctx, r); err == nil {
		b.log.Warn("forget_me refused", "user_id", r.userID, "reason", "staff")
		return b.say(ctx, r.chatID, forgetStaffText(r, s), nil)
	}
	if ok, err := b.forgetRefused(ctx, r, b.crm.CanForget(ctx, r.userID)); !ok {
		return err
	}
	kb := inline([]tgbotapi.InlineKeyboardButton{
		button(text.T(r.lang, text.ForgetYes), callback{Action: actForgetConfirm}),
		button(text.T(r.lang, text.ForgetNo), callback{Action: actForgetKeep}),
	})
	return b.say(ctx, r.chatID, text.T(r.lang, text.ForgetAsk), kb)
}

func (b *Bot) onForgetConfirm(ctx context.Context, r *request) error {
	if s, err := b.staffMember(ctx, r); err == nil {
		b.log.Warn("forget_me refused", "user_id", r.userID, "reason", "staff")
		b.answer(ctx, r, forgetStaffText(r, s), true)
		return nil
	}
	if ok, err := b.forgetRefused(ctx, r, b.crm.ForgetClient(ctx, r.userID)); !ok {
		return err
	}
	b.log.Info("client forgotten", "user_id", r.userID)
	r.hasConv = false
	convKey, leadKey := conversationKey(b.cfg.KeyPrefix, r.userID), leadSourceKey(b.cfg.KeyPrefix, r.userID)
	if err := b.writeState(ctx, func(p redis.Pipeliner) { p.Del(ctx, convKey, leadKey) }); err != nil {
		b.log.Warn("forget_me: drop conversation", "err", err)
	}
	b.answer(ctx, r, "", false)
	return b.editPressed(ctx, r, text.T(r.lang, text.ForgetDone), nil)
}

func (b *Bot) onForgetKeep(ctx context.Context, r *request) error {
	b.answer(ctx, r, "", false)
	return b.editPressed(ctx, r, text.T(r.lang, text.ForgetKept), nil)
}

// forgetRefused tells the client why their data cannot be deleted (yet); ok is true when err is
// nil and the deletion may go on.
func (b *Bot) forgetRefused(ctx context.Context, r *request, err error) (ok bool, _ error) {
	var key text.Key
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, crm.ErrOpenOrders):
		key = text.ForgetOpenOrders
	case errors.Is(err, crm.ErrHasDebt):
		key = text.ForgetDebt
	case errors.Is(err, crm.ErrNotFound):
		key = text.ForgetNoData
	default:
		return false, fmt.Errorf("forget me: %w", err)
	}
	b.log.Warn("forget_me refused", "user_id", r.userID, "reason", err.Error())
	if r.cb != nil {
		b.answer(ctx, r, text.T(r.lang, key), true)
		return false, nil
	}
	return false, b.say(ctx, r.chatID, text.T(r.lang, key), nil)
}

// forgetStaffText tells staff why /forget_me is not for them: an owner is not told to ask "the
// owner", they are one.
func forgetStaffText(r *request, s crm.Staff) string {
	if s.Role == crm.RoleOwner {
		return text.T(r.lang, text.ForgetOwner)
	}
	return text.T(r.lang, text.ForgetStaff)
}
