package tgemu_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// hookHit is one POST the emulator made to the bot's webhook.
type hookHit struct {
	secret string
	update tgbotapi.Update
}

// hookServer is the bot's webhook endpoint: it answers with respond and reports every hit.
func hookServer(t *testing.T, respond func(w http.ResponseWriter, u tgbotapi.Update)) (*httptest.Server, chan hookHit) {
	t.Helper()
	hits := make(chan hookHit, 100)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var u tgbotapi.Update
		if err := json.Unmarshal(body, &u); err != nil || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("bad delivery %q: %v", body, err)
		}
		hits <- hookHit{secret: r.Header.Get("X-Telegram-Bot-Api-Secret-Token"), update: u}
		respond(w, u)
	}))
	t.Cleanup(hs.Close)
	return hs, hits
}

func setHook(t *testing.T, bot *tgbotapi.BotAPI, params tgbotapi.Params) *tgbotapi.APIResponse {
	t.Helper()
	resp, err := bot.MakeRequest("setWebhook", params)
	if err != nil {
		t.Fatalf("setWebhook: %v", err)
	}
	return resp
}

func nextHit(t *testing.T, hits chan hookHit) hookHit {
	t.Helper()
	select {
	case h := <-hits:
		return h
	case <-time.After(wait):
		t.Fatal("no webhook delivery")
		return hookHit{}
	}
}

func TestWebhookDelivery(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	hs, hits := hookServer(t, func(w http.ResponseWriter, _ tgbotapi.Update) {})
	params := tgbotapi.Params{"url": hs.URL + "/hook", "secret_token": "s3cr3t_-X"}
	if resp := setHook(t, bot, params); resp.Description != "Webhook was set" {
		t.Fatalf("description %q", resp.Description)
	}
	if resp := setHook(t, bot, params); resp.Description != "Webhook is already set" {
		t.Fatalf("description %q", resp.Description)
	}
	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	wantAPIError(t, err, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")

	u := srv.NewUser(tgemu.UserOptions{})
	u.Send("via webhook")
	h := nextHit(t, hits)
	if h.secret != "s3cr3t_-X" || h.update.Message == nil || h.update.Message.Text != "via webhook" {
		t.Fatalf("delivery: %+v", h)
	}
	// The update leaves the queue once the emulator has read the 2xx, a moment after the hit.
	if _, err := srv.AwaitDelivery(wait, func(d tgemu.Delivery) bool { return d.Status == 200 }); err != nil {
		t.Fatal(err)
	}
	info, err := bot.GetWebhookInfo()
	if err != nil || info.URL != hs.URL+"/hook" || info.MaxConnections != 40 {
		t.Fatalf("info: %+v %v", info, err)
	}
	_, err = bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hs.URL + "/other"})
	wantAPIError(t, err, 429, "Too Many Requests: retry after 1")
	_, err = bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hs.URL, "secret_token": "no spaces"})
	wantAPIError(t, err, 400, "Bad Request: secret token contains unallowed characters")
	_, err = bot.MakeRequest("setWebhook", tgbotapi.Params{"url": "ftp://example.com/hook"})
	wantAPIError(t, err, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")

	resp, err := bot.Request(tgbotapi.DeleteWebhookConfig{})
	if err != nil || resp.Description != "Webhook was deleted" {
		t.Fatalf("delete: %+v %v", resp, err)
	}
	resp, err = bot.Request(tgbotapi.DeleteWebhookConfig{})
	if err != nil || resp.Description != "Webhook is already deleted" {
		t.Fatalf("delete again: %+v %v", resp, err)
	}
	u.Send("back to polling")
	if ups := poll(t, bot, 0); len(ups) != 1 || ups[0].Message.Text != "back to polling" {
		t.Fatalf("after deleteWebhook: %+v", ups)
	}
}

