package text

import "testing"

func TestReportCatalogComplete(t *testing.T) {
	checkForms(t, reportCatalog)
	for _, m := range []map[string]forms{reportPeriodNames, cancelReasons, reportCommandDescriptions} {
		cat := map[Key]forms{}
		for k, f := range m {
			cat[Key(k)] = f
		}
		checkForms(t, cat)
	}
}
func TestReportNumbers(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Percent(RU, 1250), "12,5 %"},
		{Percent(EN, 1250), "12.5 %"},
		{Percent(RU, 4), "0,0 %"},
		{Percent(RU, 5), "0,1 %"},
		{Percent(RU, 10000), "100,0 %"},
		{Decimal(RU, 12345), "12,3"},
		{Decimal(EN, 950), "1.0"},
		{Change(RU, 112, 100), " (▲ 12,0 %)"},
		{Change(EN, 50, 100), " (▼ 50.0 %)"},
		{Change(RU, 7, 7), " (=)"},
		{Change(RU, 7, 0), " (было 0)"},
		{CancelReasons(RU, map[string]int{"staff": 2, "client": 1}), "клиент 1, сервис 2"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
