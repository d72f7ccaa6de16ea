package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// Delivery tests: each error rule of the sender, through the emulator's fault injection, with
// the exact outcome in the database and in the chat.

const deliveryWait = 15 * time.Second

// deliveryEnv is a bot on the emulator, a fresh database and a Redis prefix, with an owner (who
// is told about failures) and quick retries.
type deliveryEnv struct {
	t      *testing.T
	emu    *tgemu.Server
	svc    *crm.Service
	pool   *pgxpool.Pool
	rdb    *redis.Client
	prefix string
	logs   *lockedBuffer
	owner  *tgemu.User
	phones atomic.Int64
}

func newDeliveryEnv(t *testing.T, opts tgemu.Options) *deliveryEnv {
	t.Helper()
	pool, _ := pgtest.New(t)
	rdb, prefix := redistest.New(t)
	emu := tgemu.NewServer(opts)
	t.Cleanup(emu.Close)
	e := &deliveryEnv{t: t, emu: emu, pool: pool, rdb: rdb, prefix: prefix, logs: &lockedBuffer{},
		svc: crm.New(pool, crm.Options{Location: time.UTC})}
	e.owner = e.user(true)
	ctx := context.Background()
	if err := e.svc.EnsureOwners(ctx, []int64{e.owner.ID()}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.TouchStaff(ctx, e.owner.ID(), e.owner.ID(), "Owner", "en"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("bot log:\n%s", e.logs.String())
		}
	})
	return e
}

// newBot builds a bot of the environment; several share the database and the Redis prefix as
// replicas would.
func (e *deliveryEnv) newBot(tune func(*Config)) *Bot {
	e.t.Helper()
	api, err := tgbotapi.NewBotAPIWithClient(e.emu.Token(), e.emu.Endpoint(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := Config{
		KeyPrefix:      e.prefix,
		OwnerIDs:       []int64{e.owner.ID()},
		Location:       time.UTC,
		PollTimeout:    time.Second,
		OutboxInterval: 20 * time.Millisecond,
		Delivery: DeliveryConfig{
			SendTimeout:   400 * time.Millisecond,
			RetryBase:     20 * time.Millisecond,
			RetryMax:      100 * time.Millisecond,
			RetryDeadline: 2 * time.Second,
		},
	}
	if tune != nil {
		tune(&cfg)
	}
	return New(api, e.svc, e.rdb, slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})), cfg)
}

// user is a fake user who has (started) or has not written to the bot yet.
func (e *deliveryEnv) user(started bool) *tgemu.User {
	u := e.emu.NewUser(tgemu.UserOptions{FirstName: "U", LanguageCode: "en"})
	if started {
		u.Start("")
	}
	return u
}

