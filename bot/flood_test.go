package bot

import (
	"context"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The flood counter rides in begin's pipeline: an update still costs one Redis round trip to
// begin, counts one against its sender, and the count forgets itself after the window.
func TestBeginCountsFloodInItsOneRoundTrip(t *testing.T) {
	t.Parallel()
	b, _, _ := newTestBot(t)
	ctx := context.Background()
	update := func(id int) *request {
		r, ok := b.newRequest(tgbotapi.Update{UpdateID: id, Message: &tgbotapi.Message{
			MessageID: id, Text: "hi",
			From: &tgbotapi.User{ID: 42, FirstName: "F"},
			Chat: &tgbotapi.Chat{ID: 42, Type: "private"},
		}})
		if !ok {
			t.Fatal("update not taken")
		}
		return r
	}
	b.rdb.Ping(ctx) // the connection's handshake is not the update's
	trips := 0
	b.rdb.AddHook(countHook{&trips})
	for i := 1; i <= 3; i++ {
		r := update(i)
		first, err := b.begin(ctx, r)
		if err != nil || !first {
			t.Fatalf("begin %d: %v, %v", i, first, err)
		}
		if r.floodCount != int64(i) {
			t.Errorf("update %d counted as %d", i, r.floodCount)
		}
	}
	if trips != 3 {
		t.Errorf("%d round trips for 3 begins, want 3", trips)
	}
	ttl, err := b.rdb.TTL(ctx, floodKey(b.cfg.KeyPrefix, 42)).Result()
	if err != nil || ttl <= 0 || ttl > b.cfg.Flood.Window {
		t.Errorf("flood counter TTL %v (%v), want within the window %v", ttl, err, b.cfg.Flood.Window)
	}
	// A duplicate is not handled; its count does not matter, only that it is not first.
	if first, err := b.begin(ctx, update(1)); err != nil || first {
		t.Errorf("duplicate begin: %v, %v", first, err)
	}
}
