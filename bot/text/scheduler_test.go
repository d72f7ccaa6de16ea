package text

import "testing"

func TestSchedulerCatalogComplete(t *testing.T) {
	checkForms(t, schedulerCatalog)
}
