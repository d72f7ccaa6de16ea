// Package benchseed seeds large shops by COPY: the one the scheduler's benchmarks scan (LargeShop:
// 200,000 clients and 1,000,000 orders), the one the report's benchmark reads (ReportShop: the
// same, with a whole history behind every order), and any size of the latter for demos
// (`uniflow seed`). Benchmarks use them through pgtest.NewSeeded(b, Name, LargeShop), which keeps
// the seeded database as a template so only the first run seeds. It imports no testing code, so
// the uniflow binary may use it.
package benchseed

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Name names the seeded template of LargeShop; change it when LargeShop changes.
const Name = "shop200k_v3"

// ReportName names the seeded template of ReportShop; change it when Seed's story changes.
const ReportName = "shop200k_story_v2"

// The large shop's size.
const (
	Clients = 200_000
	Orders  = 1_000_000
)

// Now is the shop's "now" in the seeded data.
var Now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// Size says what Seed makes.
type Size struct {
	Clients, Orders int
	Now             time.Time // the end of the history; zero: Now
	// Story adds what the owner's report reads (docs/kpi.md): lead sources, seasonality,
	// mechanics, every order's status events, labour and parts with receipt costs, discounts,
	// late payers and offers. Without it, Seed makes exactly LargeShop.
	Story bool
}

// LargeShop fills a fresh schema with COPY: clients (70% in Telegram, 1 in 20 of those
// blocked the bot), a car each, and orders spread evenly over three years, five per client:
// 90% closed and paid, 5% delivered (half of them unpaid), the rest cancelled, except that
// 3% of the last 40 days' orders are bookings still awaiting the car. For the offers: three in
// five clients consented to marketing, every closed or delivered order has one approved line of
// one of three services (an oil change every 180 days or 10,000 km, brake fluid every 730 days,
// a diagnosis with no interval), and one car in ten has two odometer readings.
func LargeShop(ctx context.Context, pool *pgxpool.Pool) error {
	return Seed(ctx, pool, Size{Clients: Clients, Orders: Orders})
}

// ReportShop is LargeShop with its story (Size.Story).
func ReportShop(ctx context.Context, pool *pgxpool.Pool) error {
	return Seed(ctx, pool, Size{Clients: Clients, Orders: Orders, Story: true})
}

// knownClient picks, for order k, one of the n clients already known, evenly. It mixes k
// (splitmix64's finaliser) before taking it modulo n: n is about k/5, and k·c mod n alone
// depends only on k mod 5, so every fifth order went to client 1 (200,000 orders of one client,
// which made the report's repeat-client query probe them for each of its orders).
func knownClient(k, n int) int64 {
	x := uint64(k) + 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	x ^= x >> 31
	return int64(1 + x%uint64(n))
}

// Sources are the story's lead sources, a client's by its id modulo 20.
var sources = [20]string{"direct", "direct", "direct", "direct", "direct", "direct", "direct", "direct",
	"avito", "avito", "avito", "avito", "avito", "yandex", "yandex", "yandex", "manual", "manual", "import", "import"}

