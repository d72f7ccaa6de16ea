package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/testclock"
)

// A simulated shop: the real crm.Service and Scheduler on a real database, with one clock both
// read, moved by the test from one cron fire time to the next (the same parsed schedules cron
// uses), so weeks pass in seconds.

type simShop struct {
	t           *testing.T
	pool        *pgxpool.Pool
	svc         *crm.Service
	clk         *testclock.Clock
	s           *Scheduler
	logs        *syncBuffer
	staffID     int64 // the manager
	managerChat int64
	runs        map[string][]time.Time // job runs by name, as the driver made them
	seq         int
}

const simManagerChat = 800001

func newSimShop(t *testing.T, loc *time.Location, start time.Time) *simShop {
	t.Helper()
	pool, _ := pgtest.New(t)
	return newSimShopOn(t, pool, loc, start)
}

// newSimShopOn is a shop on pool: a second replica of the same shop when pool is shared.
func newSimShopOn(t *testing.T, pool *pgxpool.Pool, loc *time.Location, start time.Time) *simShop {
	t.Helper()
	clk := testclock.New(start)
	svc := crm.New(pool, crm.Options{Now: clk.Now, Location: loc, Region: "RU"})
	logs := &syncBuffer{}
	s, err := New(svc, Config{Location: loc}, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.now = clk.Now
	sh := &simShop{t: t, pool: pool, svc: svc, clk: clk, s: s, logs: logs, managerChat: simManagerChat, runs: map[string][]time.Time{}}
	ctx := t.Context()
	if err := svc.EnsureOwners(ctx, testOwners); err != nil {
		t.Fatal(err)
	}
	for _, id := range testOwners {
		if err := svc.TouchStaff(ctx, id, id, "Owner", "ru"); err != nil {
			t.Fatal(err)
		}
	}
	err = pool.QueryRow(ctx, `
INSERT INTO staff (telegram_user_id, chat_id, name, role, branch_id, language)
VALUES ($1, $1, 'Manager', 'manager', (SELECT id FROM branches WHERE is_default), 'ru')
ON CONFLICT (telegram_user_id) DO UPDATE SET name = excluded.name
RETURNING id`, simManagerChat).Scan(&sh.staffID)
	if err != nil {
		t.Fatalf("seed manager: %v", err)
	}
	return sh
}

func (sh *simShop) exec(sql string, args ...any) {
	sh.t.Helper()
	if _, err := sh.pool.Exec(context.Background(), sql, args...); err != nil {
		sh.t.Fatalf("%s: %v", sql, err)
	}
}

// client seeds a client: chat says whether they started the bot, blocked whether they blocked
// it since. It returns the client id and the chat id (0 without one).
func (sh *simShop) client(chat, blocked bool) (int64, int64) {
	sh.t.Helper()
	sh.seq++
	var chatID *int64
	if chat {
		id := int64(900000 + sh.seq)
		chatID = &id
	}
	var unreachable *time.Time
	if blocked {
		u := sh.clk.Now()
		unreachable = &u
	}
	var id int64
	err := sh.pool.QueryRow(context.Background(), `
INSERT INTO clients (phone, name, telegram_user_id, chat_id, language, unreachable_since)
VALUES ($1, $2, $3, $3, 'ru', $4) RETURNING id`,
		fmt.Sprintf("+7901%07d", sh.seq), "Клиент "+strconv.Itoa(sh.seq), chatID, unreachable).Scan(&id)
	if err != nil {
		sh.t.Fatalf("seed client: %v", err)
	}
	if chatID == nil {
		return id, 0
	}
	return id, *chatID
}

// order seeds an order of the client in status with slot (nil for none).
func (sh *simShop) order(clientID int64, status string, slot *time.Time) int64 {
	sh.t.Helper()
	var id int64
	err := sh.pool.QueryRow(context.Background(), `
WITH v AS (INSERT INTO vehicles (client_id, make, model) VALUES ($1, 'Lada', 'Vesta') RETURNING id)
INSERT INTO orders (branch_id, client_id, vehicle_id, status, slot, created_at)
SELECT (SELECT id FROM branches WHERE is_default), $1, v.id, $2, $3, $4 FROM v RETURNING id`,
		clientID, status, slot, sh.clk.Now()).Scan(&id)
	if err != nil {
		sh.t.Fatalf("seed order: %v", err)
	}
	return id
}

// invoice seeds a delivered order with an invoice of total due at due.
func (sh *simShop) invoice(clientID int64, total crm.Money, due time.Time) int64 {
	sh.t.Helper()
	id := sh.order(clientID, "delivered", nil)
	sh.exec(`INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines, due_at)
VALUES ($1, $2, $3, 0, 0, $3, '[]', $4)`, id, due, total, due)
	return id
}

// consent records the client's consent to marketing.
func (sh *simShop) consent(clientID int64) {
	sh.t.Helper()
	sh.exec(`UPDATE clients SET marketing_consent = true WHERE id = $1`, clientID)
}

// item seeds a catalog service repeated every days.
func (sh *simShop) item(name string, days int) int64 {
	sh.t.Helper()
	var id int64
	if err := sh.pool.QueryRow(context.Background(), `INSERT INTO catalog_items (kind, name, unit, price, repeat_days)
VALUES ('service', $1, 'усл', 150000, $2) RETURNING id`, name, days).Scan(&id); err != nil {
		sh.t.Fatalf("seed item: %v", err)
	}
	return id
}

// visit seeds a past visit of the client (a car of its own): the service done, the car handed
// back at at, the order closed.
func (sh *simShop) visit(clientID, itemID int64, at time.Time) {
	sh.t.Helper()
	id := sh.order(clientID, "closed", nil)
	sh.exec(`INSERT INTO order_lines (order_id, kind, item_id, name, unit, qty_milli, price, approval, approved_price, approved_qty_milli)
SELECT $1, 'labour', id, name, 'усл', 1000, price, 'approved', price, 1000 FROM catalog_items WHERE id = $2`, id, itemID)
	sh.exec(`INSERT INTO order_events (order_id, actor_kind, from_status, to_status, created_at) VALUES ($1, 'system', 'ready', 'delivered', $2)`, id, at)
	sh.exec(`UPDATE orders SET created_at = $2, updated_at = $2 WHERE id = $1`, id, at)
}

// deliver hands the order's car back now.
func (sh *simShop) deliver(orderID int64) {
	sh.t.Helper()
	sh.exec(`UPDATE orders SET status = 'delivered', updated_at = $2 WHERE id = $1`, orderID, sh.clk.Now())
	sh.exec(`INSERT INTO order_events (order_id, actor_kind, from_status, to_status, created_at) VALUES ($1, 'system', 'ready', 'delivered', $2)`, orderID, sh.clk.Now())
}

// offersByClient is when each client's offers may go out, by client, in order.
func (sh *simShop) offersByClient() map[int64][]time.Time {
	sh.t.Helper()
	rows, err := sh.pool.Query(context.Background(), `
SELECT f.client_id, ob.not_before FROM offers f JOIN outbox ob ON ob.dedupe_key = 'offer:' || f.id ORDER BY 1, 2`)
	if err != nil {
		sh.t.Fatal(err)
	}
	defer rows.Close()
	m := map[int64][]time.Time{}
	for rows.Next() {
		var id int64
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			sh.t.Fatal(err)
		}
		m[id] = append(m[id], at)
	}
	if err := rows.Err(); err != nil {
		sh.t.Fatal(err)
	}
	var n int
	if err := sh.pool.QueryRow(context.Background(), `SELECT count(*) FROM offers`).Scan(&n); err != nil {
		sh.t.Fatal(err)
	}
	total := 0
	for _, ts := range m {
		total += len(ts)
	}
	if n != total {
		sh.t.Errorf("%d offers made, %d of them enqueued", n, total)
	}
	return m
}

