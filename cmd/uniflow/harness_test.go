package main

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// awaitTimeout bounds every wait for the bot; a healthy run answers in
// milliseconds, so hitting it means a real failure.
const awaitTimeout = 15 * time.Second

// harness boots the real program (run) against the emulator, a fresh
// PostgreSQL database and a private Redis key prefix.
type harness struct {
	t    *testing.T
	emu  *tgemu.Server
	pool *pgxpool.Pool
	env  map[string]string
	logs *syncBuffer

	cancel context.CancelFunc
	done   chan error
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newHarness(t *testing.T, opts tgemu.Options, extra map[string]string) *harness {
	t.Helper()
	pool, dsn := pgtest.New(t)
	_, prefix := redistest.New(t)
	emu := tgemu.NewServer(opts)
	t.Cleanup(emu.Close)
	h := &harness{
		t:    t,
		emu:  emu,
		pool: pool,
		logs: &syncBuffer{},
		env: map[string]string{
			"TELEGRAM_BOT_TOKEN": emu.Token(),
			"TELEGRAM_API_URL":   emu.URL(),
			"DATABASE_URL":       dsn,
			"REDIS_PREFIX":       prefix,
			"HTTP_ADDR":          "127.0.0.1:0",
			"LOG_LEVEL":          "debug",
			"SHOP_HOURS":         "mon-sun 08:00-20:00",
			"SHOP_TIMEZONE":      middayZone(time.Now()),
			// Known to the tests, so that they can make button data as the bot does.
			"CALLBACK_SECRET": testCallbackSecret,
		},
	}
	for k, v := range extra {
		h.env[k] = v
	}
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			t.Logf("program log:\n%s", h.logs.String())
		}
	})
	return h
}

func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() {
		h.done <- run(ctx, []string{"run"}, func(k string) string { return h.env[k] }, h.logs)
	}()
}

// stop cancels the program as SIGTERM would and waits for a clean exit.
func (h *harness) stop() {
	h.t.Helper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			h.t.Errorf("run returned %v", err)
		}
	case <-time.After(20 * time.Second):
		h.t.Errorf("run did not stop within 20 s")
	}
}

func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
}

// next waits for a bot message in c, newer than after, holding substr.
func (h *harness) next(c *tgemu.Chat, after int, substr string) tgemu.Message {
	h.t.Helper()
	m, err := c.Await(awaitTimeout, func(m tgemu.Message) bool {
		return m.ID > after && strings.Contains(m.Text+m.Caption, substr)
	})
	if err != nil {
		h.t.Fatalf("waiting for %q in chat %d: %v\ntranscript:\n%s", substr, c.ID(), err, c.Transcript())
	}
	return m
}

// card waits until the message with id reads substr (after an edit).
func (h *harness) card(c *tgemu.Chat, id int, substr string) tgemu.Message {
	h.t.Helper()
	m, err := c.Await(awaitTimeout, func(m tgemu.Message) bool {
		return m.ID == id && strings.Contains(m.Text, substr)
	})
	if err != nil {
		h.t.Fatalf("waiting for message %d to read %q: %v\ntranscript:\n%s", id, substr, err, c.Transcript())
	}
	return m
}

// last is the id of the newest message in c, so a wait can ask for newer.
func last(c *tgemu.Chat) int {
	ms := c.Messages()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].ID
}

func (h *harness) press(u *tgemu.User, m tgemu.Message, label string) string {
	h.t.Helper()
	id, err := u.Press(m, label)
	if err != nil {
		h.t.Fatalf("press %q on message %d: %v\ntranscript:\n%s", label, m.ID, err, u.Chat().Transcript())
	}
	return id
}

// answered waits for the bot's answer to a button press.
func (h *harness) answered(id string) tgemu.CallbackAnswer {
	h.t.Helper()
	a, err := h.emu.AwaitAnswer(awaitTimeout, id)
	if err != nil {
		h.t.Fatalf("callback %s: %v", id, err)
	}
	return a
}

func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// buttonData finds the callback data of a button by label.
func buttonData(t *testing.T, m tgemu.Message, label string) string {
	t.Helper()
	for _, row := range m.Inline {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q on message %d: %+v", label, m.ID, m.Inline)
	return ""
}

// waitCount polls the database until query counts want or the wait times
// out; the database has no change feed to wait on.
func (h *harness) waitCount(want int, query string, args ...any) {
	h.t.Helper()
	deadline := time.Now().Add(awaitTimeout)
	for h.count(query, args...) != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}
