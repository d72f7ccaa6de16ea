package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/uniflow-crm/uniflow/crm"
)

// limiter keeps our sending within Telegram's limits so that we are never the cause of a 429:
// about 30 messages a second overall, one a second per private chat with a small burst, and 20 a
// minute per group. Only new messages count, as with Telegram: edits, callback answers and chat
// actions pass freely.
//
// The budgets live in Redis, so every replica and every lane (interactive, bulk, direct replies)
// draws from the same ones: a Lua script checks and takes the global and the chat budget in one
// step (GCRA: one "theoretical arrival time" per bucket, on Redis's clock, so replicas' clocks do
// not matter). Redis rather than a leader: Redis is already there, a script is atomic without
// any election or hand-over, and a replica that dies takes nothing with it. Should Redis fail,
// each process falls back to its own in-memory budgets (x/time/rate) and says so in the log:
// replicas may then overshoot together, and the 429 rule catches that.
//
// The interactive lane may use the whole global burst, the bulk lane all but a reserve, so a
// broadcast that drains the budget still leaves room for a button press's answer.
type limiter struct {
	rdb    *redis.Client
	log    *slog.Logger
	prefix string

	global  gcra
	reserve int // tokens of the global burst only the interactive lane may use
	private gcra
	group   gcra

	// bulkTurn lets one bulk worker of this process at a time wait for the global budget; the
	// others queue here instead of all asking Redis every time a token frees up.
	bulkTurn sync.Mutex

	local      *localLimiter
	lastWarned atomic.Int64 // unix seconds of the last "falling back" warning
	// redisDown, unix nanoseconds: until then the local budgets are used without asking Redis,
	// so that while it is down every message does not wait for a connection to fail first.
	redisDown atomic.Int64
}

// redisRetryAfter is how long the limiter keeps to its local budgets after Redis failed.
const redisRetryAfter = 10 * time.Second

// gcra is a token bucket in GCRA form: one token every interval, at most burst at once.
type gcra struct {
	interval time.Duration
	burst    int
}

// limits are what the limiter enforces.
type limits struct {
	global         float64 // messages per second, all chats together
	private        float64 // messages per second in one private chat
	privateBurst   int
	groupPerMinute float64
	groupBurst     int
}

func newLimiter(rdb *redis.Client, prefix string, log *slog.Logger, l limits) *limiter {
	// Half a second of the global rate as burst, a third of it reserved for the interactive
	// lane: a burst smaller than Telegram's (one second's worth) leaves slack for network jitter
	// bunching our evenly spaced sends on arrival.
	burst := max(1, int(l.global/2))
	return &limiter{
		rdb:     rdb,
		log:     log,
		prefix:  prefix,
		global:  gcra{interval: every(l.global), burst: burst},
		reserve: burst / 3,
		private: gcra{interval: every(l.private), burst: max(1, l.privateBurst)},
		group:   gcra{interval: every(l.groupPerMinute / 60), burst: max(1, l.groupBurst)},
		local:   newLocalLimiter(l, burst),
	}
}

func every(perSecond float64) time.Duration {
	return max(time.Microsecond, time.Duration(float64(time.Second)/perSecond))
}

// Redis keys of the budgets, one function per kind.
func rateGlobalKey(prefix string) string   { return prefix + "rate:global" }
func rateBulkHoldKey(prefix string) string { return prefix + "rate:bulk-hold" }
func rateChatKey(prefix string, chatID int64) string {
	return prefix + "rate:chat:" + strconv.FormatInt(chatID, 10)
}

// Groups and supergroups have negative ids.
func (l *limiter) chatBucket(chatID int64) gcra {
	if chatID < 0 {
		return l.group
	}
	return l.private
}

// grant is the answer to one try at taking a message's budget.
type grant struct {
	ok         bool
	globalWait time.Duration // how long until the global budget has room
	chatWait   time.Duration // how long until the chat's budget has room
	// fresh: the chat had its whole burst left, so a 429 for this message cannot be the chat's
	// own limit: it is the bot's global one.
	fresh bool
}

func (g grant) wait() time.Duration { return max(g.globalWait, g.chatWait) }

// takeScript takes the budget of one message. Times are microseconds on Redis's clock.
//
// "take": KEYS global bucket, chat bucket, bulk hold; ARGV global interval, global burst for
// this lane, chat interval, chat burst, 1 when there is a chat, 1 for the bulk lane. When the
// global and the chat bucket have room (and, for bulk, no hold is on) it takes one token from
// each. It returns {taken, global wait, chat wait, the chat had its whole burst}.
//
// "pause": KEYS the bucket; ARGV interval, burst, pause: the bucket gives nothing for pause,
// then one token. "hold": KEYS the bulk hold; ARGV pause: no bulk message for pause.
var takeScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function tat(key)
	local v = tonumber(redis.call('GET', key) or '0')
	if v < now then return now, true end
	return v, false
end
local function store(key, v)
	redis.call('SET', key, string.format('%.0f', v), 'PX', math.ceil((v - now) / 1000) + 1)
