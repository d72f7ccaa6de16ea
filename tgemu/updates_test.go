package tgemu_test

import (
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
