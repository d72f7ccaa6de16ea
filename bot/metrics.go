package bot

import (
	"context"
	"errors"
	"net"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/crm"
)

// The labels of the bot's metrics (Config.Metrics) come from fixed sets: update types, the
// route table, the booking steps, error kinds, call results. Nothing a user sends becomes a
// label, so the number of series stays small whatever arrives.

// updateType names the kind of an update.
func updateType(u tgbotapi.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.MyChatMember != nil:
		return "my_chat_member"
	case u.ChannelPost != nil, u.EditedChannelPost != nil:
		return "channel_post"
	}
	return "other"
}

// bookingSteps are the steps a route label may name.
var bookingSteps = map[step]bool{stepPhone: true, stepName: true, stepCarPick: true, stepCarModel: true,
	stepCarYear: true, stepPlate: true, stepProblem: true, stepSlot: true, stepConfirm: true}

// routeOf names the route r takes, read before it runs (the step is the one being answered).
func (b *Bot) routeOf(r *request) string {
	switch {
	case r.cb != nil:
		if _, ok := b.routes.callbacks[r.data.Action]; ok && r.dataErr == nil {
			return "button:" + string(r.data.Action)
		}
		return "button:refused"
	case r.msg.IsCommand():
		if _, ok := b.routes.commands[r.msg.Command()]; ok {
			return "/" + r.msg.Command()
		}
		return "command:unknown"
	case !r.private:
		return "group"
	case r.hasWork:
		return "staff_dialog"
	case r.hasConv && bookingSteps[r.conv.Step]:
		return "booking:" + string(r.conv.Step)
	}
	return "message"
}

// errorKind names what went wrong for a user, as userText words it.
func errorKind(err error) string {
	if _, ok := workErrorText("", err); ok {
		return "work_refusal"
	}
	switch {
	case errors.Is(err, errPanic):
		return "panic"
	case errors.Is(err, crm.ErrForbidden):
		return "forbidden"
	case errors.Is(err, crm.ErrNotFound):
		return "not_found"
	case errors.Is(err, crm.ErrStale), errors.Is(err, crm.ErrInvalidTransition):
		return "stale"
	case errors.Is(err, crm.ErrInvalidPhone):
		return "invalid_phone"
	case errors.Is(err, crm.ErrForeignContact):
		return "foreign_contact"
	case errors.Is(err, crm.ErrInvalidInput):
		return "invalid_input"
	}
	return "internal"
}

// callResult names the result of one Bot API call: ok, 429, 403, 4xx, 5xx, timeout (no answer
// in time, or the connection dropped after the request went out) or connection (never sent).
func callResult(err error) string {
	if err == nil {
		return "ok"
	}
	var tgErr *tgbotapi.Error
	if errors.As(err, &tgErr) {
		switch {
		case tgErr.RetryAfter > 0 || tgErr.Code == 429:
			return "429"
		case classify(err) == outBlocked:
			return "403"
		case tgErr.Code >= 500:
			return "5xx"
		}
		return "4xx"
	}
	var tErr *transportError
	if errors.As(err, &tErr) && tErr.status >= 500 {
		return "5xx"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return "connection"
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	return "timeout"
}
