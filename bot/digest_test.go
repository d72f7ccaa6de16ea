package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// A digest with many exceptions is cut into messages within Telegram's limits, each with the
// buttons of its own lines, nothing lost, exceptions first and the numbers last.
func TestDigestSplitsWithinTelegramLimits(t *testing.T) {
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	s := crm.DailySummary{Day: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), NewRequests: 4,
		Numbers: crm.DigestNumbers{Opened: 4, Closed: 2, Revenue: 1234500}}
	for i := range 150 {
		e := crm.DigestException{Kind: crm.ExceptionStuck, OrderID: int64(i + 1), Number: int64(1000 + i),
			Status: crm.StatusWaitingParts, Since: now.Add(-10 * 24 * time.Hour)}
		switch i % 3 {
		case 1:
			e.Kind, e.Amount = crm.ExceptionOverdue, 500000
		case 2:
			e.Kind, e.ItemID, e.Name = crm.ExceptionLowStock, int64(i), strings.Repeat("Фильтр <масляный> ", 8)
		}
		s.Exceptions = append(s.Exceptions, e)
	}
	tail := strings.Repeat("№1001, ", 600) // a long summary of moves
	for _, l := range []text.Lang{text.RU, text.EN} {
		parts := digestParts(l, s, now, tail)
		if len(parts) < 3 {
			t.Fatalf("%s: %d parts, want the digest split", l, len(parts))
		}
		buttons, lines := 0, 0
		for i, p := range parts {
			if n := visibleLen(p.html); n > maxMessage || n == 0 {
				t.Errorf("%s part %d: %d characters", l, i, n)
			}
			if p.kb != nil {
				n := 0
				for _, row := range p.kb.InlineKeyboard {
					n += len(row)
					for _, b := range row {
						if b.CallbackData == nil || len(*b.CallbackData) > maxCallbackData {
							t.Errorf("%s part %d: bad button %+v", l, i, b)
						}
					}
				}
				if n > digestButtonsPerPart {
					t.Errorf("%s part %d: %d buttons", l, i, n)
				}
				buttons += n
			}
			lines += strings.Count(p.html, "• ")
		}
		if buttons != len(s.Exceptions) || lines != len(s.Exceptions) {
			t.Errorf("%s: %d buttons and %d lines for %d exceptions", l, buttons, lines, len(s.Exceptions))
		}
		if !strings.Contains(parts[0].html, text.T(l, text.DigestAttention, 150)) {
			t.Errorf("%s: the digest does not start with its exceptions: %.200s", l, parts[0].html)
		}
		last := parts[len(parts)-1].html
		if !strings.Contains(strings.Join([]string{parts[len(parts)-2].html, last}, ""), "12 345,00") && !strings.Contains(last, "1001") {
			t.Errorf("%s: numbers or summary missing at the end", l)
		}
		if strings.Contains(strings.Join(func() []string {
			var hs []string
			for _, p := range parts {
				hs = append(hs, p.html)
			}
			return hs
		}(), ""), "<масляный>") {
			t.Errorf("%s: a part name went out unescaped", l)
		}
	}
	// A quiet day is one message.
	if parts := digestParts(text.RU, crm.DailySummary{Day: s.Day}, now, ""); len(parts) != 1 || !strings.Contains(parts[0].html, text.T(text.RU, text.DigestAllClear)) {
		t.Errorf("quiet day = %+v", parts)
	}
}

func TestInterimDigestSaysAsOfWhen(t *testing.T) {
	at := time.Date(2026, 3, 10, 19, 31, 0, 0, time.FixedZone("MSK", 3*3600))
	s := crm.DailySummary{Day: time.Date(2026, 3, 10, 0, 0, 0, 0, at.Location()), Interim: &at}
	if got := digestParts(text.RU, s, at, "")[0].html; !strings.Contains(got, "Промежуточная сводка за 10.03.2026 на 19:31") {
		t.Errorf("interim digest head: %q", got)
	}
	s.Interim = nil
	if got := digestParts(text.EN, s, at, "")[0].html; strings.Contains(got, "Interim") {
		t.Errorf("end-of-day digest called interim: %q", got)
	}
}

// An invoice due 30 seconds before the digest was read is "due just now", not "due 1 hour ago".
func TestDigestOverdueJustNow(t *testing.T) {
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	e := crm.DigestException{Kind: crm.ExceptionOverdue, OrderID: 1, Number: 1001, Since: now.Add(-30 * time.Second), Amount: 50000}
	if line, _ := exceptionLine(text.EN, e, now); !strings.Contains(line, "due just now") {
		t.Errorf("overdue 30 s: %q", line)
	}
	e.Since = now.Add(-25 * time.Minute)
	if line, _ := exceptionLine(text.RU, e, now); !strings.Contains(line, "срок прошёл 25 минут назад") {
		t.Errorf("overdue 25 min: %q", line)
	}
}
