package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/uniflow-crm/uniflow/bot"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// BenchmarkBookingVsEcho measures UniFlow's booking conversation against a
// bare echo bot on the same library and the same emulator, in the same run,
// and reports (it never fails on a threshold; see BENCH.md for the targets):
//
//   - booking-updates/s, echo-updates/s, ratio: closed loop, benchUsers fake
//     users each send the next step as soon as the previous reply arrived,
//     benchBookings whole bookings each (9 updates: /start, contact, name,
//     car, year, plate, problem, "no time, call me", Confirm; Confirm writes
//     client, vehicle, order and event to PostgreSQL in one transaction, and
//     no outbox row, as there is no staff to notify). The echo bot gets the
//     same 9 updates per "booking" from the same number of users.
//   - p50-ms, p99-ms (UniFlow) and echo-p50-ms, echo-p99-ms: open loop at a
//     fixed benchRate updates/s for benchOpenFor, from send to reply.
//   - idle-RSS-MB, echo-idle-RSS-MB: the built binaries, idle and polling.
//
// Both bots run without Telegram's rate limits (the emulator's are off and
// UniFlow's own limiter is lifted through runServe's tuneBot seam), so what
// is measured is the bot, not the pacing Telegram imposes.
//
// Run it with: go test -run '^$' -bench BookingVsEcho -benchtime 1x ./cmd/uniflow/
func BenchmarkBookingVsEcho(b *testing.B) {
	echo := newBenchSide(b, "echo", benchEchoFlow)
	startBenchEcho(b, echo.be)
	booking := newBenchSide(b, "booking", benchBookingFlow)
	pool := startBenchUniFlow(b, booking.be)

	// Warm up both: connections, prepared statements, the emulator's maps.
	for _, s := range []*benchSide{echo, booking} {
		if _, _, err := s.closedLoop(benchWarmUsers, 1); err != nil {
			b.Fatalf("%s warm-up: %v", s.name, err)
		}
	}

	var echoRate, bookRate, echoP50, echoP99, bookP50, bookP99, bookOpen, echoOpen, bookLate, echoLate float64
	cpu0 := benchReadCPU()
	b.ResetTimer()
	for range b.N {
		// Latency first, while the test process's heap is small: the
		// emulators keep every call and message, and marking that history
		// later costs every goroutine here, the bots' included.
		ol, err := echo.openLoop(benchUsers, benchRate, benchOpenFor)
		if err != nil {
			b.Fatalf("echo, open loop: %v", err)
		}
		echoP50, echoP99, echoOpen, echoLate = echoP50+ol.pct(0.50), echoP99+ol.pct(0.99), echoOpen+ol.rate, echoLate+float64(ol.late)
		ol, err = booking.openLoop(benchUsers, benchRate, benchOpenFor)
		if err != nil {
			b.Fatalf("booking, open loop: %v", err)
		}
		ol.report(b, "booking")
		bookP50, bookP99, bookOpen, bookLate = bookP50+ol.pct(0.50), bookP99+ol.pct(0.99), bookOpen+ol.rate, bookLate+float64(ol.late)

		// Throughput in rounds, echo then booking, and the benchMedian of each:
		// a burst of other work on the machine then spoils one round, not
		// the ratio.
		var echoRates, bookRates []float64
		for range benchRounds {
			n, d, err := echo.closedLoop(benchUsers, benchBookings)
			if err != nil {
				b.Fatalf("echo, closed loop: %v", err)
			}
			echoRates = append(echoRates, float64(n)/d.Seconds())
			n, d, err = booking.closedLoop(benchUsers, benchBookings)
			if err != nil {
				b.Fatalf("booking, closed loop: %v", err)
			}
			bookRates = append(bookRates, float64(n)/d.Seconds())
		}
		b.Logf("closed loop, updates/s by round: echo %.0f, booking %.0f", echoRates, bookRates)
		echoRate += benchMedian(echoRates)
		bookRate += benchMedian(bookRates)
	}
	b.StopTimer()
	// Everything here shares the machine's CPUs with whatever else runs
	// on it; the share others took says how far to trust this run.
	b.ReportMetric(benchReadCPU().foreignSince(cpu0), "foreign-CPU-%")
	nf := float64(b.N)
	b.ReportMetric(0, "ns/op") // one op is the whole run: meaningless
	b.ReportMetric(bookRate/nf, "booking-updates/s")
	b.ReportMetric(echoRate/nf, "echo-updates/s")
	b.ReportMetric(bookRate/echoRate, "ratio")
	b.ReportMetric(bookP50/nf, "p50-ms")
	b.ReportMetric(bookP99/nf, "p99-ms")
	b.ReportMetric(echoP50/nf, "echo-p50-ms")
	b.ReportMetric(echoP99/nf, "echo-p99-ms")
	// What the open loop achieved, and how many sends started more than
	// benchLate after their schedule (every user still waiting, or the load
	// generator short of CPU): both say whether benchRate was really offered.
	b.ReportMetric(bookOpen/nf, "open-booking-updates/s")
	b.ReportMetric(echoOpen/nf, "open-echo-updates/s")
	b.ReportMetric(bookLate/nf, "late-sends")
	b.ReportMetric(echoLate/nf, "echo-late-sends")

	// Every finished booking is an order, and neither bot made a call the
	// emulator refused: the figures are about working bots.
	var orders int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM orders`).Scan(&orders); err != nil {
		b.Fatal(err)
	}
	if want := int(booking.bookings.Load()); orders != want {
		b.Errorf("%d orders in PostgreSQL after %d finished bookings", orders, want)
	}
	for _, s := range []*benchSide{echo, booking} {
		if r := s.be.emu.Rejected(); len(r) > 0 {
			b.Errorf("%s: the emulator refused %d calls, first %+v", s.name, len(r), r[0])
		}
	}

	uni, echoRSS, err := benchIdleRSS(b)
	if err != nil {
		b.Fatalf("idle RSS: %v", err)
	}
	b.ReportMetric(uni, "idle-RSS-MB")
	if echoRSS > 0 {
		b.ReportMetric(echoRSS, "echo-idle-RSS-MB")
	}
}

// The load. benchUsers users at a time; in the open loop they share
// benchRate sends a second, so each user sends about every
// benchUsers/benchRate seconds (200 ms): far above a reply's latency, so
// no user ever has two updates outstanding, and short enough that a few
// seconds cover every step of the booking, Confirm included.
const (
	benchUsers     = 200
	benchBookings  = 4 // per user and round in the closed loop: 200 × 4 × 9 = 7,200 updates
	benchRounds    = 3
	benchWarmUsers = 20
	benchRate      = 1000
	benchOpenFor   = 4 * time.Second
	benchLate      = 5 * time.Millisecond
	// benchAwait bounds every wait for a reply; hitting it is a failure.
	benchAwait = 15 * time.Second
)

// benchFlow is what a fake user does: steps updates, each answered by
// replies messages (sent or edited) in its chat.
type benchFlow struct {
	steps int
	do    func(f *benchUser, step int) (replies int, err error)
}

// benchBookingFlow is a new client's whole booking, without a slot so that the
// week's slots never run out however many bookings the benchmark makes.
var benchBookingFlow = benchFlow{steps: 9, do: func(f *benchUser, step int) (int, error) {
	switch step {
	case 0:
		f.u.Start("")
		return 1, nil // greeting and the phone question in one message
	case 1:
		_, err := f.u.ShareContact(f.phone)
		return 1, err
	case 7:
		return 1, f.press("Без времени") // "📞 Без времени — позвоните мне"
	case 8:
		return 1, f.press("Подтвердить") // the summary becomes the order card
	}
	f.u.Send(benchTexts[step])
	return 1, nil
}}

var benchTexts = [...]string{"/start", "+79120000000", "Иван", "Kia Rio", "2017", "А123ВС77", "Стучит подвеска спереди справа", "Без времени", "Подтвердить"}

// benchEchoFlow sends the same nine texts to the echo bot.
var benchEchoFlow = benchFlow{steps: 9, do: func(f *benchUser, step int) (int, error) {
	f.u.Send(benchTexts[step])
	return 1, nil
}}

// benchSide is one bot under load with its emulator.
type benchSide struct {
	name     string
	be       *benchEmulator
	flow     benchFlow
	phones   atomic.Int64
	bookings atomic.Int64 // flows finished
}

func newBenchSide(tb testing.TB, name string, flow benchFlow) *benchSide {
	s := &benchSide{name: name, flow: flow}
	benchLabel(name+"-emulator", func() { s.be = newBenchEmulator(tb) })
	return s
}

// closedLoop is benchClosedLoop under the pprof label load-<side>.
func (s *benchSide) closedLoop(users, perUser int) (updates int, took time.Duration, err error) {
	benchLabel("load-"+s.name, func() { updates, took, err = benchClosedLoop(s, users, perUser) })
	return updates, took, err
}

// openLoop is benchOpenLoop under the pprof label load-<side>.
func (s *benchSide) openLoop(users, rate int, d time.Duration) (o benchOpen, err error) {
	benchLabel("load-"+s.name, func() { o, err = benchOpenLoop(s, users, rate, d) })
	return o, err
}

// benchUser is one fake user going through one flow.
type benchUser struct {
	s       *benchSide
	u       *tgemu.User
	chat    int64
	phone   string
	replies chan benchReply
	last    int // the bot's last message in the chat
	next    int // the next step
}

// newUser makes a fresh user for each flow: a new client every booking, so
// every booking takes the same path and writes a new client and vehicle.
func (s *benchSide) newUser() *benchUser {
	n := s.phones.Add(1)
	u := s.be.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	return &benchUser{
		s:       s,
		u:       u,
		chat:    u.Chat().ID(),
		phone:   fmt.Sprintf("+7912%07d", n),
		replies: s.be.tap.subscribe(u.Chat().ID()),
	}
}

func (f *benchUser) done() bool { return f.next == f.s.flow.steps }

func (f *benchUser) close() {
	f.s.be.tap.unsubscribe(f.chat)
	if f.done() {
		f.s.bookings.Add(1)
	}
}

func (f *benchUser) press(label string) error {
	m, ok := f.u.Chat().Message(f.last)
	if !ok {
		return fmt.Errorf("no message %d to press %q on", f.last, label)
	}
	_, err := f.u.Press(m, label)
	return err
}

// step sends the next update and waits for its replies; the latency runs
// from the send to the moment the emulator had handled the last reply.
func (f *benchUser) step() (time.Duration, error) {
	start := time.Now()
	want, err := f.s.flow.do(f, f.next)
	if err != nil {
		return 0, fmt.Errorf("chat %d, step %d: %w\n%s", f.chat, f.next, err, f.u.Chat().Transcript())
	}
	timer := time.NewTimer(benchAwait)
	defer timer.Stop()
	var r benchReply
	for range want {
		select {
		case r = <-f.replies:
		case <-timer.C:
			return 0, fmt.Errorf("chat %d, step %d: no reply within %v\n%s", f.chat, f.next, benchAwait, f.u.Chat().Transcript())
		}
	}
	f.last = r.msgID
	f.next++
	return r.at.Sub(start), nil
}

// benchClosedLoop has users users run perUser flows each, back to back,
// and returns the updates answered and the time it took.
func benchClosedLoop(s *benchSide, users, perUser int) (updates int, took time.Duration, err error) {
	var n atomic.Int64
	var g errgroup.Group
	start := time.Now()
	for range users {
		g.Go(func() error {
			for range perUser {
				f := s.newUser()
				for !f.done() {
					if _, err := f.step(); err != nil {
						f.close()
						return err
					}
					n.Add(1)
				}
				f.close()
			}
			return nil
		})
	}
	err = g.Wait()
	return int(n.Load()), time.Since(start), err
}

// benchOpen is the outcome of benchOpenLoop.
type benchOpen struct {
	lat []time.Duration // sorted
	// byStep holds each step's latencies, sorted, to tell which step is slow.
	byStep map[int][]time.Duration
	// slowest are the sends of the slowest replies, relative to the start.
	slowest []benchSample
	// gcCycles and gcCPU are the test process's garbage collection during
	// the loop (the emulators and the load share the heap with UniFlow).
	gcCycles uint64
	gcCPU    float64
	late     int     // sends that started more than benchLate after their schedule
	rate     float64 // updates answered per second
}

// benchSample is one update of the open loop.
type benchSample struct {
	step int
	sent time.Duration // since the start of the loop
	lat  time.Duration
}

// report logs the latency of each step and the slowest updates.
func (o benchOpen) report(tb testing.TB, name string) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, open loop: latency by step (ms)\n", name)
	for step := range len(o.byStep) {
		l := benchOpen{lat: o.byStep[step]}
		fmt.Fprintf(&b, "  step %d: n=%d p50=%.2f p99=%.2f max=%.2f\n", step, len(l.lat), l.pct(0.5), l.pct(0.99), l.pct(1))
	}
	fmt.Fprintf(&b, "  test process GC during the loop: %d cycles, %.2f CPU s\n", o.gcCycles, o.gcCPU)
	b.WriteString("  slowest (step, sent at, latency):")
	for _, x := range o.slowest {
		fmt.Fprintf(&b, " %d@%v:%v", x.step, x.sent.Round(time.Millisecond), x.lat.Round(time.Millisecond))
	}
	tb.Log(b.String())
}

func benchReadGC() []metrics.Sample {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s
}

// pct is the p-quantile of the latencies in milliseconds (nearest rank).
func (o benchOpen) pct(p float64) float64 {
	if len(o.lat) == 0 {
		return math.NaN()
	}
	i := max(0, int(math.Ceil(p*float64(len(o.lat))))-1)
	return float64(o.lat[i]) / float64(time.Millisecond)
}

// benchOpenLoop sends rate updates a second for d, on a fixed schedule
// whatever the bot does (an open loop: a slow bot cannot slow the load
// down), spread over users users that each wait for their reply before
// taking the next scheduled send.
func benchOpenLoop(s *benchSide, users, rate int, d time.Duration) (benchOpen, error) {
	total := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	schedule := make(chan time.Time, total)
	pace := func(start time.Time) {
		defer close(schedule)
		for i := range total {
			at := start.Add(time.Duration(i) * interval)
			if wait := time.Until(at); wait > 0 {
				time.Sleep(wait)
			}
			schedule <- at
		}
	}
	var (
		mu   sync.Mutex
		out  benchOpen
		g    errgroup.Group
		lats = make([][]benchSample, users)
	)
	// Spread the users over the steps first (user i takes i%steps steps
	// unmeasured), or they would all reach Confirm in the same round and
	// the mix would swing between all-Confirm and no-Confirm.
	first := make([]*benchUser, users)
	var pre errgroup.Group
	for i := range users {
		pre.Go(func() error {
			first[i] = s.newUser()
			for range i % s.flow.steps {
				if _, err := first[i].step(); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := pre.Wait(); err != nil {
		return benchOpen{}, err
	}
	gc0 := benchReadGC()
	start := time.Now()
	go pace(start)
	for i := range users {
		g.Go(func() error {
			f := first[i]
			defer func() { f.close() }()
			late := 0
			for at := range schedule {
				if f.done() {
					f.close()
					f = s.newUser()
				}
				if time.Since(at) > benchLate {
					late++
				}
				step, sent := f.next, time.Since(start)
				lat, err := f.step()
				if err != nil {
					return err
				}
				lats[i] = append(lats[i], benchSample{step: step, sent: sent, lat: lat})
			}
			mu.Lock()
			out.late += late
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return benchOpen{}, err
	}
	took := time.Since(start)
	gc1 := benchReadGC()
	out.gcCycles, out.gcCPU = gc1[0].Value.Uint64()-gc0[0].Value.Uint64(), gc1[1].Value.Float64()-gc0[1].Value.Float64()
	out.byStep = map[int][]time.Duration{}
	var all []benchSample
	for _, l := range lats {
		all = append(all, l...)
	}
	slices.SortFunc(all, func(a, b benchSample) int { return cmp.Compare(b.lat, a.lat) })
	out.slowest = all[:min(len(all), 20)]
	for _, x := range all {
		out.lat = append(out.lat, x.lat)
		out.byStep[x.step] = append(out.byStep[x.step], x.lat)
	}
	slices.Sort(out.lat)
	for _, l := range out.byStep {
		slices.Sort(l)
	}
	out.rate = float64(len(out.lat)) / took.Seconds()
	return out, nil
}

// startBenchUniFlow boots the whole program (runServe) against be, with a fresh
// database and Redis prefix, the per-chat and global send limits lifted,
// no staff chat and a shop open around the clock.
func startBenchUniFlow(tb testing.TB, be *benchEmulator) *pgxpool.Pool {
	tb.Helper()
	pool, dsn := pgtest.New(tb)
	_, prefix := redistest.New(tb)
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN": be.emu.Token(),
		"TELEGRAM_API_URL":   be.srv.URL,
		"DATABASE_URL":       dsn,
		"REDIS_PREFIX":       prefix,
		"HTTP_ADDR":          "127.0.0.1:0",
		"LOG_LEVEL":          "info",
		"SHOP_HOURS":         "mon-sun 00:00-24:00",
	}
	if addr := os.Getenv("REDISTEST_ADDR"); addr != "" {
		env["REDIS_URL"] = "redis://" + addr
	}
	logs := &benchLog{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	benchLabel("uniflow", func() {
		go func() {
			done <- runServe(ctx, func(k string) string { return env[k] }, logs, func(c *bot.Config) {
				c.ChatRate = 1e6
				c.SendRate = 1e6
				c.Flood.Max = 1 << 30 // bench users step faster than people: counted, never stopped
			})
		}()
	})
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				tb.Errorf("run returned %v\nlog:\n%s", err, logs)
			}
		case <-time.After(20 * time.Second):
			tb.Errorf("run did not stop within 20 s")
		}
	})
	if err := be.emu.AwaitPolling(benchAwait); err != nil {
		tb.Fatalf("%v\nlog:\n%s", err, logs)
	}
	return pool
}

func benchMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// benchLabel runs f, and every goroutine it starts, under the pprof label
// bench=name, so that a -cpuprofile of the benchmark splits by who spent
// the time: go tool pprof -tags, or -tagfocus bench=uniflow.
func benchLabel(name string, f func()) {
	pprof.Do(context.Background(), pprof.Labels("bench", name), func(context.Context) { f() })
}

// benchLog keeps the program's log, up to 1 MB, for failure messages.
type benchLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *benchLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() < 1<<20 {
		l.buf.Write(p)
	}
	return len(p), nil
}

func (l *benchLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// benchIdleRSS builds uniflow, runs `uniflow emulator` and `uniflow`
// against it as separate processes and reads the bot's resident set once it
// has connected and sat idle (polling) for benchIdle; then the same for the
// echo bot built as a program of its own (0 when it cannot be built, e.g.
// without the module in the cache).
func benchIdleRSS(b *testing.B) (uniflowMB, echoMB float64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := b.TempDir()
	bin := filepath.Join(dir, "uniflow")
	if out, err := exec.CommandContext(ctx, benchGoTool(), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("go build: %v\n%s", err, out)
	}

	emu := exec.CommandContext(ctx, bin, "emulator", "--addr", "127.0.0.1:0")
	emuOut := benchStart(b, emu)
	base, err := emuOut.await(`base URL: `)
	if err != nil {
		return 0, 0, fmt.Errorf("emulator: %w", err)
	}
	token, err := emuOut.await(`token: `)
	if err != nil {
		return 0, 0, fmt.Errorf("emulator: %w", err)
	}
	base, token = strings.TrimSpace(base), strings.TrimSpace(token)

	_, dsn := pgtest.New(b)
	_, prefix := redistest.New(b)
	env := []string{
		"TELEGRAM_BOT_TOKEN=" + token,
		"TELEGRAM_API_URL=" + base,
		"DATABASE_URL=" + dsn,
		"REDIS_PREFIX=" + prefix,
		"HTTP_ADDR=127.0.0.1:0",
		"LOG_LEVEL=info",
	}
	if addr := os.Getenv("REDISTEST_ADDR"); addr != "" {
		env = append(env, "REDIS_URL=redis://"+addr)
	}
	uni := exec.CommandContext(ctx, bin)
	uni.Env = env
	uniOut := benchStart(b, uni)
	line, err := uniOut.await(`"http server listening"`)
	if err != nil {
		return 0, 0, fmt.Errorf("uniflow: %w", err)
	}
	var listening struct {
		Addr string `json:"addr"`
	}
	_ = json.Unmarshal([]byte(line), &listening)
	if _, err := uniOut.await(`"telegram bot connected"`); err != nil {
		return 0, 0, fmt.Errorf("uniflow: %w", err)
	}
	if err := benchHealthy(ctx, "http://"+listening.Addr+"/healthz"); err != nil {
		return 0, 0, fmt.Errorf("uniflow: %w", err)
	}
	time.Sleep(benchIdle)
	uniflowMB, err = benchRSS(uni.Process.Pid)
	if err != nil {
		return 0, 0, err
	}
	if err := benchStop(uni); err != nil {
		return 0, 0, fmt.Errorf("uniflow: %w", err)
	}

	if echoBin, err := buildBenchEcho(ctx, dir); err != nil {
		b.Logf("echo bot program not built, its idle RSS is not reported: %v", err)
	} else {
		echo := exec.CommandContext(ctx, echoBin)
		echo.Env = []string{"TELEGRAM_BOT_TOKEN=" + token, "TELEGRAM_API_URL=" + base}
		echoOut := benchStart(b, echo)
		if _, err := echoOut.await("echo bot connected"); err != nil {
			return 0, 0, fmt.Errorf("echo bot: %w", err)
		}
		time.Sleep(benchIdle)
		if echoMB, err = benchRSS(echo.Process.Pid); err != nil {
			return 0, 0, err
		}
		if err := benchStop(echo); err != nil {
			return 0, 0, fmt.Errorf("echo bot: %w", err)
		}
	}
	return uniflowMB, echoMB, benchStop(emu)
}

// benchIdle is how long a bot sits connected before its RSS is read: the
// start-up garbage is collected and the long poll is held.
const benchIdle = 2 * time.Second

func benchGoTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// buildBenchEcho builds benchEchoProgram as a module of its own, offline, from
// the module cache this repository's build already filled.
func buildBenchEcho(ctx context.Context, dir string) (string, error) {
	src := filepath.Join(dir, "echobot")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	sum, err := os.ReadFile(filepath.Join("..", "..", "go.sum"))
	if err != nil {
		return "", err
	}
	mod := "module echobot\n\ngo 1.26\n\nrequire github.com/go-telegram-bot-api/telegram-bot-api/v5 v5.5.1\n"
	for name, data := range map[string][]byte{"go.mod": []byte(mod), "go.sum": sum, "main.go": []byte(benchEchoProgram)} {
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(dir, "echobot-bin")
	cmd := exec.CommandContext(ctx, benchGoTool(), "build", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v\n%s", err, out)
	}
	return bin, nil
}

// benchProc is a started process whose output lines can be waited for.
type benchProc struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{} // closed and replaced on every line
	ended bool
}

func benchStart(tb testing.TB, cmd *exec.Cmd) *benchProc {
	tb.Helper()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	w := &benchProc{more: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", cmd.Path, err)
	}
	go func() {
		_ = cmd.Wait()
		pw.Close()
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			close(w.more)
			w.more = make(chan struct{})
			w.mu.Unlock()
		}
		w.mu.Lock()
		w.ended = true
		close(w.more)
		w.mu.Unlock()
	}()
	tb.Cleanup(func() { _ = benchStop(cmd) })
	return w
}

// await returns the rest of the first line holding substr after it.
func (w *benchProc) await(substr string) (string, error) {
	timer := time.NewTimer(benchAwait)
	defer timer.Stop()
	for {
		w.mu.Lock()
		for _, l := range w.lines {
			if _, rest, ok := strings.Cut(l, substr); ok {
				w.mu.Unlock()
				if strings.HasPrefix(substr, `"`) {
					return l, nil // a JSON log line: the caller decodes it whole
				}
				return rest, nil
			}
		}
		ended, more := w.ended, w.more
		out := strings.Join(w.lines, "\n")
		w.mu.Unlock()
		if ended {
			return "", fmt.Errorf("exited before printing %s; output:\n%s", substr, out)
		}
		select {
		case <-more:
		case <-timer.C:
			return "", fmt.Errorf("no %s within %v; output:\n%s", substr, benchAwait, out)
		}
	}
}

