package text

import "testing"

func TestImportCatalogComplete(t *testing.T) {
	checkForms(t, importCatalog)
}
