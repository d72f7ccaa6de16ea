package tgemu

import (
	"math"
	"time"
)

// Telegram's flood limits (bots FAQ, notes 2.1). Telegram calls them unspecified; these values
// follow the FAQ: about one message per second in a private chat with short bursts allowed,
// 20 messages per minute in a group, about 30 messages per second overall.
const (
	privateBurst  = 5
	privateRate   = 1.0 // per second
	replyCredit   = 3   // tokens a user's own action adds to its private chat
	privateCredit = 10  // ceiling of the bucket with credits
	groupBurst    = 20
	groupRate     = 20.0 / 60
	globalRate    = 30.0 // default of Options.GlobalRate; the burst is one second's worth
	globalCredits = 3    // ceiling of the global bucket with credits, in bursts
)

// bucket is a token bucket on the virtual clock.
type bucket struct {
	tokens float64
	last   time.Time
	burst  float64
	rate   float64 // tokens per second
}

func newBucket(burst, rate float64, now time.Time) *bucket {
	return &bucket{tokens: burst, last: now, burst: burst, rate: rate}
}

func (b *bucket) refill(now time.Time) {
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		if b.tokens < b.burst {
			b.tokens = math.Min(b.burst, b.tokens+dt*b.rate)
		} else {
			// Credits from a user's actions fade back to the burst at the same pace, so a chat
			// that talked yesterday is broadcast to at the plain rate today.
			b.tokens = math.Max(b.burst, b.tokens-dt*b.rate)
		}
		b.last = now
	}
}

// wait is how long until one token is available (0 if one is there now).
func (b *bucket) wait(now time.Time) time.Duration {
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// rateLimiter enforces the per-chat, per-group and global send limits. Only messages sent
// count (send*, copyMessage, forwardMessage): edits, callback answers and chat actions do not,
// so a bot answering a button with an edit never trips them.
type rateLimiter struct {
	globalRate float64 // messages per second, and the burst
	global     *bucket
	chats      map[int64]*bucket
}

func newRateLimiter(globalRate float64) *rateLimiter {
	return &rateLimiter{globalRate: globalRate, chats: map[int64]*bucket{}}
}

func (r *rateLimiter) globalBucket(now time.Time) *bucket {
	if r.global == nil {
		r.global = newBucket(r.globalRate, r.globalRate, now)
	}
	return r.global
}

func (r *rateLimiter) chatBucket(c *Chat, now time.Time) *bucket {
	b := r.chats[c.id]
	if b == nil {
		if c.typ == "private" {
			b = newBucket(privateBurst, privateRate, now)
		} else {
			b = newBucket(groupBurst, groupRate, now)
		}
		r.chats[c.id] = b
	}
	return b
}

// take consumes one message from the chat's and the global budget, or returns the honest
// number of seconds to wait: after that long the same request succeeds (unless other sends
// spend the budget first).
func (r *rateLimiter) take(c *Chat, now time.Time) (retryAfter int, ok bool) {
	global := r.globalBucket(now)
	cb := r.chatBucket(c, now)
	w := max(cb.wait(now), global.wait(now))
	if w > 0 {
		return int(math.Ceil(w.Seconds())), false
	}
	cb.tokens--
	global.tokens--
	return 0, true
}

// credit rewards a user's action in a private chat: a bot replying to what a user does is a
// conversation, not a broadcast. Without this, a fast test script (ten presses in 100 ms)
// would hit 429 although a human-paced conversation never would.
//
// The global bucket gets the same credit: 30 messages/s is a broadcast limit, and a test that
// plays fifteen rounds of a dialog in ten milliseconds is not a broadcast.
func (r *rateLimiter) credit(c *Chat, now time.Time) {
	if c.typ != "private" {
		return
	}
	b := r.chatBucket(c, now)
	b.refill(now)
	b.tokens = math.Min(privateCredit, b.tokens+replyCredit)
	global := r.globalBucket(now)
	global.refill(now)
	global.tokens = math.Min(globalCredits*global.burst, global.tokens+replyCredit)
}

// SetRateLimits turns the automatic flood limits on or off at run time.
func (s *Server) SetRateLimits(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.NoRateLimits = !on
}
