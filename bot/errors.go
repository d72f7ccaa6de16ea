package bot

import (
	"context"
	"errors"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// errPanic stands for a recovered panic when telling the user.
var errPanic = errors.New("handler panicked")

// userText is the ONE place an error becomes words for a user, in their
// language. Handlers return errors; they do not word them.
func userText(l text.Lang, err error) string {
	if s, ok := workErrorText(l, err); ok { // order work's precise refusals: work_dialog.go
		return s
	}
	switch {
	case errors.Is(err, crm.ErrForbidden):
		return text.T(l, text.Forbidden)
	case errors.Is(err, crm.ErrNotFound):
		return text.T(l, text.NotFound)
	case errors.Is(err, crm.ErrStale), errors.Is(err, crm.ErrInvalidTransition):
		return text.T(l, text.OutOfDate)
	case errors.Is(err, crm.ErrInvalidPhone):
		return text.T(l, text.PhoneInvalid)
	case errors.Is(err, crm.ErrForeignContact):
		return text.T(l, text.ForeignContact)
	case errors.Is(err, crm.ErrInvalidInput):
		return text.T(l, text.InvalidInput)
	default:
		return text.T(l, text.InternalError)
	}
}

// expected reports errors that are a user's doing, not ours: they are
// answered but not logged as failures.
func expected(err error) bool {
	return errors.Is(err, crm.ErrForbidden) || errors.Is(err, crm.ErrNotFound) ||
		errors.Is(err, crm.ErrStale) || errors.Is(err, crm.ErrInvalidTransition) ||
		errors.Is(err, crm.ErrInvalidPhone) || errors.Is(err, crm.ErrForeignContact) ||
		errors.Is(err, crm.ErrInvalidInput)
}

// replyError tells the user that their update failed: as the callback
// answer when a button was pressed, else as a message.
func (b *Bot) replyError(ctx context.Context, r *request, err error) {
	b.cfg.Metrics.UserError(errorKind(err))
	if expected(err) {
		b.log.Info("update refused", "update_id", r.update.UpdateID, "user_id", r.userID, "err", err)
	} else {
		b.log.Error("update failed", "update_id", r.update.UpdateID, "user_id", r.userID, "err", err)
	}
	msg := userText(r.lang, err)
	if r.cb != nil && !r.answered {
		b.answer(ctx, r, msg, true)
		return
	}
	if sendErr := b.say(ctx, r.chatID, msg, nil); sendErr != nil {
		b.log.Warn("send error reply", "err", sendErr)
	}
}

// answer answers the pressed button once; Telegram shows text as a toast, or
// as an alert that needs a tap when alert is set.
func (b *Bot) answer(ctx context.Context, r *request, msg string, alert bool) {
	if r.cb == nil || r.answered {
		return
	}
	r.answered = true
	cfg := tgbotapi.NewCallback(r.cb.ID, msg)
	cfg.ShowAlert = alert
	if _, err := b.request(ctx, 0, cfg); err != nil {
		// A late or repeated answer is refused with "query is too old"; the
		// work is done either way, so it is only worth a log line.
		b.log.Info("answer callback", "err", err)
	}
}
