package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The owner's report (issue 9). Every KPI is defined in docs/kpi.md; the comment next to each
// query repeats its definition. Periods are half-open [Start, End) in the shop's time zone.

// PeriodKind names a report period.
type PeriodKind string

// Report periods.
const (
	PeriodToday     PeriodKind = "today"     // today, midnight to midnight
	PeriodYesterday PeriodKind = "yesterday" // the day before today
	PeriodWeek      PeriodKind = "week"      // this calendar week, Monday to Monday
	PeriodMonth     PeriodKind = "month"     // this calendar month, the 1st to the 1st
	PeriodCustom    PeriodKind = "custom"    // whole days From to To, both included
)

// Period is [Start, End) in the shop's time zone.
type Period struct {
	Kind  PeriodKind `json:"kind"`
	Start time.Time  `json:"start"`
	End   time.Time  `json:"end"`
}

// Days is how many shop days the period spans.
func (p Period) Days() int { return daysBetween(p.Start, p.End) }

// midnight is the shop-time midnight that starts the day of t.
func midnight(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// ReportPeriods returns the period of kind that contains now and the one it is compared with:
// the previous period of the same length, days for days (a week the week before, a custom range
// the same number of days just before), and for a month the previous calendar month, because
// that is how a shop's books compare. from and to (shop dates, to included) are read for
// PeriodCustom only; a range that ends before it starts, or of more than 366 days, is
// ErrInvalidInput. All boundaries are local midnights, so a day is 23 or 25 hours where the
// zone has DST.
func ReportPeriods(kind PeriodKind, now, from, to time.Time, loc *time.Location) (cur, prev Period, err error) {
	today := midnight(now, loc)
	switch kind {
	case PeriodToday:
		cur = Period{kind, today, today.AddDate(0, 0, 1)}
		prev = Period{kind, today.AddDate(0, 0, -1), today}
	case PeriodYesterday:
		cur = Period{kind, today.AddDate(0, 0, -1), today}
		prev = Period{kind, today.AddDate(0, 0, -2), today.AddDate(0, 0, -1)}
	case PeriodWeek:
		back := (int(today.Weekday()) + 6) % 7 // days since Monday
		start := today.AddDate(0, 0, -back)
		cur = Period{kind, start, start.AddDate(0, 0, 7)}
		prev = Period{kind, start.AddDate(0, 0, -7), start}
	case PeriodMonth:
		y, m, _ := today.Date()
		start := time.Date(y, m, 1, 0, 0, 0, 0, loc)
		cur = Period{kind, start, start.AddDate(0, 1, 0)}
		prev = Period{kind, start.AddDate(0, -1, 0), start}
	case PeriodCustom:
		start, end := midnight(from, loc), midnight(to, loc).AddDate(0, 0, 1)
		if !start.Before(end) || end.After(start.AddDate(0, 0, 366)) {
			return Period{}, Period{}, fmt.Errorf("report range %s..%s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), ErrInvalidInput)
		}
		cur = Period{kind, start, end}
		days := cur.Days()
		prev = Period{kind, start.AddDate(0, 0, -days), start}
	default:
		return Period{}, Period{}, fmt.Errorf("report period %q: %w", kind, ErrInvalidInput)
	}
	return cur, prev, nil
}

// ReportScope says which sections a report holds: owners get all of them, managers the
// operational ones (orders, the queue, payments and what is owed, mechanics' work), not the
// funnel, revenue split, repeat clients, offers or margins.
type ReportScope int

const (
	ScopeOperational ReportScope = iota + 1
	ScopeFull
)

// PeriodKPIs are the KPIs of one period.
type PeriodKPIs struct {
	Period     Period         `json:"period"`
	Orders     OrderKPIs      `json:"orders"`
	Revenue    RevenueKPIs    `json:"revenue"`
	Discipline DisciplineKPIs `json:"discipline"`
	Mechanics  []MechanicKPIs `json:"mechanics"`
	Funnel     []FunnelRow    `json:"funnel,omitempty"` // full scope only
	Repeat     RepeatKPIs     `json:"repeat"`           // full scope only
	Offers     OfferKPIs      `json:"offers"`           // full scope only
	Profit     []ItemProfit   `json:"profit,omitempty"` // full scope only
}

// Report is the owner's report: a period, the one before it, and what is true now.
type Report struct {
	BranchID int64        `json:"branch_id"` // 0: all branches
	Scope    ReportScope  `json:"scope"`
	Current  PeriodKPIs   `json:"current"`
	Previous PeriodKPIs   `json:"previous"`
	Now      SnapshotKPIs `json:"now"`
	// Pilot is the current period's pilot orders and the rest side by side; nil with no pilot
	// (Options.Pilot, pilot.go).
	Pilot *PilotSplit `json:"pilot,omitempty"`
	// MarginFloor is the margin, in hundredths of a percent, below which an item's profit row is
	// flagged (Options.MarginFloor).
	MarginFloor int `json:"margin_floor"`
}

// ReportRequest asks for a report.
type ReportRequest struct {
	Kind     PeriodKind
	From, To time.Time // PeriodCustom: shop dates, both included
	BranchID int64     // 0: all branches
	Scope    ReportScope
}

// DefaultMarginFloor is the parts margin (hundredths of a percent) below which a report flags an
// item when Options.MarginFloor is 0: 20 %.
const DefaultMarginFloor = 2000

func (s *Service) marginFloor() int {
	if s.opts.MarginFloor > 0 {
		return s.opts.MarginFloor
	}
	return DefaultMarginFloor
}

// Report computes the report as of the service's clock.
func (s *Service) Report(ctx context.Context, r ReportRequest) (Report, error) {
	now := s.now()
	cur, prev, err := ReportPeriods(r.Kind, now, r.From, r.To, s.opts.Location)
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	if r.Scope == 0 {
		r.Scope = ScopeOperational
	}
	rep := Report{BranchID: r.BranchID, Scope: r.Scope, MarginFloor: s.marginFloor()}
	err = s.reportTx(ctx, func(q querier) error {
		if rep.Current, err = s.periodKPIs(ctx, q, cur, r.BranchID, r.Scope); err != nil {
			return err
		}
		if rep.Previous, err = s.periodKPIs(ctx, q, prev, r.BranchID, r.Scope); err != nil {
			return err
		}
		if rep.Now, err = s.snapshotKPIs(ctx, q, now, r.BranchID); err != nil {
			return err
		}
		if !s.opts.Pilot.On() {
			return nil
		}
		rep.Pilot = &PilotSplit{}
		pilot := orderSet{branch: r.BranchID, side: sidePilot, pilot: s.opts.Pilot}
		if rep.Pilot.Pilot, err = s.pilotKPIs(ctx, q, cur, pilot); err != nil {
			return fmt.Errorf("report: the pilot's orders: %w", err)
		}
		pilot.side = sideRest
		if rep.Pilot.Rest, err = s.pilotKPIs(ctx, q, cur, pilot); err != nil {
			return fmt.Errorf("report: the orders outside the pilot: %w", err)
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	return rep, nil
}

// reportTx runs fn in one read-only snapshot, so that a report's numbers agree with each other,
// with the planner set for its many small index lookups: no JIT (compiling the report's
// correlated subqueries took seconds, for queries that run in milliseconds) and random reads
// priced as on an SSD (else it reads all invoices to join a few thousand), and a plan made for
// each run's own period and branch (pgx prepares the statements, and after five runs PostgreSQL
// would keep one generic plan for "$3 = 0 OR branch = $3" and any range of dates). See
// docs/report-bench.md.
func (s *Service) reportTx(ctx context.Context, fn func(q querier) error) error {
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("report: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // read only: nothing to commit
	if _, err := tx.Exec(ctx, "SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1; SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
		return fmt.Errorf("report: set planner: %w", err)
	}
	return fn(tx)
}

// periodKPIs computes the KPIs of p for branch (0: all) in scope.
func (s *Service) periodKPIs(ctx context.Context, q querier, p Period, branch int64, scope ReportScope) (PeriodKPIs, error) {
	k := PeriodKPIs{Period: p}
	var err error
	wrap := func(what string, err error) error {
		return fmt.Errorf("report %s %s..%s: %s: %w", p.Kind, p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), what, err)
	}
	all := orderSet{branch: branch}
	if k.Orders, err = s.orderKPIs(ctx, q, p, all); err != nil {
		return k, wrap("orders", err)
	}
	if k.Revenue, err = s.revenueKPIs(ctx, q, p, all); err != nil {
		return k, wrap("revenue", err)
	}
	if k.Discipline, err = s.disciplineKPIs(ctx, q, p, all); err != nil {
		return k, wrap("payment discipline", err)
	}
	if k.Mechanics, err = s.mechanicKPIs(ctx, q, p, branch); err != nil {
		return k, wrap("mechanics", err)
	}
	if scope != ScopeFull {
		return k, nil
	}
	if k.Funnel, err = s.funnelKPIs(ctx, q, p, branch); err != nil {
		return k, wrap("funnel", err)
	}
	if k.Repeat, err = s.repeatKPIs(ctx, q, p, branch); err != nil {
		return k, wrap("repeat clients", err)
	}
	if k.Offers, err = s.offerKPIs(ctx, q, p, branch); err != nil {
		return k, wrap("offers", err)
	}
	if k.Profit, err = s.profitKPIs(ctx, q, p, branch); err != nil {
		return k, wrap("profitability", err)
	}
	return k, nil
}
