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
