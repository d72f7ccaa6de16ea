package crm_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/uniflow-crm/uniflow/crm"
)

// The report's KPIs against a second computation: a small shop is generated in Go (three months
// of orders, many of their moments put exactly on the periods' local midnights or a microsecond
// before), inserted row by row, and every KPI of docs/kpi.md is computed again here with plain
// loops over the Go rows, never with the report's SQL.

// fx* are the generated shop's rows, as the test knows them.
type fxClient struct {
	id      int64
	source  string
	created time.Time
}

type fxEvent struct {
	from, to string
	at       time.Time
	client   bool // the client's own move (cancelling from the booking reminder)
}

type fxLine struct {
	kind     string // labour, part
	item     int64  // 0: free text
	qty      int64  // thousandths
	price    int64
	approved bool
}

func (l fxLine) amount() int64 { return (l.price*l.qty + 500) / 1000 }

type fxPayment struct {
	at     time.Time
	amount int64
}

type fxInvoice struct {
	issued, due             time.Time
	labour, parts, discount int64
}

func (i fxInvoice) total() int64 { return i.labour + i.parts - i.discount }

type fxOrder struct {
	id       int64
	client   int64 // = its car's id
	branch   int64
	mechanic int64 // staff id, 0: none
	source   string
	created  time.Time
	noShow   bool
	events   []fxEvent
	lines    []fxLine
	invoice  *fxInvoice
	payments []fxPayment
}

func (o fxOrder) status() string { return o.events[len(o.events)-1].to }

// firstEvent is when o first moved into status to (ok false: never).
func (o fxOrder) firstEvent(to string) (time.Time, bool) {
	for _, e := range o.events {
		if e.to == to && e.from != to {
			return e.at, true
		}
	}
	return time.Time{}, false
}

func (o fxOrder) paid() int64 {
	var n int64
	for _, p := range o.payments {
		n += p.amount
	}
	return n
}

func (o fxOrder) paidInFull() bool { return o.invoice != nil && o.paid() >= o.invoice.total() }

type fxItem struct {
	id       int64
	kind     string // service, part
	name     string
	price    int64
	norm     int64      // thousandths of an hour, services
	receipts [][2]int64 // qty (thousandths), unit cost; a cost of -1 is a receipt without cost
}

type fxOffer struct {
	id        int64
	client    int64
	created   time.Time
	opened    bool
	converted int64 // order id, 0: none
}

type fxShop struct {
	clients []fxClient
	orders  []*fxOrder
	items   []fxItem
	offers  []fxOffer
}

// The staff of the generated shop: the owner (who records payments) and two mechanics.
const (
	fxOwner = 1
	fxMechA = 2
	fxMechB = 3
)

// fxBoundaries are the local midnights the tests' periods start or end at.
func fxBoundaries() []time.Time {
	var bs []time.Time
	for _, d := range []string{"2025-01-01", "2025-02-01", "2025-02-24", "2025-02-27", "2025-02-28", "2025-03-01",
		"2025-03-02", "2025-03-03", "2025-03-09", "2025-03-10", "2025-03-11", "2025-03-17", "2025-03-31", "2025-04-01"} {
		t, _ := time.ParseInLocation(time.DateOnly, d, msk)
		bs = append(bs, t)
	}
	return bs
}

// snap moves t, in one case in three, onto a boundary within two days of it or a microsecond
// before one, if that keeps it after lo and before hi.
func snap(r *rand.Rand, t, lo, hi time.Time) time.Time {
	if r.IntN(3) != 0 {
		return t
	}
	for _, b := range fxBoundaries() {
		if d := b.Sub(t); d > -48*time.Hour && d < 48*time.Hour {
			c := b
			if r.IntN(2) == 0 {
				c = b.Add(-time.Microsecond)
			}
			if c.After(lo) && c.Before(hi) {
				return c
			}
		}
	}
	return t
}

