package text

import (
	"fmt"
	"strconv"
	"strings"
)

// Texts of the owner's report (/report, issue 9). T looks keys up here too; report_test.go
// checks both languages.

// Keys of the report.
const (
	ReportTitle        Key = "report_title"
	ReportBranch       Key = "report_branch"
	ReportAllBranches  Key = "report_all_branches"
	ReportCompared     Key = "report_compared"
	ReportOrders       Key = "report_orders"
	ReportOrdersLine   Key = "report_orders_line"
	ReportCancelled    Key = "report_cancelled"
	ReportOpenNow      Key = "report_open_now"
	ReportMoney        Key = "report_money"
	ReportRevenue      Key = "report_revenue"
	ReportSplit        Key = "report_split"
	ReportAvgCheck     Key = "report_avg_check"
	ReportPayments     Key = "report_payments"
	ReportOwed         Key = "report_owed"
	ReportOverdue      Key = "report_overdue"
	ReportDiscipline   Key = "report_discipline"
	ReportDisciplineLn Key = "report_discipline_line"
	ReportNothingDue   Key = "report_nothing_due"
	ReportFunnel       Key = "report_funnel"
	ReportFunnelLine   Key = "report_funnel_line"
	ReportRepeat       Key = "report_repeat"
	ReportRepeatLine   Key = "report_repeat_line"
	ReportMechanics    Key = "report_mechanics"
	ReportMechanicLine Key = "report_mechanic_line"
	ReportOffers       Key = "report_offers"
	ReportOffersLine   Key = "report_offers_line"
	ReportProfit       Key = "report_profit"
	ReportPartLine     Key = "report_part_line"
	ReportPartNoCost   Key = "report_part_no_cost"
	ReportBelowFloor   Key = "report_below_floor"
	ReportServiceLine  Key = "report_service_line"
	ReportNone         Key = "report_none"
	ReportWas          Key = "report_was"
	ReportBadRange     Key = "report_bad_range"
	ReportChartCaption Key = "report_chart_caption"
	ReportChartOrders  Key = "report_chart_orders"
	ReportChartRevenue Key = "report_chart_revenue"
	ReportChartFunnel  Key = "report_chart_funnel"
	ReportOperational  Key = "report_operational"
	ReportPilot        Key = "report_pilot"
	DigestChartCaption Key = "digest_chart_caption"
	ReportPilotLine    Key = "report_pilot_line"
	ReportPilotSide    Key = "report_pilot_side"
	ReportPilotRest    Key = "report_pilot_rest"
)

