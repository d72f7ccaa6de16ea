package crm_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestStaffManagement(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	for range 2 { // idempotent
		if err := e.svc.EnsureOwners(e.ctx, []int64{1}); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM staff`); n != 1 {
		t.Errorf("staff after EnsureOwners twice = %d, want 1", n)
	}
	owner := e.mustTouch(t, 1)
	mech := e.MustStaff(t, owner, 3, crm.RoleMechanic)

	// Deactivated staff are not found; a new invite brings them back with its role.
	if _, err := e.svc.DeactivateStaff(e.ctx, crm.Actor{StaffID: owner.ID}, mech.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.StaffByTelegramID(e.ctx, 3); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("inactive staff: err = %v, want ErrNotFound", err)
	}
	inv, err := e.svc.CreateInvite(e.ctx, crm.Actor{StaffID: owner.ID}, crm.RoleManager)
	if err != nil {
		t.Fatal(err)
	}
	j, err := e.svc.RedeemInvite(e.ctx, inv.Token, crm.Joiner{TelegramUserID: 3, ChatID: 3, Language: "ru"})
	st := j.Staff
	if err != nil {
		t.Fatal(err)
	}
	chat := int64(3)
	want := crm.Staff{ID: mech.ID, TelegramUserID: 3, ChatID: &chat, Name: "staff 3", Role: crm.RoleManager,
		BranchID: owner.BranchID, Active: true, Language: "ru"}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("rejoined (-want +got):\n%s", diff)
	}

	// Touch keeps the name when the new one is empty and follows the chat.
	if err := e.svc.TouchStaff(e.ctx, 3, 33, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.TouchStaff(e.ctx, 777, 777, "nobody", "en"); err != nil {
		t.Errorf("TouchStaff of a non-staff user: %v", err)
	}
	st, _ = e.svc.StaffByTelegramID(e.ctx, 3)
	if st.Name != "staff 3" || st.ChatID == nil || *st.ChatID != 33 {
		t.Errorf("after touch: %+v", st)
	}

	e.MustStaff(t, owner, 5, crm.RoleMechanic)
	ids := func(role crm.Role) []int64 {
		l, err := e.svc.ListStaff(e.ctx, role)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, s := range l {
			out = append(out, s.TelegramUserID)
		}
		return out
	}
	if diff := cmp.Diff([]int64{1, 3, 5}, ids("")); diff != "" {
		t.Errorf("all staff (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{5}, ids(crm.RoleMechanic)); diff != "" {
		t.Errorf("mechanics (-want +got):\n%s", diff)
	}
	if _, err := e.svc.ListStaff(e.ctx, "boss"); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("ListStaff(boss): err = %v, want ErrInvalidInput", err)
	}
}

func TestClientLookups(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	card := e.MustBook(t, booking(100, "a"))
	byTG, err := e.svc.ClientByTelegramID(e.ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	byID, err := e.svc.Client(e.ctx, card.Client.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(card.Client, byTG); diff != "" {
		t.Errorf("ClientByTelegramID (-card +got):\n%s", diff)
	}
	if diff := cmp.Diff(card.Client, byID); diff != "" {
		t.Errorf("Client (-card +got):\n%s", diff)
	}
	if _, err := e.svc.Client(e.ctx, 424242); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("Client(missing): err = %v, want ErrNotFound", err)
	}
	if _, err := e.svc.ClientByTelegramID(e.ctx, 424242); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("ClientByTelegramID(missing): err = %v, want ErrNotFound", err)
	}
	if vs, err := e.svc.Vehicles(e.ctx, 424242); err != nil || len(vs) != 0 {
		t.Errorf("Vehicles(missing) = %v, %v; want empty", vs, err)
	}
}
