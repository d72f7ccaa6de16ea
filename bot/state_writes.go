package bot

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// stateWrites are the Redis writes of one update's dialog state (a client's booking step, a staff
// dialog). They wait for the update's next trip to Redis, the rate-limit take of its first reply
// (limiter.take), so a dialog step costs one round trip instead of two; what still waits when the
// handler returns is written then (Bot.flushState). Either way a reply never leaves before the
// state it asks about is written, and handlers read their state from the request, never back
// from Redis, so a write that waits is never read stale.
//
// drawn is what the update knows its messages show (the hash editCard compares): the pressed
// message's, fetched with begin's pipeline, and every card the update drew since, so editing
// the pressed card costs no round trip of its own.
type stateWrites struct {
	mu    sync.Mutex
	cmds  []func(redis.Pipeliner)
	drawn map[string]string // drawnKey → content hash; "" is known to show nothing remembered
}

type stateWritesKey struct{}

// withStateWrites gives an update's context a place for its state writes.
func withStateWrites(ctx context.Context) (context.Context, *stateWrites) {
	w := &stateWrites{}
	return context.WithValue(ctx, stateWritesKey{}, w), w
}

func stateWritesFrom(ctx context.Context) *stateWrites {
	w, _ := ctx.Value(stateWritesKey{}).(*stateWrites)
	return w
}

func (w *stateWrites) add(cmd func(redis.Pipeliner)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cmds = append(w.cmds, cmd)
}

// knowDrawn records what the message under key shows; nil-safe.
func (w *stateWrites) knowDrawn(key, hash string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.drawn == nil {
		w.drawn = map[string]string{}
	}
	w.drawn[key] = hash
}

// shown is what the update knows the message under key shows; ok is false when it does not know.
func (w *stateWrites) shown(key string) (hash string, ok bool) {
	if w == nil {
		return "", false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	hash, ok = w.drawn[key]
	return hash, ok
}

// take hands over what waits, leaving nothing; nil-safe for contexts without writes.
func (w *stateWrites) take() []func(redis.Pipeliner) {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	cmds := w.cmds
	w.cmds = nil
	return cmds
}

// writeState queues cmd with the update's state writes, or runs it at once outside an update.
func (b *Bot) writeState(ctx context.Context, cmd func(redis.Pipeliner)) error {
	if w := stateWritesFrom(ctx); w != nil {
		w.add(cmd)
		return nil
	}
	return execState(ctx, b.rdb, []func(redis.Pipeliner){cmd})
}

// flushState writes what still waits of the update's state.
func (b *Bot) flushState(ctx context.Context) error {
	return execState(ctx, b.rdb, stateWritesFrom(ctx).take())
}

func execState(ctx context.Context, rdb *redis.Client, cmds []func(redis.Pipeliner)) error {
	if len(cmds) == 0 {
		return nil
	}
	pipe := rdb.Pipeline()
	for _, cmd := range cmds {
		cmd(pipe)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("save dialog state: %w", err)
	}
	return nil
}
