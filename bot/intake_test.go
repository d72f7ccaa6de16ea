package bot

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// intakeWorld is one emulator, database and Redis prefix that several bot processes share, as
// the processes before and after a crash do.
type intakeWorld struct {
	t      *testing.T
	emu    *tgemu.Server
	pool   *pgxpool.Pool
	rdb    *redis.Client
	prefix string
}

func newIntakeWorld(t *testing.T) *intakeWorld {
	pool, _ := pgtest.New(t)
	rdb, prefix := redistest.New(t)
	emu := tgemu.NewServer(tgemu.Options{})
	t.Cleanup(emu.Close)
	return &intakeWorld{t: t, emu: emu, pool: pool, rdb: rdb, prefix: prefix}
}

// process is a new bot process on the world; its /probe command runs probe.
func (w *intakeWorld) process(probe func(ctx context.Context, b *Bot, r *request) error) *Bot {
	api, err := tgbotapi.NewBotAPIWithClient(w.emu.Token(), w.emu.Endpoint(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	b := New(api, crm.New(w.pool, crm.Options{}), w.rdb, slog.New(slog.DiscardHandler),
		Config{KeyPrefix: w.prefix, PollTimeout: time.Second, DrainTimeout: 300 * time.Millisecond})
	b.routes.commands["probe"] = func(ctx context.Context, r *request) error { return probe(ctx, b, r) }
	b.routes.commandNeeds["probe"] = crm.ActHelp
	return b
}

// run starts b; the returned stop cancels it as SIGTERM does and waits for Run to return.
func run(t *testing.T, b *Bot) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func answer(ctx context.Context, b *Bot, r *request, text string) error {
	_, err := b.send(ctx, r.chatID, tgbotapi.NewMessage(r.chatID, text))
	return err
}

// An update whose handler was cut short stays in the inbox, and the next poller handles it
// before anything new; the updates that were finished are not handled again. Before, the poll
// loop confirmed every update it had queued and begin marked it taken before handling: a
// crash, or a drain that ran out, lost it.
func TestUnfinishedUpdateIsHandledByTheNextPoller(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	entered := make(chan struct{})
	first := w.process(func(ctx context.Context, b *Bot, r *request) error {
		if strings.Contains(r.msg.Text, "slow") {
			close(entered)
			<-ctx.Done() // the shutdown's drain runs out while this handler still works
			return ctx.Err()
		}
		return answer(ctx, b, r, "first: "+r.msg.Text)
	})
	stopFirst := run(t, first)

	slow := w.emu.NewUser(tgemu.UserOptions{FirstName: "Slow", LanguageCode: "en"})
	quick := w.emu.NewUser(tgemu.UserOptions{FirstName: "Quick", LanguageCode: "en"})
	slow.Send("/probe slow")
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow handler never ran")
	}
	quick.Send("/probe quick")
	if _, err := quick.Chat().Await(10*time.Second, func(m tgemu.Message) bool { return m.Text == "first: /probe quick" }); err != nil {
		t.Fatalf("a later update of another chat is not handled while the slow one works: %v", err)
	}
	inbox := inboxKey(w.prefix, w.emu.BotID())
	waitFor(t, "the quick update out of the inbox", func() bool {
		n, _ := w.rdb.HLen(context.Background(), inbox).Result()
		return n == 1
	})
	stopFirst() // the drain runs out: the slow handler is cut short
	if n, err := w.rdb.HLen(context.Background(), inbox).Result(); err != nil || n != 1 {
		t.Fatalf("inbox after the cut: %d updates, %v; want the slow one", n, err)
	}

	var again atomic.Int32
	second := w.process(func(ctx context.Context, b *Bot, r *request) error {
		again.Add(1)
		return answer(ctx, b, r, "second: "+r.msg.Text)
	})
	run(t, second)
	if _, err := slow.Chat().Await(10*time.Second, func(m tgemu.Message) bool { return m.Text == "second: /probe slow" }); err != nil {
		t.Fatalf("the cut-short update was not handled by the next process: %v\n%s", err, slow.Chat().Transcript())
	}
	waitFor(t, "an empty inbox", func() bool {
		n, _ := w.rdb.HLen(context.Background(), inbox).Result()
		return n == 0
	})
	if n := again.Load(); n != 1 {
		t.Errorf("the next process handled %d updates; want 1: the quick one was finished", n)
	}
}

// A process killed in the middle of a handler leaves its claim; once its liveness key lapses
// the update's next delivery is handled by another process, not skipped as a duplicate. While
// the claimant lives, the delivery waits for it, and skips the update once it is done.
func TestClaimOfKilledProcessIsTakenOver(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	u := w.emu.NewUser(tgemu.UserOptions{FirstName: "K", LanguageCode: "en"})
	u.Send("/probe killed")
	update := pendingUpdate(t, w)

	// The killed process: it claimed the update (begin) and died before finishing it.
	killed := w.process(func(context.Context, *Bot, *request) error { return nil })
	r, _ := killed.newRequest(update)
	ctx := context.Background()
	aliveCtx, die := context.WithCancel(ctx)
	aliveDone := make(chan struct{})
	go func() { defer close(aliveDone); killed.keepAlive(aliveCtx) }()
	if claim, err := killed.begin(withoutWrites(ctx), r); err != nil || claim != claimTaken {
		t.Fatalf("begin: %v, %v", claim, err)
	}

	var handled atomic.Int32
	next := w.process(func(ctx context.Context, b *Bot, r *request) error {
		handled.Add(1)
		return answer(ctx, b, r, "handled")
	})
	start := time.Now()
	got := make(chan handling, 1)
	go func() { got <- next.handleUpdate(ctx, update, 0) }()
	select {
	case h := <-got:
		t.Fatalf("the delivery did not wait for the live claimant: %v", h)
	case <-time.After(aliveTTL / 2):
	}
	// SIGKILL: the liveness key is no longer renewed (keepAlive's clean-stop delete is undone).
	die()
	<-aliveDone
	if err := w.rdb.Set(ctx, aliveKeyPrefix(w.prefix)+killed.instance, 1, aliveTTL).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-got:
		if h != handledHere || handled.Load() != 1 {
			t.Fatalf("after the claimant died: %v, handled %d times; want handled once", h, handled.Load())
		}
	case <-time.After(2 * aliveTTL):
		t.Fatal("the claim of the killed process was never taken over")
	}
	if took := time.Since(start); took > aliveTTL+aliveTTL/2+time.Second {
		t.Errorf("takeover took %v", took)
	}
	if _, err := u.Chat().Await(10*time.Second, func(m tgemu.Message) bool { return m.Text == "handled" }); err != nil {
		t.Fatal(err)
	}

	// Once done (its mark written), the same update is skipped however often it comes.
	marked := make(chan struct{})
	d := newDispatcher(next, 1)
	d.finish(arrival{u: update, after: func(bool) { close(marked) }}, handledHere)
	d.marks.flush(ctx)
	<-marked
	if h := next.handleUpdate(ctx, update, 0); h != handledBefore || handled.Load() != 1 {
		t.Errorf("a delivery of a done update: %v, handled %d times; want skipped", h, handled.Load())
	}
}

