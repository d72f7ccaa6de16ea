package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// What each command and button needs, as an action of crm's permission table
// (crm/permissions.go). The router checks it before any handler runs, whatever the button said;
// the CRM checks it again, with the order's owner, where the action is executed. A route missing
// here is refused to everyone (permissions_test.go lists it).
func commandNeeds() map[string]crm.Action {
	return map[string]crm.Action{
		"start": crm.ActHelp, "help": crm.ActHelp, "cancel": crm.ActHelp,
		"my":    crm.ActOwnOrders,
		"queue": crm.ActQueue, "orders": crm.ActQueue,
		"staff":   crm.ActStaff,
		"notices": crm.ActViewOrder, "doc": crm.ActViewOrder,
		"outbox":  crm.ActOutbox,
		"new":     crm.ActNewOrder,
		"catalog": crm.ActCatalogView,
		"receive": crm.ActStock,
		"company": crm.ActClients,
		"jobs":    crm.ActJobs,
		"invite":  crm.ActStaff, "audit": crm.ActAudit, "forget_me": crm.ActForgetMe,
		"km":       crm.ActLines, // an odometer reading on an order
		"campaign": crm.ActCampaign, "subscribe": crm.ActConsent, "unsubscribe": crm.ActConsent,
		"report": crm.ActReport,
		"export": crm.ActExport,
	}
}

func callbackNeeds() map[action]crm.Action {
	return map[action]crm.Action{
		// Booking and the client's menu: their own conversation, checked by its nonce.
		actMenuBook: crm.ActBook, actVehicle: crm.ActBook, actSkip: crm.ActBook, actSlot: crm.ActBook,
		actNoSlot: crm.ActBook, actConfirm: crm.ActBook, actEdit: crm.ActBook, actEditField: crm.ActBook,
		actCancel: crm.ActBook,
		actMenuMy: crm.ActOwnOrders, actDecide: crm.ActOwnOrders, actEstPage: crm.ActOwnOrders,
		// The order card.
		actTake: crm.ActTake, actAssignMenu: crm.ActAssign, actAssignTo: crm.ActAssign,
		actStatus: crm.ActMove, actRefresh: crm.ActViewOrder,
		// Order work.
		actWork: crm.ActViewOrder, actHistory: crm.ActViewOrder, actDoc: crm.ActViewOrder,
		actLineAdd: crm.ActLines, actLinePick: crm.ActLines, actLineSearchPg: crm.ActLines,
		actLine: crm.ActLines, actLineQty: crm.ActLines, actLineRemove: crm.ActLines,
		actNeedPart: crm.ActLines, actQty: crm.ActLines,
		actLinePrice: crm.ActPrice, actDiscount: crm.ActPrice, actCorrect: crm.ActPrice,
		actSendEstimate: crm.ActEstimate, actRecordMenu: crm.ActEstimate, actRecord: crm.ActEstimate,
		actPayMenu: crm.ActPayment, actPay: crm.ActPayment,
		actNewOrder: crm.ActNewOrder,
		// Catalog and stock.
		actCatalogPage: crm.ActCatalogView, actItem: crm.ActCatalogView,
		actItemAdd: crm.ActCatalogEdit, actItemEdit: crm.ActCatalogEdit,
		actReceiveItem: crm.ActStock,
		// Scheduler: the client's answers to a booking reminder (crm checks it is their order).
		actBookingAnswer: crm.ActOwnOrders, actBookingSlot: crm.ActOwnOrders,
		actRunJob: crm.ActJobs,
		// Staff, audit and personal data.
		actStaffList: crm.ActStaff, actStaffShow: crm.ActStaff, actStaffRole: crm.ActStaff,
		actStaffOff: crm.ActStaff, actStaffOffSure: crm.ActStaff, actAuditPage: crm.ActAudit,
		actForgetConfirm: crm.ActForgetMe, actForgetKeep: crm.ActForgetMe,
		// Offers, ratings, the owner's digest and campaigns.
		actOfferBook: crm.ActBook, actOfferUnsub: crm.ActConsent, actSubscribe: crm.ActConsent,
		actRate: crm.ActOwnOrders, actDigestOpen: crm.ActViewOrder, actCampaign: crm.ActCampaign,
		// The owner's report: managers see its operational part (report.go).
		actReport: crm.ActReport,
		// Import and export.
		actImportKind: crm.ActImport, actImportApply: crm.ActImport, actImportCancel: crm.ActImport,
		actImportStop: crm.ActImport, actImportUndo: crm.ActImport, actExport: crm.ActExport,
		// Clients' messages to the shop.
		actClientAnswered: crm.ActClientMessages, actClientMessage: crm.ActClientMessages,
	}
}

