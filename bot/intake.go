package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Intake is at least once, with effects once. An update is never dropped before its handling
// finished: a webhook delivery is answered only then (webhook.go), so Telegram delivers it again
// after a crash; a polled update is kept in the Redis inbox (inbox.go) from before its offset is
// confirmed until it was handled, and the next poller handles what a crashed one left there.
// Its dedupe key in Redis goes through two states:
//
//   - a claim, set by begin in the pipeline it already runs: the id of the process handling it,
//     for claimTTL. A delivery that finds another live process's claim waits for it (a webhook
//     delivered again to another replica while the first still works on it); one that finds
//     the claim of a process that is gone takes it over, so a handler killed half-way is
//     run again rather than skipped as a duplicate.
//   - "done", once the handler returned, for Telegram's 24 hours: later deliveries are skipped.
//
// The done marks of all updates are written in batches by one goroutine (doneMarks), so
// finishing an update costs no Redis round trip of its own. What a handler did before a crash
// (rows, outbox notices) is made once by the business keys in PostgreSQL (an order's booking
// key, the outbox's dedupe key); a reply to the user may come twice, the price of never
// losing one.
const (
	// claimTTL outlasts any handler (a reply that waits for the rate limiter included); it only
	// bounds a claim whose process died in a way the liveness key does not show.
	claimTTL = 2 * time.Minute
	// aliveTTL is how long a process counts as alive after its last renewal; a crashed
	// handler's update is taken over at most this long after the crash.
	aliveTTL   = 3 * time.Second
	aliveRenew = time.Second
	// claimRetry is how often a delivery waiting for another process's claim looks again.
	claimRetry = 200 * time.Millisecond
	doneMark   = "done"
)

// claimOutcome is what begin found under the update's dedupe key.
type claimOutcome int

const (
	claimTaken     claimOutcome = iota // ours now: handle it
	claimDone                          // handled before: skip
	claimBusy                          // another live process handles it: wait
	claimUnknown                       // Redis did not answer
	claimTakenOver                     // ours now, from a process that died handling it: handle it
)

// claimUpdate takes the update unless it is done or claimed by a live process; 4 (claimTakenOver)
// says it was claimed by a process that is gone, so that its handling may have begun. KEYS[1] is the
// dedupe key; ARGV: this process's id, claimTTL in ms, the liveness key prefix. "1" is the mark
// of releases before claims, which set it when handling began. The liveness key is named by
// the claim's value, so it cannot be in KEYS: UniFlow runs on one Redis, not a cluster.
var claimUpdate = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == 'done' or v == '1' then return 1 end
if v and v ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. v) == 1 then return 2 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if v and v ~= ARGV[1] then return 4 end
return 0`)

// releaseClaim drops this process's claim of an update it could not finish (shutdown cut it
// short), so the next delivery need not wait for the liveness key to lapse.
var releaseClaim = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

func aliveKeyPrefix(prefix string) string { return prefix + "alive:" }

func newInstanceID() string {
	var t [8]byte
	_, _ = rand.Read(t[:]) // crypto/rand does not fail on Linux
	return hex.EncodeToString(t[:])
}

// claimCmd queues the claim of the update with begin's pipeline as SET NX GET (Redis 7): a first
// delivery, nearly every update, costs one plain command instead of a script. The value it
// found, if any, is settled by settleClaim.
func (b *Bot) claimCmd(ctx context.Context, pipe redis.Pipeliner, updateID int) *redis.StatusCmd {
	return pipe.SetArgs(ctx, updateKey(b.cfg.KeyPrefix, b.api.Self.ID, updateID), b.instance,
		redis.SetArgs{Mode: "NX", Get: true, TTL: claimTTL})
}

// settleClaim reads claimCmd's answer: nothing was there (the update is ours), or it was
// handled before; any other value, a claim, is decided by claimUpdate, which tells a live
// holder from a dead one and renews a claim of our own.
func (b *Bot) settleClaim(ctx context.Context, claim *redis.StatusCmd, updateID int) (claimOutcome, error) {
	found, err := claim.Result()
	switch {
	case errors.Is(err, redis.Nil):
		return claimTaken, nil
	case err != nil:
		return claimUnknown, err
	case found == "done" || found == "1":
		return claimDone, nil
	}
	outcome, err := claimUpdate.Run(ctx, b.rdb, []string{updateKey(b.cfg.KeyPrefix, b.api.Self.ID, updateID)},
		b.instance, claimTTL.Milliseconds(), aliveKeyPrefix(b.cfg.KeyPrefix)).Int()
	if err != nil {
		return claimUnknown, err
	}
	return claimOutcome(outcome), nil
}

// release gives up this process's claim of an update left unfinished.
func (b *Bot) release(ctx context.Context, updateID int) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	key := updateKey(b.cfg.KeyPrefix, b.api.Self.ID, updateID)
	if err := releaseClaim.Run(rctx, b.rdb, []string{key}, b.instance).Err(); err != nil {
		b.log.Warn("release the claim of an unfinished update", "update_id", updateID, "err", err)
	}
}

// keepAlive renews this process's liveness key until ctx ends, then deletes it: a clean stop
// lets another process take over what it left at once.
func (b *Bot) keepAlive(ctx context.Context) {
	key := aliveKeyPrefix(b.cfg.KeyPrefix) + b.instance
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = b.rdb.Del(rctx, key).Err()
	}()
	for {
		if err := b.rdb.Set(ctx, key, 1, aliveTTL).Err(); err != nil && ctx.Err() == nil {
			b.log.Warn("renew this process's liveness key", "err", err)
		}
		if !sleepCtx(ctx, aliveRenew) {
			return
		}
	}
}

// doneMarks writes the done marks of finished updates, and takes polled ones out of the inbox, in
// batches: whatever finished while the previous batch was being written goes in the next
// pipeline. then runs once the batch was written (or failed to be: the handler did finish; a
// lost mark costs at most one handling again).
type doneMarks struct {
	b    *Bot
	mu   sync.Mutex
	todo []doneMarkEntry
	wake chan struct{}
}

type doneMarkEntry struct {
	updateID int
	done     bool // set its done mark (it was handled here)
	inbox    bool // take it out of the inbox (it was polled)
	then     func()
}

func newDoneMarks(b *Bot) *doneMarks {
	return &doneMarks{b: b, wake: make(chan struct{}, 1)}
}

func (m *doneMarks) add(e doneMarkEntry) {
	m.mu.Lock()
	m.todo = append(m.todo, e)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// run writes batches until stop is closed, then writes what is left and returns. ctx bounds
// the writes themselves.
func (m *doneMarks) run(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-m.wake:
			m.flush(ctx)
		case <-stop:
			m.flush(ctx)
			return
		}
	}
}

func (m *doneMarks) flush(ctx context.Context) {
	m.mu.Lock()
	todo := m.todo
	m.todo = nil
	m.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	prefix, botID := m.b.cfg.KeyPrefix, m.b.api.Self.ID
	pipe := m.b.rdb.Pipeline()
	var forget []string
	for _, e := range todo {
		if e.done {
			pipe.Set(ctx, updateKey(prefix, botID, e.updateID), doneMark, updateTTL)
		}
		if e.inbox {
			forget = append(forget, strconv.Itoa(e.updateID))
		}
	}
	if len(forget) > 0 {
		pipe.HDel(ctx, inboxKey(prefix, botID), forget...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		m.b.log.Warn("mark updates done", "updates", len(todo), "err", err)
	}
	for _, e := range todo {
		if e.then != nil {
			e.then()
		}
	}
}
