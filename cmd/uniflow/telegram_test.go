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

	"github.com/uniflow-crm/uniflow/tgemu"
)

const testToken = "123456:SECRET-token_value"

func TestRedactSecrets(t *testing.T) {
	tests := []struct{ in, token, want string }{
		{`Post "https://api.telegram.org/bot123456:SECRET-token_value/getMe": dial tcp: i/o timeout`, testToken,
			`Post "https://api.telegram.org/bot<redacted>/getMe": dial tcp: i/o timeout`},
		// Token unknown (the library logger): the path segment still goes.
		{`Endpoint: https://x/bot999:abc/sendMessage, params: map[]`, "",
			`Endpoint: https://x/bot<redacted>/sendMessage, params: map[]`},
		{`two https://x/botA:1/a and https://x/botB:2/b`, "",
			`two https://x/bot<redacted>/a and https://x/bot<redacted>/b`},
		{`bare token 123456:SECRET-token_value in text`, testToken, `bare token <redacted> in text`},
		{`nothing to hide`, testToken, `nothing to hide`},
		{`ends with /bot`, "", `ends with /bot`},
	}
	for _, tt := range tests {
		if got := redactSecrets(tt.in, tt.token); got != tt.want {
			t.Errorf("redactSecrets(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactingClientKeepsErrorChain(t *testing.T) {
	// A port nothing listens on: the transport error quotes the URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c := redactingClient{client: newTelegramHTTPClient(), token: testToken, ctx: ctx}
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/bot"+testToken+"/getMe", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(req)
	if err == nil {
		t.Fatal("request succeeded, want an error")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error reveals the token: %v", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(err, context.Canceled) = false for %v; the chain must survive redaction", err)
	}
}

func TestTelegramHTTPClientOutlastsLongPoll(t *testing.T) {
	c := newTelegramHTTPClient()
	if c.Timeout <= pollTimeout {
		t.Errorf("client timeout %v must exceed the long-poll timeout %v", c.Timeout, pollTimeout)
	}
	tr, ok := c.Transport.(*http.Transport)
	if !ok || tr.MaxIdleConnsPerHost < 100 {
		t.Errorf("transport %T: want *http.Transport with MaxIdleConnsPerHost >= 100", c.Transport)
	}
}

func TestConnectTelegramRetriesUntilCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	apiURL := "http://" + ln.Addr().String()
	ln.Close() // nothing listens: every getMe fails at the transport

	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(t.Context(), connectFirstDelay+connectFirstDelay/2)
	defer cancel()
	start := time.Now()
	_, err = connectTelegram(ctx, apiURL, testToken, log)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("connectTelegram = %v, want the context's error", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("returned %v after the context ended", waited)
	}
	out := logs.String()
	if strings.Count(out, "retrying") < 2 {
		t.Errorf("want two failed attempts logged before the deadline, log:\n%s", out)
	}
	if strings.Contains(out, "SECRET") {
		t.Errorf("log reveals the token:\n%s", out)
	}
}

func TestConnectTelegramRejectsWrongToken(t *testing.T) {
	emu := tgemu.NewServer(tgemu.Options{})
	defer emu.Close()
	start := time.Now()
	_, err := connectTelegram(t.Context(), emu.URL(), testToken, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), envTelegramToken+" rejected") {
		t.Fatalf("connectTelegram with a wrong token = %v, want it rejected", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error reveals the token: %v", err)
	}
	if d := time.Since(start); d > connectFirstDelay {
		t.Errorf("took %v: a rejected token must not be retried", d)
	}
}

// Telegram unreachable at boot delays the bot; it connects once the API
// answers.
func TestConnectTelegramRetriesUntilReachable(t *testing.T) {
	emu := tgemu.NewServer(tgemu.Options{})
	defer emu.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	type result struct {
		name string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		api, err := connectTelegram(t.Context(), "http://"+addr, emu.Token(), log)
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{name: api.Self.UserName}
	}()

	time.Sleep(connectFirstDelay / 2) // the first attempt has failed by now
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s was taken meanwhile: %v", addr, err)
	}
	srv := &http.Server{Handler: emu.Handler()}
	go srv.Serve(ln)
	defer srv.Close()

	select {
	case r := <-done:
		if r.err != nil || r.name == "" {
			t.Fatalf("connectTelegram = %q, %v; want connected", r.name, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not connect after the API came up")
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("the failed first attempt was not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), emu.Token()) {
		t.Errorf("log reveals the token:\n%s", logs.String())
	}
}