// genShop makes the shop: 40 clients, 220 orders from December to March on two paths each
// through the status machine, five catalog items with receipts, and offers.
func genShop(seed uint64) fxShop {
	r := rand.New(rand.NewPCG(seed, 7))
	start := time.Date(2024, 12, 1, 0, 0, 0, 0, msk)
	span := time.Date(2025, 4, 3, 0, 0, 0, 0, msk).Sub(start)
	rnd := func() time.Time { return start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Microsecond) }
	var shop fxShop
	shop.items = []fxItem{
		{1, "service", "Замена масла", 150000, 1500, nil},
		{2, "service", "Диагностика", 100000, 1000, nil},
		{3, "part", "Масло 5W-30", 90000, 0, [][2]int64{{10000, 60000}, {5000, 70000}, {2000, -1}}},
		{4, "part", "Фильтр", 50000, 0, [][2]int64{{20000, 45000}}}, // a margin of 10 %: under the floor
		{5, "part", "Свеча", 30000, 0, nil},                         // no cost known
	}
	sources := []string{"direct", "avito", "avito", "manual", "import", "yandex"}
	for i := int64(1); i <= 40; i++ {
		shop.clients = append(shop.clients, fxClient{id: i, source: sources[r.IntN(len(sources))], created: snap(r, rnd(), start.Add(-time.Hour), start.Add(span))})
	}
	for i := int64(1); i <= 220; i++ {
		c := shop.clients[r.IntN(len(shop.clients))]
		o := &fxOrder{id: i, client: c.id, branch: 1 + r.Int64N(2), source: c.source}
		if r.IntN(8) == 0 {
			o.source = "offer_" + fmt.Sprint(1+r.IntN(5)) // fixed up when the offers are made
		}
		o.created = snap(r, rnd(), c.created, start.Add(span))
		if o.created.Before(c.created) {
			o.created = c.created.Add(time.Minute)
		}
		if r.IntN(4) > 0 {
			o.mechanic = fxMechA + r.Int64N(2)
		}
		// The path: how far it goes and how it ends.
		var path []string
		switch k := r.IntN(20); {
		case k < 2:
			path = []string{"new"}
		case k < 3:
			path = []string{"new", "cancelled"} // the client cancels
		case k < 4:
			path = []string{"new", "accepted", "cancelled"} // by staff, half of them after a no-show
			o.noShow = r.IntN(2) == 0
		case k < 5:
			path = []string{"new", "accepted", "diagnosing", "estimate", "cancelled"}
		case k < 6:
			path = []string{"new", "accepted", "diagnosing", "estimate", "declined", "closed"}
		case k < 7:
			path = []string{"new", "accepted", "diagnosing", "estimate", "approved", "in_progress", "waiting_parts"}
		case k < 9:
			path = []string{"new", "accepted", "diagnosing", "in_progress", "ready"}
		case k < 12:
			path = []string{"new", "accepted", "diagnosing", "estimate", "approved", "in_progress", "waiting_parts", "in_progress", "ready", "delivered"}
		default:
			path = []string{"new", "accepted", "diagnosing", "estimate", "approved", "in_progress", "ready", "delivered", "closed"}
		}
		ts := []time.Time{o.created}
		for range path[1:] {
			ts = append(ts, ts[len(ts)-1].Add(time.Duration(1+r.IntN(40))*time.Hour+time.Duration(r.IntN(3600))*time.Second))
		}
		for j := 1; j < len(ts); j++ {
			hi := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
			if j+1 < len(ts) {
				hi = ts[j+1]
			}
			ts[j] = snap(r, ts[j], ts[j-1], hi)
		}
		for j, st := range path {
			from := ""
			if j > 0 {
				from = path[j-1]
			}
			o.events = append(o.events, fxEvent{from: from, to: st, at: ts[j], client: st == "cancelled" && j == 1})
			if st == "in_progress" && r.IntN(4) == 0 && o.mechanic != 0 { // a reassignment keeps the status
				mid := ts[j].Add(ts[j+1].Sub(ts[j]) / 2).Truncate(time.Microsecond)
				o.events = append(o.events, fxEvent{from: st, to: st, at: mid})
			}
		}
		// Lines: labour from the catalog or free text, parts.
		for range 1 + r.IntN(3) {
			switch k := r.IntN(3); k {
			case 2:
				o.lines = append(o.lines, fxLine{kind: "labour", qty: 1000, price: 40000 + r.Int64N(4)*1000, approved: r.IntN(5) > 0})
			default:
				it := shop.items[k]
				o.lines = append(o.lines, fxLine{kind: "labour", item: it.id, qty: 1000 * (1 + r.Int64N(2)), price: it.price, approved: r.IntN(5) > 0})
			}
		}
		for range r.IntN(3) {
			it := shop.items[2+r.IntN(3)]
			o.lines = append(o.lines, fxLine{kind: "part", item: it.id, qty: 500 * (1 + r.Int64N(4)), price: it.price, approved: r.IntN(6) > 0})
		}
		if ready, ok := o.firstEvent("ready"); ok {
			inv := fxInvoice{issued: ready}
			for _, l := range o.lines {
				if !l.approved {
					continue
				}
				if l.kind == "labour" {
					inv.labour += l.amount()
				} else {
					inv.parts += l.amount()
				}
			}
			if r.IntN(4) == 0 {
				inv.discount = min(inv.labour+inv.parts, 5000*r.Int64N(5))
			}
			if delivered, ok := o.firstEvent("delivered"); ok {
				days := []int{0, 0, 10}[r.IntN(3)]
				inv.due = delivered.AddDate(0, 0, days)
				total := inv.total()
				closed, isClosed := o.firstEvent("closed")
				switch {
				case total == 0:
				case isClosed: // paid in full before closing, in one or two payments, one with a refund
					pay := delivered.Add(time.Duration(r.IntN(300)) * time.Minute)
					if !pay.Before(closed) {
						pay = closed.Add(-time.Second)
					}
					if r.IntN(3) == 0 && total > 100 {
						o.payments = append(o.payments, fxPayment{pay.Add(-time.Hour), total / 2}, fxPayment{pay, total - total/2})
					} else if r.IntN(8) == 0 {
						o.payments = append(o.payments, fxPayment{pay.Add(-time.Hour), total + 1000}, fxPayment{pay, -1000})
					} else {
						o.payments = append(o.payments, fxPayment{pay, total})
					}
				default: // delivered: unpaid, part-paid, or paid late
					switch r.IntN(3) {
					case 1:
						o.payments = append(o.payments, fxPayment{delivered.Add(time.Hour), total / 3})
					case 2:
						o.payments = append(o.payments, fxPayment{inv.due.Add(time.Duration(r.IntN(20*24)) * time.Hour), total})
					}
				}
				// Payments land on boundaries too.
				for k := range o.payments {
					o.payments[k].at = snap(r, o.payments[k].at, delivered.Add(-48*time.Hour), closed)
					if isClosed && !o.payments[k].at.Before(closed) {
						o.payments[k].at = closed.Add(-time.Second)
					}
				}
			}
			o.invoice = &inv
		}
		shop.orders = append(shop.orders, o)
	}
	// Offers 1-5, some of them booked: an order with lead source offer_<id> of the offer's client
	// is its conversion (the first such order).
	for id := int64(1); id <= 5; id++ {
		f := fxOffer{id: id, client: shop.clients[r.IntN(len(shop.clients))].id, created: snap(r, rnd(), start, start.Add(span)), opened: r.IntN(2) == 0}
		for _, o := range shop.orders {
			if o.source == "offer_"+fmt.Sprint(id) && f.converted == 0 {
				f.client, f.converted, f.opened = o.client, o.id, true
			} else if o.source == "offer_"+fmt.Sprint(id) {
				o.source = "direct" // one offer, one booking
			}
		}
		shop.offers = append(shop.offers, f)
	}
	return shop
}

