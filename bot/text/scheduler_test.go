package text

import (
	"strings"
	"testing"
)

func TestSchedulerCatalogComplete(t *testing.T) {
	for k, f := range schedulerCatalog {
		if f.ru == "" || f.en == "" {
			t.Errorf("%s: missing a language", k)
		}
		if strings.Count(f.ru, "%") != strings.Count(f.en, "%") {
			t.Errorf("%s: format verbs differ between ru and en", k)
		}
		if _, dup := catalog[k]; dup {
			t.Errorf("%s: also in messages.go", k)
		}
		if _, dup := workCatalog[k]; dup {
			t.Errorf("%s: also in work.go", k)
		}
	}
}
