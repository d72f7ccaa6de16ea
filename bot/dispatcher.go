package bot

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// dispatcher runs updates of one chat in order and different chats in
// parallel: each chat hashes to one of a fixed set of workers. A busy chat can
// delay the others on its worker, but never reorders its own updates, and
// the pool stays bounded however many chats write at once.
type dispatcher struct {
	b      *Bot
	queues []chan arrival
	marks  *doneMarks // intake.go
	once   sync.Once
}

// arrival is a queued update with its sender's flood count from when it arrived (flood.go).
// after, when not nil, is called once the update's handling is over (and its done mark was
// written): finished is false when shutdown cut it short, so that it must be delivered again
// (a webhook delivery answers Telegram so). polled updates sit in the inbox until handled.
type arrival struct {
	u      tgbotapi.Update
	flood  int64
	after  func(finished bool)
	polled bool
}

func newDispatcher(b *Bot, workers int) *dispatcher {
	d := &dispatcher{b: b, queues: make([]chan arrival, workers), marks: newDoneMarks(b)}
	for i := range d.queues {
		d.queues[i] = make(chan arrival, 64)
	}
	return d
}

func (d *dispatcher) start(ctx context.Context, wg *sync.WaitGroup) {
	for _, q := range d.queues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range q {
				d.finish(a, d.b.handleUpdate(ctx, a.u, a.flood))
			}
		}()
	}
}

func (d *dispatcher) finish(a arrival, out handling) {
	var then func()
	if a.after != nil {
		then = func() { a.after(out != handlingCut) }
	}
	switch {
	case out == handledHere || (out == handledBefore && a.polled):
		d.marks.add(doneMarkEntry{updateID: a.u.UpdateID, done: out == handledHere, inbox: a.polled, then: then})
	case then != nil:
		then() // a cut-short polled update stays in the inbox for the next poller
	}
}

// submitPolled queues polled updates, already in the inbox with their flood counts (inbox.go),
// each behind earlier updates of its chat; n is how many were queued, fewer when ctx ended while
// a queue was full (the rest stay in the inbox).
func (d *dispatcher) submitPolled(ctx context.Context, updates []tgbotapi.Update, counts []int64) (n int) {
	for i, u := range updates {
		if !d.queue(ctx, arrival{u: u, flood: counts[i], polled: true}) {
			return i
		}
	}
	return len(updates)
}

// submitOne queues one update and returns a channel that receives whether it was finished once
// its handling is over; nil when ctx ended before it could be queued.
func (d *dispatcher) submitOne(ctx context.Context, u tgbotapi.Update) <-chan bool {
	done := make(chan bool, 1)
	a := arrival{u: u, flood: d.b.countArrivals(ctx, []tgbotapi.Update{u})[0], after: func(finished bool) { done <- finished }}
	if !d.queue(ctx, a) {
		return nil
	}
	return done
}

func (d *dispatcher) queue(ctx context.Context, a arrival) bool {
	d.b.cfg.Metrics.UpdateReceived(updateType(a.u))
	select {
	case d.queues[shard(chatOf(a.u), len(d.queues))] <- a:
		return true
	case <-ctx.Done():
		return false
	}
}

func (d *dispatcher) close() {
	d.once.Do(func() {
		for _, q := range d.queues {
			close(q)
		}
	})
}

func shard(chatID int64, n int) int {
	h := uint64(chatID) * 0x9E3779B97F4A7C15 // Fibonacci hashing spreads sequential ids
	return int(h >> 32 % uint64(n))
}

// chatOf is the chat an update belongs to, for ordering; 0 for updates
// without one.
func chatOf(u tgbotapi.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

// handling is how the handling of an update ended.
type handling int

const (
	handledHere   handling = iota // handled here: its done mark is to be written
	handledBefore                 // nothing to do (handled before, or a kind we ignore)
	handlingCut                   // shutdown cut it short: it is to be delivered again
)

// handleUpdate processes one update, once however often it is delivered (intake.go). A panic
// is recovered, logged and answered, so one bad update never takes the process down; it counts
// as handled, or its delivery would come back to panic again.
func (b *Bot) handleUpdate(ctx context.Context, u tgbotapi.Update, flood int64) (out handling) {
	// Wall time, not cfg.Now: the latency metric measures us, whatever clock the shop runs on.
	start, typ, route := time.Now(), updateType(u), "ignored"
	r, ok := b.newRequest(u)
	if !ok {
		b.cfg.Metrics.UpdateProcessed(typ, route, time.Since(start))
		return handledBefore // a kind of update we do not act on
	}
	r.floodCount = flood
	route = "unrouted" // until begin has read the state the route depends on
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("panic in handler", "update_id", u.UpdateID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.replyError(ctx, r, errPanic)
			out = handledHere
		}
		if route != "" {
			b.cfg.Metrics.UpdateProcessed(typ, route, time.Since(start))
		}
	}()

	ctx, _ = withStateWrites(ctx)
	claim, err := b.beginWaiting(ctx, r)
	if err != nil {
		if ctx.Err() != nil {
			route = ""
			return handlingCut
		}
		b.log.Error("begin update", "update_id", u.UpdateID, "err", err)
		b.replyError(ctx, r, err)
		if claim == claimUnknown {
			return handledBefore // Redis is away: there is no mark to write
		}
		return handledHere // its state did not decode: it would not the next time either
	}
	if claim == claimDone {
		b.log.Debug("duplicate update skipped", "update_id", u.UpdateID)
		b.cfg.Metrics.UpdateDuplicate(typ)
		route = "" // not processed again
		return handledBefore
	}
	route = b.routeOf(r)
	if b.flooded(ctx, r) { // flood.go
		route = "flooded"
		return handledHere
	}
	err = b.route(ctx, r)
	if flushErr := b.flushState(ctx); err == nil {
		err = flushErr
	}
	if ctx.Err() != nil {
		// Cut short by shutdown: what it did is kept by its business keys, the rest is done
		// when the update comes again, which nobody has to wait for.
		b.release(ctx, u.UpdateID)
		return handlingCut
	}
	if err != nil {
		b.replyError(ctx, r, err)
	}
	return handledHere
}

// beginRedisWait bounds how long an update waits for Redis to answer begin (a restart takes
// a second or two) before its sender is told something went wrong.
const beginRedisWait = 10 * time.Second

// beginWaiting is begin, waiting while another live process handles the same update (until it
// is done, then the update is skipped; or until that process is gone, then it is taken over)
// and, for a while, while Redis does not answer.
func (b *Bot) beginWaiting(ctx context.Context, r *request) (claimOutcome, error) {
	var redisSince time.Time
	backoff := 100 * time.Millisecond
	for {
		claim, err := b.begin(ctx, r)
		switch {
		case claim != claimBusy && claim != claimUnknown:
			return claim, err
		case err == nil:
			redisSince = time.Time{}
			if !sleepCtx(ctx, claimRetry) {
				return claim, ctx.Err()
			}
		default:
			if redisSince.IsZero() {
				redisSince = time.Now()
			}
			if ctx.Err() != nil || time.Since(redisSince) > beginRedisWait {
				return claim, err
			}
			if !sleepCtx(ctx, backoff) {
				return claim, ctx.Err()
			}
			backoff = min(2*backoff, time.Second)
		}
	}
}
