package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// logWatcher is the stdout given to run: it keeps the JSON log lines and
// lets a test wait for one.
type logWatcher struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLogWatcher() *logWatcher { return &logWatcher{changed: make(chan struct{})} }

func (w *logWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.changed)
	w.changed = make(chan struct{})
	return w.buf.Write(p)
}

func (w *logWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// await returns the first log line whose msg is msg, failing the test
// after timeout.
func (w *logWatcher) await(t *testing.T, msg string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		text, changed := w.buf.String(), w.changed
		w.mu.Unlock()
		for line := range strings.SplitSeq(text, "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
				return rec
			}
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no log line %q within %v; log:\n%s", msg, timeout, text)
		}
	}
}

// testEnv points run at a fresh database and Redis prefix, an ephemeral
// HTTP port, and no token (the built-in emulator).
func testEnv(t *testing.T, extra map[string]string) func(string) string {
	t.Helper()
	_, dsn := pgtest.New(t)
	dropSandboxDatabase(t, dsn) // no token: the run is the sandbox, with a database of its own
	rdb, prefix := redistest.New(t)
	o := rdb.Options()
	m := map[string]string{
		envDatabaseURL: dsn,
		envRedisURL:    fmt.Sprintf("redis://%s/%d", o.Addr, o.DB),
		envRedisPrefix: prefix,
		envHTTPAddr:    "127.0.0.1:0",
		envOwnerIDs:    "777001",
		envLogLevel:    "debug",
	}
	for k, v := range extra {
		m[k] = v
	}
	return env(m)
}

func TestRunServesHealthAndStopsCleanly(t *testing.T) {
	getenv := testEnv(t, nil)
	out := newLogWatcher()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, getenv, out) }()

	emu := out.await(t, "no TELEGRAM_BOT_TOKEN: running against the built-in emulator", 30*time.Second)
	if u, _ := emu["emulator_url"].(string); !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Errorf("emulator_url = %v, want a loopback URL", emu["emulator_url"])
	}
	addr, _ := out.await(t, "http server listening", 60*time.Second)["addr"].(string)
	out.await(t, "telegram bot connected", 30*time.Second)

	resp := awaitHealthy(t, "http://"+addr+"/readyz", 30*time.Second)
	if resp["postgres"] != "ok" || resp["redis"] != "ok" {
		t.Errorf("/readyz = %v, want postgres and redis ok", resp)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after cancel, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("run did not return within 15s of cancel; log:\n%s", out)
	}
	out.await(t, "stopped", time.Second)

	// The emulator's token has Telegram's shape; it must not reach the log.
	if tok := regexp.MustCompile(`\d{5,}:[A-Za-z0-9_-]{30,}`).FindString(out.String()); tok != "" {
		t.Errorf("log contains a bot token %q", tok)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Errorf("/healthz still answers after run returned")
	}
}

func awaitHealthy(t *testing.T, url string, timeout time.Duration) map[string]string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			var body map[string]string
			decErr := json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && decErr == nil {
				return body
			}
			err = fmt.Errorf("status %d, body %v (%v)", resp.StatusCode, body, decErr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s never answered 200: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunFailsFastWhenPostgresIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	out := newLogWatcher()
	start := time.Now()
	err = run(t.Context(), nil, env(map[string]string{
		envDatabaseURL: "postgres://postgres:hunter2@" + addr + "/uniflow?sslmode=disable",
		envHTTPAddr:    "127.0.0.1:0",
	}), out)
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL at DATABASE_URL is not reachable") {
		t.Fatalf("run = %v, want PostgreSQL not reachable", err)
	}
	if strings.Contains(err.Error()+out.String(), "hunter2") {
		t.Errorf("the database password leaked: %v\n%s", err, out)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v to give up", d)
	}
}

// A server that answers but has no such database is not "not reachable": the error says the
// database does not exist and how to make it, and still hides the password.
func TestRunSaysWhenTheDatabaseDoesNotExist(t *testing.T) {
	db := fmt.Sprintf("uniflow_missing_%d", time.Now().UnixNano())
	// With a token: without one the program is the sandbox, which makes a database of its own.
	emu := tgemu.NewServer(tgemu.Options{})
	defer emu.Close()
	err := run(t.Context(), nil, env(map[string]string{
		envDatabaseURL:    "postgres://postgres:hunter2@127.0.0.1:5432/" + db + "?sslmode=disable",
		envHTTPAddr:       "127.0.0.1:0",
		envTelegramToken:  emu.Token(),
		envTelegramAPIURL: emu.URL(),
	}), newLogWatcher())
	if err == nil {
		t.Fatal("run started without its database")
	}
	msg := err.Error()
	for _, want := range []string{`the database "` + db + `" named in DATABASE_URL does not exist`, "createdb -h 127.0.0.1 -p 5432 -U postgres " + db} {
		if !strings.Contains(msg, want) {
			t.Errorf("run = %v\nwant it to say %q", err, want)
		}
	}
	if strings.Contains(msg, "not reachable") || strings.Contains(msg, "hunter2") {
		t.Errorf("run = %v: wants neither \"not reachable\" nor the password", err)
	}
}

func TestRunCommands(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // empty: no error
		wantOut string
	}{
		{"version", []string{"version"}, nil, "", "uniflow "},
		{"help", []string{"help"}, nil, "", "usage: uniflow"},
		{"-h", []string{"-h"}, nil, "", "usage: uniflow"},
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`, ""},
		{"run with arguments", []string{"run", "extra"}, nil, "run: unexpected arguments", ""},
		{"bad config stops run", []string{"run"}, map[string]string{envLogLevel: "chatty"}, "LOG_LEVEL: want one of", ""},
		{"bad config stops migrate", []string{"migrate"}, map[string]string{envShopTimezone: "Moon/Base"}, "SHOP_TIMEZONE: want an IANA time zone", ""},
		{"emulator bad flag", []string{"emulator", "--port", "1"}, nil, "emulator:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(t.Context(), tt.args, env(tt.env), &out)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("run(%q) = %v", tt.args, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("output %q, want it to contain %q", out.String(), tt.wantOut)
			}
		})
	}
}

func TestRunMigrate(t *testing.T) {
	getenv := testEnv(t, nil)
	var out bytes.Buffer
	if err := run(t.Context(), []string{"migrate"}, getenv, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	// A second run finds nothing to do and is no error.
	if err := run(t.Context(), []string{"migrate"}, getenv, &out); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

func TestRunEmulatorCommand(t *testing.T) {
	out := newLogWatcher()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"emulator", "--addr", "127.0.0.1:0"}, env(nil), out) }()

	var base, token string
	deadline := time.Now().Add(10 * time.Second)
	for base == "" || token == "" {
		if time.Now().After(deadline) {
			t.Fatalf("emulator did not print its address and token:\n%s", out)
		}
		for line := range strings.SplitSeq(out.String(), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "base URL:"); ok {
				base = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "token:"); ok {
				token = strings.TrimSpace(v)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Post(base+"/bot"+token+"/getMe", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("getMe on the standalone emulator: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("getMe status %d, want 200", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("emulator returned %v after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("emulator did not stop")
	}
}
