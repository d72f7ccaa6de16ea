package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/bot"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// The broadcast benchmark: bulk notices to as many chats through the emulator with its flood
// limits on, while a manager keeps pressing buttons and asking for /help. It measures how close
// the broadcast runs to Telegram's limit and whether the manager waits for it.
//
// Full scale (Telegram's 30 messages/s: 3,000 notices, at least 100 s):
//
//	go test -run '^$' -bench 'Broadcast/telegram' -benchtime 1x -timeout 10m ./cmd/uniflow/
//
// Ten times faster (the emulator's and our global limit at 300/s, 3,000 notices in 10 s):
//
//	go test -run '^$' -bench 'Broadcast/x10' -benchtime 1x ./cmd/uniflow/
//
// TestBroadcastScaled runs the x10 case in every `make test`: it fails on a 429, on a notice not
// delivered exactly once, and on a wall/min ratio above 1.5 (a loose bound for regressions, see
// there); it logs the exact ratio and the p99.

// broadcastNotices is the size of the broadcast, one notice per chat.
const broadcastNotices = 3000

// broadcastResult is what one broadcast measured.
type broadcastResult struct {
	wall, minimum time.Duration // first enqueued to last sent; notices / global rate
	flood         int           // 429 answers
	presses       []time.Duration
	replies       []time.Duration
}

func (r broadcastResult) ratio() float64 { return r.wall.Seconds() / r.minimum.Seconds() }

// p99 of every interactive answer (button presses and text replies together).
func (r broadcastResult) p99() time.Duration {
	all := slices.Concat(r.presses, r.replies)
	if len(all) == 0 {
		return 0
	}
	slices.Sort(all)
	return all[min(len(all)-1, len(all)*99/100)]
}

func (r broadcastResult) String() string {
	return fmt.Sprintf("%d notices in %v, minimum %v: ratio %.3f; 429s: %d; interactive p99 %v over %d presses and %d replies",
		broadcastNotices, r.wall.Round(time.Millisecond), r.minimum, r.ratio(), r.flood, r.p99().Round(time.Millisecond),
		len(r.presses), len(r.replies))
}

// runBroadcast boots the program against an emulator whose global limit is 30*scale messages a
// second (our own limiter set alike), broadcasts, and checks that every notice arrived exactly
// once. It fails only on broken delivery, never on timing.
func runBroadcast(tb testing.TB, scale float64) broadcastResult {
	tb.Helper()
	rate := 30 * scale
	emu := tgemu.NewServer(tgemu.Options{GlobalRate: rate})
	tb.Cleanup(emu.Close)
	pool, dsn := pgtest.New(tb)
	_, prefix := redistest.New(tb)

	users := make([]*tgemu.User, broadcastNotices)
	for i := range users {
		users[i] = emu.NewUser(tgemu.UserOptions{FirstName: "U", LanguageCode: "ru"})
		users[i].Start("")
	}
	manager := emu.NewUser(tgemu.UserOptions{FirstName: "Manager", LanguageCode: "ru"})
	client := emu.NewUser(tgemu.UserOptions{FirstName: "Client", LanguageCode: "ru"})
	client.Start("")
	deliveryDrainUpdates(tb, emu)
	// Their /start is long past: the broadcast gets no reply credits.
	emu.Advance(time.Minute)

	ctx := context.Background()
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN": emu.Token(),
		"TELEGRAM_API_URL":   emu.URL(),
		"DATABASE_URL":       dsn,
		"REDIS_PREFIX":       prefix,
		"HTTP_ADDR":          "127.0.0.1:0",
		"LOG_LEVEL":          "info",
		"SHOP_TIMEZONE":      middayZone(time.Now()),
		"OWNER_TELEGRAM_IDS": itoa64(manager.ID()),
	}
	logs := &syncBuffer{}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runServe(runCtx, func(k string) string { return env[k] }, logs, func(c *bot.Config) {
			c.SendRate = rate
			c.OutboxInterval = 50 * time.Millisecond
		})
	}()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				tb.Errorf("run returned %v", err)
			}
		case <-time.After(20 * time.Second):
			tb.Errorf("run did not stop within 20 s")
		}
		if tb.Failed() {
			tb.Logf("program log:\n%s", logs.String())
		}
	})

	// The manager's card to press: an order of another client.
	if _, err := pool.Exec(ctx, sqlDeliveryClients, []int64{client.ID()}); err != nil {
		tb.Fatal(err)
	}
	manager.Send("/orders")
	card, err := manager.Chat().Await(awaitTimeout, func(m tgemu.Message) bool { return len(m.Inline) > 0 })
	if err != nil {
		tb.Fatalf("no order card: %v\n%s", err, manager.Chat().Transcript())
	}

	start := broadcastEnqueue(tb, pool, users)
	res := broadcastResult{minimum: time.Duration(float64(broadcastNotices) / rate * float64(time.Second))}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { res.presses, res.replies = broadcastInteract(tb, emu, manager, card, stop) })
	res.wall = broadcastAwait(tb, pool, start, 3*res.minimum+30*time.Second)
	close(stop)
	wg.Wait()

	for _, c := range emu.Calls() {
		if c.Status == 429 {
			res.flood++
		}
	}
	for _, u := range users {
		if got := len(u.Chat().BotMessages()); got != 1 {
			tb.Fatalf("chat %d got %d messages, want the notice once:\n%s", u.ID(), got, u.Chat().Transcript())
		}
	}
	if r := emu.Rejected(); len(r) > res.flood {
		tb.Errorf("calls refused other than 429: %+v", r)
	}
	return res
}