// drainUpdates confirms every update so far, so the bot starts without the users' /start.
func (e *deliveryEnv) drainUpdates() {
	e.t.Helper()
	get := func(q string) []struct {
		UpdateID int `json:"update_id"`
	} {
		resp, err := http.Get(e.emu.URL() + "/bot" + e.emu.Token() + "/getUpdates?" + q)
		if err != nil {
			e.t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Result []struct {
				UpdateID int `json:"update_id"`
			} `json:"result"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			e.t.Fatal(err)
		}
		return body.Result
	}
	if last := get("offset=-1"); len(last) > 0 {
		get("offset=" + strconv.Itoa(last[0].UpdateID+1))
	}
}

// book makes u a client with an order (English), and removes the outbox rows it wrote.
func (e *deliveryEnv) book(u *tgemu.User) crm.OrderCard {
	e.t.Helper()
	ctx := context.Background()
	booked, err := e.svc.Book(ctx, crm.BookingRequest{
		DedupeKey: "book:" + strconv.FormatInt(u.ID(), 10), TelegramUserID: u.ID(), ChatID: u.ID(),
		Language: "en", Phone: fmt.Sprintf("+7912%07d", e.phones.Add(1)), ClientName: "Client",
		NewVehicle: crm.NewVehicle{Make: "Kia", Model: "Rio"}, Problem: "noise",
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `DELETE FROM outbox WHERE order_id = $1`, booked.Card.Order.ID); err != nil {
		e.t.Fatal(err)
	}
	return booked.Card
}

func (e *deliveryEnv) enqueue(t *testing.T, m crm.OutboxMessage) int64 {
	t.Helper()
	if m.DedupeKey == "" {
		m.DedupeKey = fmt.Sprintf("%s:%d:%d", m.Kind, m.ChatID, time.Now().UnixNano())
	}
	if ok, err := e.svc.Enqueue(context.Background(), m); err != nil || !ok {
		t.Fatalf("enqueue %+v: %v, %v", m, ok, err)
	}
	var id int64
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM outbox WHERE dedupe_key = $1`, m.DedupeKey).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// statusNotice enqueues "Order No. N: <to>" for the client of card.
func (e *deliveryEnv) statusNotice(t *testing.T, card crm.OrderCard, to crm.Status) int64 {
	t.Helper()
	data, _ := json.Marshal(crm.StatusChangedData{Number: card.Order.Number, From: crm.StatusNew, To: to})
	return e.enqueue(t, crm.OutboxMessage{Kind: crm.KindStatusChanged, ChatID: *card.Client.ChatID,
		Language: "en", OrderID: &card.Order.ID, Data: data})
}

// summary enqueues a bulk daily summary (in Russian) to chat whose new requests are numbers.
func (e *deliveryEnv) summary(t *testing.T, chat int64, day time.Time, numbers ...int64) int64 {
	t.Helper()
	data, _ := json.Marshal(crm.DailySummary{Day: day, NewRequests: len(numbers), NewNumbers: numbers})
	return e.enqueue(t, crm.OutboxMessage{Kind: crm.KindDailySummary, ChatID: chat, Language: "ru", Data: data})
}

type dRow struct {
	State     string
	Attempts  int
	LastError string
	ChatID    int64
	MsgID     *int
	Parts     int
}

func (e *deliveryEnv) row(t *testing.T, id int64) dRow {
	t.Helper()
	var r dRow
	err := e.pool.QueryRow(context.Background(), `SELECT state, attempts, last_error, chat_id, telegram_message_id, parts_sent
		FROM outbox WHERE id = $1`, id).Scan(&r.State, &r.Attempts, &r.LastError, &r.ChatID, &r.MsgID, &r.Parts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// settled polls the database (it has no change feed to wait on) until the row reaches a final
// state, and returns it.
func (e *deliveryEnv) settled(t *testing.T, id int64) dRow {
	t.Helper()
	deadline := time.Now().Add(deliveryWait)
	for {
		r := e.row(t, id)
		if r.State != crm.OutboxPending && r.State != crm.OutboxSending {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("row %d still %s after %v: %+v", id, r.State, deliveryWait, r)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// calls are the Bot API calls of method to chat.
func (e *deliveryEnv) calls(method string, chat int64) []tgemu.Call {
	var out []tgemu.Call
	for _, c := range e.emu.Calls() {
		if c.Method == method && c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
			out = append(out, c)
		}
	}
	return out
}

// texts are the bot's messages in c holding substr.
func texts(c *tgemu.Chat, substr string) []tgemu.Message {
	var out []tgemu.Message
	for _, m := range c.BotMessages() {
		if strings.Contains(m.Text, substr) {
			out = append(out, m)
		}
	}
	return out
}

func (b *Bot) run(t *testing.T) {
	t.Helper()
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

func TestDeliveryRules(t *testing.T) {
	t.Parallel()
	e := newDeliveryEnv(t, tgemu.Options{})
	ctx := context.Background()
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)

	// Everyone the cases need, before the bot starts, so that the bot sees none of their /start.
	type client struct {
		u    *tgemu.User
		card crm.OrderCard
	}
	clients := map[string]client{}
	for _, name := range []string{"flood", "flood2", "flood3", "5xx", "deadline", "hang", "drop", "blocked", "deactivated", "cant", "edit", "unreachable"} {
		u := e.user(name != "cant")
		clients[name] = client{u, e.book(u)}
	}
	bulkUsers := map[string]*tgemu.User{}
	for _, name := range []string{"504", "hang-bulk", "truncated", "long"} {
		bulkUsers[name] = e.user(true)
	}
	oldGroup := e.emu.NewGroup("Staff", false)
	e.owner.SendIn(oldGroup, "hello")
	supergroup, err := oldGroup.MigrateToSupergroup()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO staff (telegram_user_id, chat_id, role, branch_id) VALUES (42, $1, 'mechanic', 1)`, oldGroup.ID()); err != nil {
		t.Fatal(err)
	}
	e.drainUpdates()
	b := e.newBot(nil)
	b.run(t)

	t.Run("rules", func(t *testing.T) {
		t.Run("429 waits retry_after for the chat, and for the bulk lane when the chat was fresh", func(t *testing.T) {
			t.Parallel()
			c, bulkChat, other := clients["flood"], clients["flood2"], clients["flood3"]
			e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: c.u.ID(), Times: 1}, tgemu.TooManyRequests(1))
			id := e.statusNotice(t, c.card, crm.StatusAccepted)
			flood, err := e.emu.AwaitCall(deliveryWait, func(call tgemu.Call) bool {
				return call.Status == 429 && call.Params["chat_id"] == strconv.FormatInt(c.u.ID(), 10)
			})
			if err != nil {
				t.Fatal(err)
			}
			// The chat had sent nothing: the limit hit is the bot's, so broadcasts wait too.
			bulkID := e.summary(t, bulkChat.u.ID(), day, 1001)
			otherID := e.statusNotice(t, other.card, crm.StatusAccepted)
			r := e.settled(t, id)
			got := texts(c.u.Chat(), "Order No.")
			if r.State != crm.OutboxSent || r.Attempts != 1 || r.LastError != "" || len(got) != 1 || r.MsgID == nil || *r.MsgID != got[0].ID {
				t.Fatalf("after a 429: row %+v, chat %+v", r, got)
			}
			calls := e.calls("sendMessage", c.u.ID())
			if len(calls) != 2 || calls[1].At.Sub(calls[0].At) < 900*time.Millisecond {
				t.Errorf("resent %d times, %v after the 429; want once, after retry_after (1 s)", len(calls)-1, calls[len(calls)-1].At.Sub(calls[0].At))
			}
			e.settled(t, bulkID)
			e.settled(t, otherID)
			bc, oc := e.calls("sendMessage", bulkChat.u.ID()), e.calls("sendMessage", other.u.ID())
			if len(bc) != 1 || bc[0].At.Sub(flood.At) < 900*time.Millisecond {
				t.Errorf("a broadcast message went out %v after a 429 for a fresh chat; want the global pause of 1 s", bc[0].At.Sub(flood.At))
			}
			if len(oc) != 1 || !oc[0].At.Before(bc[0].At) {
				t.Errorf("an interactive notice to another chat waited for the broadcast's pause: %v after the 429", oc[0].At.Sub(flood.At))
			}
		})

		t.Run("5xx is retried with backoff and arrives once", func(t *testing.T) {
			t.Parallel()
			c := clients["5xx"]
			e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: c.u.ID(), Times: 2}, tgemu.InternalError())
			r := e.settled(t, e.statusNotice(t, c.card, crm.StatusAccepted))
			if r.State != crm.OutboxSent || r.Attempts != 2 || len(texts(c.u.Chat(), "Order No.")) != 1 {
				t.Errorf("row %+v, chat:\n%s", r, c.u.Chat().Transcript())
			}
			if calls := e.calls("sendMessage", c.u.ID()); len(calls) != 3 {
				t.Errorf("%d calls, want 3", len(calls))
			}
		})

		t.Run("5xx past the deadline fails and tells the managers", func(t *testing.T) {
			t.Parallel()
			c := clients["deadline"]
			e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: c.u.ID()}, tgemu.InternalError())
			r := e.settled(t, e.statusNotice(t, c.card, crm.StatusAccepted))
			if r.State != crm.OutboxFailed || r.Attempts < 2 || r.LastError != "Internal Server Error: restart" || len(texts(c.u.Chat(), "Order No.")) != 0 {
				t.Errorf("row %+v", r)
			}
			want := fmt.Sprintf("⚠️ Could not deliver: client: order status for order No. %d.\nReason: Internal Server Error: restart", c.card.Order.Number)
			if _, err := e.owner.Chat().Await(deliveryWait, func(m tgemu.Message) bool { return m.Text == want }); err != nil {
				t.Errorf("the owner was not told %q: %v\n%s", want, err, e.owner.Chat().Transcript())
			}
		})

		t.Run("a timeout is resent for an interactive notice, which arrives once", func(t *testing.T) {
			t.Parallel()
			for name, fault := range map[string]tgemu.Action{"hang": tgemu.Hang(), "drop": tgemu.DropConnection()} {
				c := clients[name]
				e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: c.u.ID(), Times: 1}, fault)
				r := e.settled(t, e.statusNotice(t, c.card, crm.StatusAccepted))
				if r.State != crm.OutboxSent || r.Attempts != 1 || len(texts(c.u.Chat(), "Order No.")) != 1 {
					t.Errorf("%s: row %+v, chat:\n%s", name, r, c.u.Chat().Transcript())
				}
			}
		})

		t.Run("a lost answer is not resent for a bulk message", func(t *testing.T) {
			t.Parallel()
			for name, fault := range map[string]tgemu.Action{"504": tgemu.GatewayTimeout(), "hang-bulk": tgemu.Hang()} {
				u := bulkUsers[name]
				e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, fault)
				r := e.settled(t, e.summary(t, u.ID(), day, 1001))
				if r.State != crm.OutboxUncertain || r.Attempts != 1 || r.LastError == "" {
					t.Errorf("%s: row %+v", name, r)
				}
				if n := len(e.calls("sendMessage", u.ID())); n != 1 {
					t.Errorf("%s: %d sends, want 1", name, n)
				}
			}
		})

		t.Run("an answer cut short after Telegram took the message counts as sent", func(t *testing.T) {
			t.Parallel()
			u := bulkUsers["truncated"]
			e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, tgemu.TruncatedJSON())
			r := e.settled(t, e.summary(t, u.ID(), day, 1001))
			if r.State != crm.OutboxSent || r.MsgID != nil || len(texts(u.Chat(), "Итоги дня")) != 1 {
				t.Errorf("row %+v, chat:\n%s", r, u.Chat().Transcript())
			}
		})

		t.Run("403 marks the client unreachable; no retry; /start clears it", func(t *testing.T) {
			t.Parallel()
			clients["blocked"].u.Block()
			clients["deactivated"].u.Deactivate()
			for name, desc := range map[string]string{
				"blocked":     "Forbidden: bot was blocked by the user",
				"deactivated": "Forbidden: user is deactivated",
				"cant":        "Forbidden: bot can't initiate conversation with a user",
			} {
				c := clients[name]
				before := time.Now()
				r := e.settled(t, e.statusNotice(t, c.card, crm.StatusAccepted))
				if r.State != crm.OutboxBlocked || r.LastError != desc || r.Attempts != 1 {
					t.Errorf("%s: row %+v", name, r)
				}
				if n := len(e.calls("sendMessage", c.u.ID())); n != 1 {
					t.Errorf("%s: %d sends, want 1", name, n)
				}
				card, err := e.svc.OrderCard(ctx, c.card.Order.ID)
				if err != nil {
					t.Fatal(err)
				}
				if since := card.Client.UnreachableSince; since == nil || since.Before(before.Add(-time.Second)) {
					t.Errorf("%s: unreachable since %v", name, since)
				} else if staff := b.staffCard(text.EN, card); !strings.Contains(staff, "⛔ The client gets no messages since "+dateText(*since)) {
					t.Errorf("%s: the staff card does not show it:\n%s", name, staff)
				}
			}
			u := clients["blocked"].u
			u.Unblock()
			u.Start("")
			if _, err := u.Chat().AwaitText(deliveryWait, "Welcome back"); err != nil {
				t.Fatalf("no greeting: %v\n%s", err, u.Chat().Transcript())
			}
			if c, err := e.svc.ClientByTelegramID(ctx, u.ID()); err != nil || c.UnreachableSince != nil {
				t.Errorf("after /start: %+v, %v", c.UnreachableSince, err)
			}
		})

		t.Run("bulk messages skip unreachable clients", func(t *testing.T) {
			t.Parallel()
			c := clients["unreachable"]
			if _, err := e.pool.Exec(ctx, `UPDATE clients SET unreachable_since = now() WHERE id = $1`, c.card.Client.ID); err != nil {
				t.Fatal(err)
			}
			r := e.settled(t, e.summary(t, c.u.ID(), day, 1001))
			if r.State != crm.OutboxBlocked || len(e.calls("sendMessage", c.u.ID())) != 0 {
				t.Errorf("row %+v, %d sends", r, len(e.calls("sendMessage", c.u.ID())))
			}
		})

		t.Run("400 chat not found fails at once and tells the managers", func(t *testing.T) {
			t.Parallel()
			const nowhere = 777000111
			orderID := clients["deadline"].card.Order.ID
			r := e.settled(t, e.enqueue(t, crm.OutboxMessage{Kind: "status_changed", ChatID: nowhere, Language: "en",
				OrderID: &orderID, Data: json.RawMessage(`{"to":"accepted"}`)}))
			if r.State != crm.OutboxFailed || r.LastError != "Bad Request: chat not found" || r.Attempts != 1 {
				t.Errorf("row %+v", r)
			}
			if n := len(e.calls("sendMessage", nowhere)); n != 1 {
				t.Errorf("%d sends, want 1", n)
			}
			if _, err := e.owner.Chat().AwaitText(deliveryWait, "Reason: Bad Request: chat not found"); err != nil {
				t.Errorf("the owner was not told: %v", err)
			}
		})

		t.Run("a group upgraded to a supergroup: the chat id is rewritten and the message resent", func(t *testing.T) {
			t.Parallel()
			r := e.settled(t, e.summary(t, oldGroup.ID(), day, 1001))
			if r.State != crm.OutboxSent || r.ChatID != supergroup.ID() {
				t.Errorf("row %+v, want sent to %d", r, supergroup.ID())
			}
			if len(texts(supergroup, "Итоги дня")) != 1 || len(texts(oldGroup, "Итоги дня")) != 0 {
				t.Errorf("old group:\n%s\nsupergroup:\n%s", oldGroup.Transcript(), supergroup.Transcript())
			}
			var staffChat int64
			if err := e.pool.QueryRow(ctx, `SELECT chat_id FROM staff WHERE telegram_user_id = 42`).Scan(&staffChat); err != nil || staffChat != supergroup.ID() {
				t.Errorf("staff chat %d, %v", staffChat, err)
			}
			later := e.row(t, e.summary(t, oldGroup.ID(), day.AddDate(0, 0, 1), 1002))
			if later.ChatID != supergroup.ID() {
				t.Errorf("a later message for the old id goes to %d", later.ChatID)
			}
		})

		t.Run("an edit that changes nothing is success", func(t *testing.T) {
			t.Parallel()
			c := clients["edit"]
			shown, err := b.sayMessage(ctx, c.u.ID(), b.clientCard(text.EN, c.card), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.SetClientCard(ctx, c.card.Order.ID, c.u.ID(), shown); err != nil {
				t.Fatal(err)
			}
			// The notice of the current status redraws the card, which already shows it.
			r := e.settled(t, e.statusNotice(t, c.card, crm.StatusNew))
			edit, err := e.emu.AwaitCall(deliveryWait, func(call tgemu.Call) bool {
				return call.Method == "editMessageText" && call.Params["chat_id"] == strconv.FormatInt(c.u.ID(), 10)
			})
			if err != nil || edit.Status != 400 || !strings.Contains(edit.Description, "message is not modified") {
				t.Fatalf("edit %+v, %v", edit, err)
			}
			if r.State != crm.OutboxSent || r.Attempts != 0 || len(texts(c.u.Chat(), fmt.Sprintf("Order No. %d: ", c.card.Order.Number))) != 1 {
				t.Errorf("row %+v", r)
			}
			if strings.Contains(e.logs.String(), "redraw client card") {
				t.Errorf("the not-modified edit was treated as a failure:\n%s", e.logs.String())
			}
		})

		t.Run("a text over 4096 characters goes in parts, in order, each once", func(t *testing.T) {
			t.Parallel()
			u := bulkUsers["long"]
			numbers := make([]int64, 1500)
			for i := range numbers {
				numbers[i] = int64(10001 + i)
			}
			// The second part fails once: the retry goes on from it.
			e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Nth: 2, Times: 1}, tgemu.InternalError())
			r := e.settled(t, e.summary(t, u.ID(), day, numbers...))
			parts := u.Chat().BotMessages()
			if r.State != crm.OutboxSent || r.Parts != 3 || r.Attempts != 1 || len(parts) != 3 || *r.MsgID != parts[2].ID {
				t.Fatalf("row %+v, %d messages", r, len(parts))
			}
			var all []string
			for i, p := range parts {
				if n := len([]rune(p.Text)); n > maxMessage {
					t.Errorf("part %d: %d characters", i, n)
				}
				all = append(all, p.Text)
			}
			joined := strings.Join(all, " ")
			last := strings.Index(joined, "№10001")
			for _, n := range numbers[1:] {
				i := strings.Index(joined, "№"+strconv.FormatInt(n, 10)+",")
				if n == numbers[len(numbers)-1] {
					i = strings.Index(joined, "№"+strconv.FormatInt(n, 10))
				}
				if i <= last {
					t.Fatalf("№%d missing or out of order", n)
				}
				last = i
			}
			if strings.Count(joined, "№") != len(numbers) {
				t.Errorf("%d numbers in the chat, want %d", strings.Count(joined, "№"), len(numbers))
			}
		})
	})

	// Staff see it: the order's notices with their states, and managers the stuck items.
	e.owner.Send(fmt.Sprintf("/notices %d", clients["blocked"].card.Order.Number))
	if _, err := e.owner.Chat().AwaitText(deliveryWait, "client: order status «accepted» · ⛔ blocked by the recipient: Forbidden: bot was blocked by the user"); err != nil {
		t.Errorf("/notices: %v\n%s", err, e.owner.Chat().Transcript())
	}
	e.owner.Send(fmt.Sprintf("/notices %d", clients["5xx"].card.Order.Number))
	if _, err := e.owner.Chat().AwaitText(deliveryWait, "client: order status «accepted» · ✅ delivered"); err != nil {
		t.Errorf("/notices: %v\n%s", err, e.owner.Chat().Transcript())
	}
	e.owner.Send("/outbox")
	m, err := e.owner.Chat().AwaitText(deliveryWait, "Needs attention")
	if err != nil {
		t.Fatalf("/outbox: %v\n%s", err, e.owner.Chat().Transcript())
	}
	for _, want := range []string{"interactive · ❌ failed: 2", "bulk · ❔ Telegram's answer was lost; not sent again: 2",
		"interactive · ⛔ blocked by the recipient: 3", "Internal Server Error: restart"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("/outbox lacks %q:\n%s", want, m.Text)
		}
	}
	u := clients["flood"].u
	u.Send("/outbox")
	if _, err := u.Chat().AwaitText(deliveryWait, "This command is for the shop's staff."); err != nil {
		t.Errorf("/outbox for a client: %v\n%s", err, u.Chat().Transcript())
	}
}

// countingTransport counts the sendMessage calls one replica makes.
type countingTransport struct {
	sends atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/sendMessage") {
		c.sends.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Two replicas broadcasting at once share one budget through Redis: with the emulator's limits
// at 40 messages a second and each replica allowed 40, not one message is refused.
func TestDeliveryAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newDeliveryEnv(t, tgemu.Options{GlobalRate: 40})
	users := make([]*tgemu.User, 160)
	for i := range users {
		users[i] = e.user(true)
	}
	e.drainUpdates()
	e.emu.Advance(time.Minute) // the users' /start is long past: no reply credits
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, u := range users {
		e.summary(t, u.ID(), day, 1001)
	}
	replicas := make([]*countingTransport, 2)
	for i := range replicas {
		replicas[i] = &countingTransport{}
		b := e.newBot(func(c *Config) { c.SendRate = 40 })
		b.api.Client = &http.Client{Transport: replicas[i], Timeout: 10 * time.Second}
		b.run(t)
	}
	deadline := time.Now().Add(deliveryWait)
	for {
		var left int
		if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE state <> 'sent'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows unsent", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, c := range e.emu.Calls() {
		if c.Status == 429 {
			t.Fatalf("the replicas overran the shared limit: %+v", c)
		}
	}
	for _, u := range users {
		if n := len(u.Chat().BotMessages()); n != 1 {
			t.Errorf("chat %d got %d messages", u.ID(), n)
		}
	}
	if a, b := replicas[0].sends.Load(), replicas[1].sends.Load(); a == 0 || b == 0 || a+b != int64(len(users)) {
		t.Errorf("replicas sent %d and %d of %d", a, b, len(users))
	}
}

// A broadcast does not hold up a status notice: with a backlog of bulk rows that takes seconds
// at the global rate, the notice goes out while most of the backlog still waits.
func TestDeliveryInteractiveOvertakesBroadcast(t *testing.T) {
	t.Parallel()
	e := newDeliveryEnv(t, tgemu.Options{})
	users := make([]*tgemu.User, 100)
	for i := range users {
		users[i] = e.user(true)
	}
	client := e.user(true)
	card := e.book(client)
	e.drainUpdates()
	e.emu.Advance(time.Minute)
	b := e.newBot(func(c *Config) { c.SendRate = 20 })
	b.run(t)
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	for _, u := range users {
		e.summary(t, u.ID(), day, 1001)
	}
	if _, err := e.emu.AwaitCall(deliveryWait, func(c tgemu.Call) bool { return c.Method == "sendMessage" }); err != nil {
		t.Fatalf("the broadcast did not start: %v", err)
	}
	id := e.statusNotice(t, card, crm.StatusAccepted)
	r := e.settled(t, id)
	var pending int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE lane = 'bulk' AND state <> 'sent'`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if r.State != crm.OutboxSent || pending < len(users)/2 {
		t.Errorf("notice %+v delivered with %d of %d broadcast rows still waiting; want it ahead of most", r, pending, len(users))
	}
}

// A notice speaks the language its recipient has when it is sent, not the one they had when it
// was written: the client and the mechanic switch to Russian after their English notices were
// enqueued, and get them in Russian; a chat nobody in the CRM owns keeps the stored language.
func TestDeliveryLanguageAtSendTime(t *testing.T) {
	t.Parallel()
	e := newDeliveryEnv(t, tgemu.Options{})
	ctx := context.Background()
	client, mechanic, stranger := e.user(true), e.user(true), e.user(true)
	card := e.book(client)
	if _, err := e.pool.Exec(ctx, `INSERT INTO staff (telegram_user_id, chat_id, role, branch_id, language)
		VALUES ($1, $1, 'mechanic', 1, 'en')`, mechanic.ID()); err != nil {
		t.Fatal(err)
	}
	e.drainUpdates()
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	notice := e.statusNotice(t, card, crm.StatusAccepted)
	assigned := e.enqueue(t, crm.OutboxMessage{Kind: crm.KindOrderAssigned, ChatID: mechanic.ID(), Language: "en",
		OrderID: &card.Order.ID, Data: json.RawMessage(fmt.Sprintf(`{"number":%d}`, card.Order.Number))})
	data, _ := json.Marshal(crm.DailySummary{Day: day})
	summary := e.enqueue(t, crm.OutboxMessage{Kind: crm.KindDailySummary, ChatID: stranger.ID(), Language: "en", Data: data})
	// The rows are written; now both switch language (a client's booking in Russian, a staff
	// member writing from a Telegram set to Russian).
	if _, err := e.pool.Exec(ctx, `UPDATE clients SET language = 'ru', updated_at = now() WHERE id = $1`, card.Client.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.TouchStaff(ctx, mechanic.ID(), mechanic.ID(), "", "ru"); err != nil {
		t.Fatal(err)
	}
	e.newBot(nil).run(t)

	for _, id := range []int64{notice, assigned, summary} {
		if r := e.settled(t, id); r.State != crm.OutboxSent {
			t.Fatalf("row %d: %+v", id, r)
		}
	}
	want := map[string]string{
		"client":   text.T(text.RU, text.StatusNotice, card.Order.Number, text.StatusName(text.RU, string(crm.StatusAccepted))),
		"mechanic": text.T(text.RU, text.AssignedTitle),
		"stranger": "📊 Digest for ", // the daily summary opens with the owner's digest: digest.go
	}
	for name, u := range map[string]*tgemu.User{"client": client, "mechanic": mechanic, "stranger": stranger} {
		msgs := u.Chat().BotMessages()
		if len(msgs) != 1 || !strings.HasPrefix(msgs[0].Text, want[name]) {
			t.Errorf("%s got %d messages, want one starting %q:\n%s", name, len(msgs), want[name], u.Chat().Transcript())
		}
	}
}

// Telegram took the message and its answer was lost (tgemu's AfterCall faults: the message is in
// the chat, the sender sees a dropped connection or a timeout). Each lane keeps its promise: a
// bulk message is not sent again (at most once), an interactive notice is (it may show twice, a
// rare duplicate beating a lost status), and a live card is only ever edited, never sent anew.
func TestDeliveryAnswerLostAfterTelegramTookIt(t *testing.T) {
	t.Parallel()
	e := newDeliveryEnv(t, tgemu.Options{})
	ctx := context.Background()
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	faults := map[string]tgemu.Action{"drop": tgemu.DropAfterCall(), "hang": tgemu.HangAfterCall()}
	bulk, interactive, cards := map[string]*tgemu.User{}, map[string]*tgemu.User{}, map[string]*tgemu.User{}
	icards, ccards := map[string]crm.OrderCard{}, map[string]crm.OrderCard{}
	for name := range faults {
		bulk[name] = e.user(true)
		interactive[name] = e.user(true)
		icards[name] = e.book(interactive[name])
		cards[name] = e.user(true)
		ccards[name] = e.book(cards[name])
	}
	e.drainUpdates()
	b := e.newBot(nil)
	b.run(t)

	t.Run("bulk: uncertain, in the chat once, not sent again", func(t *testing.T) {
		t.Parallel()
		for name, fault := range faults {
			u := bulk[name]
			e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, fault)
			r := e.settled(t, e.summary(t, u.ID(), day, 1001))
			if r.State != crm.OutboxUncertain || r.Attempts != 1 || r.LastError == "" {
				t.Errorf("%s: row %+v, want uncertain after one attempt", name, r)
			}
			if calls := e.calls("sendMessage", u.ID()); len(calls) != 1 || calls[0].Fault != name+"_after_call" {
				t.Errorf("%s: calls %+v, want the one that lost its answer", name, calls)
			}
			if got := texts(u.Chat(), "Итоги дня"); len(got) != 1 {
				t.Errorf("%s: the summary is in the chat %d times, want once:\n%s", name, len(got), u.Chat().Transcript())
			}
		}
	})

	t.Run("interactive: resent, so the notice shows twice", func(t *testing.T) {
		t.Parallel()
		for name, fault := range faults {
			u, card := interactive[name], icards[name]
			e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, fault)
			r := e.settled(t, e.statusNotice(t, card, crm.StatusAccepted))
			got := texts(u.Chat(), fmt.Sprintf("Order No. %d: accepted", card.Order.Number))
			if r.State != crm.OutboxSent || r.Attempts != 1 || r.MsgID == nil || len(got) != 2 || *r.MsgID != got[1].ID {
				t.Errorf("%s: row %+v, %d copies in the chat, want sent as the second of two:\n%s", name, r, len(got), u.Chat().Transcript())
			}
			if calls := e.calls("sendMessage", u.ID()); len(calls) != 2 {
				t.Errorf("%s: %d sends, want 2", name, len(calls))
			}
		}
	})

	t.Run("a live card: its edit lost its answer, and it is not sent as a second message", func(t *testing.T) {
		t.Parallel()
		for name, fault := range faults {
			u, card := cards[name], ccards[name]
			// The card as the client saw it before the move; the notice of the current status
			// redraws it in place.
			shown, err := b.sayMessage(ctx, u.ID(), "your order, as it was", nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.SetClientCard(ctx, card.Order.ID, u.ID(), shown); err != nil {
				t.Fatal(err)
			}
			e.emu.InjectFault(tgemu.Match{Method: "editMessageText", ChatID: u.ID(), Times: 1}, fault)
			r := e.settled(t, e.statusNotice(t, card, crm.StatusNew))
			if _, err := e.emu.AwaitCall(deliveryWait, func(c tgemu.Call) bool {
				return c.Method == "editMessageText" && c.Params["chat_id"] == strconv.FormatInt(u.ID(), 10)
			}); err != nil {
				t.Fatal(err)
			}
			// The edit's answer is lost only once the client gives up on it.
			deadline := time.Now().Add(deliveryWait)
			lost := fmt.Sprintf(`"msg":"redraw client card","order_id":%d`, card.Order.ID)
			for !strings.Contains(e.logs.String(), lost) {
				if time.Now().After(deadline) {
					t.Fatalf("%s: the edit's answer was not lost", name)
				}
				time.Sleep(10 * time.Millisecond)
			}
			msgs := u.Chat().BotMessages()
			redrawn := len(msgs) == 2 && msgs[0].ID == shown &&
				strings.HasPrefix(msgs[0].Text, fmt.Sprintf("Order No. %d\nStatus: new request", card.Order.Number))
			if r.State != crm.OutboxSent || !redrawn {
				t.Errorf("%s: row %+v; want the card edited in place and the notice:\n%s", name, r, u.Chat().Transcript())
			}
			if n := len(e.calls("sendMessage", u.ID())); n != 2 { // the card as it was, and the notice
				t.Errorf("%s: %d sendMessage calls, want 2: the card was sent again", name, n)
			}
			if n := len(e.calls("editMessageText", u.ID())); n != 1 {
				t.Errorf("%s: %d edits, want 1", name, n)
			}
		}
	})
}

// refusingTransport makes the first refuse sendMessage calls to chat fail to connect for real
// (a dial to a closed port: ECONNREFUSED), and lets every other call through to the emulator.
type refusingTransport struct {
	chat    string
	refuse  atomic.Int32
	closed  *http.Transport
	refused atomic.Int32
}

func newRefusingTransport(t *testing.T, chat int64, refuse int32) *refusingTransport {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	rt := &refusingTransport{chat: strconv.FormatInt(chat, 10), closed: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
	rt.refuse.Store(refuse)
	return rt
}

func (rt *refusingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/sendMessage") && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if form, _ := url.ParseQuery(string(body)); form.Get("chat_id") == rt.chat && rt.refuse.Add(-1) >= 0 {
			rt.refused.Add(1)
			return rt.closed.RoundTrip(r)
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// What never reached Telegram is sent again, in the bulk lane too: a 502 from the proxy in front
// of the Bot API (it did not reach it) and a connection refused (nothing was sent) are retried
// with backoff, and the message arrives once; neither is taken for a lost answer (uncertain).
func TestDeliveryBulkRetriesWhatNeverReachedTelegram(t *testing.T) {
	t.Parallel()
	e := newDeliveryEnv(t, tgemu.Options{})
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	gateway, refused := e.user(true), e.user(true)
	e.drainUpdates()
	rt := newRefusingTransport(t, refused.ID(), 1)
	b := e.newBot(nil)
	b.api.Client = &http.Client{Transport: rt, Timeout: 10 * time.Second}
	b.run(t)

	t.Run("502", func(t *testing.T) {
		t.Parallel()
		e.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: gateway.ID(), Times: 1}, tgemu.BadGateway())
		r := e.settled(t, e.summary(t, gateway.ID(), day, 1001))
		if r.State != crm.OutboxSent || r.Attempts != 1 || len(texts(gateway.Chat(), "Итоги дня")) != 1 {
			t.Errorf("row %+v, chat:\n%s", r, gateway.Chat().Transcript())
		}
		if calls := e.calls("sendMessage", gateway.ID()); len(calls) != 2 || calls[0].Status != 502 || calls[1].Status != 200 {
			t.Errorf("calls %+v, want a 502 and then a 200", calls)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		r := e.settled(t, e.summary(t, refused.ID(), day, 1001))
		if r.State != crm.OutboxSent || r.Attempts != 1 || len(texts(refused.Chat(), "Итоги дня")) != 1 {
			t.Errorf("row %+v, chat:\n%s", r, refused.Chat().Transcript())
		}
		if n, calls := rt.refused.Load(), e.calls("sendMessage", refused.ID()); n != 1 || len(calls) != 1 {
			t.Errorf("%d refused connections and %d calls that reached the emulator, want 1 and 1", n, len(calls))
		}
		if !strings.Contains(e.logs.String(), "connection refused") {
			t.Errorf("the retry was not for a refused connection:\n%s", e.logs.String())
		}
	})
}
