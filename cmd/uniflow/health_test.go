package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

func probe(t *testing.T, h http.Handler) (int, map[string]string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var got map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return rec.Code, got
}

func connectedAPI(t *testing.T) (*tgbotapi.BotAPI, *tgemu.Server) {
	t.Helper()
	emu := tgemu.NewServer(tgemu.Options{})
	t.Cleanup(emu.Close)
	api, err := connectTelegram(t.Context(), emu.URL(), emu.Token(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return api, emu
}

func TestReadinessReportsEachDependency(t *testing.T) {
	pool, _ := pgtest.New(t)
	rdb, _ := redistest.New(t)
	api, _ := connectedAPI(t)

	// A port nothing listens on stands for a dependency that is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	deadPool, err := pgxpool.New(t.Context(), "postgres://postgres@"+down+"/x?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer deadPool.Close()
	deadRedis := redis.NewClient(&redis.Options{Addr: down, MaxRetries: -1})
	defer deadRedis.Close()
	// A database that exists but was never migrated.
	bare, err := pgxpool.New(t.Context(), pgtest.NewEmpty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()

	ok := "ok"
	tests := []struct {
		name      string
		pool      *pgxpool.Pool
		rdb       *redis.Client
		api       *tgbotapi.BotAPI
		wantCode  int
		unhealthy string // the one check that fails; "" for none
	}{
		{"all up", pool, rdb, api, http.StatusOK, ""},
		{"postgres down", deadPool, rdb, api, http.StatusServiceUnavailable, "postgres"},
		{"redis down", pool, deadRedis, api, http.StatusServiceUnavailable, "redis"},
		{"migrations not applied", bare, rdb, api, http.StatusServiceUnavailable, "migrations"},
		{"telegram not connected yet", pool, rdb, nil, http.StatusServiceUnavailable, "telegram"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newReadiness(tt.pool, tt.rdb, slog.New(slog.DiscardHandler))
			if tt.api != nil {
				h.connected(tt.api)
			}
			code, got := probe(t, h)
			if code != tt.wantCode {
				t.Errorf("status %d, want %d (body %v)", code, tt.wantCode, got)
			}
			for _, check := range []string{"postgres", "redis", "migrations", "telegram"} {
				want := ok
				if check == tt.unhealthy || (tt.unhealthy == "postgres" && check == "migrations") {
					want = "unavailable"
				}
				if got[check] != want {
					t.Errorf("%s = %q, want %q (body %v)", check, got[check], want, got)
				}
			}
		})
	}
}

// Telegram's answer is asked again once it is older than telegramRecheck: an emulator that went
// away turns the probe unready.
func TestReadinessRechecksTelegram(t *testing.T) {
	pool, _ := pgtest.New(t)
	rdb, _ := redistest.New(t)
	api, emu := connectedAPI(t)
	h := newReadiness(pool, rdb, slog.New(slog.DiscardHandler))
	h.connected(api)
	if code, got := probe(t, h); code != http.StatusOK {
		t.Fatalf("connected: %d %v", code, got)
	}
	emu.Close()
	if code, _ := probe(t, h); code != http.StatusOK {
		t.Errorf("within telegramRecheck the last answer stands; got %d", code)
	}
	h.mu.Lock()
	h.tgAsked = time.Now().Add(-telegramRecheck)
	h.mu.Unlock()
	if code, got := probe(t, h); code != http.StatusServiceUnavailable || got["telegram"] != "unavailable" {
		t.Errorf("after the emulator closed and the answer aged: %d %v, want 503 telegram unavailable", code, got)
	}
}

func TestAliveAnswersWithoutDependencies(t *testing.T) {
	rec := httptest.NewRecorder()
	aliveHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", rec.Code)
	}
}

// cutProxy forwards TCP to a real server until cut: cutting closes its listener and every
// connection, so to its clients the server has stopped; resume listens on the same port again.
type cutProxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	p := &cutProxy{t: t, target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) resume() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// The acceptance test of issue 11: /readyz turns unready within 5 s of PostgreSQL stopping and
// ready again after it returns. PostgreSQL is shared by the test suite, so it "stops" behind a
// proxy that drops every connection and refuses new ones, which is what the program sees.
func TestReadyzFollowsPostgres(t *testing.T) {
	_, dsn := pgtest.New(t)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, itoa64(int64(cfg.ConnConfig.Port))))
	host, port, _ := net.SplitHostPort(proxy.addr)
	h := newHarness(t, tgemu.Options{}, map[string]string{
		"DATABASE_URL": "postgres://postgres@" + host + ":" + port + "/" + cfg.ConnConfig.Database + "?sslmode=disable&connect_timeout=2",
	})
	h.start()
	defer h.stop()
	url := "http://" + h.httpAddr() + "/readyz"
	awaitHealthy(t, url, 30*time.Second)

	ready := func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	proxy.cut()
	cutAt := time.Now()
	for ready() {
		if time.Since(cutAt) > 5*time.Second {
			t.Fatalf("/readyz still ready %v after PostgreSQL stopped", time.Since(cutAt))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("unready %v after PostgreSQL stopped", time.Since(cutAt).Round(time.Millisecond))

	proxy.resume()
	backAt := time.Now()
	for !ready() {
		if time.Since(backAt) > 10*time.Second {
			t.Fatalf("/readyz not ready %v after PostgreSQL returned", time.Since(backAt))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("ready again %v after PostgreSQL returned", time.Since(backAt).Round(time.Millisecond))
}
