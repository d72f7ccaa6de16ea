package tgemu_test

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

func TestPrivateChatRateLimitIsHonest(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := started(srv, tgemu.UserOptions{})
	srv.Advance(time.Minute) // the user's last action is long past: a broadcast, not a reply
	for i := range 5 {
		if _, err := bot.Send(tgbotapi.NewMessage(u.ID(), "news "+strconv.Itoa(i))); err != nil {
			t.Fatalf("burst message %d: %v", i, err)
		}
	}
	_, err := bot.Send(tgbotapi.NewMessage(u.ID(), "one too many"))
	te := wantAPIError(t, err, 429, "Too Many Requests: retry after 1")
	if te.RetryAfter != 1 {
		t.Fatalf("retry_after %d", te.RetryAfter)
	}
	r := raw(t, srv, "sendMessage", url.Values{"chat_id": {strconv.FormatInt(u.ID(), 10)}, "text": {"raw"}})
	if r.Status != 429 || r.Header.Get("Retry-After") != "1" || r.Body["parameters"].(map[string]any)["retry_after"] != float64(1) {
		t.Fatalf("429 on the wire: %d %v %s", r.Status, r.Header, r.Text)
	}
	srv.Advance(time.Duration(te.RetryAfter) * time.Second)
	if _, err := bot.Send(tgbotapi.NewMessage(u.ID(), "after waiting")); err != nil {
		t.Fatalf("waiting retry_after did not help: %v", err)
	}
	// Edits, callback answers and chat actions are not messages and never count.
	m, _ := u.Chat().LastBotMessage()
	for i := range 20 {
		if _, err := bot.Send(tgbotapi.NewEditMessageText(u.ID(), m.ID, "edit "+strconv.Itoa(i))); err != nil {
			t.Fatalf("edit %d: %v", i, err)
		}
	}
}

func TestConversationNeverHitsTheLimit(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := srv.NewUser(tgemu.UserOptions{})
	for i := range 30 {
		u.Send("step " + strconv.Itoa(i))
		reply, err := bot.Send(tgbotapi.NewMessage(u.ID(), "answer "+strconv.Itoa(i)))
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if _, err := bot.Send(tgbotapi.NewMessage(u.ID(), "and the next question")); err != nil {
			t.Fatalf("second reply %d: %v", i, err)
		}
		if _, err := bot.Send(tgbotapi.NewEditMessageText(u.ID(), reply.MessageID, "answered")); err != nil {
			t.Fatalf("edit %d: %v", i, err)
		}
	}
	if r := srv.Rejected(); len(r) != 0 {
		t.Fatalf("rejected: %+v", r[0])
	}
}

func TestGroupAndGlobalRateLimits(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := srv.NewUser(tgemu.UserOptions{})
	group := srv.NewGroup("Staff", true)
	u.SendIn(group, "hi")
	for i := range 20 {
		if _, err := bot.Send(tgbotapi.NewMessage(group.ID(), "alert "+strconv.Itoa(i))); err != nil {
			t.Fatalf("group message %d: %v", i, err)
		}
	}
	_, err := bot.Send(tgbotapi.NewMessage(group.ID(), "alert 21"))
	te := wantAPIError(t, err, 429, "Too Many Requests: retry after 3")
	srv.Advance(time.Duration(te.RetryAfter) * time.Second)
	if _, err := bot.Send(tgbotapi.NewMessage(group.ID(), "alert 21")); err != nil {
		t.Fatalf("after retry_after: %v", err)
	}

	users := make([]*tgemu.User, 31)
	for i := range users {
		users[i] = started(srv, tgemu.UserOptions{})
	}
	srv.Advance(time.Minute) // their /start is long past: this is a broadcast
	for i, v := range users[:30] {
		if _, err := bot.Send(tgbotapi.NewMessage(v.ID(), "broadcast")); err != nil {
			t.Fatalf("broadcast %d: %v", i, err)
		}
	}
	_, err = bot.Send(tgbotapi.NewMessage(users[30].ID(), "broadcast"))
	te = wantAPIError(t, err, 429, "Too Many Requests: retry after 1")
	srv.Advance(time.Second)
	if _, err := bot.Send(tgbotapi.NewMessage(users[30].ID(), "broadcast")); err != nil {
		t.Fatalf("after retry_after: %v", err)
	}

	srv.SetRateLimits(false)
	for range 50 {
		if _, err := bot.Send(tgbotapi.NewMessage(group.ID(), "unlimited")); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGlobalRateOption(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{GlobalRate: 100})
	users := make([]*tgemu.User, 300)
	for i := range users {
		users[i] = started(srv, tgemu.UserOptions{})
	}
	srv.Advance(time.Minute) // a broadcast: no credits from the users' /start left
	start := time.Now()
	sent := 0
	var err error
	for _, v := range users {
		if _, err = bot.Send(tgbotapi.NewMessage(v.ID(), "broadcast")); err != nil {
			break
		}
		sent++
	}
	elapsed := time.Since(start)
	te := wantAPIError(t, err, 429, "Too Many Requests: retry after 1")
	// The burst of 100, and what 100/s refilled while we sent (real time flows).
	if most := 100 + int(100*elapsed.Seconds()) + 1; sent < 100 || sent > most {
		t.Fatalf("%d messages before the first 429 in %v, want 100 to %d", sent, elapsed, most)
	}
	srv.Advance(time.Duration(te.RetryAfter) * time.Second)
	if _, err := bot.Send(tgbotapi.NewMessage(users[sent].ID(), "broadcast")); err != nil {
		t.Fatalf("after retry_after: %v", err)
	}
}