func (sh *simShop) pay(orderID int64, amount crm.Money) {
	sh.t.Helper()
	sh.exec(`INSERT INTO payments (order_id, amount, method, recorded_by, created_at) VALUES ($1, $2, 'cash', $3, $4)`,
		orderID, amount, sh.staffID, sh.clk.Now())
}

// simEvent is something a person does at a time while the simulation runs.
type simEvent struct {
	at time.Time
	do func()
}

// runUntil moves the clock from now to end, running every job at each of its fire times (as
// cron would, one after another) and the events at theirs.
func (sh *simShop) runUntil(end time.Time, events []simEvent) {
	sh.t.Helper()
	ctx := context.Background()
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
	next := map[string]time.Time{}
	for _, j := range sh.s.list {
		next[j.Name] = sh.s.sched[j.Name].Next(sh.clk.Now().In(sh.s.loc))
	}
	for {
		at, ev := end, -1
		if len(events) > 0 && !events[0].at.After(at) {
			at, ev = events[0].at, 0
		}
		for _, j := range sh.s.list {
			if next[j.Name].Before(at) {
				at, ev = next[j.Name], -1
			}
		}
		if at.After(end) || (ev < 0 && at.Equal(end)) {
			sh.clk.Set(end)
			return
		}
		sh.clk.Set(at)
		if ev == 0 {
			events[0].do()
			events = events[1:]
			continue
		}
		for _, j := range sh.s.list {
			if next[j.Name].Equal(at) {
				sh.run(ctx, j, at)
				next[j.Name] = sh.s.sched[j.Name].Next(at)
			}
		}
	}
}

func (sh *simShop) run(ctx context.Context, j Job, at time.Time) {
	sh.t.Helper()
	if _, err := sh.s.runOnce(ctx, j, at); err != nil {
		sh.t.Errorf("%s at %s: %v", j.Name, at, err)
	}
	sh.runs[j.Name] = append(sh.runs[j.Name], at)
}

// restart is the process starting again at at: the jobs missed meanwhile are caught up, as Run
// does it.
func (sh *simShop) restart(at time.Time) []string {
	sh.t.Helper()
	sh.clk.Set(at)
	var caught []string
	late := sh.s.missedJobs(context.Background(), at)
	for _, j := range sh.s.list {
		if late[j.Name] {
			sh.run(context.Background(), j, at)
			caught = append(caught, j.Name)
		}
	}
	return caught
}

// outboxRow is a row as the assertions read it.
type outboxRow struct {
	Kind      string
	ChatID    int64
	Key       string
	NotBefore time.Time
}

func (sh *simShop) outbox() map[string]outboxRow {
	sh.t.Helper()
	rows, err := sh.pool.Query(context.Background(), `SELECT kind, chat_id, dedupe_key, not_before FROM outbox`)
	if err != nil {
		sh.t.Fatal(err)
	}
	defer rows.Close()
	m := map[string]outboxRow{}
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.Kind, &r.ChatID, &r.Key, &r.NotBefore); err != nil {
			sh.t.Fatal(err)
		}
		m[r.Key] = r
	}
	if err := rows.Err(); err != nil {
		sh.t.Fatal(err)
	}
	return m
}

// keysOf lists the keys of the rows of the given kinds, sorted.
func keysOf(m map[string]outboxRow, kinds ...string) []string {
	var ks []string
	for k, r := range m {
		if slices.Contains(kinds, r.Kind) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}
