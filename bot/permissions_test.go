package bot

import (
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

// Every command and button of the route table names what it needs in the permission table, and
// no entry there names a route that does not exist.
func TestEveryRouteHasAPermission(t *testing.T) {
	rt := (&Bot{}).routeTable()
	for name := range rt.commands {
		if _, ok := rt.commandNeeds[name]; !ok {
			t.Errorf("command /%s: no entry in commandNeeds (bot/permissions.go)", name)
		}
	}
	for a := range rt.callbacks {
		if _, ok := rt.callbackNeeds[a]; !ok {
			t.Errorf("callback action %q: no entry in callbackNeeds (bot/permissions.go)", a)
		}
	}
	for name := range rt.commandNeeds {
		if _, ok := rt.commands[name]; !ok {
			t.Errorf("commandNeeds names /%s, which is not routed", name)
		}
	}
	for a, need := range rt.callbackNeeds {
		if _, ok := rt.callbacks[a]; !ok {
			t.Errorf("callbackNeeds names %q, which is not routed", a)
		}
		if crm.Can(crm.RoleOwner, need) == crm.ScopeNone {
			t.Errorf("%q needs %q, which not even an owner may do", a, need)
		}
	}
}

// Clients reach only the booking, their own orders and help: no staff command or button.
func TestClientsReachNoStaffRoute(t *testing.T) {
	rt := (&Bot{}).routeTable()
	client := map[string]bool{"start": true, "help": true, "cancel": true, "my": true, "forget_me": true,
		"subscribe": true, "unsubscribe": true}
	for name, need := range rt.commandNeeds {
		if got := crm.Can(crm.RoleClient, need) != crm.ScopeNone; got != client[name] {
			t.Errorf("/%s (%s): client allowed %t", name, need, got)
		}
	}
	for a, need := range rt.callbackNeeds {
		allowed := crm.Can(crm.RoleClient, need) != crm.ScopeNone
		if allowed && need != crm.ActBook && need != crm.ActOwnOrders && need != crm.ActForgetMe && need != crm.ActConsent {
			t.Errorf("button %q (%s) is open to clients", a, need)
		}
	}
}

// A staff member refused a command hears the roles the table lets do it, not a fixed phrase:
// /audit is the owner's alone, /staff an owner's or an admin's.
func TestRefusalNamesTheTablesRoles(t *testing.T) {
	for act, want := range map[crm.Action]string{
		crm.ActAudit:    "Эта команда доступна только владельцу.",
		crm.ActStaff:    "Эта команда доступна только владельцу или администратору.",
		crm.ActNewOrder: "Эта команда доступна только владельцу, администратору или менеджеру.",
	} {
		if got := onlyRoles(&request{lang: "ru"}, act); got != want {
			t.Errorf("%s: %q, want %q", act, got, want)
		}
	}
}