// Seed fills a fresh schema (identity columns counting from 1) with a shop of sz.
func Seed(ctx context.Context, pool *pgxpool.Pool, sz Size) error {
	if sz.Clients < 1 || sz.Orders < 1 {
		return fmt.Errorf("seed: want at least one client and one order, got %d and %d", sz.Clients, sz.Orders)
	}
	now := sz.Now
	if now.IsZero() {
		now = Now
	}
	nClients, nOrders := sz.Clients, sz.Orders
	var staffID, branch int64
	if err := pool.QueryRow(ctx, `
INSERT INTO staff (telegram_user_id, chat_id, name, role, branch_id) SELECT 1, 1, 'Owner', 'owner', id FROM branches WHERE is_default
RETURNING id, branch_id`).Scan(&staffID, &branch); err != nil {
		return fmt.Errorf("seed staff: %w", err)
	}
	// The story's mechanics are staff 2-5.
	const mechanics = 4
	if sz.Story {
		if _, err := pool.Exec(ctx, `
INSERT INTO staff (telegram_user_id, chat_id, name, role, branch_id)
SELECT 1 + n, 1 + n, name, 'mechanic', $1 FROM unnest(ARRAY['Иван', 'Пётр', 'Сергей', 'Алексей']) WITH ORDINALITY m(name, n)`, branch); err != nil {
			return fmt.Errorf("seed mechanics: %w", err)
		}
	}
	copyRows := func(table string, cols []string, n int, row func(i int) []any) error {
		_, err := pool.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() func() ([]any, error) {
			i := 0
			return func() ([]any, error) {
				if i == n {
					return nil, nil
				}
				i++
				return row(i), nil
			}
		}()))
		if err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		return nil
	}
	span := now.Sub(now.AddDate(-3, 0, 0))
	created := func(k int) time.Time {
		if !sz.Story { // evenly spread
			return now.Add(-span + time.Duration(k)*(span/time.Duration(nOrders)))
		}
		// Seasonality: two peaks a year (spring and autumn tyres and service). The warp keeps
		// order times increasing (its slope is 1 ± 0.35), so they stay distinct.
		u := float64(k) / float64(nOrders)
		u += 0.35 * math.Sin(2*math.Pi*6*u) / (2 * math.Pi * 6)
		return now.Add(-span + time.Duration(u*float64(span))).Truncate(time.Microsecond)
	}
	// Without the story every client has every fifth order. With it clients keep arriving over
	// the three years, arrived(k) of them by order k, each with a first visit; the other orders
	// are repeat visits of a client already known, and one in 33 of those is a car back ten
	// days after a visit (a comeback).
	arrived := func(k int) int { return (k-1)*nClients/nOrders + 1 }
	back := max(1, nOrders*10/1095)
	var clientOf func(k int) int64
	clientOf = func(k int) int64 {
		switch {
		case !sz.Story:
			return int64((k-1)%nClients + 1)
		case k == 1 || arrived(k) != arrived(k-1):
			return int64(arrived(k))
		case k%33 == 0 && k > back:
			return clientOf(k - back)
		}
		return knownClient(k, arrived(k))
	}
	// firstOrder is the order of client i's first visit (the story).
	firstOrder := func(i int) int { return min(nOrders, ((i-1)*nOrders+nClients-1)/nClients+1) }
	status := func(k int) string {
		r := k % 100
		switch {
		case r < 90:
			return "closed"
		case r < 95:
			return "delivered"
		case r < 98 && now.Sub(created(k)) < 40*24*time.Hour:
			if r%2 == 0 {
				return "new"
			}
			return "accepted"
		}
		return "cancelled"
	}
	// The story's offers: offer j was made ten days before order 40j; one in five of those
	// orders was booked from it, when it closed.
	converts := func(k int) bool { return sz.Story && k%200 == 0 && status(k) == "closed" }
	err := copyRows("clients", []string{"phone", "name", "telegram_user_id", "chat_id", "language", "unreachable_since", "marketing_consent", "lead_source", "created_at"}, nClients,
		func(i int) []any {
			var tg any
			if i%10 < 7 {
				tg = int64(10_000_000 + i)
			}
			var blocked any
			if tg != nil && i%20 == 0 {
				blocked = now.AddDate(0, -1, 0)
			}
			source, seen := "direct", now.AddDate(-3, 0, 0)
			if sz.Story { // first seen a little before their first order
				source, seen = sources[i%20], created(firstOrder(i)).Add(-2*time.Hour)
			}
			return []any{fmt.Sprintf("+7902%07d", i), fmt.Sprintf("Client %d", i), tg, tg, "ru", blocked, i%5 < 3, source, seen}
		})
	if err != nil {
		return err
	}
	// Identity columns count from 1 in a fresh database: client i has id i, and car i too.
	if err := copyRows("vehicles", []string{"client_id", "make", "model"}, nClients,
		func(i int) []any { return []any{int64(i), "Lada", "Vesta"} }); err != nil {
		return err
	}
	err = copyRows("orders", []string{"branch_id", "client_id", "vehicle_id", "status", "slot", "mechanic_id", "lead_source", "created_at", "updated_at"}, nOrders,
		func(k int) []any {
			c := clientOf(k)
			var slot, mech any
			if s := status(k); s == "new" || s == "accepted" {
				slot = created(k).Add(72 * time.Hour) // distinct: orders are created seconds apart
			}
			source := "direct"
			if sz.Story {
				source = sources[c%20]
				if converts(k) {
					source = fmt.Sprintf("offer_%d", k/40)
				}
				if s := status(k); s == "closed" || s == "delivered" {
					mech = int64(2 + k%mechanics)
				}
			}
			return []any{branch, c, c, status(k), slot, mech, source, created(k), created(k)}
		})
	if err != nil {
		return err
	}
	billed := func(k int) bool { s := status(k); return s == "closed" || s == "delivered" }
	// Late payers (the story): one client in seven pays 3 to 20 days after the due date.
	late := func(k int) bool { return sz.Story && clientOf(k)%7 == 0 }
	paidAt := func(k int) time.Time {
		if late(k) {
			return created(k).Add(48*time.Hour + time.Duration(3+k%18)*24*time.Hour)
		}
		return created(k).Add(49 * time.Hour)
	}
	var invoices, payments []int
	for k := 1; k <= nOrders; k++ {
		if billed(k) {
			invoices = append(invoices, k)
			if status(k) == "closed" || k%2 == 0 {
				payments = append(payments, k)
			}
		}
	}
	total := func(k int) int64 { return int64(100_000 + k%50_000) }
	// The story splits the bill: 60% labour, the rest a part, and every tenth a discount.
	split := func(k int) (labour, parts, discount int64) {
		if !sz.Story {
			return total(k), 0, 0
		}
		labour = total(k) * 6 / 10
		parts = total(k) - labour
		if k%10 == 0 {
			discount = 5_000
		}
		return labour, parts, discount
	}
	if err := copyRows("invoices", []string{"order_id", "issued_at", "labour", "parts", "discount", "total", "lines", "due_at"}, len(invoices),
		func(i int) []any {
			k := invoices[i-1]
			l, p, d := split(k)
			return []any{int64(k), created(k).Add(24 * time.Hour), l, p, d, l + p - d, "[]", created(k).Add(48 * time.Hour)}
		}); err != nil {
		return err
	}
	if err := copyRows("payments", []string{"order_id", "amount", "method", "recorded_by", "created_at"}, len(payments),
		func(i int) []any {
			k := payments[i-1]
			l, p, d := split(k)
			return []any{int64(k), l + p - d, "card", staffID, paidAt(k)}
		}); err != nil {
		return err
	}
	// Catalog items 1-3 in a fresh database; the story's part is item 4.
	if _, err := pool.Exec(ctx, `
INSERT INTO catalog_items (kind, name, unit, price, repeat_days, repeat_km) VALUES
	('service', 'Oil change', 'pcs', 300000, 180, 10000),
	('service', 'Brake fluid', 'pcs', 200000, 730, NULL),
	('service', 'Diagnosis', 'pcs', 100000, NULL, NULL)`); err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	services := []string{"Oil change", "Brake fluid", "Diagnosis"}
	if sz.Story {
		// Norm hours for the services, and a part received twice at two costs.
		b := &pgx.Batch{}
		b.Queue(`UPDATE catalog_items SET norm_milli = 1000 + 500 * id WHERE kind = 'service'`)
		b.Queue(`INSERT INTO catalog_items (kind, name, unit, price, on_hand_milli) VALUES ('part', 'Oil filter', 'pcs', 60000, 1500000000)`)
		b.Queue(`INSERT INTO stock_movements (item_id, kind, on_hand_delta, reserved_delta, unit_cost, actor_kind, created_at)
VALUES (4, 'receipt', 1000000000, 0, 38000, 'system', $1), (4, 'receipt', 500000000, 0, 45000, 'system', $2)`,
			now.AddDate(-3, 0, 0), now.AddDate(-1, 0, 0))
		if err := pool.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("seed catalog story: %w", err)
		}
	}
	lines := len(invoices)
	if sz.Story {
		lines *= 2 // a service and a part
	}
	if err := copyRows("order_lines", []string{"order_id", "kind", "item_id", "name", "unit", "qty_milli", "price",
		"approval", "approved_price", "approved_qty_milli", "created_at", "updated_at"}, lines,
		func(i int) []any {
			k := invoices[(i-1)%len(invoices)]
			item := k % 3
			amount := total(k)
			if sz.Story {
				l, p, _ := split(k)
				if i > len(invoices) {
					return []any{int64(k), "part", int64(4), "Oil filter", "pcs", int64(1000), p, "approved", p, int64(1000), created(k), created(k)}
				}
				amount = l
			}
			return []any{int64(k), "labour", int64(item + 1), services[item], "pcs", int64(1000), amount, "approved",
				amount, int64(1000), created(k), created(k)}
		}); err != nil {
		return err
	}
	// Two readings, a year apart, 12,000 km, on cars 10, 20, ...
	if err := copyRows("vehicle_mileage", []string{"vehicle_id", "km", "read_at"}, nClients/10*2,
		func(i int) []any {
			v := int64((i + 1) / 2 * 10)
			if i%2 == 1 {
				return []any{v, 40_000 + int(v%1000), now.AddDate(-1, -6, 0)}
			}
			return []any{v, 52_000 + int(v%1000), now.AddDate(0, -6, 0)}
		}); err != nil {
		return err
	}
	if !sz.Story {
		return nil
	}
	return seedStory(ctx, copyRows, nOrders, created, status, clientOf, paidAt, converts)
}

