package bot

import (
	"context"
	"errors"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// handler is the one signature every command and button handler has.
type handler func(ctx context.Context, r *request) error

// routes is THE table of what the bot answers to.
type routes struct {
	commands  map[string]handler
	callbacks map[action]handler
	// What each needs in the permission table: permissions.go.
	commandNeeds  map[string]crm.Action
	callbackNeeds map[action]crm.Action
}

func (b *Bot) routeTable() routes {
	return routes{
		commands: map[string]handler{
			"start":   b.cmdStart,
			"help":    b.cmdHelp,
			"cancel":  b.cmdCancelAll, // a staff dialog, else the booking step
			"my":      b.cmdMy,
			"queue":   b.cmdQueue,
			"orders":  b.cmdOrders,
			"staff":   b.cmdStaff,
			"notices": b.cmdNotices,
			"outbox":  b.cmdOutbox,
			// Order work (issue 4).
			"new":     b.cmdNew,
			"catalog": b.cmdCatalog,
			"receive": b.cmdReceive,
			"doc":     b.cmdDoc,
			"company": b.cmdCompany,
			// Scheduler (issue 7).
			"jobs": b.cmdJobs,
			// Staff, audit and personal data (issue 6): staff_admin.go, forget_me.go.
			"invite": b.cmdInvite, "audit": b.cmdAudit, "forget_me": b.cmdForgetMe,
			// Offers, feedback, campaigns (issue 7): offers.go, campaign.go.
			"subscribe": b.cmdSubscribe, "unsubscribe": b.cmdUnsubscribe, "campaign": b.cmdCampaign,
			"km": b.cmdKM,
			// Owner reports (issue 9): report.go.
			"report": b.cmdReport,
			// Import and export (issue 8): export_command.go; documents go to import_flow.go.
			"export": b.cmdExport,
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
			// Order work (issue 4).
			actCatalogPage: b.onCatalogPage, actItem: b.onItem, actItemAdd: b.onItemAdd,
			actItemEdit: b.onItemEdit, actReceiveItem: b.onReceiveItem, actWork: b.onWork,
			actLineAdd: b.onLineAdd, actLinePick: b.onLinePick, actLineSearchPg: b.onLineSearchPage,
			actLine: b.onLine, actLineQty: b.onLineQty, actLinePrice: b.onLinePrice,
			actLineRemove: b.onLineRemove, actNeedPart: b.onNeedPart, actSendEstimate: b.onSendEstimate,
			actRecordMenu: b.onRecordMenu, actDiscount: b.onDiscount, actPayMenu: b.onPayMenu,
			actPay: b.onPay, actHistory: b.onHistory, actDoc: b.onDoc, actCorrect: b.onCorrect,
			actDecide: b.onDecide, actRecord: b.onRecord, actEstPage: b.onEstPage,
			actNewOrder: b.onNewOrder, actQty: b.onQty,
			// Scheduler (issue 7).
			actBookingAnswer: b.onBookingAnswer, actBookingSlot: b.onBookingSlot, actRunJob: b.onRunJob,
			// Staff, audit and personal data (issue 6).
			actStaffList: b.onStaffList, actStaffShow: b.onStaffShow, actStaffRole: b.onStaffRole,
			actStaffOff: b.onStaffOff, actStaffOffSure: b.onStaffOffSure, actAuditPage: b.onAuditPage,
			actForgetConfirm: b.onForgetConfirm, actForgetKeep: b.onForgetKeep,
			// Offers, feedback, the digest, campaigns (issue 7): offers.go, campaign.go.
			actOfferBook: b.onOfferBook, actOfferUnsub: b.onOfferUnsub, actRate: b.onRate,
			actDigestOpen: b.onDigestOpen, actCampaign: b.onCampaign, actSubscribe: b.onSubscribe,
			// Owner reports (issue 9): report.go.
			actReport: b.onReport,
			// Import and export (issue 8): import_flow.go, export_command.go.
			actImportKind: b.onImportKind, actImportApply: b.onImportApply, actImportCancel: b.onImportCancel,
			actImportStop: b.onImportStop, actImportUndo: b.onImportUndo, actExport: b.onExport,
			// Clients' messages to the shop (issue 7): client_messages.go.
			actClientAnswered: b.onClientAnswered, actClientMessage: b.onClientMessage,
		},
		commandNeeds:  commandNeeds(),
		callbackNeeds: callbackNeeds(),
	}
}

// route sends the request to its handler.
func (b *Bot) route(ctx context.Context, r *request) error {
	if r.takenOver && r.hasConv && r.private && r.conv.Update != 0 && r.update.UpdateID <= r.conv.Update {
		// Delivered again after a crash between saving its step and finishing (intake.go): the
		// step is taken already, so its answer, the current question, is asked again.
		b.log.Info("update applied before a crash: asking the current question again", "update_id", r.update.UpdateID)
		if r.cb != nil {
			b.answer(ctx, r, "", false)
		}
		return b.reask(ctx, r, "")
	}
	if r.cb != nil {
		h, ok := b.routes.callbacks[r.data.Action]
		if r.dataErr != nil || !ok {
			// The client controls callback data: anything we did not make is
			// refused, and logged with who sent it.
			reason := "malformed"
			if errors.Is(r.dataErr, errForgedCallback) {
				reason = "forged"
			}
			b.log.Warn("callback data refused", "user_id", r.userID, "chat_id", r.chatID, "reason", reason, "len", len(r.cb.Data))
			b.answer(ctx, r, text.T(r.lang, text.ButtonInvalid), false)
			return nil
		}
		if ok, err := b.permitted(ctx, r); !ok { // the permission table: permissions.go
			return err
		}
		if m := r.cb.Message; m != nil && m.Chat != nil {
			// The handler redraws the card pressed: a change it makes queues no redraw of it.
			ctx = crm.WithPressedCard(ctx, m.Chat.ID, m.MessageID)
		}
		return h(ctx, r)
	}
	if r.msg.IsCommand() {
		if h, ok := b.routes.commands[r.msg.Command()]; ok {
			if ok, err := b.permitted(ctx, r); !ok {
				return err
			}
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
	if handled, err := b.onStaffReply(ctx, r); handled { // an answer to a client: client_messages.go
		return err
	}
	if !r.private {
		return nil // staff chatter in the group is not for us
	}
	if r.msg.Document != nil { // a file to import, from those who may: import_flow.go
		if handled, err := b.onDocument(ctx, r); handled {
			return err
		}
	}
	if handled, err := b.onWorkDialog(ctx, r); handled { // a staff dialog: work_dialog.go
		return err
	}
	return b.onMessage(ctx, r)
}
