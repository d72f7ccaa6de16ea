package crm_test

import (
	"errors"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

// Who may record a car's mileage follows the permission table: a mechanic on his own orders
// only, managers and owners on any; a refusal writes nothing.
func TestRecordMileageFollowsThePermissionTable(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	o := w.order(t, 1) // assigned to w.mech
	cases := []struct {
		who  string
		by   crm.Staff
		km   int
		want error
	}{
		{"the assigned mechanic", w.mech, 50000, nil},
		{"another mechanic", w.mech2, 50100, crm.ErrForbidden},
		{"a manager", w.manager, 50200, nil},
		{"an owner", w.owner, 50300, nil},
		{"a negative reading", w.manager, -1, crm.ErrInvalidInput},
	}
	for _, c := range cases {
		err := w.svc.RecordMileage(w.ctx, c.by, o.Order.ID, c.km)
		if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", c.who, err, c.want)
		}
	}
	if err := w.svc.RecordMileage(w.ctx, w.manager, o.Order.ID+100, 1); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("an order that does not exist: %v, want ErrNotFound", err)
	}
	got, err := w.svc.Mileage(w.ctx, o.Order.VehicleID)
	if err != nil {
		t.Fatal(err)
	}
	var kms []int
	for _, r := range got {
		kms = append(kms, r.KM)
	}
	if len(kms) != 3 || kms[0] != 50000 || kms[1] != 50200 || kms[2] != 50300 {
		t.Errorf("readings %v, want [50000 50200 50300]", kms)
	}
}
