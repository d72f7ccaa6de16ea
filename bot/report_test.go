package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/charts"
	"github.com/uniflow-crm/uniflow/crm"
)

func TestReportButtonsRoundTrip(t *testing.T) {
	loc := time.FixedZone("MSK", 3*3600)
	from, to := time.Date(2025, 2, 27, 0, 0, 0, 0, loc), time.Date(2025, 3, 1, 0, 0, 0, 0, loc)
	for _, q := range []reportQuery{
		{kind: crm.PeriodToday}, {kind: crm.PeriodYesterday, branch: 2}, {kind: crm.PeriodWeek}, {kind: crm.PeriodMonth, branch: 1 << 40},
		{kind: crm.PeriodCustom, from: from, to: to, branch: 3},
	} {
		c := q.callback(q.branch, q.kind)
		dec, err := decodeCallback(c.encode())
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		got, ok := queryOf(dec, loc)
		if !ok || got.kind != q.kind || got.branch != q.branch || !got.from.Equal(q.from) || !got.to.Equal(q.to) {
			t.Errorf("%+v came back as %+v (%v)", q, got, ok)
		}
	}
	// Data we never make.
	for _, c := range []callback{{Action: actReport, Arg: "q"}, {Action: actReport, Version: 20250231, Arg: "c20250301"}, {Action: actReport, Arg: "cx"}} {
		if _, ok := queryOf(c, loc); ok {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestParseReportRange(t *testing.T) {
	loc := time.UTC
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, loc)
	for _, tc := range []struct {
		in       string
		from, to string
		ok       bool
	}{
		{"01.03.2025 15.03.2025", "2025-03-01", "2025-03-15", true},
		{"01.03.2025-15.03.2025", "2025-03-01", "2025-03-15", true},
		{"01.03 – 15.03", "2025-03-01", "2025-03-15", true},
		{"вчера", "", "", false},
		{"31.02.2025 01.03.2025", "", "", false},
		{"01.03.2025", "", "", false},
	} {
		from, to, ok := parseReportRange(tc.in, now, loc)
		if ok != tc.ok || ok && (from.Format(time.DateOnly) != tc.from || to.Format(time.DateOnly) != tc.to) {
			t.Errorf("%q: %v %v %v", tc.in, from, to, ok)
		}
	}
}

// A report with long names everywhere still goes out in parts Telegram takes.
func TestReportRenderSplits(t *testing.T) {
	long := strings.Repeat("Очень длинное имя ", 12)
	var rep crm.Report
	rep.Scope = crm.ScopeFull
	rep.Current.Period = crm.Period{Kind: crm.PeriodMonth, Start: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)}
	rep.Previous.Period = crm.Period{Kind: crm.PeriodMonth, Start: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	cost := crm.Money(1)
	for i := range 30 {
		rep.Current.Mechanics = append(rep.Current.Mechanics, crm.MechanicKPIs{StaffID: int64(i), Name: long + "<&>", Done: i})
		rep.Current.Funnel = append(rep.Current.Funnel, crm.FunnelRow{Source: long, Requests: i})
		rep.Current.Profit = append(rep.Current.Profit, crm.ItemProfit{Kind: "part", Name: long, Revenue: 100, Cost: &cost})
	}
	html := renderReport(text.RU, rep, []crm.Branch{{ID: 1, Name: "main"}, {ID: 2, Name: long}}, time.UTC)
	if strings.Contains(html, "<&>") {
		t.Error("a name went out unescaped")
	}
	parts := splitMessage(html)
	if len(parts) < 2 {
		t.Errorf("%d characters in %d part(s)", utf8.RuneCountInString(html), len(parts))
	}
	for _, p := range parts {
		if visibleLen(p) > maxMessage {
			t.Errorf("a part of %d characters", visibleLen(p))
		}
	}
}

// The chart's labels, in both languages, are all in its font.
func TestReportChartLabelsHaveGlyphs(t *testing.T) {
	for _, l := range []text.Lang{text.RU, text.EN} {
		all := text.T(l, text.ReportChartOrders) + text.T(l, text.ReportChartRevenue) + text.T(l, text.ReportChartFunnel) +
			strings.Join(text.ReportSteps(l), "")
		for i := range 31 {
			all += time.Date(2025, 1, 1+i, 0, 0, 0, 0, time.UTC).Format("02.01")
		}
		missing, err := charts.Missing(all)
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("%s: no glyphs for %q", l, string(missing))
		}
	}
}

// Pilot mode: the report shows the pilot's numbers and the rest's side by side, and nothing of
// the kind without a pilot.
func TestReportRenderPilot(t *testing.T) {
	var rep crm.Report
	rep.Scope = crm.ScopeOperational
	rep.Current.Period = crm.Period{Kind: crm.PeriodMonth, Start: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)}
	rep.Previous.Period = crm.Period{Kind: crm.PeriodMonth, Start: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	branches := []crm.Branch{{ID: 1, Name: "main", IsDefault: true}}
	if html := renderReport(text.RU, rep, branches, time.UTC); strings.Contains(html, "Пилот") {
		t.Errorf("no pilot, yet:\n%s", html)
	}
	rep.Pilot = &crm.PilotSplit{
		Pilot: crm.PilotKPIs{Orders: crm.OrderKPIs{Opened: 7}, Revenue: crm.RevenueKPIs{Delivered: 4, Revenue: 1000000, AverageCheck: 250000},
			Discipline: crm.DisciplineKPIs{Due: 4, Paid: 3, OnTime: 3}},
		Rest: crm.PilotKPIs{Orders: crm.OrderKPIs{Opened: 2}},
	}
	html := renderReport(text.RU, rep, branches, time.UTC)
	for _, want := range []string{
		"<b>Пилот и остальные</b>",
		"Пилот: открыто 7 · выдано 4 · выручка 10 000,00 ₽ · средний чек 2 500,00 ₽ · оплачено вовремя 75,0 %",
		"Остальные: открыто 2 · выдано 0 · выручка 0,00 ₽ · средний чек 0,00 ₽ · оплачено вовремя —",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("lacks %q:\n%s", want, html)
		}
	}
	if en := renderReport(text.EN, rep, branches, time.UTC); !strings.Contains(en, "Pilot: 7 opened · 4 delivered") {
		t.Errorf("English:\n%s", en)
	}
}
