package main

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// The program as shipped, with no flood variables set, enforces the README's defaults: 20 updates
// in 10 s, then one warning and silence. A client sending /help 30 times in a row and another
// sending 40 at once each get 20 answers and one warning; a calm client is served throughout.
func TestFloodControlByDefault(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	for _, k := range []string{envFloodMax, envFloodWindow, envFloodCooldown} {
		if _, set := h.env[k]; set {
			t.Fatalf("the harness sets %s; this test is about the defaults", k)
		}
	}
	h.start()
	if err := h.emu.AwaitPolling(awaitTimeout); err != nil {
		t.Fatal(err)
	}
	serial := h.emu.NewUser(tgemu.UserOptions{FirstName: "Serial", LanguageCode: "en"})
	burst := h.emu.NewUser(tgemu.UserOptions{FirstName: "Burst", LanguageCode: "en"})
	calm := h.emu.NewUser(tgemu.UserOptions{FirstName: "Calm", LanguageCode: "en"})

	for i := 0; i < 30; i++ {
		serial.Send("/help")
	}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); burst.Send("/help") }()
	}
	wg.Wait()
	calm.Send("/help")

	// A chat gets about one message a second (its send budget), so the 20 answers and the
	// warning take some 21 s to go out; the updates after them are dropped at once.
	h.awaitCount(calm.Chat(), 1, isHelp)
	h.awaitLog(`"msg":"flood: update dropped"`, (30-21)+(40-21), floodWait)
	for _, u := range []*tgemu.User{serial, burst} {
		if _, err := u.Chat().Await(floodWait, isWarning); err != nil {
			t.Fatalf("user %d got no warning: %v\n%s", u.ID(), err, u.Chat().Transcript())
		}
	}
	for _, u := range []*tgemu.User{serial, burst} {
		if n := countMessages(u.Chat(), isHelp); n != 20 {
			t.Errorf("user %d got %d help answers, want 20:\n%s", u.ID(), n, u.Chat().Transcript())
		}
		if n := countMessages(u.Chat(), isWarning); n != 1 {
			t.Errorf("user %d got %d warnings, want 1", u.ID(), n)
		}
	}
	if n := countMessages(calm.Chat(), isWarning); n != 0 {
		t.Errorf("the calm user got %d warnings", n)
	}
	if got := strings.Count(h.logs.String(), `"msg":"flood: user over the limit`); got != 2 {
		t.Errorf("%d flood log lines, want 2 (one a flooder)", got)
	}
	h.noRejections()
}

// floodWait outlasts a flooder's 20 answers and warning at one message a second in their chat.
const floodWait = 40 * time.Second

// awaitLog waits up to timeout until the program has logged substr n times.
func (h *harness) awaitLog(substr string, n int, timeout time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for strings.Count(h.logs.String(), substr) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := strings.Count(h.logs.String(), substr); got < n {
		h.t.Fatalf("%d log lines with %s, want %d", got, substr, n)
	}
}