end
if ARGV[1] == 'pause' then
	local interval, burst, pause = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
	local want = now + pause + (burst - 1) * interval
	if tat(KEYS[1]) < want then store(KEYS[1], want) end
	return 0
end
if ARGV[1] == 'hold' then
	local want = now + tonumber(ARGV[2])
	if tat(KEYS[1]) < want then store(KEYS[1], want) end
	return 0
end
local gi, gb = tonumber(ARGV[2]), tonumber(ARGV[3])
local g = tat(KEYS[1])
local gwait = g + gi - gb * gi - now
if ARGV[7] == '1' then
	local hold = tat(KEYS[3])
	gwait = math.max(gwait, hold - now)
end
local cwait, c, fresh = 0, 0, true
if ARGV[6] == '1' then
	local ci, cb = tonumber(ARGV[4]), tonumber(ARGV[5])
	c, fresh = tat(KEYS[2])
	cwait = c + ci - cb * ci - now
	if gwait <= 0 and cwait <= 0 then store(KEYS[2], c + ci) end
end
if gwait > 0 or cwait > 0 then
	return {0, math.max(0, math.ceil(gwait)), math.max(0, math.ceil(cwait)), fresh and 1 or 0}
end
store(KEYS[1], g + gi)
return {1, 0, 0, fresh and 1 or 0}
`)

// take tries once to take the budget of one message to chatID in lane.
func (l *limiter) take(ctx context.Context, lane string, chatID int64) grant {
	g, _ := l.takeWriting(ctx, lane, chatID, nil)
	return g
}

// takeWriting is take that first sends writes (an update's dialog state, see stateWrites) in
// the same round trip to Redis; err is only theirs, and with it nothing is taken.
func (l *limiter) takeWriting(ctx context.Context, lane string, chatID int64, writes []func(redis.Pipeliner)) (grant, error) {
	bulk := lane == crm.LaneBulk
	if time.Now().UnixNano() < l.redisDown.Load() {
		if err := execState(ctx, l.rdb, writes); err != nil {
			return grant{}, err
		}
		return l.local.take(chatID, bulk), nil
	}
	gburst, isBulk := l.global.burst, "0"
	if bulk {
		gburst, isBulk = max(1, gburst-l.reserve), "1"
	}
	cb, hasChat := l.chatBucket(chatID), "1"
	if chatID == 0 {
		hasChat = "0"
	}
	keys := []string{rateGlobalKey(l.prefix), rateChatKey(l.prefix, chatID), rateBulkHoldKey(l.prefix)}
	args := []any{"take", l.global.interval.Microseconds(), gburst, cb.interval.Microseconds(), cb.burst, hasChat, isBulk}
	var res []int64
	var err error
	if len(writes) == 0 {
		res, err = takeScript.Run(ctx, l.rdb, keys, args...).Int64Slice()
	} else {
		pipe := l.rdb.Pipeline()
		for _, w := range writes {
			w(pipe)
		}
		script := takeScript.EvalSha(ctx, pipe, keys, args...)
		cmds, _ := pipe.Exec(ctx)
		for _, c := range cmds[:len(cmds)-1] {
			if c.Err() != nil {
				return grant{}, fmt.Errorf("save dialog state: %w", c.Err())
			}
		}
		res, err = script.Int64Slice()
		if redis.HasErrorPrefix(err, "NOSCRIPT") {
			// Redis restarted and forgot the script: Run loads it again.
			res, err = takeScript.Run(ctx, l.rdb, keys, args...).Int64Slice()
		}
	}
	if err == nil && len(res) != 4 {
		err = fmt.Errorf("rate script answered %v", res)
	}
	if err != nil {
		l.fellBack(ctx, err)
		return l.local.take(chatID, bulk), nil
	}
	return grant{
		ok:         res[0] == 1,
		globalWait: time.Duration(res[1]) * time.Microsecond,
		chatWait:   time.Duration(res[2]) * time.Microsecond,
		fresh:      res[3] == 1,
	}, nil
}

// fellBack logs, at most once a minute, that the shared budgets are out of reach.
func (l *limiter) fellBack(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	l.redisDown.Store(time.Now().Add(redisRetryAfter).UnixNano())
	now := time.Now().Unix()
	if last := l.lastWarned.Load(); now-last >= 60 && l.lastWarned.CompareAndSwap(last, now) {
		l.log.Warn("rate limits: Redis unreachable, using this process's own budgets", "err", err)
	}
}

// wait blocks until a message to chatID may go out in lane and takes its budget, unless the
// chat's own budget would make it wait longer than hold: then it takes nothing and returns that
// wait, so that the caller can put the message aside instead of holding a worker.
func (l *limiter) wait(ctx context.Context, lane string, chatID int64, hold time.Duration) (grant, error) {
	bulk := lane == crm.LaneBulk
	// The update's dialog state goes to Redis with the first take: one round trip for both.
	writes := stateWritesFrom(ctx).take()
	for {
		if err := ctx.Err(); err != nil {
			return grant{}, fmt.Errorf("wait for the rate limit: %w", err)
		}
		if bulk {
			l.bulkTurn.Lock()
		}
		g, err := l.takeWriting(ctx, lane, chatID, writes)
		writes = nil
		if err != nil {
			if bulk {
				l.bulkTurn.Unlock()
			}
			return grant{}, err
		}
		for !g.ok && g.chatWait == 0 && g.globalWait > 0 && bulk {
			// Only the global budget is short: keep the turn while it refills.
			if !sleepCtx(ctx, g.globalWait) {
				l.bulkTurn.Unlock()
				return grant{}, fmt.Errorf("wait for the global rate limit: %w", ctx.Err())
			}
			g = l.take(ctx, lane, chatID)
		}
		if bulk {
			l.bulkTurn.Unlock()
		}
		if g.ok {
			return g, nil
		}
		if g.chatWait > hold {
			return g, nil
		}
		if !sleepCtx(ctx, g.wait()) {
			return grant{}, fmt.Errorf("wait for the rate limit: %w", ctx.Err())
		}
	}
}

// pause answers a 429 with retry_after d for a message to chatID: the chat gets nothing for d
// and, when global, the bulk lane neither. A pause already longer stays.
//
// A 429 for a chat that had sent nothing lately (grant.fresh) cannot be the chat's own limit:
// it is the bot's global one, which only broadcasts reach, so the bulk lane waits it out;
// interactive messages are few, and each waits out its own 429 should Telegram refuse it too.
func (l *limiter) pause(ctx context.Context, chatID int64, d time.Duration, global bool) {
	if d <= 0 {
		return
	}
	l.local.pause(chatID, d, global)
	if time.Now().UnixNano() < l.redisDown.Load() {
		return
	}
	if chatID != 0 {
		b := l.chatBucket(chatID)
		l.script(ctx, []string{rateChatKey(l.prefix, chatID)}, "pause", b.interval.Microseconds(), b.burst, d.Microseconds())
	}
	if global {
		l.script(ctx, []string{rateBulkHoldKey(l.prefix)}, "hold", d.Microseconds())
	}
}

func (l *limiter) script(ctx context.Context, keys []string, args ...any) {
	if err := takeScript.Run(ctx, l.rdb, keys, args...).Err(); err != nil && !errors.Is(err, redis.Nil) {
		l.fellBack(ctx, err)
	}
}

// localLimiter is the in-process fallback of limiter: the same limits, but each process on its
// own and without lanes.
type localLimiter struct {
	limits limits
	global *rate.Limiter
	mu     sync.Mutex
	chats  map[int64]*localChat
	paused time.Time // no bulk message before this (429 with the global limit)
}

type localChat struct {
	lim    *rate.Limiter
	paused time.Time
}

// maxLocalChats bounds the fallback's memory: past it the per-chat budgets start afresh, which
// costs at most one short burst per chat.
const maxLocalChats = 100_000

func newLocalLimiter(l limits, burst int) *localLimiter {
	return &localLimiter{
		limits: l,
		global: rate.NewLimiter(rate.Limit(l.global), burst),
		chats:  make(map[int64]*localChat),
	}
}

// chat returns the budget of chat id; the caller holds l.mu.
func (l *localLimiter) chat(id int64) *localChat {
	c, ok := l.chats[id]
	if !ok {
		if len(l.chats) >= maxLocalChats {
			l.chats = make(map[int64]*localChat)
		}
		c = &localChat{lim: rate.NewLimiter(rate.Limit(l.limits.private), max(1, l.limits.privateBurst))}
		if id < 0 {
			c.lim = rate.NewLimiter(rate.Limit(l.limits.groupPerMinute/60), max(1, l.limits.groupBurst))
		}
		l.chats[id] = c
	}
	return c
}

func (l *localLimiter) take(chatID int64, bulk bool) grant {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	g := grant{fresh: true}
	if bulk {
		g.globalWait = max(0, l.paused.Sub(now))
	}
	var chat *rate.Reservation
	if chatID != 0 {
		c := l.chat(chatID)
		g.fresh = c.lim.TokensAt(now) >= float64(c.lim.Burst())
		chat = c.lim.ReserveN(now, 1)
		g.chatWait = max(chat.DelayFrom(now), c.paused.Sub(now))
	}
	global := l.global.ReserveN(now, 1)
	g.globalWait = max(g.globalWait, global.DelayFrom(now))
	if g.chatWait > 0 || g.globalWait > 0 {
		global.CancelAt(now)
		if chat != nil {
			chat.CancelAt(now)
		}
		return g
	}
	g.ok = true
	return g
}

func (l *localLimiter) pause(chatID int64, d time.Duration, global bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	until := time.Now().Add(d)
	if chatID != 0 {
		if c := l.chat(chatID); c.paused.Before(until) {
			c.paused = until
		}
	}
	if global && l.paused.Before(until) {
		l.paused = until
	}
}
