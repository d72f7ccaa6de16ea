package crm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

// MustEveryRole is a shop with one member of each role, the others hired by the owner, with
// Telegram ids 1 (owner) to 4: the staff rules are about who may do what to whom, so each test
// needs all of them, and the audit counts below rely on exactly these three joins.
func (e *env) MustEveryRole(t *testing.T) (owner, admin, mech, manager crm.Staff) {
	t.Helper()
	owner = e.MustOwner(t, 1)
	admin = e.MustStaff(t, owner, 2, crm.RoleAdmin)
	mech = e.MustStaff(t, owner, 3, crm.RoleMechanic)
	manager = e.MustStaff(t, owner, 4, crm.RoleManager)
	return owner, admin, mech, manager
}

func TestInviteRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	owner, admin, mech, manager := e.MustEveryRole(t)

	for _, tt := range []struct {
		name string
		by   crm.Staff
		role crm.Role
		want error
	}{
		{"admin by admin", admin, crm.RoleAdmin, crm.ErrForbidden},
		{"owner by owner", owner, crm.RoleOwner, crm.ErrInvalidInput},
		{"mechanic by mechanic", mech, crm.RoleMechanic, crm.ErrForbidden},
		{"mechanic by manager", manager, crm.RoleMechanic, crm.ErrForbidden},
		{"unknown role", owner, "boss", crm.ErrInvalidInput},
		{"by a stranger", crm.Staff{ID: 999}, crm.RoleMechanic, crm.ErrForbidden},
	} {
		before := e.count(t, `SELECT count(*) FROM staff_invites`)
		if _, err := e.svc.CreateInvite(e.ctx, actor(tt.by), tt.role); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if n := e.count(t, `SELECT count(*) FROM staff_invites`); n != before {
			t.Errorf("%s: invites %d -> %d", tt.name, before, n)
		}
	}

	inv, err := e.svc.CreateInvite(e.ctx, actor(admin), crm.RoleMechanic)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Token) != 43 || strings.ContainsAny(inv.Token, "+/=") {
		t.Errorf("token %q: want 43 base64url characters", inv.Token)
	}
	if n := e.count(t, `SELECT count(*) FROM staff_invites WHERE token_hash = sha256($1::bytea) AND created_by = $2`, inv.Token, admin.ID); n != 1 {
		t.Errorf("invite stored by sha256 with its creator: %d rows", n)
	}
	if n := e.count(t, `SELECT count(*) FROM staff_invites WHERE position($1::bytea in token_hash) > 0`, inv.Token); n != 0 {
		t.Error("the token itself is stored")
	}
	// Already staff: refused, invite left unused.
	if _, err := e.svc.RedeemInvite(e.ctx, inv.Token, crm.Joiner{TelegramUserID: 4, ChatID: 4}); !errors.Is(err, crm.ErrAlreadyStaff) {
		t.Errorf("redeem by staff: %v, want ErrAlreadyStaff", err)
	}
	j, err := e.svc.RedeemInvite(e.ctx, inv.Token, crm.Joiner{TelegramUserID: 10, ChatID: 10, Name: "Пётр"})
	if st := j.Staff; err != nil || st.Role != crm.RoleMechanic || !st.Active || st.Name != "Пётр" || j.InvitedBy != "staff 2" {
		t.Fatalf("redeem: %+v, %v", j, err)
	}
	if _, err := e.svc.RedeemInvite(e.ctx, inv.Token, crm.Joiner{TelegramUserID: 11, ChatID: 11}); !errors.Is(err, crm.ErrInviteUsed) {
		t.Errorf("second redeem: %v, want ErrInviteUsed", err)
	}
	if _, err := e.svc.RedeemInvite(e.ctx, "forged", crm.Joiner{TelegramUserID: 11, ChatID: 11}); !errors.Is(err, crm.ErrInviteUnknown) {
		t.Errorf("forged: %v, want ErrInviteUnknown", err)
	}
	old, err := e.svc.CreateInvite(e.ctx, actor(owner), crm.RoleManager)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(crm.InviteTTL)
	if _, err := e.svc.RedeemInvite(e.ctx, old.Token, crm.Joiner{TelegramUserID: 11, ChatID: 11}); !errors.Is(err, crm.ErrInviteExpired) {
		t.Errorf("expired: %v, want ErrInviteExpired", err)
	}
	if n := e.count(t, `SELECT count(*) FROM staff WHERE telegram_user_id = 11`); n != 0 {
		t.Errorf("refused invites made %d staff", n)
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('invite_created', 'invite_redeemed')`); n != 3*2+3 {
		t.Errorf("invite audit rows = %d, want 9 (3 joins, 3 more invites, 1 more redeem)", n)
	}
}

// An admin manages managers and mechanics only: another admin is out of reach, whether to
// deactivate or to change the role, and the refusal changes nothing.
func TestAdminCannotManageAdmins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	owner, admin, _, manager := e.MustEveryRole(t)
	other, err := e.svc.SetStaffRole(e.ctx, actor(owner), manager.ID, crm.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeactivateStaff(e.ctx, actor(admin), other.ID); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("admin deactivates an admin: %v, want ErrForbidden", err)
	}
	if _, err := e.svc.SetStaffRole(e.ctx, actor(admin), other.ID, crm.RoleMechanic); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("admin demotes an admin: %v, want ErrForbidden", err)
	}
	if n := e.count(t, `SELECT count(*) FROM staff WHERE role = 'admin' AND active`); n != 2 {
		t.Errorf("active admins = %d after refusals, want 2", n)
	}
	if crm.CanManageStaff(admin, other) || crm.CanManageStaff(owner, owner) || !crm.CanManageStaff(owner, other) {
		t.Error("CanManageStaff disagrees with the rule")
	}
}

func TestStaffChangeRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	owner, admin, mech, manager := e.MustEveryRole(t)

	for _, tt := range []struct {
		name   string
		by     crm.Staff
		target crm.Staff
		role   crm.Role // "" = deactivate
		want   error
	}{
		{"admin demotes owner", admin, owner, crm.RoleManager, crm.ErrForbidden},
		{"admin deactivates owner", admin, owner, "", crm.ErrForbidden},
		{"admin makes an admin", admin, mech, crm.RoleAdmin, crm.ErrForbidden},
		{"manager promotes", manager, mech, crm.RoleManager, crm.ErrForbidden},
		{"mechanic deactivates", mech, manager, "", crm.ErrForbidden},
		{"owner deactivates himself", owner, owner, "", crm.ErrForbidden},
		{"owner demotes himself", owner, owner, crm.RoleAdmin, crm.ErrForbidden},
		{"admin demotes himself", admin, admin, crm.RoleMechanic, crm.ErrForbidden},
		{"admin deactivates himself", admin, admin, "", crm.ErrForbidden},
		{"unknown target", owner, crm.Staff{ID: 999}, "", crm.ErrNotFound},
	} {
		var err error
		if tt.role == "" {
			_, err = e.svc.DeactivateStaff(e.ctx, actor(tt.by), tt.target.ID)
		} else {
			_, err = e.svc.SetStaffRole(e.ctx, actor(tt.by), tt.target.ID, tt.role)
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM staff WHERE active AND role = 'owner'`); n != 1 {
		t.Errorf("owners = %d after refusals", n)
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('role_changed', 'staff_deactivated')`); n != 0 {
		t.Errorf("refusals audited as changes: %d", n)
	}

	st, err := e.svc.SetStaffRole(e.ctx, actor(admin), mech.ID, crm.RoleManager)
	if err != nil || st.Role != crm.RoleManager {
		t.Fatalf("admin promotes mechanic: %+v, %v", st, err)
	}
	if _, err := e.svc.DeactivateStaff(e.ctx, actor(admin), mech.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.StaffByTelegramID(e.ctx, 3); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("deactivated staff still found: %v", err)
	}
	// A deactivated member cannot act, whatever their role was.
	if _, err := e.svc.CreateInvite(e.ctx, actor(mech), crm.RoleMechanic); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("deactivated actor: %v", err)
	}
	// A second owner may step the first down (nobody steps down by themselves).
	if _, err := e.svc.SetStaffRole(e.ctx, actor(owner), admin.ID, crm.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetStaffRole(e.ctx, actor(admin), owner.ID, crm.RoleAdmin); err != nil {
		t.Fatalf("second owner steps the first down: %v", err)
	}

	log, err := e.svc.AuditLog(e.ctx, actor(admin), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range log {
		actions = append(actions, a.Action)
	}
	want := "role_changed role_changed staff_deactivated role_changed"
	if got := strings.Join(actions[:4], " "); got != want {
		t.Errorf("audit newest first = %q, want %q", got, want)
	}
	if log[2].ActorName != "staff 2" || log[2].TargetName != "staff 3" {
		t.Errorf("deactivation audit = %+v", log[2])
	}
	if _, err := e.svc.AuditLog(e.ctx, actor(manager), 10, 0); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("manager reads audit: %v", err)
	}
	if _, err := e.svc.Roster(e.ctx, actor(manager), 10); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("manager reads roster: %v", err)
	}
}

func TestForgetClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	owner := e.MustOwner(t, 1)
	r := booking(100, "a")
	r.ConsentVersion = "v1"
	card := e.MustBook(t, r)
	if n := e.count(t, `SELECT count(*) FROM clients WHERE pd_consent_at IS NOT NULL AND pd_consent_version = 'v1'`); n != 1 {
		t.Errorf("consent not recorded at the first booking")
	}
	r2 := booking(100, "b")
	r2.ConsentVersion = "v2"
	e.MustBook(t, r2)
	if n := e.count(t, `SELECT count(*) FROM clients WHERE pd_consent_version = 'v1'`); n != 1 {
		t.Errorf("a later booking replaced the first consent")
	}

	if err := e.svc.ForgetClient(e.ctx, 100); !errors.Is(err, crm.ErrOpenOrders) {
		t.Fatalf("forget with open orders: %v", err)
	}
	for _, o := range []int64{card.Order.ID} {
		if _, err := e.db.Exec(e.ctx, `UPDATE orders SET status = 'cancelled' WHERE client_id = (SELECT client_id FROM orders WHERE id = $1)`, o); err != nil {
			t.Fatal(err)
		}
	}
	// An unpaid invoice is a debt.
	if _, err := e.db.Exec(e.ctx, `UPDATE orders SET status = 'delivered' WHERE id = $1`, card.Order.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Exec(e.ctx, `INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines)
		VALUES ($1, now(), 1000, 0, 0, 1000, '[]')`, card.Order.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ForgetClient(e.ctx, 100); !errors.Is(err, crm.ErrHasDebt) {
		t.Fatalf("forget with a debt: %v", err)
	}
	if _, err := e.db.Exec(e.ctx, `INSERT INTO payments (order_id, amount, method, recorded_by) VALUES ($1, 1000, 'cash', $2)`, card.Order.ID, owner.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ForgetClient(e.ctx, 100); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, `SELECT count(*) FROM clients WHERE name = '' AND telegram_user_id IS NULL AND chat_id IS NULL
		AND phone LIKE '+999%' AND forgotten_at IS NOT NULL`); n != 1 {
		t.Error("client not anonymised")
	}
	if n := e.count(t, `SELECT count(*) FROM vehicles WHERE plate <> '' OR vin <> ''`); n != 0 {
		t.Error("plates kept")
	}
	if n := e.count(t, `SELECT count(*) FROM orders`) + e.count(t, `SELECT count(*) FROM payments`) + e.count(t, `SELECT count(*) FROM invoices`); n != 4 {
		t.Errorf("financial records = %d, want 2 orders + 1 payment + 1 invoice", n)
	}
	if err := e.svc.ForgetClient(e.ctx, 100); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("forget twice: %v", err)
	}
}
