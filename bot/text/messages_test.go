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
	for k, f := range catalog {
		if strings.TrimSpace(f.ru) == "" || strings.TrimSpace(f.en) == "" {
			t.Errorf("%s: missing a language", k)
		}
		if ru, en := verb.FindAllString(f.ru, -1), verb.FindAllString(f.en, -1); !slices.Equal(ru, en) {
			t.Errorf("%s: verbs differ: ru %v, en %v", k, ru, en)
		}
	}
	for s, f := range statusNames {
		if f.ru == "" || f.en == "" {
			t.Errorf("status %s: missing a language", s)
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
