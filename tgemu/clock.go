package tgemu

import (
	"sync"
	"time"
)

// Clock is the emulator's virtual clock: real time plus an offset that tests move forward with
// Advance. Real time keeps flowing so that an honest retry_after is honoured by simply waiting,
// while tests of expiry (callbacks, 24 h updates, the 48 h delete window, webhook backoff,
// rate-limit windows) jump instead of sleeping.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	// onAdvance wakes everything that waits for a virtual deadline (long polls, webhook
	// backoff) so that a jump takes effect at once rather than when a real timer fires.
	onAdvance func()
}

// Now returns the current virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves virtual time forward by d (negative values are ignored: time never goes back).
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.offset += d
	fn := c.onAdvance
	c.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// until returns the real duration left before virtual time reaches t.
func (c *Clock) until(t time.Time) time.Duration {
	return t.Sub(c.Now())
}
