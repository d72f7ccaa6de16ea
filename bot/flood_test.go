package bot

import (
	"context"
	"slices"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Updates are counted against their senders when they arrive, a batch in one Redis round trip,
// and the count forgets itself after the window. begin no longer counts: its update path keeps
// its one round trip.
func TestArrivalsCountFloodInOneRoundTrip(t *testing.T) {
	t.Parallel()
	b, _, _ := newTestBot(t)
	ctx := context.Background()
	msg := func(id int, from int64) tgbotapi.Update {
		return tgbotapi.Update{UpdateID: id, Message: &tgbotapi.Message{
			MessageID: id, Text: "hi",
			From: &tgbotapi.User{ID: from, FirstName: "F"},
			Chat: &tgbotapi.Chat{ID: from, Type: "private"},
		}}
	}
	press := tgbotapi.Update{UpdateID: 4, CallbackQuery: &tgbotapi.CallbackQuery{ID: "q", From: &tgbotapi.User{ID: 42}}}
	member := tgbotapi.Update{UpdateID: 5, MyChatMember: &tgbotapi.ChatMemberUpdated{}}
	b.rdb.Ping(ctx) // the connection's handshake is not the batch's
	trips := 0
	b.rdb.AddHook(countHook{&trips})
	got := b.countArrivals(ctx, []tgbotapi.Update{msg(1, 42), msg(2, 42), msg(3, 7), press, member})
	if want := []int64{1, 2, 1, 3, 0}; !slices.Equal(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	if trips != 1 {
		t.Errorf("%d round trips for a batch, want 1", trips)
	}
	ttl, err := b.rdb.TTL(ctx, floodKey(b.cfg.KeyPrefix, 42)).Result()
	if err != nil || ttl <= 0 || ttl > b.cfg.Flood.Window {
		t.Errorf("flood counter TTL %v (%v), want within the window %v", ttl, err, b.cfg.Flood.Window)
	}

	trips = 0
	r, _ := b.newRequest(msg(6, 42))
	if claim, err := b.begin(ctx, r); err != nil || claim != claimTaken {
		t.Fatalf("begin: %v, %v", claim, err)
	}
	if trips != 1 {
		t.Errorf("%d round trips for begin, want 1", trips)
	}
	if n, _ := b.rdb.Get(ctx, floodKey(b.cfg.KeyPrefix, 42)).Int(); n != 3 {
		t.Errorf("begin changed the flood count to %d; it is counted on arrival only", n)
	}
}