// A live claimant that finishes makes the waiting delivery skip the update.
func TestDeliveryWaitsForLiveClaimant(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	u := w.emu.NewUser(tgemu.UserOptions{FirstName: "L", LanguageCode: "en"})
	u.Send("/probe live")
	update := pendingUpdate(t, w)
	ctx := context.Background()

	owner := w.process(func(context.Context, *Bot, *request) error { return nil })
	aliveCtx, stop := context.WithCancel(ctx)
	defer stop()
	go owner.keepAlive(aliveCtx)
	r, _ := owner.newRequest(update)
	if claim, err := owner.begin(withoutWrites(ctx), r); err != nil || claim != claimTaken {
		t.Fatalf("begin: %v, %v", claim, err)
	}
	var handled atomic.Int32
	other := w.process(func(ctx context.Context, b *Bot, r *request) error { handled.Add(1); return nil })
	got := make(chan handling, 1)
	go func() { got <- other.handleUpdate(ctx, update, 0) }()
	time.Sleep(2 * claimRetry)
	d := newDispatcher(owner, 1)
	d.finish(arrival{u: update}, handledHere)
	d.marks.flush(ctx)
	select {
	case h := <-got:
		if h != handledBefore || handled.Load() != 0 {
			t.Fatalf("%v, handled %d times; want skipped once the owner was done", h, handled.Load())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting delivery never saw the owner's done mark")
	}
}

func withoutWrites(ctx context.Context) context.Context {
	ctx, _ = withStateWrites(ctx)
	return ctx
}

// pendingUpdate is the update waiting in the emulator, as getUpdates hands it out (without
// confirming it).
func pendingUpdate(t *testing.T, w *intakeWorld) tgbotapi.Update {
	t.Helper()
	api, err := tgbotapi.NewBotAPIWithClient(w.emu.Token(), w.emu.Endpoint(), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	updates, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: 0, Timeout: 0})
	if err != nil || len(updates) != 1 {
		t.Fatalf("get updates: %v, %d updates", err, len(updates))
	}
	return updates[0]
}

// waitFor polls cond until it holds, for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A booking step saved before a crash cut its handling short is not applied again when the
// update comes again: its question is asked again. Before, the name sent again was taken for
// the car's model.
func TestStepAppliedBeforeCrashIsNotAppliedTwice(t *testing.T) {
	t.Parallel()
	w := newIntakeWorld(t)
	b := w.process(func(context.Context, *Bot, *request) error { return nil })
	ctx := context.Background()
	u := w.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	offset := 0
	next := func() tgbotapi.Update {
		t.Helper()
		api, err := tgbotapi.NewBotAPIWithClient(w.emu.Token(), w.emu.Endpoint(), &http.Client{Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		updates, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Timeout: 0})
		if err != nil || len(updates) != 1 {
			t.Fatalf("get updates: %v, %d updates", err, len(updates))
		}
		offset = updates[0].UpdateID + 1
		return updates[0]
	}
	u.Start("")
	if h := b.handleUpdate(ctx, next(), 0); h != handledHere {
		t.Fatalf("/start: %v", h)
	}
	if _, err := u.ShareContact("+79120000001"); err != nil {
		t.Fatal(err)
	}
	b.handleUpdate(ctx, next(), 0)
	u.Send("Иван Петров")
	name := next()
	b.handleUpdate(ctx, name, 0) // the step is saved; the process dies before its done mark

	again := w.process(func(context.Context, *Bot, *request) error { return nil })
	if h := again.handleUpdate(ctx, name, 0); h != handledHere {
		t.Fatalf("the name again: %v", h)
	}
	raw := w.rdb.Get(ctx, conversationKey(w.prefix, u.ID()))
	c, ok, err := decodeConversation(raw)
	if err != nil || !ok {
		t.Fatalf("conversation: %v, %v", ok, err)
	}
	if c.Step != stepCarModel || c.Name != "Иван Петров" || c.Model != "" {
		t.Errorf("after the name came twice: step %q, name %q, model %q; want the car question, the name once", c.Step, c.Name, c.Model)
	}
	msgs := u.Chat().Messages()
	if last := msgs[len(msgs)-1]; last.Text != msgs[len(msgs)-2].Text {
		t.Errorf("the question was not asked again:\n%s", u.Chat().Transcript())
	}
}
