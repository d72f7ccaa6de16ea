package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/charts"
	"github.com/uniflow-crm/uniflow/crm"
)

// The owner's report (issue 9): /report [DD.MM.YYYY DD.MM.YYYY], with buttons for the period and,
// in a shop with more than one branch, the branch. Owners see every section; managers and
// admins the operational ones (crm.ActReportFull). The KPIs are defined in docs/kpi.md.

// actReport shows the report. ID: the branch, 0 for all; Arg: the period ("t", "y", "w", "m"),
// or "c" and the last day (YYYYMMDD) of a custom range whose first day is Version (YYYYMMDD).
const actReport action = "rp"

// reportQuery is what a report button or command asks for.
type reportQuery struct {
	kind     crm.PeriodKind
	from, to time.Time // custom: shop dates
	branch   int64
}

var periodCodes = map[crm.PeriodKind]string{crm.PeriodToday: "t", crm.PeriodYesterday: "y", crm.PeriodWeek: "w", crm.PeriodMonth: "m"}

func (q reportQuery) callback(branch int64, kind crm.PeriodKind) callback {
	if kind == crm.PeriodCustom {
		return callback{Action: actReport, ID: branch, Version: yyyymmdd(q.from), Arg: "c" + strconv.FormatInt(yyyymmdd(q.to), 10)}
	}
	return callback{Action: actReport, ID: branch, Arg: periodCodes[kind]}
}

func yyyymmdd(t time.Time) int64 {
	y, m, d := t.Date()
	return int64(y*10000 + int(m)*100 + d)
}

// queryOf reads a report button's data; ok is false for data we never make.
func queryOf(c callback, loc *time.Location) (reportQuery, bool) {
	q := reportQuery{branch: c.ID}
	for k, code := range periodCodes {
		if c.Arg == code {
			q.kind = k
			return q, true
		}
	}
	if !strings.HasPrefix(c.Arg, "c") {
		return q, false
	}
	to, err := strconv.ParseInt(c.Arg[1:], 10, 64)
	if err != nil {
		return q, false
	}
	day := func(n int64) (time.Time, bool) {
		t := time.Date(int(n/10000), time.Month(n/100%100), int(n%100), 0, 0, 0, 0, loc)
		return t, yyyymmdd(t) == n
	}
	var okFrom, okTo bool
	q.kind = crm.PeriodCustom
	q.from, okFrom = day(c.Version)
	q.to, okTo = day(to)
	return q, okFrom && okTo
}

