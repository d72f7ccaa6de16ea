package text

import "testing"

// The work texts read in both languages with the same arguments (TestCatalogsDisjoint keeps
// their keys out of the other catalogs), and T finds them.
func TestWorkCatalogComplete(t *testing.T) {
	checkForms(t, workCatalog)
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