var reportCatalog = map[Key]forms{
	ReportTitle:       {"<b>📊 Отчёт: %s</b>, %s", "<b>📊 Report: %s</b>, %s"},
	ReportBranch:      {"Филиал: %s", "Branch: %s"},
	ReportAllBranches: {"все филиалы", "all branches"},
	ReportCompared:    {"<i>в скобках — изменение к %s</i>", "<i>in brackets: the change against %s</i>"},
	ReportOrders:      {"<b>Заказы</b>", "<b>Orders</b>"},
	ReportOrdersLine:  {"Открыто %d%s · закрыто %d%s · отменено %d%s", "Opened %d%s · closed %d%s · cancelled %d%s"},
	ReportCancelled:   {"Отмены: %s", "Cancellations: %s"},
	ReportOpenNow:     {"Сейчас в работе: %s", "Open now: %s"},
	ReportMoney:       {"<b>Деньги</b>", "<b>Money</b>"},
	ReportRevenue:     {"Выручка %s%s, выдано %d", "Revenue %s%s, %d delivered"},
	ReportSplit:       {"работы %s · запчасти %s · скидки %s", "labour %s · parts %s · discounts %s"},
	ReportAvgCheck:    {"Средний чек %s%s", "Average check %s%s"},
	ReportPayments:    {"Оплаты %s%s", "Payments %s%s"},
	ReportOwed:        {"Долг клиентов сейчас %s", "Owed now %s"},
	ReportOverdue:     {"Просрочено: 0–7 дн. %s · 8–30 %s · 31–60 %s · больше 60 %s", "Overdue: 0-7 days %s · 8-30 %s · 31-60 %s · over 60 %s"},
	ReportDiscipline:  {"<b>Платёжная дисциплина</b>", "<b>Payment discipline</b>"},
	ReportDisciplineLn: {"Срок оплаты у %d счетов: вовремя %s%s, в среднем %s дн. от счёта до оплаты",
		"%d invoices due: %s paid on time%s, %s days from invoice to payment on average"},
	ReportNothingDue: {"Сроков оплаты в периоде не было", "No invoice fell due in the period"},
	ReportFunnel:     {"<b>Воронка по источникам</b> (контакты → заявки → подтверждены → приехали → смета одобрена → оплачено)", "<b>Funnel per lead source</b> (contacts → requests → confirmed → arrived → estimate approved → paid)"},
	ReportFunnelLine: {"%s: %d → %d%s → %d%s → %d%s → %d%s → %d%s; выручка %s", "%s: %d → %d%s → %d%s → %d%s → %d%s → %d%s; revenue %s"},
	ReportRepeat:     {"<b>Повторные клиенты</b>", "<b>Repeat clients</b>"},
	ReportRepeatLine: {"%s клиентов%s приходили снова в течение года, это %s выручки", "%s of clients%s came back within a year, %s of revenue"},
	ReportMechanics:  {"<b>Механики</b>", "<b>Mechanics</b>"},
	ReportMechanicLine: {"%s: заказов %d%s, норма-часов %s, по факту %s, возвратов %d, %s за норма-час",
		"%s: %d orders%s, %s norm hours billed, %s clocked, %d comebacks, %s per norm hour"},
	ReportOffers:      {"<b>Предложения клиентам</b> (весь сервис)", "<b>Offers to clients</b> (the whole shop)"},
	ReportOffersLine:  {"Отправлено %d%s · открыто %d · записались %d · оплатили %d", "Sent %d%s · opened %d · booked %d · paid %d"},
	ReportProfit:      {"<b>Рентабельность</b> (порог маржи %s)", "<b>Profitability</b> (margin floor %s)"},
	ReportPartLine:    {"%s: продано на %s, маржа %s", "%s: sold for %s, margin %s"},
	ReportPartNoCost:  {"%s: продано на %s, себестоимость неизвестна", "%s: sold for %s, cost unknown"},
	ReportBelowFloor:  {"⚠️ ", "⚠️ "},
	ReportServiceLine: {"%s: %s, %s за норма-час", "%s: %s, %s per norm hour"},
	ReportNone:        {"—", "—"},
	ReportWas:         {" (было 0)", " (was 0)"},
	ReportBadRange: {"Не понял даты. Напишите, например: /report 01.03.2025 15.03.2025 (не больше 366 дней).",
		"I could not read the dates. Write, for example: /report 01.03.2025 15.03.2025 (at most 366 days)."},
	ReportChartCaption: {"Заказы и выручка за 30 дней, воронка за период", "Orders and revenue over 30 days, the period's funnel"},
	ReportChartOrders:  {"Заказы по дням", "Orders by day"},
	ReportChartRevenue: {"Выручка по дням, тыс. руб.", "Revenue by day, thousand rubles"}, // the chart's font has no ₽
	ReportChartFunnel:  {"Воронка", "Funnel"},
	ReportPilot:        {"<b>Пилот и остальные</b> (за период)", "<b>The pilot and the rest</b> (the period)"},
	ReportPilotLine: {"%s: открыто %d · выдано %d · выручка %s · средний чек %s · оплачено вовремя %s",
		"%s: %d opened · %d delivered · revenue %s · average check %s · %s paid on time"},
	DigestChartCaption: {"Заказы, выручка и воронка за 30 дней по %s", "Orders, revenue and the funnel over the 30 days to %s"},
	ReportPilotSide:    {"Пилот", "Pilot"},
	ReportPilotRest:    {"Остальные", "The rest"},
	ReportOperational:  {"<i>Воронка, выручка по видам, повторные клиенты и маржа — в отчёте владельца.</i>", "<i>The funnel, revenue split, repeat clients and margins are in the owner's report.</i>"},
}

