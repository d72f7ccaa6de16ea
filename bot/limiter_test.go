package bot

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/redistest"
)

// testLimits: 20 messages a second overall (burst 10, of which 3 only for the interactive
// lane), private chats 1 a second with a burst of 3, groups 20 a minute with a burst of 2.
var testLimits = limits{global: 20, private: 1, privateBurst: 3, groupPerMinute: 20, groupBurst: 2}

func newTestLimiter(t *testing.T) (*limiter, *redis.Client, string) {
	t.Helper()
	rdb, prefix := redistest.New(t)
	return newLimiter(rdb, prefix, slog.New(slog.NewTextHandler(io.Discard, nil)), testLimits), rdb, prefix
}

// takeN takes n messages to distinct fresh chats (so only the global budget counts) and returns
// how many were granted.
func takeN(l *limiter, lane string, n int, firstChat int64) int {
	granted := 0
	for i := range n {
		if l.take(context.Background(), lane, firstChat+int64(i)).ok {
			granted++
		}
	}
	return granted
}

// wantTaken checks that takeN granted want, or up to the tokens the global budget refilled since
// start: a slow run (the race detector, a loaded CI machine) may rightly get a token more.
func wantTaken(t *testing.T, what string, got, want int, start time.Time) {
	t.Helper()
	refilled := int(time.Since(start).Seconds() * testLimits.global)
	if got < want || got > want+refilled {
		t.Errorf("%s: granted %d, want %d (plus %d refilled)", what, got, want, refilled)
	}
}

func TestLimiterGlobalBudgetKeepsAReserveForInteractive(t *testing.T) {
	t.Parallel()
	l, _, _ := newTestLimiter(t)
	start := time.Now()
	wantTaken(t, "bulk from a burst of 10 with 3 reserved", takeN(l, crm.LaneBulk, 12, 1000), 7, start)
	start = time.Now()
	g := l.take(context.Background(), crm.LaneBulk, 2000)
	if !g.ok && (g.globalWait <= 0 || g.globalWait > 3*l.global.interval || g.chatWait != 0) {
		t.Errorf("bulk past its burst: %+v (interval %v)", g, l.global.interval)
	}
	if g.ok && time.Since(start) < l.global.interval {
		t.Errorf("bulk past its burst was granted before a token refilled: %+v", g)
	}
	start = time.Now()
	wantTaken(t, "interactive after the broadcast drained its share (the reserve of 3)",
		takeN(l, crm.LaneInteractive, 5, 3000), 3, start)
}

func TestLimiterChatBudgets(t *testing.T) {
	t.Parallel()
	l, _, _ := newTestLimiter(t)
	ctx := context.Background()
	start := time.Now()
	first := l.take(ctx, crm.LaneInteractive, 42)
	if !first.ok || !first.fresh {
		t.Fatalf("first message to a chat: %+v", first)
	}
	if g := l.take(ctx, crm.LaneInteractive, 42); !g.ok || g.fresh {
		t.Errorf("second message: %+v", g)
	}
	l.take(ctx, crm.LaneInteractive, 42)
	g := l.take(ctx, crm.LaneInteractive, 42)
	if g.ok || g.chatWait <= 0 || g.chatWait > time.Second {
		t.Errorf("fourth message to a private chat with a burst of 3: %+v", g)
	}
	// A group: a burst of 2, then one every 3 s.
	l.take(ctx, crm.LaneInteractive, -7)
	l.take(ctx, crm.LaneInteractive, -7)
	if g := l.take(ctx, crm.LaneInteractive, -7); g.ok || g.chatWait <= 2*time.Second || g.chatWait > 3*time.Second {
		t.Errorf("third message to a group: %+v", g)
	}
	// A refused message took nothing from the global budget: 10 - 5 granted are left.
	wantTaken(t, "global budget left", takeN(l, crm.LaneInteractive, 10, 5000), 5, start)
}

// Two replicas share one budget through Redis.
func TestLimiterIsSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	a, rdb, prefix := newTestLimiter(t)
	b := newLimiter(rdb, prefix, a.log, testLimits)
	start := time.Now()
	got := takeN(a, crm.LaneInteractive, 6, 100) + takeN(b, crm.LaneInteractive, 6, 200)
	wantTaken(t, "two replicas from one burst of 10", got, 10, start)
}

func TestLimiterPause(t *testing.T) {
	t.Parallel()
	l, _, _ := newTestLimiter(t)
	ctx := context.Background()
	l.pause(ctx, 42, 2*time.Second, false)
	if g := l.take(ctx, crm.LaneInteractive, 42); g.ok || g.chatWait <= time.Second || g.chatWait > 2*time.Second {
		t.Errorf("paused chat: %+v", g)
	}
	if g := l.take(ctx, crm.LaneInteractive, 43); !g.ok {
		t.Errorf("another chat during a chat's pause: %+v", g)
	}
	l.pause(ctx, 44, 3*time.Second, true)
	if g := l.take(ctx, crm.LaneBulk, 45); g.ok || g.globalWait <= 2*time.Second {
		t.Errorf("a bulk message during a global pause: %+v", g)
	}
	if g := l.take(ctx, crm.LaneInteractive, 46); !g.ok {
		t.Errorf("an interactive message during a global pause: %+v", g)
	}
}

// wait sits out short waits, and hands back a chat's long one without taking anything.
func TestLimiterWaitHoldsOnlyShortWaits(t *testing.T) {
	t.Parallel()
	l, _, _ := newTestLimiter(t)
	ctx := context.Background()
	for range 3 {
		if g, err := l.wait(ctx, crm.LaneBulk, 42, 0); err != nil || !g.ok {
			t.Fatalf("within the burst: %+v, %v", g, err)
		}
	}
	g, err := l.wait(ctx, crm.LaneBulk, 42, 100*time.Millisecond)
	if err != nil || g.ok || g.chatWait < 100*time.Millisecond {
		t.Errorf("a chat wait of up to 1 s with hold 100 ms: %+v, %v", g, err)
	}
	start := time.Now()
	for i := range 8 { // past the bulk burst of 7: waits for the global budget
		if g, err := l.wait(ctx, crm.LaneBulk, int64(100+i), 0); err != nil || !g.ok {
			t.Fatalf("message %d: %+v, %v", i, g, err)
		}
	}
	if time.Since(start) < 2*l.global.interval {
		t.Errorf("8 bulk messages after 3 took %v: the global budget was not waited for", time.Since(start))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.wait(cctx, crm.LaneBulk, 42, time.Hour); err == nil {
		t.Error("wait with a cancelled context returned no error")
	}
}

// Without Redis each process keeps the limits on its own.
func TestLimiterFallsBackWithoutRedis(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	l := newLimiter(rdb, "none:", slog.New(slog.NewTextHandler(io.Discard, nil)), testLimits)
	ctx := context.Background()
	for i := range 3 {
		if g := l.take(ctx, crm.LaneInteractive, 42); !g.ok {
			t.Fatalf("message %d within the burst: %+v", i, g)
		}
	}
	if g := l.take(ctx, crm.LaneInteractive, 42); g.ok || g.chatWait <= 0 {
		t.Errorf("past the chat's burst: %+v", g)
	}
	l.pause(ctx, 43, time.Second, true)
	if g := l.take(ctx, crm.LaneBulk, 44); g.ok || g.globalWait <= 0 {
		t.Errorf("bulk during a global pause: %+v", g)
	}
	if g := l.take(ctx, crm.LaneInteractive, 45); !g.ok {
		t.Errorf("interactive during a global pause: %+v", g)
	}
}
