package crm

import (
	"context"
	"slices"
	"strings"
)

// Pilot mode (issue 9, item 5): the shop rolls the bot out to a pilot group first, and the rest
// of the shop keeps its old process (phone, paper) until the owner has seen the effect.
//
// The pilot group is some branches and some staff (Options.Pilot). While a pilot is set:
//   - client bookings from the bot are requests of the pilot's first branch (the default branch
//     when the pilot names staff only);
//   - notices to managers and admins (new requests, parts, low stock, payment tasks, failed
//     deliveries) go only to those in the pilot: in a pilot branch or named; owners get them,
//     as always, only when no manager or admin would; a staff group (Options.StaffChatID) gets
//     them as before, so put the pilot's staff in it;
//   - a mechanic outside the pilot is not told of orders assigned to them;
//   - the report shows the period's orders, money and payment discipline of the pilot's orders
//     and of the rest side by side. An order is the pilot's when its branch is a pilot branch
//     or its mechanic is a pilot staff member; this is decided when the report is read, from
//     the current setting.
//
// Nobody outside the pilot loses access: the bot still works for them when they use it.

// Pilot is the pilot group; the zero Pilot is no pilot.
type Pilot struct {
	Branches []int64 // branch ids
	Staff    []int64 // staff members' Telegram user ids
}

// On says whether a pilot is set.
func (p Pilot) On() bool { return len(p.Branches) > 0 || len(p.Staff) > 0 }

// Includes says whether st works in the pilot (true for everyone with no pilot).
func (p Pilot) Includes(st Staff) bool {
	return !p.On() || slices.Contains(p.Branches, st.BranchID) || slices.Contains(p.Staff, st.TelegramUserID)
}

// bookingBranch is the branch of a client's booking: nil for the default one.
func (p Pilot) bookingBranch() *int64 {
	if len(p.Branches) == 0 {
		return nil
	}
	return &p.Branches[0]
}

// sqlStaffInPilot is the condition on a staff row that it is in the pilot, with $1 whether a
// pilot is set, $2 its branches and $3 its staff (pilotArgs).
const sqlStaffInPilot = `(NOT $1::boolean OR branch_id = ANY($2::bigint[]) OR telegram_user_id = ANY($3::bigint[]))`

// pilotArgs are the arguments of sqlStaffInPilot.
func (p Pilot) pilotArgs() []any {
	return []any{p.On(), nonNil(p.Branches), nonNil(p.Staff)}
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// orderSide selects orders by the pilot: all, the pilot's, or the rest.
type orderSide int

const (
	sideAll orderSide = iota
	sidePilot
	sideRest
)

// orderSet is the orders a report query counts: of a branch (0: all) and a side of the pilot.
type orderSet struct {
	branch int64
	side   orderSide
	pilot  Pilot
}

// sqlPilotOrder is true for an order o of the pilot's side $4 (true: the pilot's, false: the
// rest), with $5 the pilot's branches and $6 its staff's Telegram user ids: its branch is a
// pilot branch, or its mechanic is in the pilot.
const sqlPilotOrder = `((o.branch_id = ANY($5::bigint[]) OR coalesce(o.mechanic_id IN (
	SELECT ps.id FROM staff ps WHERE ps.telegram_user_id = ANY($6::bigint[])), false)) = $4::boolean)`

// sql is query with the set's condition: a query of the report filters orders o with
// branchFilter, which a side of the pilot extends with sqlPilotOrder.
func (o orderSet) sql(query string) string {
	if o.side == sideAll {
		return query
	}
	return strings.ReplaceAll(query, branchFilter, "("+branchFilter+" AND "+sqlPilotOrder+")")
}

// args are the arguments of o.sql over period p.
func (o orderSet) args(p Period) []any {
	a := []any{p.Start, p.End, o.branch}
	if o.side != sideAll {
		a = append(a, o.side == sidePilot, nonNil(o.pilot.Branches), nonNil(o.pilot.Staff))
	}
	return a
}

// PilotKPIs are the numbers of one side of the pilot in the report's period.
type PilotKPIs struct {
	Orders     OrderKPIs      `json:"orders"`
	Revenue    RevenueKPIs    `json:"revenue"`
	Discipline DisciplineKPIs `json:"discipline"`
}

// PilotSplit is the pilot's orders and the rest side by side.
type PilotSplit struct {
	Pilot PilotKPIs `json:"pilot"`
	Rest  PilotKPIs `json:"rest"`
}

// pilotKPIs computes the side of the pilot in set over p.
func (s *Service) pilotKPIs(ctx context.Context, q querier, p Period, set orderSet) (PilotKPIs, error) {
	var k PilotKPIs
	var err error
	if k.Orders, err = s.orderKPIs(ctx, q, p, set); err != nil {
		return k, err
	}
	if k.Revenue, err = s.revenueKPIs(ctx, q, p, set); err != nil {
		return k, err
	}
	k.Discipline, err = s.disciplineKPIs(ctx, q, p, set)
	return k, err
}

// Pilot returns the pilot group the service was configured with.
func (s *Service) Pilot() Pilot { return s.opts.Pilot }
