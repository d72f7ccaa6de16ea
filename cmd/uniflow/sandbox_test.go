package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPageURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		"[::]:18091":     "http://127.0.0.1:18091/",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/",
		"[::1]:8080":     "http://[::1]:8080/",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/",
	} {
		if got := pageURL(addr); got != want {
			t.Errorf("pageURL(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.0.0.2:80": true, "[::1]:8080": true, "localhost:8080": true,
		"0.0.0.0:8080": false, ":8080": false, "[::]:8080": false, "192.168.1.5:8080": false, "example.com:80": false, "nonsense": false,
	} {
		if got := loopbackAddr(addr); got != want {
			t.Errorf("loopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestSandboxPublicIsValidated(t *testing.T) {
	_, err := loadConfig(env(map[string]string{envSandboxPublic: "sometimes"}))
	if err == nil || !strings.Contains(err.Error(), envSandboxPublic) {
		t.Errorf("SANDBOX_PUBLIC=sometimes: %v, want an error naming %s", err, envSandboxPublic)
	}
	cfg, err := loadConfig(env(map[string]string{}))
	if err != nil || cfg.SandboxPublic {
		t.Errorf("default: SandboxPublic = %v, %v; want false", cfg.SandboxPublic, err)
	}
}

func TestSandboxPageBeyondLoopbackNeedsTheFlag(t *testing.T) {
	for _, c := range []struct {
		addr     string
		public   bool
		want     bool
		wantWarn string
	}{
		{"127.0.0.1:8080", false, true, ""},
		{"127.0.0.1:8080", true, true, ""},
		{"0.0.0.0:8080", false, false, "the sandbox page is not served"},
		{"0.0.0.0:8080", true, true, "the sandbox page is served beyond loopback"},
	} {
		var buf bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&buf, nil))
		if got := sandboxPageAllowed(c.addr, c.public, log); got != c.want {
			t.Errorf("%s public=%v: served = %v, want %v", c.addr, c.public, got, c.want)
		}
		if c.wantWarn == "" && buf.Len() > 0 || c.wantWarn != "" && !(strings.Contains(buf.String(), c.wantWarn) && strings.Contains(buf.String(), `"level":"WARN"`)) {
			t.Errorf("%s public=%v: log %q, want a warning %q", c.addr, c.public, buf.String(), c.wantWarn)
		}
	}
}

// The real program on all interfaces: without SANDBOX_PUBLIC only /healthz answers (a
// container binds 0.0.0.0), with it the page too, after a warning.
func TestRunServesTheSandboxPageBeyondLoopbackOnlyWithTheFlag(t *testing.T) {
	for _, public := range []string{"false", "true"} {
		t.Run("SANDBOX_PUBLIC="+public, func(t *testing.T) {
			getenv := testEnv(t, map[string]string{envHTTPAddr: "0.0.0.0:0", envSandboxPublic: public})
			out := newLogWatcher()
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- run(ctx, nil, getenv, out) }()
			defer func() {
				cancel()
				if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("run: %v", err)
				}
			}()
			addr, _ := out.await(t, "http server listening", 60*time.Second)["addr"].(string)
			_, port, _ := net.SplitHostPort(addr)
			base := "http://127.0.0.1:" + port
			awaitHealthy(t, base+"/healthz", 30*time.Second)
			resp, err := http.Get(base + "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := 404
			if public == "true" {
				want = 200
				out.await(t, "the sandbox page is served beyond loopback: anyone who reaches "+addr+" can act as every persona and reset the sandbox", time.Second)
				// The printed URL can be opened (it was http://[::]:port/).
				if url, _ := out.await(t, "sandbox page: every role of UniFlow in a browser", time.Second)["url"].(string); url != base+"/" {
					t.Errorf("the log's page URL %q, want %q", url, base+"/")
				}
			} else if !strings.Contains(out.String(), "the sandbox page is not served") {
				t.Errorf("no warning that the page is not served; log:\n%s", out)
			}
			if resp.StatusCode != want {
				t.Errorf("GET / = %d, want %d", resp.StatusCode, want)
			}
			// The probes and metrics answer either way, as with a token (README: Sandbox).
			for _, path := range []string{"/readyz", "/metrics"} {
				resp, err := http.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode == 404 {
					t.Errorf("GET %s = 404", path)
				}
			}
		})
	}
}
