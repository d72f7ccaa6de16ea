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
	once   sync.Once
}

// arrival is a queued update with its sender's flood count from when it arrived (flood.go);
// done, when not nil, is closed once the update was handled (a webhook delivery waits for it).
type arrival struct {
	u     tgbotapi.Update
	flood int64
	done  chan struct{}
}

func newDispatcher(b *Bot, workers int) *dispatcher {
	d := &dispatcher{b: b, queues: make([]chan arrival, workers)}
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
				d.b.handleUpdate(ctx, a.u, a.flood)
				if a.done != nil {
					close(a.done)
				}
			}
		}()
	}
}

// submit counts the updates against their senders' flood limits and queues each behind earlier
// updates of its chat; n is how many were queued, fewer when ctx ended while a queue was full.
func (d *dispatcher) submit(ctx context.Context, updates ...tgbotapi.Update) (n int) {
	counts := d.b.countArrivals(ctx, updates) // flood.go
	for i, u := range updates {
		if !d.queue(ctx, arrival{u: u, flood: counts[i]}) {
			return i
		}
	}
	return len(updates)
}

// submitOne queues one update and returns a channel closed once it was handled; nil when ctx
// ended before it could be queued.
func (d *dispatcher) submitOne(ctx context.Context, u tgbotapi.Update) <-chan struct{} {
	a := arrival{u: u, flood: d.b.countArrivals(ctx, []tgbotapi.Update{u})[0], done: make(chan struct{})}
	if !d.queue(ctx, a) {
		return nil
	}
	return a.done
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

// handleUpdate processes one update at most once. A panic is recovered,
// logged and answered, so one bad update never takes the process down.
func (b *Bot) handleUpdate(ctx context.Context, u tgbotapi.Update, flood int64) {
	// Wall time, not cfg.Now: the latency metric measures us, whatever clock the shop runs on.
	start, typ, route := time.Now(), updateType(u), "ignored"
	r, ok := b.newRequest(u)
	if !ok {
		b.cfg.Metrics.UpdateProcessed(typ, route, time.Since(start))
		return // a kind of update we do not act on
	}
	r.floodCount = flood
	route = "unrouted" // until begin has read the state the route depends on
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("panic in handler", "update_id", u.UpdateID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.replyError(ctx, r, errPanic)
		}
		if route != "" {
			b.cfg.Metrics.UpdateProcessed(typ, route, time.Since(start))
		}
	}()

	ctx, _ = withStateWrites(ctx)
	first, err := b.begin(ctx, r)
	if err != nil {
		b.log.Error("begin update", "update_id", u.UpdateID, "err", err)
		b.replyError(ctx, r, err)
		return
	}
	if !first {
		b.log.Debug("duplicate update skipped", "update_id", u.UpdateID)
		b.cfg.Metrics.UpdateDuplicate(typ)
		route = "" // not processed again
		return
	}
	route = b.routeOf(r)
	if b.flooded(ctx, r) { // flood.go
		route = "flooded"
		return
	}
	err = b.route(ctx, r)
	if flushErr := b.flushState(ctx); err == nil {
		err = flushErr
	}
	if err != nil {
		b.replyError(ctx, r, err)
	}
}
