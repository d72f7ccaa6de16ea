package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// conflicts counts the getUpdates calls the emulator answered 409 (one poll taking over another).
func conflicts(emu *tgemu.Server) int {
	n := 0
	for _, c := range emu.Calls() {
		if c.Method == "getUpdates" && c.Status == http.StatusConflict {
			n++
		}
	}
	return n
}

func awaitLog(t *testing.T, logs *syncBuffer, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(logs.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log after %v:\n%s", substr, timeout, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two instances polling the same bot with the same Redis: one polls, the other stands by
// without ever taking a poll from it (no 409), and takes over when the first stops.
func TestSecondPollerStandsBy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	defer h.stop()
	if err := h.emu.AwaitPolling(awaitTimeout); err != nil {
		t.Fatal(err)
	}
	awaitLog(t, h.logs, "poll lease taken", awaitTimeout)

	second := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := run(ctx, []string{"run"}, func(k string) string { return h.env[k] }, second); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("second instance: %v", err)
		}
	})
	defer func() { cancel(); wg.Wait() }()
	awaitLog(t, second, "standing by", awaitTimeout)

	l := langs[0]
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Анна", LanguageCode: l.code})
	for range 3 {
		n := last(u.Chat())
		u.Send("/help")
		h.next(u.Chat(), n, "")
	}
	time.Sleep(2 * 4 * time.Second)
	if n := conflicts(h.emu); n != 0 {
		t.Errorf("%d getUpdates answered 409 while a second instance stood by, want 0", n)
	}
	if strings.Contains(second.String(), "poll lease taken") {
		t.Errorf("the second instance took the lease while the first polled:\n%s", second)
	}

	start := time.Now()
	h.stop() // a clean stop releases the lease
	awaitLog(t, second, "poll lease taken", 2*4*time.Second+awaitTimeout)
	t.Logf("the standby polls %v after the first stopped", time.Since(start).Round(time.Millisecond))
	n := last(u.Chat())
	u.Send("/help")
	h.next(u.Chat(), n, "")
}

// A poller outside the deployment (not sharing its Redis) makes the bot stand by after the
// first 409 instead of answering every steal with one of its own.
func TestForeignPollerIsNotFought(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	defer h.stop()
	if err := h.emu.AwaitPolling(awaitTimeout); err != nil {
		t.Fatal(err)
	}
	// The foreign process long-polls for 4 s, the way another deployment's bot would.
	foreign := func() {
		resp, err := http.Get(h.emu.URL() + "/bot" + h.emu.Token() + "/getUpdates?timeout=2")
		if err == nil {
			resp.Body.Close()
		}
	}
	foreign()
	foreign()
	awaitLog(t, h.logs, "outside this deployment's lease: standing by", awaitTimeout)
	if n := conflicts(h.emu); n > 2 {
		t.Errorf("%d getUpdates answered 409 in 4 s, want the bot to stop fighting after the first", n)
	}
}
