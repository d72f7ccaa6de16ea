package crm_test

import (
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestPersonByTelegramID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{})
	owner := e.MustOwner(t, 9100)
	e.MustStaff(t, owner, 9101, crm.RoleMechanic)
	e.MustBook(t, booking(9101, "mechanic-books")) // a mechanic who is also a client
	e.MustBook(t, booking(9102, "client-books"))

	for _, tc := range []struct {
		user          int64
		staff, client bool
	}{
		{9101, true, true},
		{9102, false, true},
		{9100, true, false},
		{9103, false, false},
	} {
		p, err := e.svc.PersonByTelegramID(e.ctx, tc.user)
		if err != nil {
			t.Fatalf("user %d: %v", tc.user, err)
		}
		if (p.Staff != nil) != tc.staff || (p.Client != nil) != tc.client {
			t.Errorf("user %d: staff %v, client %v; want %v, %v", tc.user, p.Staff != nil, p.Client != nil, tc.staff, tc.client)
		}
		if p.Staff != nil && p.Staff.TelegramUserID != tc.user {
			t.Errorf("user %d: got staff row of %d", tc.user, p.Staff.TelegramUserID)
		}
		if p.Client != nil && (p.Client.TelegramUserID == nil || *p.Client.TelegramUserID != tc.user) {
			t.Errorf("user %d: got someone else's client row %+v", tc.user, p.Client)
		}
	}
}
