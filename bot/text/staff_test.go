package text

import "testing"

func TestStaffCatalogComplete(t *testing.T) {
	checkForms(t, staffCatalog)
	checkForms(t, staffRulesCatalog)
	for k, f := range auditActions {
		if f.ru == "" || f.en == "" {
			t.Errorf("audit action %s: missing a language", k)
		}
	}
	for k, f := range staffCommandDescriptions {
		if f.ru == "" || f.en == "" || len(f.ru) > 256 {
			t.Errorf("command %s: bad description %+v", k, f)
		}
	}
}

func TestOnlyRoles(t *testing.T) {
	for _, tt := range []struct {
		l      Lang
		button bool
		roles  []string
		want   string
	}{
		{RU, false, []string{"owner"}, "Эта команда доступна только владельцу."},
		{RU, false, []string{"owner", "admin"}, "Эта команда доступна только владельцу или администратору."},
		{RU, true, []string{"owner", "admin", "manager"}, "Эта кнопка доступна только владельцу, администратору или менеджеру."},
		{EN, false, []string{"owner"}, "Only an owner can use this command."},
		{EN, true, []string{"owner", "admin"}, "Only an owner or an admin can use this button."},
	} {
		if got := OnlyRoles(tt.l, tt.button, tt.roles); got != tt.want {
			t.Errorf("OnlyRoles(%v, %v, %v) = %q, want %q", tt.l, tt.button, tt.roles, got, tt.want)
		}
	}
}
