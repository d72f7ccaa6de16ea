package tgemu_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

func TestErrorFaults(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	tests := []struct {
		name       string
		action     tgemu.Action
		code       int
		desc       string
		retryAfter int
		migrateTo  int64
	}{
		{"429", tgemu.TooManyRequests(7), 429, "Too Many Requests: retry after 7", 7, 0},
		{"blocked", tgemu.Blocked(), 403, "Forbidden: bot was blocked by the user", 0, 0},
		{"deactivated", tgemu.Deactivated(), 403, "Forbidden: user is deactivated", 0, 0},
		{"can't initiate", tgemu.CantInitiate(), 403, "Forbidden: bot can't initiate conversation with a user", 0, 0},
		{"kicked", tgemu.KickedFromGroup(), 403, "Forbidden: bot was kicked from the group chat", 0, 0},
		{"kicked supergroup", tgemu.KickedFromSupergroup(), 403, "Forbidden: bot was kicked from the supergroup chat", 0, 0},
		{"not modified", tgemu.NotModified(), 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message", 0, 0},
		{"query too old", tgemu.QueryTooOld(), 400, "Bad Request: query is too old and response timeout expired or query ID is invalid", 0, 0},
		{"chat not found", tgemu.ChatNotFound(), 400, "Bad Request: chat not found", 0, 0},
		{"bad html", tgemu.BadHTML(12), 400, `Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 12`, 0, 0},
		{"migrated", tgemu.Migrated(-1001234567890), 400, "Bad Request: group chat was upgraded to a supergroup chat", 0, -1001234567890},
		{"conflict", tgemu.Conflict(), 409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", 0, 0},
		{"unauthorized", tgemu.Unauthorized(), 401, "Unauthorized", 0, 0},
		{"500", tgemu.InternalError(), 500, "Internal Server Error: restart", 0, 0},
		{"custom", tgemu.ErrorAction(400, "Bad Request: PEER_ID_INVALID"), 400, "Bad Request: PEER_ID_INVALID", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule := srv.InjectFault(tgemu.Match{Method: "sendMessage", Times: 1}, tt.action)
			_, err := bot.Send(tgbotapi.NewMessage(u.ID(), "x"))
			te := wantAPIError(t, err, tt.code, tt.desc)
			if te.RetryAfter != tt.retryAfter || te.MigrateToChatID != tt.migrateTo {
				t.Fatalf("parameters: %+v", te.ResponseParameters)
			}
			if rule.Fired() != 1 {
				t.Fatalf("fired %d", rule.Fired())
			}
			if _, err := bot.Send(tgbotapi.NewMessage(u.ID(), "x")); err != nil {
				t.Fatalf("Times: 1 fired again: %v", err)
			}
		})
	}
	calls := srv.Rejected()
	if last := calls[len(calls)-1]; last.Fault != "error" || last.Status != 400 || last.Description != "Bad Request: PEER_ID_INVALID" {
		t.Fatalf("call log of a fault: %+v", last)
	}
}

func TestTransportFaults(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	send := func() error {
		_, err := bot.Send(tgbotapi.NewMessage(u.ID(), "payment received"))
		return err
	}

	for _, a := range []tgemu.Action{tgemu.BadGateway(), tgemu.GatewayTimeout()} {
		srv.InjectFault(tgemu.Match{Method: "sendMessage", Times: 1}, a)
		var syn *json.SyntaxError
		if err := send(); !errors.As(err, &syn) {
			t.Fatalf("HTML %d: want *json.SyntaxError, got %T %v", a.Code, err, err)
		}
	}
	r := func() rawResult {
		srv.InjectFault(tgemu.Match{Method: "getMe", Times: 1}, tgemu.BadGateway())
		resp, err := http.Get(srv.URL() + "/bot" + srv.Token() + "/getMe")
		if err != nil {
			t.Fatal(err)
		}
		return readRaw(t, resp)
	}()
	if r.Status != 502 || !strings.Contains(r.Text, "<center><h1>502 Bad Gateway</h1></center>") {
		t.Fatalf("502 body: %d %q", r.Status, r.Text)
	}

	// Truncated: the message IS sent, the client cannot read the answer.
	before := len(u.Chat().BotMessages())
	srv.InjectFault(tgemu.Match{Method: "sendMessage", Times: 1}, tgemu.TruncatedJSON())
	if err := send(); err == nil {
		t.Fatal("truncated JSON decoded")
	}
	if after := len(u.Chat().BotMessages()); after != before+1 {
		t.Fatalf("truncated answer: %d messages before, %d after", before, after)
	}
	// A refusal cut short keeps its status: only a 200 says the call was done.
	blocked := started(srv, tgemu.UserOptions{})
	blocked.Block()
	srv.InjectFault(tgemu.Match{Method: "sendMessage", Times: 1}, tgemu.TruncatedJSON())
	if r := raw(t, srv, "sendMessage", url.Values{"chat_id": {strconv.FormatInt(blocked.ID(), 10)}, "text": {"x"}}); r.Status != 403 || r.Body != nil {
		t.Fatalf("truncated refusal: %d %q", r.Status, r.Text)
	}

	// Dropped connection: nothing sent, a transport error.
	srv.InjectFault(tgemu.Match{Method: "sendMessage", Times: 1}, tgemu.DropConnection())
	if err := send(); err == nil {
		t.Fatal("dropped connection succeeded")
	}
	if after := len(u.Chat().BotMessages()); after != before+1 {
		t.Fatal("a dropped call was executed")
	}

	// Hang: the client's own timeout ends it.
	srv.InjectFault(tgemu.Match{Method: "getChat", Times: 1}, tgemu.Hang())
	impatient, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.Endpoint(), &http.Client{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := impatient.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: u.ID()}}); err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Fatalf("hang: %v", err)
	}

	// Latency: slow but successful.
	srv.InjectFault(tgemu.Match{Method: "sendMessage", Times: 1}, tgemu.Latency(30*time.Millisecond))
	start := time.Now()
	if err := send(); err != nil || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("latency: %v after %v", err, time.Since(start))
	}
}

