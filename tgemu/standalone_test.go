package tgemu_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// simCall posts JSON to the /__sim/ API and decodes the result.
func simCall(t *testing.T, base, method, path string, in any, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+"/__sim/"+path, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		var env struct {
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatalf("%s %s: %s", method, path, raw)
		}
		if s, ok := out.(*string); ok {
			*s = string(raw)
			return resp.StatusCode
		}
		if err := json.Unmarshal(env.Result, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, env.Result, err)
		}
	}
	return resp.StatusCode
}

// The acceptance run of issue 3: a standalone emulator, driven with nothing but HTTP.
func TestStandaloneOverPlainHTTP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- tgemu.RunStandalone(ctx, "127.0.0.1:0", pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var base, token string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "base URL:"); ok {
			base = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "token:"); ok {
			token = strings.TrimSpace(v)
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	digits, secret, ok := strings.Cut(token, ":")
	if _, err := strconv.ParseInt(digits, 10, 64); err != nil || !ok || len(secret) != 35 || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("printed base %q token %q", base, token)
	}
	api := base + "/bot" + token + "/"

	// A /__sim/ call makes a user send a message that a plain getUpdates returns.
	var user struct {
		ID     int64 `json:"id"`
		ChatID int64 `json:"chat_id"`
	}
	simCall(t, base, "POST", "users", map[string]any{"first_name": "Ivan", "language_code": "ru"}, &user)
	var sent tgemu.Message
	simCall(t, base, "POST", "users/"+strconv.FormatInt(user.ID, 10)+"/start", map[string]string{"payload": "src_web"}, &sent)
	resp, err := http.Get(api + "getUpdates?timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	r := readRaw(t, resp)
	if r.Status != 200 || !strings.Contains(r.Text, `"text":"/start src_web"`) || !strings.Contains(r.Text, `"type":"bot_command"`) {
		t.Fatalf("getUpdates: %s", r.Text)
	}

	// curl of sendMessage with a 65-byte callback_data.
	chat := strconv.FormatInt(user.ChatID, 10)
	markup := `{"inline_keyboard":[[{"text":"A","callback_data":"` + strings.Repeat("x", 65) + `"}]]}`
	resp, err = http.PostForm(api+"sendMessage", url.Values{"chat_id": {chat}, "text": {"hi"}, "reply_markup": {markup}})
	if err != nil {
		t.Fatal(err)
	}
	if r := readRaw(t, resp); r.Status != 400 || r.Text != `{"description":"Bad Request: BUTTON_DATA_INVALID","error_code":400,"ok":false}` {
		t.Fatalf("65-byte callback_data: %d %s", r.Status, r.Text)
	}

	// The rest of the fake-user API over HTTP.
	markup = `{"inline_keyboard":[[{"text":"Book","callback_data":"book"}]]}`
	resp, err = http.PostForm(api+"sendMessage", url.Values{"chat_id": {chat}, "text": {"Menu"}, "reply_markup": {markup}})
	if err != nil {
		t.Fatal(err)
	}
	readRaw(t, resp)
	var menu tgemu.Message
	if code := simCall(t, base, "GET", "chats/"+chat+"/await?contains=Menu&timeout_ms=2000", nil, &menu); code != 200 || menu.Inline[0][0].Text != "Book" {
		t.Fatalf("await: %d %+v", code, menu)
	}
	// after= waits for a newer message only: a script's wait never matches an old one.
	after := "chats/" + chat + "/await?contains=Menu&timeout_ms=50&after=" + strconv.Itoa(menu.ID)
	if code := simCall(t, base, "GET", after, nil, nil); code != 408 {
		t.Errorf("await after the only match: %d, want 408", code)
	}
	if code := simCall(t, base, "GET", "chats/"+chat+"/await?contains=Menu&timeout_ms=50&after="+strconv.Itoa(menu.ID-1), nil, nil); code != 200 {
		t.Errorf("await after an earlier message: %d, want 200", code)
	}
	var press struct {
		CallbackQueryID string `json:"callback_query_id"`
	}
	simCall(t, base, "POST", "users/"+strconv.FormatInt(user.ID, 10)+"/press", map[string]any{"message_id": menu.ID, "label": "Book"}, &press)
	if press.CallbackQueryID == "" {
		t.Fatal("no callback id")
	}
	resp, err = http.PostForm(api+"answerCallbackQuery", url.Values{"callback_query_id": {press.CallbackQueryID}, "text": {"Booked"}})
	if err != nil {
		t.Fatal(err)
	}
	readRaw(t, resp)
	var ans tgemu.CallbackAnswer
	simCall(t, base, "GET", "callbacks/"+press.CallbackQueryID, nil, &ans)
	if ans.Text != "Booked" {
		t.Fatalf("answer: %+v", ans)
	}
	var transcript string
	req, _ := http.Get(base + "/__sim/chats/" + chat + "/transcript")
	tb, _ := io.ReadAll(req.Body)
	req.Body.Close()
	transcript = string(tb)
	if !strings.Contains(transcript, "Ivan: /start src_web") || !strings.Contains(transcript, "bot: Menu [Book]") {
		t.Fatalf("transcript:\n%s", transcript)
	}
	var rules struct {
		Rules int `json:"rules"`
	}
	simCall(t, base, "POST", "faults", map[string]any{"match": map[string]any{"method": "sendMessage", "times": 1}, "preset": "blocked"}, &rules)
	resp, err = http.PostForm(api+"sendMessage", url.Values{"chat_id": {chat}, "text": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := readRaw(t, resp); r.Status != 403 || r.desc() != "Forbidden: bot was blocked by the user" {
		t.Fatalf("fault over HTTP: %d %s", r.Status, r.Text)
	}
	var calls []tgemu.Call
	simCall(t, base, "GET", "calls?rejected=1", nil, &calls)
	if len(calls) != 2 || calls[1].Fault != "error" {
		t.Fatalf("rejected calls: %+v", calls)
	}
	var clock struct {
		Now int64 `json:"now"`
	}
	simCall(t, base, "POST", "clock/advance", map[string]any{"seconds": 3600}, &clock)
	if clock.Now == 0 {
		t.Fatal("clock")
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunStandalone: %v", err)
	}
}
