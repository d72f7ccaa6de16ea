package text

import (
	"testing"
	"time"
)

func TestOfferCatalogComplete(t *testing.T) {
	checkForms(t, offerCatalog)
}

func TestSinceDaysAndSpan(t *testing.T) {
	for _, tt := range []struct {
		l    Lang
		days int
		want string
	}{
		{RU, 1, "1 день"}, {RU, 3, "3 дня"}, {RU, 45, "45 дней"}, {RU, 180, "6 месяцев"},
		{RU, 365, "12 месяцев"}, {RU, 61, "2 месяца"}, {EN, 1, "1 day"}, {EN, 180, "6 months"},
	} {
		if got := SinceDays(tt.l, tt.days); got != tt.want {
			t.Errorf("SinceDays(%s, %d) = %q, want %q", tt.l, tt.days, got, tt.want)
		}
	}
	if got := Span(RU, 3*time.Hour); got != "3 часа" {
		t.Errorf("Span 3h = %q", got)
	}
	if got := Span(EN, 72*time.Hour); got != "3 days" {
		t.Errorf("Span 72h = %q", got)
	}
}