func TestFaultMatching(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	a, b := started(srv, tgemu.UserOptions{}), started(srv, tgemu.UserOptions{})
	send := func(u *tgemu.User, text string) error {
		_, err := bot.Send(tgbotapi.NewMessage(u.ID(), text))
		return err
	}
	byChat := srv.InjectFault(tgemu.Match{ChatID: b.ID()}, tgemu.Blocked())
	if err := send(a, "x"); err != nil {
		t.Fatalf("chat filter hit another chat: %v", err)
	}
	wantAPIError(t, send(b, "x"), 403, "Forbidden: bot was blocked by the user")
	byChat.Remove()

	third := srv.InjectFault(tgemu.Match{Method: "SENDMESSAGE", Nth: 3, Times: 2}, tgemu.TooManyRequests(2))
	for i, want := range []bool{false, false, true, true, false} {
		err := send(a, "n")
		if (err != nil) != want {
			t.Fatalf("call %d: err=%v, want fault=%v", i+1, err, want)
		}
	}
	if third.Fired() != 2 {
		t.Fatalf("fired %d", third.Fired())
	}
	third.Remove()

	srv.InjectFault(tgemu.Match{Contains: "invoice"}, tgemu.InternalError())
	if err := send(a, "hello"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, send(a, "your invoice"), 500, "Internal Server Error: restart")
	srv.ClearFaults()

	half := srv.InjectFault(tgemu.Match{Method: "sendMessage", Probability: 0.5}, tgemu.InternalError())
	failed := 0
	for range 200 {
		if send(a, "coin") != nil {
			failed++
		}
	}
	if failed < 60 || failed > 140 || half.Fired() != failed {
		t.Fatalf("probability 0.5 fired %d of 200", failed)
	}
}

// AfterCall faults do the call and then lose its answer: the message is in the chat (once) while
// the client sees a dropped connection, a timeout, a late answer or an error. The same kinds
// without AfterCall do not run the call.
func TestAfterCallFaults(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	impatient, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.Endpoint(), &http.Client{Timeout: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	late := tgemu.Latency(300 * time.Millisecond)
	late.AfterCall = true
	gateway := tgemu.GatewayTimeout()
	gateway.AfterCall = true
	tests := []struct {
		name   string
		action tgemu.Action
		client *tgbotapi.BotAPI
		fault  string
		check  func(error) bool
	}{
		{"drop", tgemu.DropAfterCall(), bot, "drop_after_call", func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "EOF")
		}},
		{"hang", tgemu.HangAfterCall(), impatient, "hang_after_call", func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "Client.Timeout")
		}},
		{"late answer", late, impatient, "latency_after_call", func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "Client.Timeout")
		}},
		{"504", gateway, bot, "html_after_call", func(err error) bool {
			var syn *json.SyntaxError
			return errors.As(err, &syn)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := started(srv, tgemu.UserOptions{})
			rule := srv.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, tt.action)
			_, err := tt.client.Send(tgbotapi.NewMessage(u.ID(), "payment received"))
			if !tt.check(err) {
				t.Fatalf("the client got %T %v", err, err)
			}
			if rule.Fired() != 1 {
				t.Fatalf("fired %d", rule.Fired())
			}
			msgs := u.Chat().BotMessages()
			if len(msgs) != 1 || msgs[0].Text != "payment received" {
				t.Fatalf("after the lost answer the chat holds %+v, want the message once", msgs)
			}
			var calls []tgemu.Call
			for _, c := range srv.Calls() {
				if c.Method == "sendMessage" && c.Params["chat_id"] == strconv.FormatInt(u.ID(), 10) {
					calls = append(calls, c)
				}
			}
			if len(calls) != 1 || calls[0].Fault != tt.fault || calls[0].Status != 200 {
				t.Fatalf("call log %+v, want one call with status 200 and fault %q", calls, tt.fault)
			}
		})
	}

	// An edit whose answer is lost is made all the same, and makes no new message.
	u := started(srv, tgemu.UserOptions{})
	card, err := bot.Send(tgbotapi.NewMessage(u.ID(), "card: new"))
	if err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(tgemu.Match{Method: "editMessageText", Times: 1}, tgemu.DropAfterCall())
	if _, err := bot.Send(tgbotapi.NewEditMessageText(u.ID(), card.MessageID, "card: ready")); err == nil {
		t.Fatal("the dropped edit answered")
	}
	msgs := u.Chat().BotMessages()
	if len(msgs) != 1 || msgs[0].ID != card.MessageID || msgs[0].Text != "card: ready" {
		t.Fatalf("after the lost edit: %+v", msgs)
	}

	// Without AfterCall, the same kinds do not run the call.
	u = started(srv, tgemu.UserOptions{})
	for _, a := range []tgemu.Action{tgemu.DropConnection(), tgemu.Hang(), tgemu.GatewayTimeout()} {
		srv.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, a)
		if _, err := impatient.Send(tgbotapi.NewMessage(u.ID(), "x")); err == nil {
			t.Fatalf("%v answered", a.Kind)
		}
	}
	if n := len(u.Chat().BotMessages()); n != 0 {
		t.Fatalf("a fault before the call ran it: %d messages", n)
	}
}
