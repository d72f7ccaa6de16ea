package crm

import (
	"fmt"
	"strings"
)

// RoleClient is whoever is not active staff: a shop's client, or anyone who opened the bot. It is
// a row of the permission table, never a staff role (Role.Valid is false for it).
const RoleClient Role = "client"

// Action is something a person may ask the CRM to do. The bot's route table names the action
// each command and button needs (bot/permissions.go); the CRM checks it again where the action
// is executed, under the order's lock.
type Action string

// The actions of the permission table.
const (
	ActHelp        Action = "help"         // /start, /help, /cancel
	ActBook        Action = "book"         // book a repair for oneself
	ActOwnOrders   Action = "own_orders"   // one's own orders and cars; decide on one's estimates
	ActQueue       Action = "queue"        // the order queue (/queue, /orders)
	ActViewOrder   Action = "view_order"   // an order's card, work view, history, papers, notices
	ActTake        Action = "take"         // take a request (a mechanic: into their own queue)
	ActAssign      Action = "assign"       // give an order to a mechanic
	ActMove        Action = "move"         // move an order through its statuses
	ActCancelOrder Action = "cancel_order" // cancel an order
	ActLines       Action = "lines"        // labour and parts at catalog prices, quantities, parts asked for
	ActPrice       Action = "price"        // prices, free-text lines, discounts, invoice corrections
	ActEstimate    Action = "estimate"     // send an estimate, record the client's decisions
	ActPayment     Action = "payment"      // record payments and refunds
	ActNewOrder    Action = "new_order"    // open an order for a walk-in or phone client (/new)
	ActClients     Action = "clients"      // mark a client as a company (/company)
	ActCatalogView Action = "catalog_view" // search the catalog
	ActCatalogEdit Action = "catalog_edit" // add and edit catalog items
	ActStock       Action = "stock"        // receive goods into stock
	ActOutbox      Action = "outbox"       // the outbox's health (/outbox)
	ActStaff       Action = "staff"        // invite staff, list them, change roles, deactivate
	ActAudit       Action = "audit"        // the audit log (/audit)
	ActForgetMe    Action = "forget_me"    // erase one's own personal data (/forget_me)
	ActJobs        Action = "jobs"         // the scheduler's jobs, run one now (/jobs)
	ActCampaign    Action = "campaign"     // send a marketing campaign (/campaign)
	ActConsent     Action = "consent"      // give or withdraw one's consent to offers (/subscribe, /unsubscribe)
	ActImport      Action = "import"       // import clients, vehicles and the catalog from files; undo an import
	ActReport      Action = "report"       // the report's operational part (/report): orders, payments, mechanics
	ActReportFull  Action = "report_full"  // the whole report: funnel, revenue split, repeat clients, offers, margins
	ActExport      Action = "export"       // export clients, vehicles, orders, payments, the catalog (/export)
	// ActClientMessages: answer clients' free messages (a reply to the copy, "Answered").
	ActClientMessages Action = "client_messages"
)

// Scope is how far a role may do an action.
type Scope int

const (
	// ScopeNone: not at all.
	ScopeNone Scope = iota
	// ScopeOwn: on what is one's own: a mechanic the orders assigned to them (taking also an
	// unassigned one), a client their own orders, cars and bookings.
	ScopeOwn
	// ScopeAll: on everything.
	ScopeAll
)

func (s Scope) String() string {
	switch s {
	case ScopeOwn:
		return "own"
	case ScopeAll:
		return "all"
	}
	return "—"
}

// PermissionRoles are the table's columns, from most to least powerful.
var PermissionRoles = []Role{RoleOwner, RoleAdmin, RoleManager, RoleMechanic, RoleClient}

// permissionRow is one action and what each role of PermissionRoles may do, in that order.
type permissionRow struct {
	action Action
	scopes [5]Scope
	what   string
}

// Short names keep the table one row per line.
const (
	sNo  = ScopeNone
	sOwn = ScopeOwn
	sAll = ScopeAll
)

