package text

import "testing"

func TestClientMessageCatalogComplete(t *testing.T) {
	checkForms(t, clientMessageCatalog)
	for k := range clientMessageCatalog {
		if T(RU, k) == string(k) {
			t.Errorf("%s: T does not look it up", k)
		}
	}
}
