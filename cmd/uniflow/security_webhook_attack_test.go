package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// webhookAttack is one request someone who found the webhook URL might make.
type webhookAttack struct {
	name        string
	method      string
	secret      *string // nil: no header
	contentType string
	body        func(update []byte) io.Reader // nil: the update
	chunked     bool                          // hide the length, so only reading finds the size
	want        int
	reason      string // in the refusal's log line
}

func strptr(s string) *string { return &s }

func webhookAttacks() []webhookAttack {
	right := webhookSecret
	lastByte := right[:len(right)-1] + string(right[len(right)-1]^1)
	huge := func([]byte) io.Reader {
		// A real update padded to 10 MB: valid JSON, so only the size refuses it.
		return strings.NewReader(`{"update_id":1,"padding":"` + strings.Repeat("a", 10<<20) + `"}`)
	}
	return []webhookAttack{
		{name: "no secret", want: 401, reason: "secret"},
		{name: "empty secret", secret: strptr(""), want: 401, reason: "secret"},
		{name: "wrong secret", secret: strptr("not-the-secret"), want: 401, reason: "secret"},
		{name: "secret differing in its last byte", secret: strptr(lastByte), want: 401, reason: "secret"},
		{name: "secret with one byte more", secret: strptr(right + "x"), want: 401, reason: "secret"},
		{name: "secret one byte short", secret: strptr(right[:len(right)-1]), want: 401, reason: "secret"},
		{name: "secret in another case", secret: strptr(strings.ToUpper(right)), want: 401, reason: "secret"},
		{name: "10 MB body with a wrong secret", secret: strptr("nope"), body: huge, want: 401, reason: "secret"},
		{name: "10 MB body", body: huge, secret: &right, want: 413, reason: "too large"},
		{name: "10 MB body without a length", body: huge, secret: &right, chunked: true, want: 413, reason: "too large"},
		{name: "text/plain", secret: &right, contentType: "text/plain", want: 415, reason: "content type"},
		{name: "form encoded", secret: &right, contentType: "application/x-www-form-urlencoded", want: 415, reason: "content type"},
		{name: "no content type", secret: &right, contentType: "-", want: 415, reason: "content type"},
		{name: "GET", method: http.MethodGet, secret: &right, want: 405, reason: "method"},
		{name: "PUT", method: http.MethodPut, secret: &right, want: 405, reason: "method"},
		{name: "malformed JSON", secret: &right, want: 400, reason: "not an update",
			body: func(u []byte) io.Reader { return bytes.NewReader(u[:len(u)/2]) }},
		{name: "JSON that is no update", secret: &right, want: 400, reason: "not an update",
			body: func([]byte) io.Reader { return strings.NewReader(`{"message":{"text":"/help"}}`) }},
	}
}

// Requests to the webhook that do not come from Telegram, or that Telegram never sends, are
// refused with a status and a log line, and nothing of them is handled: the sender's next real
// update, which the same chat's queue would put after them, is the first thing answered.
func TestSecurityWebhookAttacks(t *testing.T) {
	t.Parallel()
	h, url := newWebhookHarness(t, nil)
	h.startWebhook()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()

	for i, a := range webhookAttacks() {
		t.Run(a.name, func(t *testing.T) {
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Mallory", LanguageCode: "en"})
			updateID := 900000 + i
			update := forgedHelp(updateID, u)
			seen := len(refusals(h))
			status := postWebhook(t, url, a, update)
			if status != a.want {
				t.Fatalf("status %d, want %d", status, a.want)
			}
			line := awaitRefusal(t, h, seen)
			if !strings.Contains(line, `"status":`+strconv.Itoa(a.want)) || !strings.Contains(line, a.reason) {
				t.Errorf("refusal logged as %s, want the reason to say %q", line, a.reason)
			}
			if strings.Contains(h.logs.String(), webhookSecret) {
				t.Fatalf("the log holds the webhook secret")
			}
			// Nothing handled: no dedupe mark, and the next real update is answered first.
			key := h.env["REDIS_PREFIX"] + "upd:" + itoa64(h.emu.BotID()) + ":" + strconv.Itoa(updateID)
			if n, err := rdb.Exists(context.Background(), key).Result(); err != nil || n != 0 {
				t.Fatalf("update %d was taken (exists=%d, err=%v)", updateID, n, err)
			}
			u.Send("/help")
			h.next(u.Chat(), 0, "/")
			if got := len(u.Chat().BotMessages()); got != 1 {
				t.Fatalf("%d bot messages after one /help, want 1:\n%s", got, u.Chat().Transcript())
			}
		})
	}
	if n := h.count(`SELECT count(*) FROM clients`); n != 0 {
		t.Errorf("%d clients stored, want none", n)
	}
	h.noRejections()
}

