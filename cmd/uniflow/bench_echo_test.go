package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// This file holds the two helpers of BenchmarkBookingVsEcho that are not
// UniFlow: the bare echo bot it is measured against, and the tap that tells
// a fake user the moment a reply for its chat went out.

// benchReply is one reply the bot made in a chat, as the emulator answered it.
type benchReply struct {
	at    time.Time // when the emulator had handled the call
	msgID int       // the message sent or edited
}

// benchTap stands in front of the emulator's handler and, for every
// successful sendMessage or editMessageText, hands the reply to the fake
// user of that chat. The emulator's own Chat.Await wakes every waiter on
// every change of the whole emulator and snapshots its chat each time: with
// hundreds of users waiting at once that costs more than the bots under
// test, so the load generator waits here instead, O(1) per reply. The
// emulator still answers every call; the tap only watches.
type benchTap struct {
	next http.Handler
	mu   sync.RWMutex
	subs map[int64]chan benchReply
}

func newBenchTap(next http.Handler) *benchTap {
	return &benchTap{next: next, subs: make(map[int64]chan benchReply)}
}

// subscribe returns the channel on which the replies in chat arrive.
func (t *benchTap) subscribe(chat int64) chan benchReply {
	ch := make(chan benchReply, 16)
	t.mu.Lock()
	t.subs[chat] = ch
	t.mu.Unlock()
	return ch
}

func (t *benchTap) unsubscribe(chat int64) {
	t.mu.Lock()
	delete(t.subs, chat)
	t.mu.Unlock()
}

type benchTapWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *benchTapWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *benchTapWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

func (t *benchTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	if method != "sendMessage" && method != "editMessageText" {
		t.next.ServeHTTP(w, r)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	form, _ := url.ParseQuery(string(raw))
	chat, _ := strconv.ParseInt(form.Get("chat_id"), 10, 64)
	tw := &benchTapWriter{ResponseWriter: w, status: http.StatusOK}
	t.next.ServeHTTP(tw, r)
	at := time.Now()
	if tw.status != http.StatusOK {
		return
	}
	t.mu.RLock()
	ch := t.subs[chat]
	t.mu.RUnlock()
	if ch != nil {
		select {
		case ch <- benchReply{at: at, msgID: firstMessageID(tw.body.Bytes())}:
		default: // a user that stopped listening; the check at its next step fails
		}
	}
}

// firstMessageID reads the result's message_id without decoding the whole
// answer (the tap's cost lands on both bots' side of the scale): the
// emulator writes message_id first in a message, before any nested one.
func firstMessageID(body []byte) int {
	_, rest, ok := bytes.Cut(body, []byte(`"message_id":`))
	if !ok {
		return 0
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// benchEmulator is an emulator without Telegram's rate limits, served
// behind a reply tap; bots use endpoint, fake users emu.
type benchEmulator struct {
	emu      *tgemu.Server
	tap      *benchTap
	srv      *httptest.Server
	endpoint string // for tgbotapi.NewBotAPIWithClient
}

func newBenchEmulator(tb testing.TB) *benchEmulator {
	tb.Helper()
	emu := tgemu.NewServer(tgemu.Options{NoRateLimits: true})
	tap := newBenchTap(emu.Handler())
	srv := httptest.NewServer(tap)
	// The emulator first: closing it ends held long polls, which the test
	// server would otherwise wait for.
	tb.Cleanup(func() { emu.Close(); srv.Close() })
	return &benchEmulator{emu: emu, tap: tap, srv: srv, endpoint: srv.URL + "/bot%s/%s"}
}

// benchEchoBot is the baseline: a bare echo bot on the same library, with the
// same tuned HTTP client and the same concurrency as UniFlow's bot (16
// workers, each chat on one worker so its replies keep their order). Per
// update it does what every bot must: take it from getUpdates and send one
// message back.
type benchEchoBot struct {
	api     *tgbotapi.BotAPI
	workers int
}

const benchEchoWorkers = 16

// benchCtxClient binds the library's context-free requests to ctx, so the
// held long poll ends when the bot is stopped.
type benchCtxClient struct {
	ctx  context.Context
	next tgbotapi.HTTPClient
}

func (c benchCtxClient) Do(r *http.Request) (*http.Response, error) {
	return c.next.Do(r.WithContext(c.ctx))
}

// startBenchEcho runs the echo bot against e until the benchmark ends.
func startBenchEcho(tb testing.TB, e *benchEmulator) {
	tb.Helper()
	client := newTelegramHTTPClient()
	api, err := tgbotapi.NewBotAPIWithClient(e.emu.Token(), e.endpoint, client)
	if err != nil {
		tb.Fatalf("echo bot: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	benchLabel("echo-bot", func() {
		go func() {
			defer close(done)
			(&benchEchoBot{api: api, workers: benchEchoWorkers}).run(ctx, client)
		}()
	})
	tb.Cleanup(func() { cancel(); <-done })
	if err := e.emu.AwaitPolling(benchAwait); err != nil {
		tb.Fatalf("echo bot: %v", err)
	}
}

func (e *benchEchoBot) run(ctx context.Context, client *http.Client) {
	queues := make([]chan tgbotapi.Update, e.workers)
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan tgbotapi.Update, 64)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range queues[i] {
				e.reply(u)
			}
		}()
	}
	defer func() {
		for _, q := range queues {
			close(q)
		}
		wg.Wait()
	}()

	pollAPI := *e.api
	pollAPI.Client = benchCtxClient{ctx: ctx, next: client}
	offset := 0
	for ctx.Err() == nil {
		updates, err := pollAPI.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: 100, Timeout: int(pollTimeout / time.Second)})
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		for _, u := range updates {
			offset = u.UpdateID + 1
			if u.Message == nil || u.Message.Chat == nil {
				continue
			}
			queues[benchShard(u.Message.Chat.ID, len(queues))] <- u
		}
	}
}

