// Package benchseed seeds the large shop the scheduler's benchmarks scan: 200,000 clients and
// 1,000,000 orders, by COPY. Use it through pgtest.NewSeeded(b, Name, LargeShop), which keeps the
// seeded database as a template so only the first run seeds.
package benchseed

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Name names the seeded template; change it when LargeShop changes.
const Name = "shop200k_v3"

// The shop's size.
const (
	Clients = 200_000
	Orders  = 1_000_000
)

// Now is the shop's "now" in the seeded data.
var Now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// LargeShop fills a fresh schema with COPY: clients (70% in Telegram, 1 in 20 of those
// blocked the bot), a car each, and orders spread evenly over three years, five per client:
// 90% closed and paid, 5% delivered (half of them unpaid), the rest cancelled, except that
// 3% of the last 40 days' orders are bookings still awaiting the car. For the offers: three in
// five clients consented to marketing, every closed or delivered order has one approved line of
// one of three services (an oil change every 180 days or 10,000 km, brake fluid every 730 days,
// a diagnosis with no interval), and one car in ten has two odometer readings.
func LargeShop(ctx context.Context, pool *pgxpool.Pool) error {
	var staffID, branch int64
	if err := pool.QueryRow(ctx, `
INSERT INTO staff (telegram_user_id, chat_id, name, role, branch_id) SELECT 1, 1, 'Owner', 'owner', id FROM branches WHERE is_default
RETURNING id, branch_id`).Scan(&staffID, &branch); err != nil {
		return fmt.Errorf("seed staff: %w", err)
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
	err := copyRows("clients", []string{"phone", "name", "telegram_user_id", "chat_id", "language", "unreachable_since", "marketing_consent", "created_at"}, Clients,
		func(i int) []any {
			var tg any
			if i%10 < 7 {
				tg = int64(10_000_000 + i)
			}
			var blocked any
			if tg != nil && i%20 == 0 {
				blocked = Now.AddDate(0, -1, 0)
			}
			return []any{fmt.Sprintf("+7902%07d", i), fmt.Sprintf("Client %d", i), tg, tg, "ru", blocked, i%5 < 3, Now.AddDate(-3, 0, 0)}
		})
	if err != nil {
		return err
	}
	// Identity columns count from 1 in a fresh database: client i has id i, and car i too.
	if err := copyRows("vehicles", []string{"client_id", "make", "model"}, Clients,
		func(i int) []any { return []any{int64(i), "Lada", "Vesta"} }); err != nil {
		return err
	}
	span := Now.Sub(Now.AddDate(-3, 0, 0))
	created := func(k int) time.Time { return Now.Add(-span + time.Duration(k)*(span/Orders)) }
	status := func(k int) string {
		r := k % 100
		switch {
		case r < 90:
			return "closed"
		case r < 95:
			return "delivered"
		case r < 98 && Now.Sub(created(k)) < 40*24*time.Hour:
			if r%2 == 0 {
				return "new"
			}
			return "accepted"
		}
		return "cancelled"
	}
	err = copyRows("orders", []string{"branch_id", "client_id", "vehicle_id", "status", "slot", "created_at", "updated_at"}, Orders,
		func(k int) []any {
			c := int64((k-1)%Clients + 1)
			var slot any
			if s := status(k); s == "new" || s == "accepted" {
				slot = created(k).Add(72 * time.Hour) // distinct: orders are created seconds apart
			}
			return []any{branch, c, c, status(k), slot, created(k), created(k)}
		})
	if err != nil {
		return err
	}
	billed := func(k int) bool { s := status(k); return s == "closed" || s == "delivered" }
	var invoices, payments []int
	for k := 1; k <= Orders; k++ {
		if billed(k) {
			invoices = append(invoices, k)
			if status(k) == "closed" || k%2 == 0 {
				payments = append(payments, k)
			}
		}
	}
	total := func(k int) int64 { return int64(100_000 + k%50_000) }
	if err := copyRows("invoices", []string{"order_id", "issued_at", "labour", "parts", "discount", "total", "lines", "due_at"}, len(invoices),
		func(i int) []any {
			k := invoices[i-1]
			return []any{int64(k), created(k).Add(24 * time.Hour), total(k), int64(0), int64(0), total(k), "[]", created(k).Add(48 * time.Hour)}
		}); err != nil {
		return err
	}
	if err := copyRows("payments", []string{"order_id", "amount", "method", "recorded_by", "created_at"}, len(payments),
		func(i int) []any {
			k := payments[i-1]
			return []any{int64(k), total(k), "card", staffID, created(k).Add(49 * time.Hour)}
		}); err != nil {
		return err
	}
	// Catalog items 1-3 in a fresh database.
	if _, err := pool.Exec(ctx, `
INSERT INTO catalog_items (kind, name, unit, price, repeat_days, repeat_km) VALUES
	('service', 'Oil change', 'pcs', 300000, 180, 10000),
	('service', 'Brake fluid', 'pcs', 200000, 730, NULL),
	('service', 'Diagnosis', 'pcs', 100000, NULL, NULL)`); err != nil {
		return fmt.Errorf("seed catalog: %w", err)
	}
	services := []string{"Oil change", "Brake fluid", "Diagnosis"}
	if err := copyRows("order_lines", []string{"order_id", "kind", "item_id", "name", "unit", "qty_milli", "price",
		"approval", "approved_price", "approved_qty_milli", "created_at", "updated_at"}, len(invoices),
		func(i int) []any {
			k := invoices[i-1]
			item := k % 3
			return []any{int64(k), "labour", int64(item + 1), services[item], "pcs", int64(1000), total(k), "approved",
				total(k), int64(1000), created(k), created(k)}
		}); err != nil {
		return err
	}
	// Two readings, a year apart, 12,000 km, on cars 10, 20, ...
	return copyRows("vehicle_mileage", []string{"vehicle_id", "km", "read_at"}, Clients/10*2,
		func(i int) []any {
			v := int64((i + 1) / 2 * 10)
			if i%2 == 1 {
				return []any{v, 40_000 + int(v%1000), Now.AddDate(-1, -6, 0)}
			}
			return []any{v, 52_000 + int(v%1000), Now.AddDate(0, -6, 0)}
		})
}
