package main

import (
	"bytes"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// doctorEnv is a healthy set-up: a migrated database, Redis, and an emulator for Telegram.
func doctorEnv(t *testing.T) (map[string]string, *tgemu.Server) {
	t.Helper()
	_, dsn := pgtest.New(t)
	_, prefix := redistest.New(t)
	emu := tgemu.NewServer(tgemu.Options{})
	t.Cleanup(emu.Close)
	return map[string]string{
		"DATABASE_URL":       dsn,
		"REDIS_PREFIX":       prefix,
		"TELEGRAM_BOT_TOKEN": emu.Token(),
		"TELEGRAM_API_URL":   emu.URL(),
	}, emu
}

func runDoctorWith(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), []string{"doctor"}, func(k string) string { return env[k] }, &out)
	return out.String(), err
}

// line is the doctor's line for check, or "" when there is none.
func line(out, check string) string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[1] == check {
			return l
		}
	}
	return ""
}

func TestDoctorHealthySetUp(t *testing.T) {
	env, _ := doctorEnv(t)
	out, err := runDoctorWith(t, env)
	if err != nil {
		t.Fatalf("doctor on a healthy set-up: %v\n%s", err, out)
	}
	for _, check := range []string{"configuration", "time", "PostgreSQL", "clock/PG", "migrations", "Redis", "clock/Redis", "Telegram", "clock/Telegram", "webhook"} {
		if l := line(out, check); !strings.HasPrefix(l, "ok ") {
			t.Errorf("%s: %q, want ok\n%s", check, l, out)
		}
	}
	if !strings.Contains(line(out, "Telegram"), "@") {
		t.Errorf("the Telegram line names no bot: %q", line(out, "Telegram"))
	}
}

func TestDoctorSaysWhatToFix(t *testing.T) {
	closedPort := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}()
	tests := []struct {
		name   string
		change func(env map[string]string, emu *tgemu.Server)
		check  string
		want   verdict
		words  string // what the line must say
	}{
		{"never migrated", func(env map[string]string, _ *tgemu.Server) { env["DATABASE_URL"] = pgtest.NewEmpty(t) },
			"migrations", vFail, "uniflow migrate"},
		{"no such database", func(env map[string]string, _ *tgemu.Server) {
			env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/uniflow_doctor_missing?sslmode=disable"
		}, "PostgreSQL", vFail, "createdb"},
		{"postgres down", func(env map[string]string, _ *tgemu.Server) {
			env["DATABASE_URL"] = "postgres://postgres@" + closedPort + "/x?sslmode=disable&connect_timeout=2"
		}, "PostgreSQL", vFail, "is PostgreSQL running"},
		{"redis down", func(env map[string]string, _ *tgemu.Server) { env["REDIS_URL"] = "redis://" + closedPort + "/0" },
			"Redis", vFail, "is Redis running"},
		{"token refused", func(env map[string]string, _ *tgemu.Server) {
			env["TELEGRAM_BOT_TOKEN"] = "123456:wrong-token-of-another-bot"
		},
			"Telegram", vFail, "@BotFather"},
		{"bot api unreachable", func(env map[string]string, _ *tgemu.Server) { env["TELEGRAM_API_URL"] = "http://" + closedPort },
			"Telegram", vFail, "TELEGRAM_API_URL"},
		{"no token", func(env map[string]string, _ *tgemu.Server) { delete(env, "TELEGRAM_BOT_TOKEN") },
			"Telegram", vWarn, "emulator"},
		{"webhook left behind", func(_ map[string]string, emu *tgemu.Server) {
			resp, err := http.PostForm(emu.URL()+"/bot"+emu.Token()+"/setWebhook", url.Values{"url": {"https://old.example.com/hook"}})
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("setWebhook: %v %v", resp, err)
			}
			resp.Body.Close()
		}, "webhook", vWarn, "https://old.example.com/hook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, emu := doctorEnv(t)
			tt.change(env, emu)
			out, err := runDoctorWith(t, env)
			l := line(out, tt.check)
			if !strings.HasPrefix(l, string(tt.want)+" ") || !strings.Contains(l, tt.words) {
				t.Errorf("%s: %q, want %s saying %q\n%s", tt.check, l, tt.want, tt.words, out)
			}
			if (tt.want == vFail) != (err != nil) {
				t.Errorf("doctor returned %v with a %s", err, tt.want)
			}
			if tok := env["TELEGRAM_BOT_TOKEN"]; tok != "" && strings.Contains(out, strings.SplitN(tok, ":", 2)[1]) {
				t.Errorf("the output holds the token:\n%s", out)
			}
		})
	}
}

func TestDoctorStopsOnBadConfiguration(t *testing.T) {
	out, err := runDoctorWith(t, map[string]string{"SHOP_TIMEZONE": "Mars/Olympus"})
	if err == nil || !strings.HasPrefix(line(out, "configuration"), "FAIL") || !strings.Contains(out, "SHOP_TIMEZONE") {
		t.Errorf("doctor with a bad SHOP_TIMEZONE: %v\n%s", err, out)
	}
}

func TestDoctorClockSkew(t *testing.T) {
	sent := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	got := sent.Add(20 * time.Millisecond)
	for _, tt := range []struct {
		off  time.Duration
		want verdict
	}{{0, vOK}, {-1500 * time.Millisecond, vOK}, {3 * time.Second, vWarn}, {-10 * time.Second, vWarn}, {2 * time.Minute, vFail}, {-time.Hour, vFail}} {
		var out bytes.Buffer
		d := &doctor{out: &out}
		d.skew("clock/X", "X", sent, got, sent.Add(10*time.Millisecond+tt.off))
		if !strings.HasPrefix(out.String(), string(tt.want)+" ") {
			t.Errorf("skew %v: %q, want %s", tt.off, out.String(), tt.want)
		}
	}
}