// seedStory writes every order's status events and the offers.
func seedStory(ctx context.Context, copyRows func(string, []string, int, func(int) []any) error, nOrders int,
	created func(int) time.Time, status func(int) string, clientOf func(int) int64, paidAt func(int) time.Time, converts func(int) bool) error {
	type step struct {
		from, to string
		after    time.Duration // after the order's creation; -1: a minute after it was paid
	}
	paths := map[string][]step{
		"new":       {{"", "new", 0}},
		"accepted":  {{"", "new", 0}, {"new", "accepted", time.Hour}},
		"cancelled": {{"", "new", 0}, {"new", "cancelled", 2 * time.Hour}},
		"delivered": {{"", "new", 0}, {"new", "accepted", time.Hour}, {"accepted", "diagnosing", 20 * time.Hour},
			{"diagnosing", "in_progress", 21 * time.Hour}, {"in_progress", "ready", 24 * time.Hour}, {"ready", "delivered", 48 * time.Hour}},
	}
	paths["closed"] = append(append([]step(nil), paths["delivered"]...), step{"delivered", "closed", -1})
	// Events go in batches of orders, so that memory stays bounded at any size.
	const batch = 50_000
	var events [][]any
	for lo := 1; lo <= nOrders; lo += batch {
		events = events[:0]
		for k := lo; k < lo+batch && k <= nOrders; k++ {
			for _, s := range paths[status(k)] {
				at := created(k).Add(s.after)
				if s.after < 0 {
					at = paidAt(k).Add(time.Minute)
				}
				actor := "staff"
				if s.to == "cancelled" && k%2 == 0 {
					actor = "client"
				}
				events = append(events, []any{int64(k), actor, s.from, s.to, at})
			}
		}
		if err := copyRows("order_events", []string{"order_id", "actor_kind", "from_status", "to_status", "created_at"}, len(events),
			func(i int) []any { return events[i-1] }); err != nil {
			return err
		}
	}
	// Offer j was made ten days before order 40j (and converted it: converts); those and every
	// third of the others were opened.
	return copyRows("offers", []string{"kind", "client_id", "vehicle_id", "item_id", "created_at", "opened_at", "converted_order_id", "converted_at"}, nOrders/40,
		func(j int) []any {
			k := 40 * j
			c := clientOf(k)
			at := created(k).Add(-10 * 24 * time.Hour)
			var opened, conv, convAt any
			switch {
			case converts(k):
				opened, conv, convAt = at.Add(time.Hour), int64(k), created(k)
			case j%3 == 0:
				opened = at.Add(time.Hour)
			}
			return []any{"repeat", c, c, int64(1), at, opened, conv, convAt}
		})
}