// ReportSteps names the funnel's steps for the chart, first to last.
func ReportSteps(l Lang) []string {
	if l == EN {
		return []string{"Contacts", "Requests", "Confirmed", "Arrived", "Estimate approved", "Paid"}
	}
	return []string{"Контакты", "Заявки", "Подтверждены", "Приехали", "Смета одобрена", "Оплачено"}
}

var reportPeriodNames = map[string]forms{
	"today":     {"сегодня", "today"},
	"yesterday": {"вчера", "yesterday"},
	"week":      {"неделя", "week"},
	"month":     {"месяц", "month"},
	"custom":    {"период", "range"},
}

// ReportPeriod names a report period kind (crm.PeriodKind).
func ReportPeriod(l Lang, kind string) string {
	f, ok := reportPeriodNames[kind]
	if !ok {
		return kind
	}
	if l == EN {
		return f.en
	}
	return f.ru
}

// ReportPrevious is what a period is compared with: "вчера", "прошлой неделе", ...
func ReportPrevious(l Lang, kind, dates string) string {
	ru := map[string]string{"today": "вчера", "yesterday": "позавчера", "week": "прошлой неделе", "month": "прошлому месяцу"}
	en := map[string]string{"today": "yesterday", "yesterday": "the day before", "week": "the week before", "month": "the month before"}
	name := ru[kind]
	if l == EN {
		name = en[kind]
	}
	if name == "" {
		if l == EN {
			return "the days before (" + dates + ")"
		}
		return "тем же дням до него (" + dates + ")"
	}
	return name + " (" + dates + ")"
}

var cancelReasons = map[string]forms{
	"client":   {"клиент %d", "by client %d"},
	"no_show":  {"неявка %d", "no-show %d"},
	"declined": {"после сметы %d", "after the estimate %d"},
	"staff":    {"сервис %d", "by the shop %d"},
}

// CancelReasons lists the counts of cancellations by reason (crm.Cancel*), in a fixed order.
func CancelReasons(l Lang, counts map[string]int) string {
	var parts []string
	for _, r := range []string{"client", "no_show", "declined", "staff"} {
		if counts[r] == 0 {
			continue
		}
		f := cancelReasons[r]
		s := f.ru
		if l == EN {
			s = f.en
		}
		parts = append(parts, fmt.Sprintf(s, counts[r]))
	}
	return strings.Join(parts, ", ")
}

// Percent formats hundredths of a percent: "12,5 %" / "12.5 %".
func Percent(l Lang, hundredths int) string {
	neg := hundredths < 0
	if neg {
		hundredths = -hundredths
	}
	tenths := (hundredths + 5) / 10
	s := strconv.Itoa(tenths/10) + decimalSep(l) + strconv.Itoa(tenths%10) + " %"
	if neg {
		s = "-" + s
	}
	return s
}

// Decimal formats a thousandths value (hours) with one decimal.
func Decimal(l Lang, milli int64) string {
	tenths := (milli + 50) / 100
	return strconv.FormatInt(tenths/10, 10) + decimalSep(l) + strconv.FormatInt(tenths%10, 10)
}

func decimalSep(l Lang) string {
	if l == EN {
		return "."
	}
	return ","
}

// Change is " (▲ 12 %)" for the change from prev to cur, " (=)" for none, ReportWas for a prev
// of 0: a report's numbers each carry it.
func Change(l Lang, cur, prev int64) string {
	switch {
	case cur == prev:
		return " (=)"
	case prev == 0:
		return T(l, ReportWas)
	}
	d := (cur - prev) * 10000 / abs(prev)
	arrow := "▲"
	if d < 0 {
		arrow, d = "▼", -d
	}
	return " (" + arrow + " " + Percent(l, int(d)) + ")"
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

var reportCommandDescriptions = map[string]forms{
	"report": {"Отчёт: заказы, деньги, механики", "Report: orders, money, mechanics"},
}
