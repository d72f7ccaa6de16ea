package bot

import (
	"context"
	"math"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/bot/text"
)

// FloodConfig bounds how much one user may send: more than Max updates within Window earns one
// warning, then their updates are dropped until Cooldown has passed since the warning. Other
// users are not affected: the count is per user. Active staff are counted but never stopped.
type FloodConfig struct {
	Max      int // default 20
	Window   time.Duration
	Cooldown time.Duration
}

func (c *FloodConfig) defaults() {
	if c.Max <= 0 {
		c.Max = 20
	}
	if c.Window <= 0 {
		c.Window = 10 * time.Second
	}
	if c.Cooldown <= 0 {
		c.Cooldown = time.Minute
	}
}

// floodKey counts one user's updates in the current window.
func floodKey(prefix string, userID int64) string {
	return prefix + "flood:" + strconv.FormatInt(userID, 10)
}

// countArrivals counts each update against its sender as it arrives, before it waits in its
// chat's queue: INCR, and a TTL of one window when the key has none, in one round trip for the
// whole batch. Counted when handled instead, a chat's updates would be counted at the pace of its
// replies (one a second, the chat's send budget) and never reach the limit in a window. counts[i]
// is 0 for an update without a sender or when Redis failed: losing Redis must not silence users.
func (b *Bot) countArrivals(ctx context.Context, updates []tgbotapi.Update) (counts []int64) {
	pipe := b.rdb.Pipeline()
	cmds := b.queueArrivalCounts(ctx, pipe, updates)
	if pipe.Len() == 0 {
		return make([]int64, len(updates))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.log.Warn("flood: count arriving updates", "updates", len(updates), "err", err)
		return make([]int64, len(updates))
	}
	return arrivalCounts(cmds)
}

// queueArrivalCounts queues countArrivals' commands on pipe; arrivalCounts reads them after Exec.
func (b *Bot) queueArrivalCounts(ctx context.Context, pipe redis.Pipeliner, updates []tgbotapi.Update) []*redis.IntCmd {
	cmds := make([]*redis.IntCmd, len(updates))
	for i, u := range updates {
		if id := senderOf(u); id != 0 {
			key := floodKey(b.cfg.KeyPrefix, id)
			cmds[i] = pipe.Incr(ctx, key)
			pipe.ExpireNX(ctx, key, b.cfg.Flood.Window)
		}
	}
	return cmds
}

func arrivalCounts(cmds []*redis.IntCmd) []int64 {
	counts := make([]int64, len(cmds))
	for i, c := range cmds {
		if c != nil {
			counts[i] = c.Val()
		}
	}
	return counts
}

// senderOf is the user an update comes from, for the kinds newRequest takes; 0 for others.
func senderOf(u tgbotapi.Update) int64 {
	switch {
	case u.Message != nil && u.Message.From != nil:
		return u.Message.From.ID
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return u.CallbackQuery.From.ID
	}
	return 0
}

// flooded reports whether r is over its sender's limit and must be dropped. The first update over
// it turns the window into the cool-down and gets the warning; the rest are dropped quietly. A
// counter that could not be read (0) lets the update through: losing Redis must not silence users.
func (b *Bot) flooded(ctx context.Context, r *request) bool {
	n, max := r.floodCount, int64(b.cfg.Flood.Max)
	if n <= max {
		return false
	}
	// Staff at work press fast and are no abusers; the lookup is the one their handlers make
	// anyway (staffMember keeps it for the update), and clients pay it only when over the limit.
	if _, err := b.staffMember(ctx, r); err == nil {
		return false
	}
	if n > max+1 {
		b.log.Debug("flood: update dropped", "update_id", r.update.UpdateID, "user_id", r.userID)
		return true
	}
	cool := b.cfg.Flood.Cooldown
	b.log.Warn("flood: user over the limit, dropping their updates", "user_id", r.userID,
		"limit", b.cfg.Flood.Max, "window", b.cfg.Flood.Window.String(), "cooldown", cool.String())
	warning := text.FloodWarning(r.lang, text.Seconds(r.lang, int(math.Ceil(cool.Seconds()))))
	if r.cb != nil {
		b.answer(ctx, r, warning, true)
	} else if err := b.say(ctx, r.chatID, warning, nil); err != nil {
		b.log.Warn("flood: warn user", "user_id", r.userID, "err", err)
	}
	// The cool-down counts from the warning, which may have waited for the chat's send budget.
	if err := b.rdb.Expire(ctx, floodKey(b.cfg.KeyPrefix, r.userID), cool).Err(); err != nil {
		b.log.Warn("flood: start cool-down", "user_id", r.userID, "err", err)
	}
	return true
}