// broadcastEnqueue writes one bulk notice (a daily summary) per user, as a job would, and
// returns when they were committed.
func broadcastEnqueue(tb testing.TB, pool *pgxpool.Pool, users []*tgemu.User) time.Time {
	tb.Helper()
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID()
	}
	_, err := pool.Exec(context.Background(), `
INSERT INTO outbox (kind, lane, chat_id, language, data, dedupe_key)
SELECT 'daily_summary', 'bulk', u, 'ru', jsonb_build_object('day', now()), 'broadcast:' || u
FROM unnest($1::bigint[]) AS t(u)`, ids)
	if err != nil {
		tb.Fatal(err)
	}
	return time.Now()
}

// broadcastAwait polls the database (it has no change feed) until every notice is sent, and
// returns the time from start to the last one.
func broadcastAwait(tb testing.TB, pool *pgxpool.Pool, start time.Time, limit time.Duration) time.Duration {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for {
		var left int
		var last *time.Time
		err := pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE state <> 'sent'), max(sent_at)
			FROM outbox WHERE kind = 'daily_summary'`).Scan(&left, &last)
		if err != nil {
			tb.Fatal(err)
		}
		if left == 0 && last != nil {
			return last.Sub(start)
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d notices unsent after %v", left, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// broadcastInteract is the manager during the broadcast: a press on the order card's "Assign"
// every 250 ms and a /help every 2 s, each timed from the action to the bot's answer, until stop.
func broadcastInteract(tb testing.TB, emu *tgemu.Server, manager *tgemu.User, card tgemu.Message, stop <-chan struct{}) (presses, replies []time.Duration) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for i := 1; ; i++ {
		select {
		case <-stop:
			return presses, replies
		case <-tick.C:
		}
		if i%8 == 0 {
			after := last(manager.Chat())
			sent := time.Now()
			manager.Send("/help")
			if _, err := manager.Chat().AwaitNew(awaitTimeout, after, func(m tgemu.Message) bool { return strings.Contains(m.Text, "/queue") }); err != nil {
				tb.Errorf("no reply to /help: %v", err)
				return presses, replies
			}
			replies = append(replies, time.Since(sent))
			continue
		}
		now, _ := manager.Chat().Message(card.ID)
		pressed := time.Now()
		id, err := manager.Press(now, "Назначить")
		if err != nil {
			tb.Errorf("press: %v", err)
			return presses, replies
		}
		if _, err := emu.AwaitAnswer(awaitTimeout, id); err != nil {
			tb.Errorf("press not answered: %v", err)
			return presses, replies
		}
		presses = append(presses, time.Since(pressed))
	}
}

// broadcastMaxRatio is the loosest wall/min TestBroadcastScaled accepts.
//
// The house rule keeps timing thresholds out of pass/fail tests because timings are noisy; the
// acceptance of issue 5 wants CI to check the scaled broadcast's ratio. This bound serves both: it
// is above the noise and below what a real regression costs. Quiet runs sit at 0.97-1.02
// (BENCH.md), also under -race on 2 shared cores; the worst seen, 1.31, was under -race while two
// other packages' test suites ran on the same 2 cores (load average 5). Serialised sends (one
// bulk worker, tried by hand) measured 1.66 under -race, as `make test` runs it; regressions that
// stall the lane (a starved bulk lane, a limiter that sleeps whole seconds) cost far more. The
// margin is real but not wide on either side: a much slower machine could pass serialised
// sends, a much busier one could fail a sound build. The exact ratio and the p99 are logged for
// the eye; the targets (1.05, 250 ms) stay in the benchmark, which reports and never fails on
// them.
const broadcastMaxRatio = 1.5

// The x10 broadcast in every test run: no 429, every notice exactly once, and wall/min at most
// broadcastMaxRatio in one of two runs; the ratio and the p99 are logged.
func TestBroadcastScaled(t *testing.T) {
	t.Parallel()
	res := runBroadcast(t, 10)
	t.Log(res)
	if r := res.ratio(); r > broadcastMaxRatio && res.flood == 0 {
		// A burst of other work on the machine (the other packages' tests) can spoil one run;
		// a regression spoils both.
		t.Logf("wall/min %.3f is above %.1f: running the broadcast again", r, broadcastMaxRatio)
		res = runBroadcast(t, 10)
		t.Log(res)
	}
	if res.flood != 0 {
		t.Errorf("%d answers were 429: our limiter let the broadcast overrun the emulator's limit", res.flood)
	}
	if r := res.ratio(); r > broadcastMaxRatio {
		t.Errorf("wall/min %.3f is above %.1f: the broadcast ran far below the rate limit (a regression, not noise; see broadcastMaxRatio)", r, broadcastMaxRatio)
	}
}

// BenchmarkBroadcast reports wall/minimum (target ≤ 1.05), the 429 answers (target 0) and the
// p99 of the manager's answers during the broadcast (target ≤ 250 ms).
func BenchmarkBroadcast(b *testing.B) {
	for _, tt := range []struct {
		name  string
		scale float64
	}{{"telegram", 1}, {"x10", 10}} {
		b.Run(tt.name, func(b *testing.B) {
			for range b.N {
				res := runBroadcast(b, tt.scale)
				b.Log(res)
				b.ReportMetric(res.ratio(), "wall/min")
				b.ReportMetric(float64(res.flood), "429s")
				b.ReportMetric(float64(res.p99().Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(broadcastNotices)/res.wall.Seconds(), "notices/s")
			}
		})
	}
}
