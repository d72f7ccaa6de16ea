package bot

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/crm"
)

// countHook counts the round trips a client makes to Redis (a pipeline is one), leaving out
// the handshake of a new connection.
type countHook struct{ trips *int }

func handshake(cmd redis.Cmder) bool { return cmd.Name() == "hello" || cmd.Name() == "client" }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			*h.trips++
		}
		return next(ctx, cmd)
	}
}
func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !handshake(cmds[0]) {
			*h.trips++
		}
		return next(ctx, cmds)
	}
}

// A reply's rate-limit take carries the update's state writes: one round trip for both, the
// state in Redis before the take returns, nothing left to flush.
func TestStateWritesGoWithTheTake(t *testing.T) {
	t.Parallel()
	l, rdb, prefix := newTestLimiter(t)
	ctx := context.Background()
	// Warm the script cache, so the pipelined EVALSHA finds it.
	l.take(ctx, crm.LaneInteractive, 1)
	trips := 0
	rdb.AddHook(countHook{&trips})

	ctx, w := withStateWrites(ctx)
	w.add(func(p redis.Pipeliner) { p.Set(ctx, prefix+"conv:7", "step", 0) })
	w.add(func(p redis.Pipeliner) { p.Del(ctx, prefix+"work:7") })
	g, err := l.wait(ctx, crm.LaneInteractive, 7, 0)
	if err != nil || !g.ok {
		t.Fatalf("wait: %+v, %v", g, err)
	}
	if trips != 1 {
		t.Errorf("%d round trips to Redis, want 1", trips)
	}
	if v, err := rdb.Get(ctx, prefix+"conv:7").Result(); err != nil || v != "step" {
		t.Errorf("state after the take: %q, %v", v, err)
	}
	if left := w.take(); len(left) != 0 {
		t.Errorf("%d writes left after the take", len(left))
	}
}

// Redis forgot the script (a restart): the take loads it again and the writes still land. Not
// parallel: SCRIPT FLUSH empties the cache of every test sharing the server.
func TestStateWritesSurviveAFlushedScriptCache(t *testing.T) {
	l, rdb, prefix := newTestLimiter(t)
	ctx := context.Background()
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	g, err := l.takeWriting(ctx, crm.LaneInteractive, 8, []func(redis.Pipeliner){
		func(p redis.Pipeliner) { p.Set(ctx, prefix+"conv:8", "x", 0) },
	})
	if err != nil || !g.ok {
		t.Fatalf("take after SCRIPT FLUSH: %+v, %v", g, err)
	}
	if n, _ := rdb.Exists(ctx, prefix+"conv:8").Result(); n != 1 {
		t.Errorf("the state write was lost")
	}
}

// A state write that fails stops the reply: the client must not be asked a question whose
// answer we would not know what to do with.
func TestStateWriteFailureStopsTheReply(t *testing.T) {
	t.Parallel()
	l, rdb, prefix := newTestLimiter(t)
	ctx := context.Background()
	key := prefix + "conv:9"
	if err := rdb.Set(ctx, key, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := l.takeWriting(ctx, crm.LaneInteractive, 9, []func(redis.Pipeliner){
		func(p redis.Pipeliner) { p.LPush(ctx, key, "y") }, // WRONGTYPE: Redis refuses
	})
	if err == nil {
		t.Fatal("a refused state write went unnoticed")
	}
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		t.Errorf("error %v does not carry Redis's answer", err)
	}
}

// Outside an update (the sender, tests) state is written at once.
func TestWriteStateOutsideAnUpdate(t *testing.T) {
	t.Parallel()
	_, rdb, prefix := newTestLimiter(t)
	b := &Bot{rdb: rdb}
	ctx := context.Background()
	if err := b.writeState(ctx, func(p redis.Pipeliner) { p.Set(ctx, prefix+"conv:10", "x", 0) }); err != nil {
		t.Fatal(err)
	}
	if n, _ := rdb.Exists(ctx, prefix+"conv:10").Result(); n != 1 {
		t.Errorf("not written")
	}
}