func benchHealthy(ctx context.Context, url string) error {
	deadline := time.Now().Add(benchAwait)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// benchStop sends SIGTERM and waits for the exit (the watcher goroutine
// reaps it); a process still running after 15 s is killed.
func benchStop(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
			return nil // gone
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return fmt.Errorf("pid %d did not stop within 15 s of SIGTERM", cmd.Process.Pid)
}

// benchRSS reads VmRSS of pid in MB (MiB).
func benchRSS(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read RSS: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				return 0, fmt.Errorf("read RSS: %q: %w", line, err)
			}
			return float64(kb) / 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// benchCPU is CPU time in clock ticks: the whole machine's busy time
// (steal included) and that of this process, PostgreSQL and Redis.
type benchCPU struct {
	at            time.Time
	machine, ours float64
}

// benchReadCPU reads /proc; on a system without it the figures stay zero.
func benchReadCPU() benchCPU {
	c := benchCPU{at: time.Now()}
	if data, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(data), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:] {
			if i == 3 || i == 4 || i >= 8 { // idle, iowait, guest
				continue
			}
			n, _ := strconv.ParseFloat(v, 64)
			c.machine += n
		}
	}
	ents, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		pid := e.Name()
		if pid[0] < '0' || pid[0] > '9' {
			continue
		}
		comm, _ := os.ReadFile("/proc/" + pid + "/comm")
		name := strings.TrimSpace(string(comm))
		if pid != self && name != "postgres" && name != "redis-server" {
			continue
		}
		stat, _ := os.ReadFile("/proc/" + pid + "/stat")
		_, rest, ok := strings.Cut(string(stat), ") ")
		f := strings.Fields(rest)
		if !ok || len(f) < 13 {
			continue
		}
		utime, _ := strconv.ParseFloat(f[11], 64)
		stime, _ := strconv.ParseFloat(f[12], 64)
		c.ours += utime + stime
	}
	return c
}

// foreignSince is the share of the machine's CPU capacity since c0 that
// went to processes other than the benchmark, PostgreSQL and Redis (other
// tests, builds), in percent. Approximate: PostgreSQL and Redis work for
// others counts as ours, and processes that ended in between are missed.
func (c benchCPU) foreignSince(c0 benchCPU) float64 {
	const ticks = 100 // USER_HZ on Linux
	capacity := c.at.Sub(c0.at).Seconds() * ticks * float64(runtime.NumCPU())
	if capacity <= 0 || c.machine == 0 {
		return 0
	}
	return max(0, (c.machine-c0.machine)-(c.ours-c0.ours)) / capacity * 100
}
