package bot

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newTestBot builds a bot on the emulator, a fresh database and a Redis
// prefix; start runs it until the test ends.
func newTestBot(t testing.TB, tune ...func(*Config)) (*Bot, *tgemu.Server, *lockedBuffer) {
	t.Helper()
	pool, _ := pgtest.New(t)
	rdb, prefix := redistest.New(t)
	emu := tgemu.NewServer(tgemu.Options{})
	t.Cleanup(emu.Close)
	api, err := tgbotapi.NewBotAPIWithClient(emu.Token(), emu.Endpoint(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	svc := crm.New(pool, crm.Options{})
	cfg := Config{KeyPrefix: prefix, PollTimeout: time.Second}
	for _, f := range tune {
		f(&cfg)
	}
	b := New(api, svc, rdb, slog.New(slog.NewJSONHandler(logs, nil)), cfg)
	return b, emu, logs
}

func (b *Bot) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
}

// A panic in one handler is recovered, logged and answered; the bot goes
// on serving.
func TestPanicInHandlerIsRecovered(t *testing.T) {
	t.Parallel()
	b, emu, logs := newTestBot(t)
	b.routes.commands["boom"] = func(context.Context, *request) error { panic("kaboom") }
	b.routes.commandNeeds["boom"] = crm.ActHelp
	b.start(t)
	u := emu.NewUser(tgemu.UserOptions{FirstName: "P", LanguageCode: "en"})
	u.Send("/boom")
	if _, err := u.Chat().Await(10*time.Second, func(m tgemu.Message) bool { return strings.Contains(m.Text, "Something went wrong") }); err != nil {
		t.Fatalf("no apology: %v\n%s", err, u.Chat().Transcript())
	}
	u.Send("/help")
	if _, err := u.Chat().Await(10*time.Second, func(m tgemu.Message) bool { return strings.Contains(m.Text, "/my") }); err != nil {
		t.Fatalf("the bot stopped serving: %v\n%s", err, u.Chat().Transcript())
	}
	if !strings.Contains(logs.String(), "kaboom") {
		t.Errorf("the panic is not logged:\n%s", logs.String())
	}
	if r := emu.Rejected(); len(r) > 0 {
		t.Errorf("rejected calls: %+v", r)
	}
}

// Forged or foreign callback data is refused with the out-of-date answer
// and logged with the user id; nothing else happens.
func TestForgedCallbackData(t *testing.T) {
	t.Parallel()
	b, emu, logs := newTestBot(t)
	b.start(t)
	u := emu.NewUser(tgemu.UserOptions{FirstName: "F", LanguageCode: "ru"})
	u.Send("/help")
	help, err := u.Chat().Await(10*time.Second, func(m tgemu.Message) bool { return strings.Contains(m.Text, "/my") })
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{"junk", "s:1:1:closed", "t:zz:0", "x:1:1:DROP"} {
		id, err := u.PressData(help, data)
		if err != nil {
			t.Fatal(err)
		}
		a, err := emu.AwaitAnswer(10*time.Second, id)
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		if a.Text == "" {
			t.Errorf("%q: empty answer", data)
		}
	}
	if !strings.Contains(logs.String(), `"user_id":`+strconv.FormatInt(u.ID(), 10)) {
		t.Errorf("refusals are not logged with the user id:\n%s", logs.String())
	}
}
