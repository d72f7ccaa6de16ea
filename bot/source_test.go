package bot

import (
	"errors"
	"fmt"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Polling and setWebhook back off the same way: 1, 2, 4 … 30 s on failures, Telegram's own
// wait on flood control, which leaves the backoff where it was.
func TestRetryWait(t *testing.T) {
	backoff := time.Second
	var waits []time.Duration
	for range 7 {
		waits = append(waits, retryWait(errors.New("connection refused"), &backoff))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i := range want {
		if waits[i] != want[i]*time.Second {
			t.Fatalf("waits %v, want %v seconds", waits, want)
		}
	}
	backoff = 4 * time.Second
	flood := fmt.Errorf("get updates: %w", &tgbotapi.Error{Code: 429, ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 7}})
	if got := retryWait(flood, &backoff); got != 7*time.Second || backoff != 4*time.Second {
		t.Errorf("flood control: wait %s, backoff %s; want 7s, 4s left as it was", got, backoff)
	}
}