// A duplicate of a real update is answered 200 (Telegram must stop retrying) but handled once.
func TestSecurityWebhookDuplicate(t *testing.T) {
	t.Parallel()
	h, url := newWebhookHarness(t, nil)
	h.startWebhook()
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Replay", LanguageCode: "en"})
	u.Start("")
	h.next(u.Chat(), 0, langs[1].askPhone)
	update := forgedHelp(800001, u)
	right := webhookSecret
	for i := 0; i < 2; i++ {
		if status := postWebhook(t, url, webhookAttack{secret: &right}, update); status != 200 {
			t.Fatalf("delivery %d: status %d, want 200", i+1, status)
		}
	}
	deadline := time.Now().Add(awaitTimeout)
	for !strings.Contains(h.logs.String(), `"msg":"duplicate update skipped","update_id":800001`) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(h.logs.String(), `"msg":"duplicate update skipped","update_id":800001`) {
		t.Fatalf("no log line for the duplicate")
	}
	// The help came once; a second one would be after it in the chat's queue, before this.
	after := last(u.Chat())
	u.Send("/cancel")
	h.next(u.Chat(), after, "")
	help := 0
	for _, m := range u.Chat().BotMessages() {
		if strings.Contains(m.Text, "/my") {
			help++
		}
	}
	if help != 1 {
		t.Errorf("the help was answered %d times, want 1:\n%s", help, u.Chat().Transcript())
	}
	if n := h.count(`SELECT count(*) FROM clients`); n != 0 {
		t.Errorf("%d clients stored, want none", n)
	}
}

// forgedHelp is a well-formed update: a /help from u, as Telegram would deliver it.
func forgedHelp(updateID int, u *tgemu.User) []byte {
	b, _ := json.Marshal(map[string]any{
		"update_id": updateID,
		"message": map[string]any{
			"message_id": 1_000_000 + updateID,
			"date":       time.Now().Unix(),
			"from":       map[string]any{"id": u.ID(), "is_bot": false, "first_name": "Mallory", "language_code": "en"},
			"chat":       map[string]any{"id": u.Chat().ID(), "type": "private", "first_name": "Mallory"},
			"text":       "/help",
			"entities":   []map[string]any{{"type": "bot_command", "offset": 0, "length": 5}},
		},
	})
	return b
}

func postWebhook(t *testing.T, url string, a webhookAttack, update []byte) int {
	t.Helper()
	method := a.method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader = bytes.NewReader(update)
	if a.body != nil {
		body = a.body(update)
	}
	if a.chunked {
		body = io.MultiReader(body) // not a type net/http can take a length from
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	switch a.contentType {
	case "":
		req.Header.Set("Content-Type", "application/json")
	case "-":
	default:
		req.Header.Set("Content-Type", a.contentType)
	}
	if a.secret != nil {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", *a.secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// The server may close a connection whose huge body it refused before reading it all.
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// refusals are the log lines of refused webhook deliveries so far.
func refusals(h *harness) []string {
	var out []string
	for _, line := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(line, `"msg":"webhook delivery refused"`) {
			out = append(out, line)
		}
	}
	return out
}

// awaitRefusal waits for a refusal logged after the first seen ones and returns it.
func awaitRefusal(t *testing.T, h *harness, seen int) string {
	t.Helper()
	deadline := time.Now().Add(awaitTimeout)
	for {
		if rs := refusals(h); len(rs) > seen {
			if len(rs) > seen+1 {
				t.Fatalf("one request, %d refusals logged: %q", len(rs)-seen, rs[seen:])
			}
			return rs[seen]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no refusal logged")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
