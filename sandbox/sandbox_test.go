package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/migrations"
	"github.com/uniflow-crm/uniflow/tgemu"
)

func TestJump(t *testing.T) {
	loc := time.FixedZone("shop", 3*3600)
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) }
	for _, c := range []struct {
		step Step
		now  time.Time
		want time.Duration
	}{
		{StepHour, at(4, 12, 0), time.Hour},
		{StepWeek, at(4, 12, 0), 7 * 24 * time.Hour},
		{StepMorning, at(4, 12, 0), 21 * time.Hour},
		{StepMorning, at(4, 8, 30), 30 * time.Minute}, // before 09:00 "tomorrow 09:00" is this morning's
		{StepMorning, at(4, 9, 0), 24 * time.Hour},
		{StepMorning, at(4, 23, 59).UTC(), 9*time.Hour + time.Minute}, // the shop's zone decides the day
	} {
		got, err := jump(c.step, c.now, loc)
		if err != nil || got != c.want {
			t.Errorf("jump(%s, %v) = %v, %v; want %v", c.step, c.now, got, err, c.want)
		}
	}
	if _, err := jump("month", at(4, 12, 0), loc); err == nil {
		t.Errorf("jump(month) is no error")
	}
}

func TestDatabaseName(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@127.0.0.1:5432/uniflow?sslmode=disable":     "uniflow_sandbox",
		"postgres://u@127.0.0.1:5432/shop_sandbox":                "shop_sandbox",
		"postgres://u@127.0.0.1:5432/?sslmode=disable":            "uniflow_sandbox",
		"postgresql://u:p@db.example:5433/prod_2?sslmode=require": "prod_2_sandbox",
	} {
		if got, err := DatabaseName(in); err != nil || got != want {
			t.Errorf("DatabaseName(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func countItems(t *testing.T, pool *pgxpool.Pool) (items, branches int) {
	t.Helper()
	ctx := context.Background()
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM catalog_items), (SELECT count(*) FROM branches)`).Scan(&items, &branches); err != nil {
		t.Fatal(err)
	}
	return items, branches
}

func addItem(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	svc := crm.New(pool, crm.Options{})
	if _, _, err := svc.UpsertItem(context.Background(), crm.ItemInput{Kind: crm.ItemService, SKU: "S1", Name: "Диагностика", Price: 100000}); err != nil {
		t.Fatal(err)
	}
}

// Reset empties only a database whose name ends in _sandbox: a shop's database is refused
// untouched.
func TestResetTouchesOnlyTheSandboxDatabase(t *testing.T) {
	ctx := context.Background()
	shop, dsn := pgtest.New(t)
	addItem(t, shop)
	if err := emptyDatabase(ctx, shop); !errors.Is(err, ErrNotSandbox) {
		t.Fatalf("reset of %s: %v, want ErrNotSandbox", dsn, err)
	}
	if items, _ := countItems(t, shop); items != 1 {
		t.Errorf("the shop's database lost its catalog: %d items", items)
	}

	sdsn, err := Database(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropDatabase(t, dsn, sdsn) })
	if again, err := Database(ctx, dsn); err != nil || again != sdsn {
		t.Fatalf("second Database = %q, %v; want %q (it exists now)", again, err, sdsn)
	}
	if err := migrations.ApplyLogged(ctx, sdsn, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	sb, err := pgxpool.New(ctx, sdsn)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	addItem(t, sb)
	if err := emptyDatabase(ctx, sb); err != nil {
		t.Fatalf("reset of the sandbox database: %v", err)
	}
	if items, branches := countItems(t, sb); items != 0 || branches != 1 {
		t.Errorf("after reset: %d items, %d branches; want 0 and the migration's branch", items, branches)
	}
	addItem(t, sb) // the schema still works, ids start over
	if items, _ := countItems(t, shop); items != 1 {
		t.Errorf("the shop's database changed: %d items", items)
	}
}

func dropDatabase(t *testing.T, adminFrom, dsn string) {
	u, _ := url.Parse(dsn)
	name := strings.TrimPrefix(u.Path, "/")
	a, _ := url.Parse(adminFrom)
	a.Path = "/postgres"
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.String())
	if err != nil {
		t.Errorf("drop %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("drop %s: %v", name, err)
	}
}

func newTestSandbox(t *testing.T) (*Sandbox, *tgemu.Server, *httptest.Server) {
	t.Helper()
	emu := tgemu.NewServer(tgemu.Options{})
	t.Cleanup(emu.Close)
	sb := New(Options{Emu: emu, Log: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	return sb, emu, srv
}

func TestHandlerRefusesOtherSitesAndServesOnlyTheUserSide(t *testing.T) {
	_, emu, srv := newTestSandbox(t)
	post := func(path string, hdr map[string]string) int {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(`{"step":"hour"}`))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name string
		path string
		hdr  map[string]string
		want int
	}{
		{"another site's page", "/sandbox/reset", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403},
		{"another origin, an old browser", "/sandbox/clock", map[string]string{"Origin": "http://evil.example"}, 403},
		{"a sibling site", "/__sim/users", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"the page itself", "/sandbox/clock", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}, 200},
		{"curl", "/sandbox/clock", nil, 200},
		// DNS rebinding: evil.example made to resolve to 127.0.0.1 is same-origin with itself.
		{"a rebound name", "/sandbox/clock", map[string]string{"Host": "evil.example:18090", "Origin": "http://evil.example:18090"}, 403},
		{"a rebound name, the emulator", "/__sim/users", map[string]string{"Host": "evil.example:18090", "Origin": "http://evil.example:18090"}, 403},
		{"localhost", "/sandbox/clock", map[string]string{"Host": "localhost:18090", "Origin": "http://localhost:18090"}, 200},
	} {
		if got := post(c.path, c.hdr); got != c.want {
			t.Errorf("%s: POST %s = %d, want %d", c.name, c.path, got, c.want)
		}
	}
	// The Bot API (with the token) is the bot's, not the page's.
	resp, err := http.Get(srv.URL + "/bot" + emu.Token() + "/getMe")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /bot<token>/getMe through the sandbox = %d, want 404", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("page CSP %q, want the page's own scripts only", csp)
	}
	if !strings.Contains(string(body), `src="/static/render.js"`) || strings.Contains(string(body), "http://") || strings.Contains(string(body), "https://") {
		t.Errorf("the page loads something from elsewhere or not its own scripts:\n%s", body)
	}
	if got := post("/sandbox/clock", map[string]string{}); got != 200 {
		t.Errorf("clock: %d", got)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/sandbox/clock", strings.NewReader(`{"step":"century"}`))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("clock step century = %d, want 400", resp.StatusCode)
	}
}

// The event stream names the chats that changed, so the page reads only those.
func TestEventsNameTheChangedChat(t *testing.T) {
	sb, _, srv := newTestSandbox(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/sandbox/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	next := func() state {
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				var st state
				if err := json.Unmarshal([]byte(data), &st); err != nil {
					t.Fatal(err)
				}
				return st
			}
		}
		t.Fatalf("event stream ended: %v", lines.Err())
		return state{}
	}
	first := next()
	if len(first.Personas) != 5 || len(first.Changed) != 5 {
		t.Fatalf("first event: %d personas, changed %v; want the owner, manager, mechanic, group and a client, all to read", len(first.Personas), first.Changed)
	}
	client, _ := sb.persona("client1")
	client.user.Send("привет")
	for {
		st := next()
		if slices.Contains(st.Changed, client.ChatID) {
			if len(st.Changed) != 1 {
				t.Errorf("changed %v, want only the client's chat %d", st.Changed, client.ChatID)
			}
			return
		}
	}
}

// A request must name the server by a loopback name or address; beyond loopback (SANDBOX_PUBLIC)
// also by any IP address or the machine's own name, never by a name someone else controls.
func TestHostOK(t *testing.T) {
	for _, c := range []struct {
		host   string
		public bool
		want   bool
	}{
		{"127.0.0.1:8080", false, true},
		{"[::1]:8080", false, true},
		{"localhost:8080", false, true},
		{"LOCALHOST.:8080", false, true},
		{"app.localhost", false, true},
		{"evil.example:8080", false, false},
		{"evil.example:8080", true, false},
		{"192.168.1.5:8080", false, false},
		{"192.168.1.5:8080", true, true},
		{"[fe80::1]:8080", true, true},
		{"shopbox:8080", true, true},
		{"shopbox.lan:8080", true, true},
		{"shopbox:8080", false, false},
		{"127.0.0.1.evil.example", true, false},
	} {
		if got := hostOK(c.host, c.public, "shopbox.lan"); got != c.want {
			t.Errorf("hostOK(%q, public %v) = %v, want %v", c.host, c.public, got, c.want)
		}
	}
}