func TestSetWebhookEndsHeldPoll(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	hs, _ := hookServer(t, func(http.ResponseWriter, tgbotapi.Update) {})
	done := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- err
	}()
	if err := srv.AwaitPolling(wait); err != nil {
		t.Fatal(err)
	}
	setHook(t, bot, tgbotapi.Params{"url": hs.URL})
	wantAPIError(t, <-done, 409, "Conflict: terminated by setWebhook request")
}

func TestWebhookRetriesWithBackoff(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	var mu sync.Mutex
	answers := []int{500, 500, 429, 200}
	hs, hits := hookServer(t, func(w http.ResponseWriter, _ tgbotapi.Update) {
		mu.Lock()
		code := answers[0]
		answers = answers[1:]
		mu.Unlock()
		if code == 429 {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(code)
	})
	setHook(t, bot, tgbotapi.Params{"url": hs.URL})
	u := srv.NewUser(tgemu.UserOptions{})
	u.Send("retry me")
	first := nextHit(t, hits)
	d1, err := srv.AwaitDelivery(wait, func(d tgemu.Delivery) bool { return d.Attempt == 1 })
	if err != nil || d1.Status != 500 {
		t.Fatalf("first delivery: %+v %v", d1, err)
	}
	info, err := bot.GetWebhookInfo()
	if err != nil || info.PendingUpdateCount != 1 || info.LastErrorMessage != "Wrong response from the webhook: 500 Internal Server Error" || info.LastErrorDate == 0 {
		t.Fatalf("info after failure: %+v %v", info, err)
	}
	srv.Advance(time.Second)
	nextHit(t, hits)
	d2, _ := srv.AwaitDelivery(wait, func(d tgemu.Delivery) bool { return d.Attempt == 2 })
	srv.Advance(2 * time.Second)
	nextHit(t, hits)
	d3, _ := srv.AwaitDelivery(wait, func(d tgemu.Delivery) bool { return d.Attempt == 3 })
	srv.Advance(7 * time.Second)
	last := nextHit(t, hits)
	d4, _ := srv.AwaitDelivery(wait, func(d tgemu.Delivery) bool { return d.Attempt == 4 })
	if last.update.UpdateID != first.update.UpdateID || d4.Status != 200 {
		t.Fatalf("retried a different update: %d vs %d (%+v)", last.update.UpdateID, first.update.UpdateID, d4)
	}
	if g := d2.At.Sub(d1.At); g < time.Second {
		t.Fatalf("first backoff %v", g)
	}
	if g := d3.At.Sub(d2.At); g < 2*time.Second {
		t.Fatalf("second backoff %v (want doubling)", g)
	}
	if g := d4.At.Sub(d3.At); g < 7*time.Second {
		t.Fatalf("Retry-After not honoured: %v", g)
	}
	if info, _ := bot.GetWebhookInfo(); info.PendingUpdateCount != 0 {
		t.Fatalf("pending after success: %d", info.PendingUpdateCount)
	}
}

func TestWebhookSerialPerChatParallelAcrossChats(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	a, b := srv.NewUser(tgemu.UserOptions{}), srv.NewUser(tgemu.UserOptions{})
	release := make(chan struct{})
	var mu sync.Mutex
	inFlight := map[int64]int{}
	violations := 0
	hs, hits := hookServer(t, func(w http.ResponseWriter, u tgbotapi.Update) {
		chat := u.Message.Chat.ID
		mu.Lock()
		inFlight[chat]++
		if inFlight[chat] > 1 {
			violations++
		}
		mu.Unlock()
		if u.Message.Text == "a1" {
			<-release // chat A is stuck on its first update
		}
		mu.Lock()
		inFlight[chat]--
		mu.Unlock()
	})
	setHook(t, bot, tgbotapi.Params{"url": hs.URL})
	a.Send("a1")
	if h := nextHit(t, hits); h.update.Message.Text != "a1" {
		t.Fatalf("first: %+v", h.update.Message)
	}
	a.Send("a2")
	b.Send("b1")
	// b1 gets through while a1 is still being handled; a2 waits for a1.
	if h := nextHit(t, hits); h.update.Message.Text != "b1" {
		t.Fatalf("want b1 while a1 is in flight, got %q", h.update.Message.Text)
	}
	close(release)
	if h := nextHit(t, hits); h.update.Message.Text != "a2" {
		t.Fatalf("want a2 after a1, got %q", h.update.Message.Text)
	}
	mu.Lock()
	defer mu.Unlock()
	if violations != 0 {
		t.Fatalf("%d concurrent deliveries within one chat", violations)
	}
}

func TestWebhookReplyWithMethodAndSecretFaults(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	const secret = "right-secret"
	hs, hits := hookServer(t, func(w http.ResponseWriter, u tgbotapi.Update) {
		// What a correct bot does: refuse deliveries without the right secret...
		// (the header is checked by the test on the hit; here only the answer matters)
		if u.Message != nil && u.Message.Text == "ping" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"method":"sendMessage","chat_id":` + strconv.FormatInt(u.Message.Chat.ID, 10) + `,"text":"pong"}`))
		}
	})
	setHook(t, bot, tgbotapi.Params{"url": hs.URL, "secret_token": secret})
	u := srv.NewUser(tgemu.UserOptions{})
	u.Send("ping")
	nextHit(t, hits)
	if _, err := u.Chat().AwaitText(wait, "pong"); err != nil {
		t.Fatal(err)
	}
	if c, err := srv.AwaitCall(wait, func(c tgemu.Call) bool { return c.Fault == "webhook_reply" }); err != nil || c.Method != "sendMessage" || c.Status != 200 {
		t.Fatalf("webhook reply call: %+v %v", c, err)
	}

	srv.InjectFault(tgemu.Match{Times: 1}, tgemu.WrongSecret())
	srv.InjectFault(tgemu.Match{Times: 1}, tgemu.MissingSecret())
	u.Send("one")
	if h := nextHit(t, hits); h.secret == secret || h.secret == "" {
		t.Fatalf("want a wrong secret, got %q", h.secret)
	}
	u.Send("two")
	if h := nextHit(t, hits); h.secret != "" {
		t.Fatalf("want no secret, got %q", h.secret)
	}
	u.Send("three")
	if h := nextHit(t, hits); h.secret != secret {
		t.Fatalf("want the right secret, got %q", h.secret)
	}

	srv.SetDuplicateDelivery(true)
	u.Send("twice")
	h1, h2 := nextHit(t, hits), nextHit(t, hits)
	if h1.update.UpdateID != h2.update.UpdateID || h1.update.Message.Text != "twice" {
		t.Fatalf("duplicate webhook delivery: %d %d", h1.update.UpdateID, h2.update.UpdateID)
	}
}

func TestWebhookDropsExpiredCallback(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	hs, hits := hookServer(t, func(w http.ResponseWriter, _ tgbotapi.Update) { w.WriteHeader(502) })
	u := started(srv, tgemu.UserOptions{})
	m, err := bot.Send(tgbotapi.NewMessage(u.ID(), "x"))
	if err != nil {
		t.Fatal(err)
	}
	setHook(t, bot, tgbotapi.Params{"url": hs.URL, "drop_pending_updates": "true"})
	msg, _ := u.Chat().Message(m.MessageID)
	if _, err := u.PressData(msg, "cb"); err != nil {
		t.Fatal(err)
	}
	nextHit(t, hits)
	if _, err := srv.AwaitDelivery(wait, func(d tgemu.Delivery) bool { return d.Status == 502 }); err != nil {
		t.Fatal(err)
	}
	// Backoff doubles: 1+2+4+...; the callback's 150 s lifetime runs out first.
	for range 8 {
		srv.Advance(60 * time.Second)
	}
	if n := srv.PendingUpdates(); n != 0 {
		t.Fatalf("expired callback still pending (%d)", n)
	}
}