// parseReportRange reads "/report 01.03.2025 15.03.2025" (or with a dash between, or DD.MM for
// this year); ok is false for anything else.
func parseReportRange(args string, now time.Time, loc *time.Location) (from, to time.Time, ok bool) {
	fields := strings.FieldsFunc(args, func(r rune) bool { return r == ' ' || r == '-' || r == '–' || r == '—' })
	if len(fields) != 2 {
		return from, to, false
	}
	var ds [2]time.Time
	for i, f := range fields {
		d, err := time.ParseInLocation("02.01.2006", f, loc)
		if err != nil {
			if d, err = time.ParseInLocation("02.01", f, loc); err != nil {
				return from, to, false
			}
			d = time.Date(now.In(loc).Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		}
		ds[i] = d
	}
	return ds[0], ds[1], true
}

func (b *Bot) cmdReport(ctx context.Context, r *request) error {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	q := reportQuery{kind: crm.PeriodToday}
	if args := strings.TrimSpace(r.msg.CommandArguments()); args != "" {
		from, to, ok := parseReportRange(args, b.cfg.Now(), b.cfg.Location)
		if !ok {
			return b.say(ctx, r.chatID, text.T(r.lang, text.ReportBadRange), nil)
		}
		q = reportQuery{kind: crm.PeriodCustom, from: from, to: to}
	}
	return b.sendReport(ctx, r, s, q)
}

func (b *Bot) onReport(ctx context.Context, r *request) error {
	s, ok, err := b.staffButton(ctx, r)
	if !ok {
		return err
	}
	q, ok := queryOf(r.data, b.cfg.Location)
	if !ok {
		b.answer(ctx, r, text.T(r.lang, text.ButtonInvalid), false)
		return nil
	}
	b.answer(ctx, r, "", false)
	return b.sendReport(ctx, r, s, q)
}

// sendReport computes and shows the report: pressed buttons redraw their message when the
// report fits one; a longer one, and a command's, is sent anew.
func (b *Bot) sendReport(ctx context.Context, r *request, s crm.Staff, q reportQuery) error {
	branches, err := b.crm.Branches(ctx)
	if err != nil {
		return err
	}
	if !knownBranch(branches, q.branch) {
		q.branch = 0
	}
	scope := crm.ScopeOperational
	if may(s, crm.ActReportFull) {
		scope = crm.ScopeFull
	}
	rep, err := b.crm.Report(ctx, crm.ReportRequest{Kind: q.kind, From: q.from, To: q.to, BranchID: q.branch, Scope: scope})
	if errors.Is(err, crm.ErrInvalidInput) {
		return b.say(ctx, r.chatID, text.T(r.lang, text.ReportBadRange), nil)
	}
	if err != nil {
		return err
	}
	html := renderReport(r.lang, rep, branches, b.cfg.Location)
	kb := reportKeyboard(r.lang, q, branches)
	if parts := splitMessage(html); r.cb != nil && len(parts) == 1 {
		return b.editPressed(ctx, r, html, kb)
	}
	// A command's report comes with its picture; a press redraws the text only. The numbers
	// matter more than the picture: a chart that fails is logged and left out.
	if err := b.sendReportChart(ctx, r, rep); err != nil {
		b.log.Warn("report chart", "err", err, "user_id", r.userID)
	}
	return b.say(ctx, r.chatID, html, kbOrNil(kb))
}

// chartDays is how many days the report's chart shows.
const chartDays = 30

// sendReportChart sends the picture: orders and revenue by day for the last chartDays days in
// the report's branch, and the period's funnel (owners only, as in the text).
func (b *Bot) sendReportChart(ctx context.Context, r *request, rep crm.Report) error {
	png, err := b.reportChart(ctx, r.lang, rep)
	if err != nil {
		return err
	}
	photo := tgbotapi.NewPhoto(r.chatID, tgbotapi.FileBytes{Name: "report.png", Bytes: png})
	photo.Caption = text.T(r.lang, text.ReportChartCaption)
	if _, err := b.send(ctx, r.chatID, photo); err != nil {
		return fmt.Errorf("send chart: %w", err)
	}
	return nil
}

// reportChart draws the report's picture as a PNG.
func (b *Bot) reportChart(ctx context.Context, l text.Lang, rep crm.Report) ([]byte, error) {
	var funnel []crm.FunnelRow
	if rep.Scope == crm.ScopeFull {
		funnel = rep.Current.Funnel
	}
	return b.chartPNG(ctx, l, rep.Now.At, rep.BranchID, funnel)
}

// chartPNG draws orders and revenue by day for the chartDays days ending with the day of last,
// and the funnel's steps summed over its sources (none: no funnel plot).
func (b *Bot) chartPNG(ctx context.Context, l text.Lang, last time.Time, branch int64, funnel []crm.FunnelRow) ([]byte, error) {
	series, err := b.crm.DailySeries(ctx, last, chartDays, branch)
	if err != nil {
		return nil, err
	}
	in := charts.Input{Labels: charts.Labels{Orders: text.T(l, text.ReportChartOrders),
		Revenue: text.T(l, text.ReportChartRevenue), Funnel: text.T(l, text.ReportChartFunnel)}}
	for _, d := range series {
		in.Days = append(in.Days, charts.Day{Date: d.Day, Orders: d.Opened, Revenue: float64(d.Revenue) / 100 / 1000})
	}
	if len(funnel) > 0 {
		var steps [6]int
		for _, f := range funnel {
			for i, n := range []int{f.Contacts, f.Requests, f.Confirmed, f.Arrived, f.Approved, f.Paid} {
				steps[i] += n
			}
		}
		for i, name := range text.ReportSteps(l) {
			in.Funnel = append(in.Funnel, charts.Step{Label: name, Count: steps[i]})
		}
	}
	png, err := charts.Render(in)
	if err != nil {
		return nil, fmt.Errorf("draw chart: %w", err)
	}
	return png, nil
}

func knownBranch(bs []crm.Branch, id int64) bool {
	for _, br := range bs {
		if br.ID == id {
			return true
		}
	}
	return false
}

// reportKeyboard: the periods, the one shown marked; the branches when there are more than one.
func reportKeyboard(l text.Lang, q reportQuery, branches []crm.Branch) *tgbotapi.InlineKeyboardMarkup {
	mark := func(on bool, s string) string {
		if on {
			return "• " + s
		}
		return s
	}
	var periods []tgbotapi.InlineKeyboardButton
	for _, k := range []crm.PeriodKind{crm.PeriodToday, crm.PeriodYesterday, crm.PeriodWeek, crm.PeriodMonth} {
		periods = append(periods, button(mark(q.kind == k, text.ReportPeriod(l, string(k))), q.callback(q.branch, k)))
	}
	var bs []tgbotapi.InlineKeyboardButton
	if len(branches) > 1 {
		bs = append(bs, button(mark(q.branch == 0, text.T(l, text.ReportAllBranches)), q.callback(0, q.kind)))
		for _, br := range branches {
			bs = append(bs, button(mark(q.branch == br.ID, label(br.Name)), q.callback(br.ID, q.kind)))
		}
	}
	return inline(append([][]tgbotapi.InlineKeyboardButton{periods}, chunk(bs, 3)...)...)
}

// reportShown bounds the rows of the per-source, per-mechanic and per-item lists.
const reportShown = 8

// renderReport lays the report out as HTML; splitMessage cuts it where it is too long.
func renderReport(l text.Lang, rep crm.Report, branches []crm.Branch, loc *time.Location) string {
	cur, prev := rep.Current, rep.Previous
	dates := func(p crm.Period) string {
		last := p.End.In(loc).AddDate(0, 0, -1)
		if p.Days() == 1 {
			return dateText(p.Start.In(loc))
		}
		return dateText(p.Start.In(loc)) + "–" + dateText(last)
	}
	chg := func(c, p int64) string { return text.Change(l, c, p) }
	var sb strings.Builder
	line := func(s string) { sb.WriteString(s + "\n") }
	line(text.T(l, text.ReportTitle, text.ReportPeriod(l, string(cur.Period.Kind)), dates(cur.Period)))
	if len(branches) > 1 {
		name := text.T(l, text.ReportAllBranches)
		for _, br := range branches {
			if br.ID == rep.BranchID {
				name = esc(br.Name)
			}
		}
		line(text.T(l, text.ReportBranch, name))
	}
	line(text.T(l, text.ReportCompared, text.ReportPrevious(l, string(cur.Period.Kind), dates(prev.Period))))

	o, po := cur.Orders, prev.Orders
	line("\n" + text.T(l, text.ReportOrders))
	line(text.T(l, text.ReportOrdersLine, o.Opened, chg(int64(o.Opened), int64(po.Opened)),
		o.Closed, chg(int64(o.Closed), int64(po.Closed)), o.Cancelled, chg(int64(o.Cancelled), int64(po.Cancelled))))
	if o.Cancelled > 0 {
		line(text.T(l, text.ReportCancelled, text.CancelReasons(l, o.CancelReasons)))
	}
	var open []string
	for _, st := range crm.Statuses() {
		if n := rep.Now.ByStatus[st]; n > 0 {
			open = append(open, text.StatusName(l, string(st))+" "+strconv.Itoa(n))
		}
	}
	if len(open) == 0 {
		open = []string{text.T(l, text.ReportNone)}
	}
	line(text.T(l, text.ReportOpenNow, strings.Join(open, ", ")))

	m, pm := cur.Revenue, prev.Revenue
	line("\n" + text.T(l, text.ReportMoney))
	line(text.T(l, text.ReportRevenue, m.Revenue.String(), chg(int64(m.Revenue), int64(pm.Revenue)), m.Delivered))
	if rep.Scope == crm.ScopeFull {
		line(text.T(l, text.ReportSplit, m.Labour.String(), m.Parts.String(), m.Discount.String()))
	}
	line(text.T(l, text.ReportAvgCheck, m.AverageCheck.String(), chg(int64(m.AverageCheck), int64(pm.AverageCheck))))
	line(text.T(l, text.ReportPayments, m.Payments.String(), chg(int64(m.Payments), int64(pm.Payments))))
	line(text.T(l, text.ReportOwed, rep.Now.Outstanding.String()))
	od := rep.Now.Overdue
	line(text.T(l, text.ReportOverdue, od[0].String(), od[1].String(), od[2].String(), od[3].String()))

	d, pd := cur.Discipline, prev.Discipline
	line("\n" + text.T(l, text.ReportDiscipline))
	if d.Due == 0 {
		line(text.T(l, text.ReportNothingDue))
	} else {
		line(text.T(l, text.ReportDisciplineLn, d.Due, text.Percent(l, d.OnTimeShare()),
			chg(int64(d.OnTimeShare()), int64(pd.OnTimeShare())), text.Decimal(l, int64(d.AvgPayDays()*1000))))
	}

	if ps := rep.Pilot; ps != nil { // pilot mode: crm/pilot.go
		line("\n" + text.T(l, text.ReportPilot))
		for _, side := range []struct {
			name text.Key
			k    crm.PilotKPIs
		}{{text.ReportPilotSide, ps.Pilot}, {text.ReportPilotRest, ps.Rest}} {
			onTime := text.T(l, text.ReportNone)
			if side.k.Discipline.Due > 0 {
				onTime = text.Percent(l, side.k.Discipline.OnTimeShare())
			}
			line(text.T(l, text.ReportPilotLine, text.T(l, side.name), side.k.Orders.Opened, side.k.Revenue.Delivered,
				side.k.Revenue.Revenue.String(), side.k.Revenue.AverageCheck.String(), onTime))
		}
	}

	line("\n" + text.T(l, text.ReportMechanics))
	if len(cur.Mechanics) == 0 {
		line(text.T(l, text.ReportNone))
	}
	prevDone := map[int64]int{}
	for _, pmk := range prev.Mechanics {
		prevDone[pmk.StaffID] = pmk.Done
	}
	for i, mk := range cur.Mechanics {
		if i == reportShown {
			break
		}
		perHour := text.T(l, text.ReportNone)
		if mk.Billed > 0 {
			perHour = mk.PerNormHour().String()
		}
		line(text.T(l, text.ReportMechanicLine, esc(mk.Name), mk.Done, chg(int64(mk.Done), int64(prevDone[mk.StaffID])),
			text.Decimal(l, int64(mk.Billed)), text.Decimal(l, int64(mk.Clocked)), mk.Comebacks, perHour))
	}

	if rep.Scope != crm.ScopeFull {
		line("\n" + text.T(l, text.ReportOperational))
		return strings.TrimRight(sb.String(), "\n")
	}
	line("\n" + text.T(l, text.ReportFunnel))
	if len(cur.Funnel) == 0 {
		line(text.T(l, text.ReportNone))
	}
	conv := func(n, of int) string { return " (" + text.Percent(l, crm.Share(n, of)) + ")" }
	for i, f := range cur.Funnel {
		if i == reportShown {
			break
		}
		line(text.T(l, text.ReportFunnelLine, esc(f.Source), f.Contacts, f.Requests, conv(f.ContactsRequested, f.Contacts),
			f.Confirmed, conv(f.Confirmed, f.Requests), f.Arrived, conv(f.Arrived, f.Confirmed),
			f.Approved, conv(f.Approved, f.Arrived), f.Paid, conv(f.Paid, f.Approved), f.Revenue.String()))
	}
	rp, prp := cur.Repeat, prev.Repeat
	line("\n" + text.T(l, text.ReportRepeat))
	line(text.T(l, text.ReportRepeatLine, text.Percent(l, rp.Rate()), chg(int64(rp.Rate()), int64(prp.Rate())), text.Percent(l, rp.RevenueShare())))
	of, pof := cur.Offers, prev.Offers
	line("\n" + text.T(l, text.ReportOffers))
	line(text.T(l, text.ReportOffersLine, of.Sent, chg(int64(of.Sent), int64(pof.Sent)), of.Opened, of.Converted, of.Paid))

	line("\n" + text.T(l, text.ReportProfit, text.Percent(l, rep.MarginFloor)))
	if len(cur.Profit) == 0 {
		line(text.T(l, text.ReportNone))
	}
	// The biggest sellers, and every part under the floor however small.
	shown := 0
	for i, p := range cur.Profit {
		flagged := p.Kind == "part" && p.BelowFloor(rep.MarginFloor)
		if i >= reportShown && !flagged || shown == 2*reportShown {
			continue
		}
		shown++
		switch margin, ok := p.Margin(); {
		case p.Kind == "labour":
			line(text.T(l, text.ReportServiceLine, esc(p.Name), p.Revenue.String(), p.PerNormHour().String()))
		case !ok:
			line(text.T(l, text.ReportPartNoCost, esc(p.Name), p.Revenue.String()))
		default:
			warn := ""
			if flagged {
				warn = text.T(l, text.ReportBelowFloor)
			}
			line(warn + text.T(l, text.ReportPartLine, esc(p.Name), p.Revenue.String(), text.Percent(l, margin)))
		}
	}
	return strings.TrimRight(sb.String(), "\n")
}
