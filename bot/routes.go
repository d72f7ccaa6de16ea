package bot

import (
	"context"

	"github.com/uniflow-crm/uniflow/bot/text"
)

// handler is the one signature every command and button handler has.
type handler func(ctx context.Context, r *request) error

// routes is THE table of what the bot answers to.
type routes struct {
	commands  map[string]handler
	callbacks map[action]handler
}

func (b *Bot) routeTable() routes {
	return routes{
		commands: map[string]handler{
			"start":   b.cmdStart,
			"help":    b.cmdHelp,
			"cancel":  b.cmdCancel,
			"my":      b.cmdMy,
			"queue":   b.cmdQueue,
			"orders":  b.cmdOrders,
			"staff":   b.cmdStaff,
			"notices": b.cmdNotices,
			"outbox":  b.cmdOutbox,
		},
		callbacks: map[action]handler{
			actMenuBook:   b.onMenuBook,
			actMenuMy:     b.onMenuMy,
			actVehicle:    b.onVehicle,
			actSkip:       b.onSkip,
			actSlot:       b.onSlot,
			actNoSlot:     b.onSlot,
			actConfirm:    b.onConfirm,
			actEdit:       b.onEdit,
			actEditField:  b.onEditField,
			actCancel:     b.onCancelBooking,
			actTake:       b.onTake,
			actAssignMenu: b.onAssignMenu,
			actAssignTo:   b.onAssignTo,
			actStatus:     b.onStatus,
			actRefresh:    b.onRefresh,
		},
	}
}

// route sends the request to its handler.
func (b *Bot) route(ctx context.Context, r *request) error {
	if r.cb != nil {
		h, ok := b.routes.callbacks[r.data.Action]
		if r.dataErr != nil || !ok {
			// The client controls callback data: anything we did not make is
			// refused, and logged with who sent it.
			b.log.Warn("malformed callback data", "user_id", r.userID, "len", len(r.cb.Data))
			b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
			return nil
		}
		return h(ctx, r)
	}
	if r.msg.IsCommand() {
		if h, ok := b.routes.commands[r.msg.Command()]; ok {
			return h(ctx, r)
		}
		if !r.private {
			return nil // another bot's command in the staff group
		}
		if r.hasConv {
			return b.reask(ctx, r, text.T(r.lang, text.CommandNotData))
		}
		return b.say(ctx, r.chatID, text.T(r.lang, text.UnknownCommand), nil)
	}
	if !r.private {
		return nil // staff chatter in the group is not for us
	}
	return b.onMessage(ctx, r)
}