func (e *benchEchoBot) reply(u tgbotapi.Update) {
	text := u.Message.Text
	if text == "" {
		text = "?"
	}
	_, _ = e.api.Send(tgbotapi.NewMessage(u.Message.Chat.ID, text))
}

// benchShard spreads chats over workers as bot/dispatcher.go does.
func benchShard(chatID int64, n int) int {
	h := uint64(chatID) * 0x9E3779B97F4A7C15
	return int(h >> 32 % uint64(n))
}

// benchEchoProgram is the same echo bot as a program of its own, built only to
// measure its idle RSS next to UniFlow's. It reads TELEGRAM_BOT_TOKEN and
// TELEGRAM_API_URL like UniFlow, and its HTTP client is tuned the same way.
const benchEchoProgram = `package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

type ctxClient struct {
	ctx  context.Context
	next *http.Client
}

func (c ctxClient) Do(r *http.Request) (*http.Response, error) { return c.next.Do(r.WithContext(c.ctx)) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	client := &http.Client{
		Timeout: 45 * time.Second,
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
	}
	api, err := tgbotapi.NewBotAPIWithClient(os.Getenv("TELEGRAM_BOT_TOKEN"), os.Getenv("TELEGRAM_API_URL")+"/bot%s/%s", client)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("echo bot connected\n")
	queues := make([]chan tgbotapi.Update, 16)
	for i := range queues {
		queues[i] = make(chan tgbotapi.Update, 64)
		go func() {
			for u := range queues[i] {
				_, _ = api.Send(tgbotapi.NewMessage(u.Message.Chat.ID, u.Message.Text))
			}
		}()
	}
	poll := *api
	poll.Client = ctxClient{ctx: ctx, next: client}
	offset := 0
	for ctx.Err() == nil {
		updates, err := poll.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: 100, Timeout: 30})
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for _, u := range updates {
			offset = u.UpdateID + 1
			if u.Message != nil && u.Message.Chat != nil {
				queues[int(uint64(u.Message.Chat.ID)*0x9E3779B97F4A7C15>>32%16)] <- u
			}
		}
	}
}
`