// insert writes the shop into the test's database.
func (shop fxShop) insert(t *testing.T, e *env) {
	t.Helper()
	b := &pgx.Batch{}
	q := func(sql string, args ...any) { b.Queue(sql, args...) }
	q(`INSERT INTO branches (id, name) OVERRIDING SYSTEM VALUE VALUES (2, 'Север')`)
	q(`INSERT INTO staff (id, telegram_user_id, chat_id, name, role, branch_id) OVERRIDING SYSTEM VALUE VALUES
		(1, 9001, 9001, 'Владелец', 'owner', 1), (2, 9002, 9002, 'Иван', 'mechanic', 1), (3, 9003, 9003, 'Пётр', 'mechanic', 2)`)
	for _, c := range shop.clients {
		q(`INSERT INTO clients (id, phone, name, lead_source, created_at) OVERRIDING SYSTEM VALUE VALUES ($1, $2, 'c', $3, $4)`,
			c.id, fmt.Sprintf("+7912000%04d", c.id), c.source, c.created)
		q(`INSERT INTO vehicles (id, client_id, make) OVERRIDING SYSTEM VALUE VALUES ($1, $1, 'Lada')`, c.id)
	}
	for _, it := range shop.items {
		var onHand int64
		for _, rc := range it.receipts {
			onHand += rc[0]
		}
		q(`INSERT INTO catalog_items (id, kind, name, unit, price, norm_milli, on_hand_milli) OVERRIDING SYSTEM VALUE
			VALUES ($1, $2, $3, 'pcs', $4, $5, $6)`, it.id, it.kind, it.name, it.price, it.norm, onHand)
		for _, rc := range it.receipts {
			var cost any
			if rc[1] >= 0 {
				cost = rc[1]
			}
			q(`INSERT INTO stock_movements (item_id, kind, on_hand_delta, reserved_delta, unit_cost, actor_kind) VALUES ($1, 'receipt', $2, 0, $3, 'system')`,
				it.id, rc[0], cost)
		}
	}
	for _, o := range shop.orders {
		var mech, noShow any
		if o.mechanic != 0 {
			mech = o.mechanic
		}
		if o.noShow {
			noShow = o.events[len(o.events)-1].at
		}
		q(`INSERT INTO orders (id, branch_id, client_id, vehicle_id, mechanic_id, status, lead_source, no_show_at, created_at, updated_at)
			OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $8)`,
			o.id, o.branch, o.client, mech, o.status(), o.source, noShow, o.created)
		for _, ev := range o.events {
			actor, actorID := "staff", any(int64(fxOwner))
			if ev.client {
				actor, actorID = "client", o.client
			}
			q(`INSERT INTO order_events (order_id, actor_kind, actor_id, from_status, to_status, mechanic_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				o.id, actor, actorID, ev.from, ev.to, mech, ev.at)
		}
		for _, l := range o.lines {
			var item, aprice, aqty any
			if l.item != 0 {
				item = l.item
			}
			approval := "declined"
			if l.approved {
				approval, aprice, aqty = "approved", l.price, l.qty
			}
			q(`INSERT INTO order_lines (order_id, kind, item_id, name, unit, qty_milli, price, approval, approved_price, approved_qty_milli)
				VALUES ($1, $2, $3, 'line', 'pcs', $4, $5, $6, $7, $8)`, o.id, l.kind, item, l.qty, l.price, approval, aprice, aqty)
		}
		if inv := o.invoice; inv != nil {
			var due any
			if !inv.due.IsZero() {
				due = inv.due
			}
			q(`INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines, due_at) VALUES ($1, $2, $3, $4, $5, $6, '[]', $7)`,
				o.id, inv.issued, inv.labour, inv.parts, inv.discount, inv.total(), due)
		}
		for _, p := range o.payments {
			q(`INSERT INTO payments (order_id, amount, method, recorded_by, created_at) VALUES ($1, $2, 'cash', 1, $3)`, o.id, p.amount, p.at)
		}
	}
	for _, f := range shop.offers {
		var opened, conv any
		if f.opened {
			opened = f.created.Add(time.Hour)
		}
		if f.converted != 0 {
			conv = f.converted
		}
		q(`INSERT INTO offers (id, kind, client_id, vehicle_id, item_id, created_at, opened_at, converted_order_id) OVERRIDING SYSTEM VALUE
			VALUES ($1, 'repeat', $2, $2, 1, $3, $4, $5)`, f.id, f.client, f.created, opened, conv)
	}
	if err := e.db.SendBatch(e.ctx, b).Close(); err != nil {
		t.Fatalf("insert the shop: %v", err)
	}
}

// in reports whether t is in [start, end).
func in(t time.Time, p crm.Period) bool { return !t.Before(p.Start) && t.Before(p.End) }

func hundredths(n, of int) int {
	if of == 0 {
		return 0
	}
	return int(math.Floor(float64(n)*10000/float64(of) + 0.5))
}

// wantKPIs computes a period's KPIs from the shop's rows.
func (shop fxShop) wantKPIs(p crm.Period, branch int64) crm.PeriodKPIs {
	k := crm.PeriodKPIs{Period: p, Orders: crm.OrderKPIs{CancelReasons: map[string]int{}}}
	inBranch := func(o *fxOrder) bool { return branch == 0 || o.branch == branch }
	source := func(s string) string {
		if len(s) > 6 && s[:6] == "offer_" {
			return "offer"
		}
		return s
	}
	funnel := map[string]*crm.FunnelRow{}
	row := func(s string) *crm.FunnelRow {
		if funnel[s] == nil {
			funnel[s] = &crm.FunnelRow{Source: s}
		}
		return funnel[s]
	}
	mechs := map[int64]*crm.MechanicKPIs{}
	names := map[int64]string{fxMechA: "Иван", fxMechB: "Пётр"}
	byID := map[int64]*fxOrder{}
	for _, o := range shop.orders {
		byID[o.id] = o
	}
	profit := map[int64]*crm.ItemProfit{}
	repeatClients, allClients := map[int64]bool{}, map[int64]bool{}
	for _, o := range shop.orders {
		if !inBranch(o) {
			continue
		}
		// Orders.
		if in(o.created, p) {
			k.Orders.Opened++
		}
		if at, ok := o.firstEvent("closed"); ok && in(at, p) {
			k.Orders.Closed++
		}
		if at, ok := o.firstEvent("cancelled"); ok && in(at, p) {
			k.Orders.Cancelled++
			last := o.events[len(o.events)-1]
			switch {
			case o.noShow:
				k.Orders.CancelReasons[crm.CancelNoShow]++
			case last.client:
				k.Orders.CancelReasons[crm.CancelClient]++
			case last.from == "estimate" || last.from == "declined":
				k.Orders.CancelReasons[crm.CancelDeclined]++
			default:
				k.Orders.CancelReasons[crm.CancelStaff]++
			}
		}
		// The funnel's requests.
		if in(o.created, p) {
			fr := row(source(o.source))
			fr.Requests++
			step := 0
			for _, e := range o.events {
				switch e.to {
				case "accepted":
					step = max(step, 1)
				case "diagnosing", "estimate", "declined", "closed":
					step = max(step, 2)
				case "approved", "in_progress", "waiting_parts", "ready", "delivered":
					step = 3
				}
			}
			if step >= 1 {
				fr.Confirmed++
			}
			if step >= 2 {
				fr.Arrived++
			}
			if step >= 3 {
				fr.Approved++
				if o.paidInFull() {
					fr.Paid++
				}
			}
		}
		// Money, repeat clients, profit: the orders delivered in the period.
		if at, ok := o.firstEvent("delivered"); ok && in(at, p) && o.invoice != nil {
			inv := o.invoice
			k.Revenue.Delivered++
			k.Revenue.Labour += crm.Money(inv.labour)
			k.Revenue.Parts += crm.Money(inv.parts)
			k.Revenue.Discount += crm.Money(inv.discount)
			k.Revenue.Revenue += crm.Money(inv.total())
			row(source(o.source)).Revenue += crm.Money(inv.total())
			repeat := false
			for _, o2 := range shop.orders {
				at2, ok := o2.firstEvent("delivered")
				if o2.id != o.id && o2.client == o.client && ok && at2.Before(at) && !at2.Before(at.Add(-365*24*time.Hour)) && o2.paidInFull() {
					repeat = true
				}
			}
			allClients[o.client] = true
			k.Repeat.Revenue += crm.Money(inv.total())
			if repeat {
				repeatClients[o.client] = true
				k.Repeat.RepeatRevenue += crm.Money(inv.total())
			}
			for _, l := range o.lines {
				if !l.approved || l.item == 0 {
					continue
				}
				if profit[l.item] == nil {
					profit[l.item] = &crm.ItemProfit{ItemID: l.item, Kind: l.kind}
				}
				profit[l.item].Qty += crm.Qty(l.qty)
				profit[l.item].Revenue += crm.Money(l.amount())
			}
		}
		// Payments recorded in the period.
		for _, pm := range o.payments {
			if in(pm.at, p) {
				k.Revenue.Payments += crm.Money(pm.amount)
			}
		}
		// Discipline: invoices due in the period.
		if inv := o.invoice; inv != nil && !inv.due.IsZero() && in(inv.due, p) {
			k.Discipline.Due++
			var paidAt *time.Time
			if inv.total() == 0 {
				paidAt = &inv.issued
			} else {
				ps := append([]fxPayment(nil), o.payments...)
				sort.SliceStable(ps, func(i, j int) bool { return ps[i].at.Before(ps[j].at) })
				var run int64
				for _, pm := range ps {
					run += pm.amount
					if run >= inv.total() {
						at := pm.at
						paidAt = &at
						break
					}
				}
			}
			if paidAt != nil {
				k.Discipline.Paid++
				k.Discipline.PayDaysTotal += paidAt.Sub(inv.issued).Hours() / 24
				y, m, d := inv.due.In(msk).Date()
				if paidAt.Before(time.Date(y, m, d+1, 0, 0, 0, 0, msk)) {
					k.Discipline.OnTime++
				}
			}
		}
		// Mechanics: orders that became ready in the period.
		if ready, ok := o.firstEvent("ready"); ok && in(ready, p) && o.mechanic != 0 {
			m := mechs[o.mechanic]
			if m == nil {
				m = &crm.MechanicKPIs{StaffID: o.mechanic, Name: names[o.mechanic]}
				mechs[o.mechanic] = m
			}
			m.Done++
			for _, l := range o.lines {
				if l.kind != "labour" || !l.approved {
					continue
				}
				m.LabourRevenue += crm.Money(l.amount())
				for _, it := range shop.items {
					if it.id == l.item {
						m.Billed += crm.Qty(l.qty * it.norm / 1000)
					}
				}
			}
			var secs float64
			for j, e := range o.events {
				if e.to == "in_progress" && j+1 < len(o.events) {
					secs += o.events[j+1].at.Sub(e.at).Seconds()
				}
			}
			m.Clocked += crm.Qty(math.Round(secs * 1000 / 3600))
			for _, o2 := range shop.orders {
				if o2.id != o.id && o2.client == o.client && o2.status() != "cancelled" &&
					o2.created.After(ready) && !o2.created.After(ready.Add(720*time.Hour)) {
					m.Comebacks++
					break
				}
			}
		}
	}
	// The funnel's contacts.
	for _, c := range shop.clients {
		if !in(c.created, p) {
			continue
		}
		requested := false
		for _, o := range shop.orders {
			if o.client == c.id && in(o.created, p) && inBranch(o) {
				requested = true
			}
		}
		if branch != 0 && !requested {
			continue
		}
		row(c.source).Contacts++
		if requested {
			row(c.source).ContactsRequested++
		}
	}
	for _, r := range funnel {
		k.Funnel = append(k.Funnel, *r)
	}
	sort.Slice(k.Funnel, func(i, j int) bool {
		a, b := k.Funnel[i], k.Funnel[j]
		if a.Requests != b.Requests {
			return a.Requests > b.Requests
		}
		if a.Revenue != b.Revenue {
			return a.Revenue > b.Revenue
		}
		return a.Source < b.Source
	})
	k.Repeat.Clients, k.Repeat.RepeatClients = len(allClients), len(repeatClients)
	if k.Revenue.Delivered > 0 {
		k.Revenue.AverageCheck = crm.Money(math.Floor(float64(k.Revenue.Revenue)/float64(k.Revenue.Delivered) + 0.5))
	}
	k.Mechanics = []crm.MechanicKPIs{}
	for _, m := range mechs {
		k.Mechanics = append(k.Mechanics, *m)
	}
	sort.Slice(k.Mechanics, func(i, j int) bool {
		if k.Mechanics[i].Done != k.Mechanics[j].Done {
			return k.Mechanics[i].Done > k.Mechanics[j].Done
		}
		return k.Mechanics[i].StaffID < k.Mechanics[j].StaffID
	})
	// Offers: the whole shop.
	for _, f := range shop.offers {
		if !in(f.created, p) {
			continue
		}
		k.Offers.Sent++
		if f.opened {
			k.Offers.Opened++
		}
		if f.converted != 0 {
			k.Offers.Converted++
			if byID[f.converted].paidInFull() {
				k.Offers.Paid++
			}
		}
	}
	// Profit: names, costs (average receipt cost, exactly), norm hours.
	k.Profit = []crm.ItemProfit{}
	for _, it := range shop.items {
		pr := profit[it.id]
		if pr == nil {
			continue
		}
		pr.Name = it.name
		if it.kind == "part" {
			num, den := new(big.Int), new(big.Int)
			for _, rc := range it.receipts {
				if rc[1] >= 0 {
					num.Add(num, big.NewInt(rc[0]*rc[1]))
					den.Add(den, big.NewInt(rc[0]))
				}
			}
			if den.Sign() > 0 {
				// round(qty * num / (den * 1000)), half away from zero
				c := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(int64(pr.Qty)), num), new(big.Int).Mul(den, big.NewInt(1000)))
				f, _ := c.Float64()
				cost := crm.Money(math.Floor(f + 0.5))
				pr.Cost = &cost
			}
		} else {
			pr.NormHours = crm.Qty(int64(pr.Qty) * it.norm / 1000)
		}
		k.Profit = append(k.Profit, *pr)
	}
	sort.Slice(k.Profit, func(i, j int) bool {
		if k.Profit[i].Revenue != k.Profit[j].Revenue {
			return k.Profit[i].Revenue > k.Profit[j].Revenue
		}
		return k.Profit[i].ItemID < k.Profit[j].ItemID
	})
	return k
}

// wantSnapshot computes what is true at now.
func (shop fxShop) wantSnapshot(now time.Time, branch int64) crm.SnapshotKPIs {
	k := crm.SnapshotKPIs{At: now, ByStatus: map[crm.Status]int{}}
	y, m, d := now.In(msk).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, msk)
	for _, o := range shop.orders {
		if branch != 0 && o.branch != branch {
			continue
		}
		st := o.status()
		if st == "closed" || st == "cancelled" {
			continue
		}
		k.ByStatus[crm.Status(st)]++
		inv := o.invoice
		if inv == nil || inv.due.IsZero() || o.paid() >= inv.total() {
			continue
		}
		owed := crm.Money(inv.total() - o.paid())
		k.Outstanding += owed
		if !inv.due.Before(now) {
			continue
		}
		dy, dm, dd := inv.due.In(msk).Date()
		days := int(today.Sub(time.Date(dy, dm, dd, 0, 0, 0, 0, msk)).Hours() / 24) // MSK has no DST
		b := 3
		switch {
		case days <= 7:
			b = 0
		case days <= 30:
			b = 1
		case days <= 60:
			b = 2
		}
		k.Overdue[b] += owed
		k.OverdueCount[b]++
	}
	return k
}

func TestReportKPIsAgainstTheRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{Location: msk})
	shop := genShop(9)
	shop.insert(t, e)
	at := func(s string) time.Time {
		tt, err := time.ParseInLocation(time.DateTime, s, msk)
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	day := func(s string) time.Time { return at(s + " 00:00:00") }
	cases := []struct {
		name     string
		now      time.Time
		req      crm.ReportRequest
		cur, prv [2]string // the periods, shop dates [start, end)
	}{
		{"today", at("2025-03-10 00:00:00"), crm.ReportRequest{Kind: crm.PeriodToday}, [2]string{"2025-03-10", "2025-03-11"}, [2]string{"2025-03-09", "2025-03-10"}},
		{"yesterday on the 1st", at("2025-03-01 09:30:00"), crm.ReportRequest{Kind: crm.PeriodYesterday}, [2]string{"2025-02-28", "2025-03-01"}, [2]string{"2025-02-27", "2025-02-28"}},
		{"week", at("2025-03-16 23:59:59"), crm.ReportRequest{Kind: crm.PeriodWeek}, [2]string{"2025-03-10", "2025-03-17"}, [2]string{"2025-03-03", "2025-03-10"}},
		{"month", at("2025-03-31 23:00:00"), crm.ReportRequest{Kind: crm.PeriodMonth}, [2]string{"2025-03-01", "2025-04-01"}, [2]string{"2025-02-01", "2025-03-01"}},
		{"month, branch 2", at("2025-03-31 23:00:00"), crm.ReportRequest{Kind: crm.PeriodMonth, BranchID: 2}, [2]string{"2025-03-01", "2025-04-01"}, [2]string{"2025-02-01", "2025-03-01"}},
		{"custom", at("2025-04-02 10:00:00"), crm.ReportRequest{Kind: crm.PeriodCustom, From: day("2025-02-27"), To: day("2025-03-01")},
			[2]string{"2025-02-27", "2025-03-02"}, [2]string{"2025-02-24", "2025-02-27"}},
		{"custom, all of it", at("2025-04-02 10:00:00"), crm.ReportRequest{Kind: crm.PeriodCustom, From: day("2024-12-01"), To: day("2025-04-02"), BranchID: 1},
			[2]string{"2024-12-01", "2025-04-03"}, [2]string{"2024-07-31", "2024-12-01"}},
	}
	opts := cmp.Options{
		cmpopts.EquateEmpty(),
		cmpopts.EquateApprox(0, 1e-9),
		cmpopts.EquateApproxTime(0),
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Set(tc.now)
			tc.req.Scope = crm.ScopeFull
			got, err := e.svc.Report(e.ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			cur := crm.Period{Kind: tc.req.Kind, Start: day(tc.cur[0]), End: day(tc.cur[1])}
			prv := crm.Period{Kind: tc.req.Kind, Start: day(tc.prv[0]), End: day(tc.prv[1])}
			if diff := cmp.Diff(shop.wantKPIs(cur, tc.req.BranchID), got.Current, opts); diff != "" {
				t.Errorf("current period (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(shop.wantKPIs(prv, tc.req.BranchID), got.Previous, opts); diff != "" {
				t.Errorf("previous period (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(shop.wantSnapshot(tc.now, tc.req.BranchID), got.Now, opts); diff != "" {
				t.Errorf("now (-want +got):\n%s", diff)
			}
		})
	}
	// The chart's days: each day's figures are the day's period KPIs.
	for _, branch := range []int64{0, 2} {
		e.clock.Set(at("2025-03-10 00:00:00"))
		series, err := e.svc.DailySeries(e.ctx, at("2025-03-10 00:00:00"), 30, branch)
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 30 || !series[29].Day.Equal(day("2025-03-10")) || !series[0].Day.Equal(day("2025-02-09")) {
			t.Fatalf("days %v..%v (%d)", series[0].Day, series[len(series)-1].Day, len(series))
		}
		opened := 0
		for _, p := range series {
			k := shop.wantKPIs(crm.Period{Start: p.Day, End: p.Day.AddDate(0, 0, 1)}, branch)
			if p.Opened != k.Orders.Opened || p.Revenue != k.Revenue.Revenue {
				t.Errorf("branch %d, %s: opened %d, revenue %d; want %d, %d", branch, p.Day.Format(time.DateOnly), p.Opened, p.Revenue, k.Orders.Opened, k.Revenue.Revenue)
			}
			opened += p.Opened
		}
		if opened == 0 {
			t.Errorf("branch %d: no orders in the chart's days", branch)
		}
	}

	// The fixture exercises every KPI: over the whole time, none is zero.
	all := shop.wantKPIs(crm.Period{Start: day("2024-12-01"), End: day("2025-04-10")}, 0)
	snapNow := shop.wantSnapshot(at("2025-04-02 10:00:00"), 0)
	for name, v := range map[string]int{
		"opened": all.Orders.Opened, "closed": all.Orders.Closed, "cancelled": len(all.Orders.CancelReasons),
		"delivered": all.Revenue.Delivered, "discount": int(all.Revenue.Discount), "payments": int(all.Revenue.Payments),
		"on time": all.Discipline.OnTime, "late": all.Discipline.Paid - all.Discipline.OnTime, "unpaid": all.Discipline.Due - all.Discipline.Paid,
		"mechanics": len(all.Mechanics), "comebacks": all.Mechanics[0].Comebacks + all.Mechanics[1].Comebacks,
		"clocked": int(all.Mechanics[0].Clocked), "billed": int(all.Mechanics[0].Billed),
		"repeat": all.Repeat.RepeatClients, "first": all.Repeat.Clients - all.Repeat.RepeatClients,
		"offers opened": all.Offers.Opened, "offers converted": all.Offers.Converted, "offers paid": all.Offers.Paid,
		"sources": len(all.Funnel), "profit items": len(all.Profit),
		"outstanding": int(snapNow.Outstanding), "overdue 60+": snapNow.OverdueCount[3], "overdue 8-30": snapNow.OverdueCount[1],
	} {
		if v <= 0 {
			t.Errorf("the fixture has no %s: a KPI goes untested", name)
		}
	}
	if len(all.Orders.CancelReasons) != 4 {
		t.Errorf("cancel reasons in the fixture: %v, want all four", all.Orders.CancelReasons)
	}
	flagged := false
	for _, p := range all.Profit {
		flagged = flagged || p.BelowFloor(crm.DefaultMarginFloor)
	}
	if !flagged {
		t.Error("no item under the margin floor in the fixture")
	}
}

func TestMarkOfferOpenedKeepsTheFirstPress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, crm.Options{Location: msk})
	if _, err := e.db.Exec(e.ctx, `
INSERT INTO clients (id, phone) OVERRIDING SYSTEM VALUE VALUES (1, '+79120000001');
INSERT INTO offers (id, kind, client_id) OVERRIDING SYSTEM VALUE VALUES (1, 'repeat', 1)`); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{t0, t0.Add(time.Hour)} {
		e.clock.Set(at)
		if err := e.svc.MarkOfferOpened(e.ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	var opened time.Time
	if err := e.db.QueryRow(e.ctx, `SELECT opened_at FROM offers WHERE id = 1`).Scan(&opened); err != nil || !opened.Equal(t0) {
		t.Errorf("opened_at = %v, %v; want the first press %v", opened, err, t0)
	}
}