// permissions is THE table of who may do what. Everything that decides what a role may do reads
// it (Can, Permit); the README's table is checked against it (permissions_test.go).
var permissions = []permissionRow{
	//                owner admin manager mechanic client
	{ActHelp, [5]Scope{sAll, sAll, sAll, sAll, sAll}, "/start, /help, /cancel"},
	{ActBook, [5]Scope{sOwn, sOwn, sOwn, sOwn, sOwn}, "book a repair for oneself"},
	{ActOwnOrders, [5]Scope{sOwn, sOwn, sOwn, sOwn, sOwn}, "one's own orders and cars, decisions on one's estimates (/my)"},
	{ActQueue, [5]Scope{sAll, sAll, sAll, sOwn, sNo}, "the order queue (/queue, /orders)"},
	{ActViewOrder, [5]Scope{sAll, sAll, sAll, sOwn, sNo}, "an order's card, work, history, papers, notices (/doc, /notices)"},
	{ActTake, [5]Scope{sAll, sAll, sAll, sOwn, sNo}, "take a request (a mechanic: an unassigned or their own order)"},
	{ActAssign, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "assign a mechanic"},
	{ActMove, [5]Scope{sAll, sAll, sAll, sOwn, sNo}, "move an order through its statuses"},
	{ActCancelOrder, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "cancel an order"},
	{ActLines, [5]Scope{sAll, sAll, sAll, sOwn, sNo}, "labour and parts at catalog prices, quantities, parts asked for"},
	{ActPrice, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "prices, free-text lines, discounts, invoice corrections"},
	{ActEstimate, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "send an estimate, record the client's decisions"},
	{ActPayment, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "record payments and refunds"},
	{ActNewOrder, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "open an order for a walk-in or phone client (/new)"},
	{ActClients, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "mark a client as a company (/company)"},
	{ActCatalogView, [5]Scope{sAll, sAll, sAll, sAll, sNo}, "search the catalog (/catalog)"},
	{ActCatalogEdit, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "add and edit catalog items"},
	{ActStock, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "receive goods into stock (/receive)"},
	{ActOutbox, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "the outbox's health (/outbox)"},
	{ActStaff, [5]Scope{sAll, sAll, sNo, sNo, sNo}, "invite staff, list them, change roles, deactivate (/invite, /staff; an admin invites and manages only managers and mechanics; nobody changes or deactivates themselves)"},
	{ActAudit, [5]Scope{sAll, sNo, sNo, sNo, sNo}, "the audit log (/audit)"},
	{ActForgetMe, [5]Scope{sOwn, sOwn, sOwn, sOwn, sOwn}, "erase one's personal data (/forget_me; refused to staff and with open orders or debts)"},
	{ActJobs, [5]Scope{sAll, sAll, sNo, sNo, sNo}, "the scheduler's jobs, run one now (/jobs)"},
	{ActCampaign, [5]Scope{sAll, sNo, sNo, sNo, sNo}, "send a marketing campaign (/campaign)"},
	{ActImport, [5]Scope{sAll, sAll, sNo, sNo, sNo}, "import clients, vehicles and the catalog from CSV/XLSX files, undo an import"},
	{ActReport, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "the report (/report): orders, payments and what is owed, mechanics' work, per period and branch"},
	{ActReportFull, [5]Scope{sAll, sNo, sNo, sNo, sNo}, "the whole report: funnel per lead source, revenue split, repeat clients, offers, margins (docs/kpi.md)"},
	{ActExport, [5]Scope{sAll, sNo, sNo, sNo, sNo}, "export clients, vehicles, orders, payments and the catalog as a file (/export; the whole client base leaves with it)"},
	{ActConsent, [5]Scope{sOwn, sOwn, sOwn, sOwn, sOwn}, "give or withdraw one's consent to offers and other marketing messages (/subscribe, /unsubscribe); booking reminders and order messages need none"},
	{ActClientMessages, [5]Scope{sAll, sAll, sAll, sNo, sNo}, "answer clients' messages to the shop (reply to the copy in the staff chat, or \"Answered\" after a call)"},
}

// Can reports how far role may do act; unknown roles and actions may do nothing.
func Can(role Role, act Action) Scope {
	col := -1
	for i, r := range PermissionRoles {
		if r == role {
			col = i
		}
	}
	if col < 0 {
		return ScopeNone
	}
	for _, row := range permissions {
		if row.action == act {
			return row.scopes[col]
		}
	}
	return ScopeNone
}

// Everyone reports whether every role, clients included, may do act at least on their own:
// the bot then need not look up who is asking before routing.
func Everyone(act Action) bool {
	for _, r := range PermissionRoles {
		if Can(r, act) == ScopeNone {
			return false
		}
	}
	return true
}

// StaffAllowed lists the staff roles that may do act at least on their own, most powerful first:
// whom a refusal names, so that its words follow the table.
func StaffAllowed(act Action) []Role {
	var out []Role
	for _, r := range PermissionRoles {
		if r != RoleClient && Can(r, act) != ScopeNone {
			out = append(out, r)
		}
	}
	return out
}

// Permit checks that staff member st may do act on an order assigned to assigned (nil: nobody):
// ScopeOwn needs the order to be assigned to st. A refusal is ErrForbidden.
func Permit(st Staff, act Action, assigned *int64) error {
	switch Can(st.Role, act) {
	case ScopeAll:
		return nil
	case ScopeOwn:
		if assigned != nil && *assigned == st.ID {
			return nil
		}
		return fmt.Errorf("%s %d may %s only on their own orders: %w", st.Role, st.ID, act, ErrForbidden)
	}
	return fmt.Errorf("%s %d may not %s: %w", st.Role, st.ID, act, ErrForbidden)
}

// PermissionTableMarkdown renders the table for the README, which a test keeps equal to it.
func PermissionTableMarkdown() string {
	var b strings.Builder
	b.WriteString("| action | what |")
	for _, r := range PermissionRoles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n| --- | --- |" + strings.Repeat(" --- |", len(PermissionRoles)) + "\n")
	for _, row := range permissions {
		fmt.Fprintf(&b, "| `%s` | %s |", row.action, row.what)
		for _, s := range row.scopes {
			b.WriteString(" " + s.String() + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}
