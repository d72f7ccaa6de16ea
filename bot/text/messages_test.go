package text

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

// Every key must read in both languages with the same arguments, or one
// language would print "%!d(MISSING)" to users.
func TestCatalogComplete(t *testing.T) {
	checkForms(t, catalog)
	for s, f := range statusNames {
		if f.ru == "" || f.en == "" {
			t.Errorf("status %s: missing a language", s)
		}
	}
}

// checkForms fails t for each text of cat missing a language or whose languages take different
// arguments. Every catalog file's test runs it on its own catalog.
func checkForms(t *testing.T, cat map[Key]forms) {
	t.Helper()
	for k, f := range cat {
		if strings.TrimSpace(f.ru) == "" || strings.TrimSpace(f.en) == "" {
			t.Errorf("%s: missing a language", k)
		}
		if ru, en := verb.FindAllString(f.ru, -1), verb.FindAllString(f.en, -1); !slices.Equal(ru, en) {
			t.Errorf("%s: verbs differ: ru %v, en %v", k, ru, en)
		}
	}
}

// No key is in two of the catalogs T reads: T takes the first it finds, so the other would be
// hidden.
func TestCatalogsDisjoint(t *testing.T) {
	seen := map[Key]string{}
	for _, c := range []struct {
		file string
		cat  map[Key]forms
	}{
		{"messages.go", catalog}, {"work.go", workCatalog}, {"scheduler.go", schedulerCatalog},
		{"staff.go", staffCatalog}, {"offers.go", offerCatalog}, {"staff_rules.go", staffRulesCatalog}, {"report.go", reportCatalog},
		{"import.go", importCatalog}, {"no_show.go", noShowCatalog},
	} {
		for k := range c.cat {
			if first, dup := seen[k]; dup {
				t.Errorf("%s: in %s and %s", k, first, c.file)
			}
			seen[k] = c.file
		}
	}
}

func TestTFallsBackToKey(t *testing.T) {
	if got := T(RU, Key("no_such_key")); got != "no_such_key" {
		t.Errorf("got %q", got)
	}
	if got := T(EN, StatusNotice, 7, "ready"); got != "Order No. 7: ready" {
		t.Errorf("got %q", got)
	}
}
