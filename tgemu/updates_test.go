package tgemu_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

func TestNewerPollEndsOlderWith409(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	first := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		first <- err
	}()
	if err := srv.AwaitPolling(wait); err != nil {
		t.Fatal(err)
	}
	u := srv.NewUser(tgemu.UserOptions{})
	second := make(chan []tgbotapi.Update, 1)
	go func() {
		ups, _ := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		second <- ups
	}()
	wantAPIError(t, <-first, 409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
	u.Send("hello")
	if ups := <-second; len(ups) != 1 || ups[0].Message.Text != "hello" {
		t.Fatalf("second poll: %+v", ups)
	}
}

func TestHeldPollEndsOnClose(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	done := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		_, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- time.Since(start)
	}()
	if err := srv.AwaitPolling(wait); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	select {
	case d := <-done:
		if d > 2*time.Second {
			t.Fatalf("held poll ended after %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("held poll did not end on Close")
	}
}

func TestOffsetLimitAndNegativeOffset(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := srv.NewUser(tgemu.UserOptions{})
	for i := range 5 {
		u.Send(fmt.Sprintf("m%d", i))
	}
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Limit: 2})
	if err != nil || len(ups) != 2 || ups[0].Message.Text != "m0" {
		t.Fatalf("limit: %+v %v", ups, err)
	}
	if ups[1].UpdateID != ups[0].UpdateID+1 {
		t.Fatalf("update ids not sequential: %d %d", ups[0].UpdateID, ups[1].UpdateID)
	}
	// Unconfirmed updates come back; an offset confirms everything below it.
	again := poll(t, bot, 0)
	if len(again) != 5 || again[0].UpdateID != ups[0].UpdateID {
		t.Fatalf("redelivery: %d updates", len(again))
	}
	rest := poll(t, bot, ups[1].UpdateID+1)
	if len(rest) != 3 || rest[0].Message.Text != "m2" {
		t.Fatalf("after offset: %+v", rest)
	}
	if n := srv.PendingUpdates(); n != 3 {
		t.Fatalf("pending %d", n)
	}
	last, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: -1})
	if err != nil || len(last) != 1 || last[0].Message.Text != "m4" {
		t.Fatalf("offset -1: %+v %v", last, err)
	}
	if n := srv.PendingUpdates(); n != 1 {
		t.Fatalf("negative offset keeps %d", n)
	}
	// Message ids grow per chat, dates are in seconds.
	msgs := u.Chat().Messages()
	for i := 1; i < len(msgs); i++ {
		if msgs[i].ID != msgs[i-1].ID+1 {
			t.Fatalf("message ids: %d after %d", msgs[i].ID, msgs[i-1].ID)
		}
	}
}

func TestAllowedUpdatesAndExpiry(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := started(srv, tgemu.UserOptions{})
	p := &poller{t: t, bot: bot}
	p.next()
	// Only callback queries from now on; message updates are not even stored.
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: p.offset, AllowedUpdates: []string{"callback_query"}})
	if err != nil || len(ups) != 0 {
		t.Fatalf("%+v %v", ups, err)
	}
	u.Send("ignored")
	sent, err := bot.Send(tgbotapi.NewMessage(u.ID(), "x"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := u.Chat().Message(sent.MessageID)
	if _, err := u.PressData(m, "cb"); err != nil {
		t.Fatal(err)
	}
	// allowed_updates=null (the library's default) keeps the previous setting.
	if up := p.next(); up.CallbackQuery == nil || up.CallbackQuery.Data != "cb" {
		t.Fatalf("want the callback only, got %+v", up)
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: p.offset, AllowedUpdates: []string{}}); err != nil {
		t.Fatal(err)
	}
	// A callback query waits 150 s at most, a message 24 h.
	if _, err := u.PressData(m, "late"); err != nil {
		t.Fatal(err)
	}
	u.Send("still here")
	srv.Advance(151 * time.Second)
	ups = poll(t, bot, p.offset)
	if len(ups) != 1 || ups[0].Message == nil || ups[0].Message.Text != "still here" {
		t.Fatalf("after 151 s: %+v", ups)
	}
	srv.Advance(24 * time.Hour)
	if n := srv.PendingUpdates(); n != 0 {
		t.Fatalf("after 24 h: %d pending", n)
	}
}

// An idle bot polling with go-telegram-bot-api makes one request per timeout: the poll is held
// until the (virtual) timeout passes, and only then does the library ask again.
func TestIdleBotPollsOncePerTimeout(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	bot.GetUpdatesChan(tgbotapi.UpdateConfig{Timeout: 30})
	t.Cleanup(bot.StopReceivingUpdates) // runs before srv.Close, which then ends the held poll
	countPolls := func() int {
		n := 0
		for _, c := range srv.Calls() {
			if c.Method == "getUpdates" {
				n++
			}
		}
		return n
	}
	for i := range 3 {
		if err := srv.AwaitPolling(wait); err != nil {
			t.Fatal(err)
		}
		if n := countPolls(); n != i {
			t.Fatalf("round %d: %d polls finished", i, n)
		}
		srv.Advance(30 * time.Second)
		if _, err := srv.AwaitCall(wait, func(c tgemu.Call) bool { return c.Method == "getUpdates" && countPolls() == i+1 }); err != nil {
			t.Fatal(err)
		}
	}
	if n := countPolls(); n != 3 {
		t.Fatalf("%d polls for 3 timeouts", n)
	}
	// Let the library hold its next poll, so that Close ends it cleanly instead of refusing a
	// poll that starts during shutdown.
	if err := srv.AwaitPolling(wait); err != nil {
		t.Fatal(err)
	}
}

func TestDuplicateDeliveryAndReorder(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	srv.SetDuplicateDelivery(true)
	u := srv.NewUser(tgemu.UserOptions{})
	u.Send("once")
	first := poll(t, bot, 0)
	second := poll(t, bot, first[0].UpdateID+1)
	if len(second) != 1 || second[0].UpdateID != first[0].UpdateID {
		t.Fatalf("duplicate delivery: %+v", second)
	}
	// The second confirmation is honoured. (An empty poll with the same offset at once would be
	// held 3 s by Telegram's anti-spin rule, so give it something to return.)
	srv.SetDuplicateDelivery(false)
	u.Send("next")
	if third := poll(t, bot, first[0].UpdateID+1); len(third) != 1 || third[0].Message.Text != "next" {
		t.Fatalf("after the second confirmation: %+v", third)
	}

	a, b := srv.NewUser(tgemu.UserOptions{}), srv.NewUser(tgemu.UserOptions{})
	a.Send("a1")
	a.Send("a2")
	b.Send("b1")
	srv.InjectFault(tgemu.Match{Method: "getUpdates", Times: 1}, tgemu.ReorderChats())
	ups := poll(t, bot, first[0].UpdateID+2)
	var got []string
	for _, up := range ups {
		got = append(got, up.Message.Text)
	}
	if strings.Join(got, ",") != "b1,a1,a2" {
		t.Fatalf("reordered batch: %v", got)
	}
}

func TestLongPollMaxCapsTimeout(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{LongPollMax: 2 * time.Second})
	done := make(chan []tgbotapi.Update, 1)
	go func() {
		ups, _ := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 50})
		done <- ups
	}()
	if err := srv.AwaitPolling(wait); err != nil {
		t.Fatal(err)
	}
	srv.Advance(2 * time.Second) // the capped timeout, not the 50 s asked for
	select {
	case ups := <-done:
		if len(ups) != 0 {
			t.Fatalf("%+v", ups)
		}
	case <-time.After(wait):
		t.Fatal("poll not ended by the LongPollMax cap")
	}
}
