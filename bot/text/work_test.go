package text

import (
	"slices"
	"strings"
	"testing"
)

// The work texts read in both languages with the same arguments, no key is in both catalogs
// (one would hide the other), and T finds them.
func TestWorkCatalogComplete(t *testing.T) {
	for k, f := range workCatalog {
		if strings.TrimSpace(f.ru) == "" || strings.TrimSpace(f.en) == "" {
			t.Errorf("%s: missing a language", k)
		}
		if ru, en := verb.FindAllString(f.ru, -1), verb.FindAllString(f.en, -1); !slices.Equal(ru, en) {
			t.Errorf("%s: verbs differ: ru %v, en %v", k, ru, en)
		}
		if _, dup := catalog[k]; dup {
			t.Errorf("%s: in both catalogs", k)
		}
	}
	for name, m := range map[string]map[string]forms{"kind": itemKinds, "state": paymentStates, "method": decisionMethods, "approval": approvals, "pay": payMethods} {
		for k, f := range m {
			if f.ru == "" || f.en == "" {
				t.Errorf("%s %s: missing a language", name, k)
			}
		}
	}
	if got := T(EN, ApproveAll, 3); got != "✅ Approve all (3)" {
		t.Errorf("T(EN, ApproveAll) = %q", got)
	}
	if got := T(RU, AskDiscount, 1001, ""); got != "Заказ №1001: скидка — «10%» или сумма в рублях; «0» — без скидки." {
		t.Errorf("T(RU, AskDiscount) = %q", got)
	}
}