// need is what the request's route needs; ok is false for a route the table does not name.
func (rt routes) need(r *request) (crm.Action, string, bool) {
	if r.cb != nil {
		a, ok := rt.callbackNeeds[r.data.Action]
		return a, string(r.data.Action), ok
	}
	a, ok := rt.commandNeeds[r.msg.Command()]
	return a, "/" + r.msg.Command(), ok
}

// permitted checks the route's action against the sender's role before the handler runs, and
// refuses (answering and logging who asked) when the table says no. Actions that every role may
// do cost no lookup: a client's booking never waits on the staff table.
func (b *Bot) permitted(ctx context.Context, r *request) (bool, error) {
	act, route, known := b.routes.need(r)
	if known && crm.Everyone(act) {
		return true, nil
	}
	role := crm.RoleClient
	s, err := b.staffMember(ctx, r)
	switch {
	case err == nil:
		role = s.Role
	case !errors.Is(err, crm.ErrNotFound):
		return false, fmt.Errorf("look up staff: %w", err)
	}
	if known && crm.Can(role, act) != crm.ScopeNone {
		return true, nil
	}
	if !known {
		b.log.Error("route missing from the permission table", "route", route)
	}
	b.log.Warn("permission denied", "user_id", r.userID, "role", string(role), "route", route, "need", string(act))
	refusal := text.T(r.lang, text.Forbidden)
	switch {
	case role != crm.RoleClient && known:
		refusal = onlyRoles(r, act) // staff hear who may, as the table says
	case role == crm.RoleClient && r.cb != nil:
		refusal = b.notStaff(ctx, r, text.StaffOnlyButton)
	case role == crm.RoleClient:
		refusal = b.notStaff(ctx, r, text.NotStaff)
	}
	if r.cb != nil {
		b.answer(ctx, r, refusal, true)
		return false, nil
	}
	return false, b.say(ctx, r.chatID, refusal, nil)
}

// staffButtonMay is staffButton for a button only staff who may do act on everything may press:
// anyone else gets refusal in a popup and nothing happens. The router lets through a role with
// any scope of act (its own orders, say); these buttons act on the whole shop.
func (b *Bot) staffButtonMay(ctx context.Context, r *request, act crm.Action, refusal text.Key) (crm.Staff, bool, error) {
	s, ok, err := b.staffButton(ctx, r)
	if !ok {
		return crm.Staff{}, false, err
	}
	if !may(s, act) {
		b.answer(ctx, r, text.T(r.lang, refusal), true)
		return crm.Staff{}, false, nil
	}
	return s, true, nil
}

// may reports whether s may do act on everything: what decides which buttons a card offers.
func may(s crm.Staff, act crm.Action) bool {
	return crm.Can(s.Role, act) == crm.ScopeAll
}

// mayView checks that s may see an order assigned to mechanic in this chat: in the staff group
// the cards are everyone's already; in private a mechanic sees only their own orders.
func mayView(r *request, s crm.Staff, mechanic *crm.Staff) error {
	if !r.private {
		return nil
	}
	var assigned *int64
	if mechanic != nil {
		assigned = &mechanic.ID
	}
	return crm.Permit(s, crm.ActViewOrder, assigned)
}

// onlyRoles is the refusal of act to a staff member: it names the roles the permission table
// lets do it, so that the words cannot drift from the rule.
func onlyRoles(r *request, act crm.Action) string {
	var roles []string
	for _, role := range crm.StaffAllowed(act) {
		roles = append(roles, string(role))
	}
	return text.OnlyRoles(r.lang, r.cb != nil, roles)
}
