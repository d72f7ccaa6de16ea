package main

import (
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// A user who floods the bot gets one warning, is then ignored for the cool-down and served
// again after it, while another user writing at the same time is served throughout.
func TestFloodControl(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, map[string]string{
		"FLOOD_MAX_UPDATES": "5",
		"FLOOD_WINDOW":      "1m",
		"FLOOD_COOLDOWN":    "3s",
	})
	owner := h.emu.NewUser(tgemu.UserOptions{FirstName: "Boss", LanguageCode: "en"})
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(owner.ID())
	h.start()
	if err := h.emu.AwaitPolling(awaitTimeout); err != nil {
		t.Fatal(err)
	}
	flooder := h.emu.NewUser(tgemu.UserOptions{FirstName: "Flood", LanguageCode: "en"})
	other := h.emu.NewUser(tgemu.UserOptions{FirstName: "Calm", LanguageCode: "ru"})

	for i := 0; i < 9; i++ {
		flooder.Send("/help")
		owner.Send("/help") // staff at work are never stopped
		if i%3 == 0 {
			other.Send("/help")
		}
	}
	h.next(flooder.Chat(), 0, "too quickly")
	// The other user's three were all answered, without a warning.
	h.awaitCount(other.Chat(), 3, isHelp)
	if n := countMessages(other.Chat(), isWarning); n != 0 {
		t.Errorf("the other user got %d warnings:\n%s", n, other.Chat().Transcript())
	}

	// After the cool-down the flooder is served again. Their chat's updates are handled in
	// order, so the dropped ones were handled (and dropped) before this one. The cool-down is
	// longer than the warning's wait for the chat's send budget, or it could end before the
	// updates after the warning were read.
	time.Sleep(3500 * time.Millisecond)
	flooder.Send("/help")
	h.awaitCount(flooder.Chat(), 6, isHelp)
	if n := countMessages(flooder.Chat(), isHelp); n != 6 {
		t.Errorf("flooder got %d help answers, want 5 before the limit and 1 after the cool-down:\n%s", n, flooder.Chat().Transcript())
	}
	if n := countMessages(flooder.Chat(), isWarning); n != 1 {
		t.Errorf("flooder got %d warnings, want 1:\n%s", n, flooder.Chat().Transcript())
	}
	if got := strings.Count(h.logs.String(), `"msg":"flood: user over the limit`); got != 1 {
		t.Errorf("%d flood log lines, want 1", got)
	}
	if got := strings.Count(h.logs.String(), `"msg":"flood: update dropped"`); got != 3 {
		t.Errorf("%d dropped-update log lines, want 3", got)
	}
	h.awaitCount(owner.Chat(), 9, isHelp)
	if n := countMessages(owner.Chat(), isWarning); n != 0 {
		t.Errorf("the owner got %d warnings", n)
	}
	h.noRejections()
}

func isHelp(m tgemu.Message) bool { return strings.Contains(m.Text, "/my") }
func isWarning(m tgemu.Message) bool {
	return strings.Contains(m.Text, "too quickly") || strings.Contains(m.Text, "слишком часто")
}

func countMessages(c *tgemu.Chat, pred func(tgemu.Message) bool) int {
	n := 0
	for _, m := range c.BotMessages() {
		if pred(m) {
			n++
		}
	}
	return n
}

// awaitCount waits until c holds n bot messages matching pred.
func (h *harness) awaitCount(c *tgemu.Chat, n int, pred func(tgemu.Message) bool) {
	h.t.Helper()
	deadline := time.Now().Add(awaitTimeout)
	for countMessages(c, pred) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := countMessages(c, pred); got < n {
		h.t.Fatalf("%d matching messages in chat %d, want %d:\n%s", got, c.ID(), n, c.Transcript())
	}
}
