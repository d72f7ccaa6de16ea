package scheduler

import (
	"testing"
	"time"
)

// The offers and feedback jobs run at night (a catch-up after a restart) schedule their client
// messages for the end of quiet hours, not for now.
func TestOfferJobsKeepQuietHours(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	night := time.Date(2026, 3, 10, 3, 0, 0, 0, msk)
	svc, pool := newTestService(t, night, msk)
	visit := night.AddDate(0, 0, -200)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(t.Context(), sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO clients (phone, name, telegram_user_id, chat_id, marketing_consent) VALUES ('+79120000001', 'A', 501, 501, true),
		('+79120000002', 'B', 502, 502, false)`)
	exec(`INSERT INTO vehicles (client_id, make) SELECT id, 'Lada' FROM clients`)
	exec(`INSERT INTO catalog_items (kind, name, unit, price, repeat_days) VALUES ('service', 'Замена масла', 'усл', 1, 180)`)
	// A's visit 200 days ago (an offer is due); B's car delivered an hour ago (feedback is due).
	exec(`INSERT INTO orders (branch_id, client_id, vehicle_id, status, created_at, updated_at)
		SELECT 1, c.id, v.id, 'closed', $1, $1 FROM clients c JOIN vehicles v ON v.client_id = c.id WHERE c.telegram_user_id = 501`, visit)
	exec(`INSERT INTO orders (branch_id, client_id, vehicle_id, status, created_at, updated_at)
		SELECT 1, c.id, v.id, 'delivered', $1, $1 FROM clients c JOIN vehicles v ON v.client_id = c.id WHERE c.telegram_user_id = 502`, night.Add(-time.Hour))
	exec(`INSERT INTO order_lines (order_id, kind, item_id, name, unit, qty_milli, price, approval, approved_price, approved_qty_milli)
		SELECT o.id, 'labour', i.id, i.name, 'усл', 1000, 1, 'approved', 1, 1000 FROM orders o, catalog_items i WHERE o.status = 'closed'`)
	exec(`INSERT INTO order_events (order_id, actor_kind, from_status, to_status, created_at)
		SELECT id, 'system', 'ready', 'delivered', updated_at FROM orders`)

	s := mustScheduler(t, svc, msk)
	ran := map[string]int{}
	for _, j := range s.offerJobs() {
		for range 2 {
			n, err := j.Run(t.Context(), night)
			if err != nil {
				t.Fatalf("%s: %v", j.Name, err)
			}
			ran[j.Name] += n
		}
	}
	if ran["offers"] != 1 || ran["feedback"] != 1 {
		t.Errorf("enqueued %v, want one offer and one feedback question, once", ran)
	}
	rows, err := pool.Query(t.Context(), `SELECT kind, not_before FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	morning := time.Date(2026, 3, 10, 9, 0, 0, 0, msk)
	for rows.Next() {
		var kind string
		var at time.Time
		if err := rows.Scan(&kind, &at); err != nil {
			t.Fatal(err)
		}
		if at.Before(morning) || at.After(morning.Add(10*time.Minute)) {
			t.Errorf("%s not before %s, want within 09:00-09:10 shop time", kind, at.In(msk))
		}
	}
}
