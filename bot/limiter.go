package bot

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps our own sending within Telegram's limits so that we are
// never the cause of a 429: about 30 messages a second overall, one a second
// per private chat with a small burst, and 20 a minute per group.
type limiter struct {
	global   *rate.Limiter
	chatRate rate.Limit // per private chat
	mu       sync.Mutex
	chats    map[int64]*rate.Limiter
}

// newLimiter allows perSecond messages overall and perChat a second in
// each private chat.
func newLimiter(perSecond, perChat float64) *limiter {
	return &limiter{
		global:   rate.NewLimiter(rate.Limit(perSecond), max(1, int(perSecond))),
		chatRate: rate.Limit(perChat),
		chats:    make(map[int64]*rate.Limiter),
	}
}

// wait blocks until a message to chatID may go out. Edits and callback
// answers are not messages and skip the per-chat limit (chatID 0).
func (l *limiter) wait(ctx context.Context, chatID int64) error {
	if chatID != 0 {
		if err := l.chat(chatID).Wait(ctx); err != nil {
			return err
		}
	}
	return l.global.Wait(ctx)
}

func (l *limiter) chat(id int64) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.chats[id]
	if !ok {
		if id < 0 { // groups and supergroups have negative ids
			lim = rate.NewLimiter(rate.Every(3*time.Second), 3)
		} else {
			lim = rate.NewLimiter(l.chatRate, 3)
		}
		l.chats[id] = lim
	}
	return lim
}
