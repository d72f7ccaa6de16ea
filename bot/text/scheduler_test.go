package text

import (
	"strings"
	"testing"
	"time"
)

func TestSchedulerCatalogComplete(t *testing.T) {
	checkForms(t, schedulerCatalog)
}

// A stretch under an hour is minutes, rounded down, and under a minute "just now": an invoice due
// 30 seconds ago is not "due 1 hour ago".
func TestAgoAndSpanUnderAnHour(t *testing.T) {
	for _, tt := range []struct {
		l    Lang
		d    time.Duration
		want string
	}{
		{EN, 30 * time.Second, "just now"}, {RU, 30 * time.Second, "только что"},
		{EN, 61 * time.Second, "1 minute ago"}, {RU, 61 * time.Second, "1 минуту назад"},
		{RU, 22 * time.Minute, "22 минуты назад"}, {EN, 59*time.Minute + 59*time.Second, "59 minutes ago"},
		{EN, time.Hour + 59*time.Minute, "1 hour ago"}, {RU, 5 * time.Hour, "5 часов назад"},
		{EN, 72 * time.Hour, "3 days ago"},
	} {
		if got := Ago(tt.l, tt.d); got != tt.want {
			t.Errorf("Ago(%s, %s) = %q, want %q", tt.l, tt.d, got, tt.want)
		}
	}
	if got := T(EN, DigestOverdue, 1001, "500.00", Ago(EN, 30*time.Second)); !strings.HasSuffix(got, "due just now") {
		t.Errorf("overdue line 30 s after the due time: %q", got)
	}
}

// /jobs says what each job did: no_shows marks orders and enqueues nothing.
func TestJobCountPerJob(t *testing.T) {
	for _, tt := range []struct {
		l    Lang
		job  string
		want string
	}{
		{EN, "no_shows", "Job no_shows done: marked 1."}, {RU, "no_shows", "Задание no_shows выполнено: отмечено 1."},
		{EN, "payment_reminders", "Job payment_reminders done: 2 enqueued."},
	} {
		n := 1
		if tt.job != "no_shows" {
			n = 2
		}
		if got := T(tt.l, JobsRan, tt.job, JobCount(tt.l, tt.job, n)); got != tt.want {
			t.Errorf("JobsRan %s in %s = %q, want %q", tt.job, tt.l, got, tt.want)
		}
	}
}
