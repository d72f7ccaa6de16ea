package crm

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// The README's permission table is the one in code: a change to either without the other fails.
func TestReadmePermissionTable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- permissions:begin -->\n", "<!-- permissions:end -->"
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q section", strings.TrimSpace(begin), end)
	}
	if got, want := s[i+len(begin):j], PermissionTableMarkdown(); got != want {
		t.Errorf("README.md permission table differs from crm/permissions.go; put this between the markers:\n%s", want)
	}
}

func TestPermissionTableIsWellFormed(t *testing.T) {
	seen := map[Action]bool{}
	for _, row := range permissions {
		if seen[row.action] {
			t.Errorf("%s: two rows", row.action)
		}
		seen[row.action] = true
		// More power never means less permission.
		for i := 1; i < len(PermissionRoles); i++ {
			if row.scopes[i] > row.scopes[i-1] {
				t.Errorf("%s: %s may more than %s", row.action, PermissionRoles[i], PermissionRoles[i-1])
			}
		}
		if row.scopes[4] == ScopeAll && row.action != ActHelp {
			t.Errorf("%s: clients may do it on everything", row.action)
		}
	}
	if RoleClient.Valid() {
		t.Error("client is a staff role")
	}
}

func TestPermit(t *testing.T) {
	mine, other := int64(7), int64(8)
	mech := Staff{ID: mine, Role: RoleMechanic}
	for _, tc := range []struct {
		st       Staff
		act      Action
		assigned *int64
		ok       bool
	}{
		{mech, ActMove, &mine, true},
		{mech, ActMove, &other, false},
		{mech, ActMove, nil, false},
		{mech, ActAssign, &mine, false},
		{mech, ActPrice, &mine, false},
		{mech, ActCatalogView, nil, true},
		{Staff{ID: 1, Role: RoleManager}, ActMove, &other, true},
		{Staff{ID: 1, Role: RoleManager}, ActStaff, nil, false},
		{Staff{ID: 1, Role: RoleOwner}, ActStaff, nil, true},
		{Staff{ID: 1, Role: RoleClient}, ActMove, nil, false},
		{Staff{ID: 1, Role: "janitor"}, ActHelp, nil, false},
		{Staff{ID: 1, Role: RoleOwner}, "fly", nil, false},
	} {
		err := Permit(tc.st, tc.act, tc.assigned)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrForbidden)) {
			t.Errorf("%s %s on %v: %v, want ok=%t", tc.st.Role, tc.act, tc.assigned, err, tc.ok)
		}
	}
}
