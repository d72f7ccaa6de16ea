package text

import (
	"strings"
	"testing"
)

// The /subscribe answer says the configured gap, in the right plural, not "once a month" always.
func TestSubscribedSaysTheConfiguredGap(t *testing.T) {
	for _, tt := range []struct {
		l    Lang
		days int
		want string
	}{
		{RU, 1, "не чаще раза в день"}, {RU, 3, "не чаще раза в 3 дня"}, {RU, 14, "не чаще раза в 14 дней"},
		{RU, 21, "не чаще раза в 21 день"}, {EN, 1, "at most once a day"}, {EN, 30, "at most once every 30 days"},
	} {
		got := T(tt.l, Subscribed, AtMostOnceIn(tt.l, tt.days))
		if !strings.Contains(got, tt.want) || strings.Contains(got, "месяц") || strings.Contains(got, "month") {
			t.Errorf("Subscribed in %s with a gap of %d days: %q, want %q", tt.l, tt.days, got, tt.want)
		}
	}
	// Unsubscribing stops offers, not the messages about one's bookings: the text says so.
	for _, l := range []Lang{RU, EN} {
		got := T(l, Unsubscribed)
		if strings.Contains(got, "напоминаний и предложений") || strings.Contains(got, "reminders and offers") {
			t.Errorf("Unsubscribed in %s promises no more reminders: %q", l, got)
		}
	}
}
