package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"
)

// In polling mode one process of the deployment polls and the others stand by: Telegram gives
// the updates to the newest getUpdates and answers the older one 409, so two pollers would take
// turns stealing each other's polls. The poller holds a lease in Redis, renewed in the
// background; a standby takes it over once it lapses or its holder is gone (within aliveTTL of a
// crash, as the holder's liveness key lapses: intake.go; at once after a clean stop, which
// releases it). A 409 all the same (a process polling without our Redis)
// makes this one stand by for pollConflictStandby instead of fighting back.
const (
	pollLeaseTTL        = 10 * time.Second
	pollLeaseRenew      = pollLeaseTTL / 4
	pollStandbyCheck    = 500 * time.Millisecond
	pollConflictStandby = 30 * time.Second
)

// pollLease is this process's claim to poll.
type pollLease struct {
	b     *Bot
	key   string
	token string

	mu      sync.Mutex
	known   bool // Redis was asked at least once
	held    bool
	changed chan struct{} // closed and replaced whenever held changes
}

// acquireOrRenew takes the lease when it is free or its holder is gone (the holder's liveness
// key, intake.go, lapsed: a SIGKILLed poller is replaced within aliveTTL, not pollLeaseTTL), or
// extends it when it is ours. ARGV: our process id, the TTL in ms, the liveness key prefix.
var acquireOrRenew = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	return 1
end
if not v or redis.call('EXISTS', ARGV[3] .. v) == 0 then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
	return 1
end
return 0`)

var releaseIfOurs = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

func (b *Bot) newPollLease() *pollLease {
	return &pollLease{
		b:       b,
		key:     b.cfg.KeyPrefix + "poll-lease:" + strconv.FormatInt(b.api.Self.ID, 10),
		token:   b.instance, // whose liveness key tells whether the holder still lives
		changed: make(chan struct{}),
	}
}

// keep renews or takes the lease every pollLeaseRenew until ctx ends, then releases it. When
// Redis cannot be asked, the process polls anyway: a single instance must not stop because
// Redis blinked, and two that both poll then meet the 409 rule.
func (l *pollLease) keep(ctx context.Context) {
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := releaseIfOurs.Run(rctx, l.b.rdb, []string{l.key}, l.token).Err(); err != nil {
			l.b.log.Warn("poll lease: release", "err", err)
		}
	}()
	for {
		n, err := acquireOrRenew.Run(ctx, l.b.rdb, []string{l.key}, l.token, pollLeaseTTL.Milliseconds(),
			aliveKeyPrefix(l.b.cfg.KeyPrefix)).Int()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			l.b.log.Warn("poll lease: Redis did not answer; polling without it", "err", err)
		}
		l.set(err != nil || n == 1)
		next := pollLeaseRenew
		if !l.holding() {
			next = pollStandbyCheck // a standby looks often: the holder may be gone
		}
		if !sleepCtx(ctx, next) {
			return
		}
	}
}

func (l *pollLease) set(held bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.known && held == l.held {
		return
	}
	l.known, l.held = true, held
	close(l.changed)
	l.changed = make(chan struct{})
	if held {
		l.b.log.Info("poll lease taken: this process polls Telegram")
	} else {
		l.b.log.Info("another instance polls this bot: standing by", "takes_over_within", pollLeaseTTL.String())
	}
}

// holding reports whether this process holds the lease now.
func (l *pollLease) holding() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held
}

// wait returns once this process holds the lease; false when ctx ended first.
func (l *pollLease) wait(ctx context.Context) bool {
	for {
		l.mu.Lock()
		held, changed := l.held, l.changed
		l.mu.Unlock()
		if held {
			return true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}

// pollConflict reports the 409 of another process's getUpdates having taken over ours
// ("Conflict: terminated by other getUpdates request; ...").
func pollConflict(err error) bool {
	var tgErr *tgbotapi.Error
	return errors.As(err, &tgErr) && tgErr.Code == 409 && strings.Contains(tgErr.Message, "other getUpdates")
}
