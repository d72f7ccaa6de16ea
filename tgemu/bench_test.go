package tgemu_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// benchClient keeps connections alive across parallel requests, as a real bot's client does.
func benchClient() *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

// BenchmarkEmulatorUpdates measures updates served: fake users write while the bot long-polls
// batches of up to 100 with go-telegram-bot-api, confirming each batch by offset.
func BenchmarkEmulatorUpdates(b *testing.B) {
	srv := tgemu.NewServer(tgemu.Options{NoRateLimits: true})
	defer srv.Close()
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.Endpoint(), benchClient())
	if err != nil {
		b.Fatal(err)
	}
	users := make([]*tgemu.User, 100)
	for i := range users {
		users[i] = srv.NewUser(tgemu.UserOptions{})
	}
	b.ResetTimer()
	go func() {
		for i := range b.N {
			users[i%len(users)].Send("booking request")
		}
	}()
	got, offset := 0, 0
	for got < b.N {
		ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: 100, Timeout: 5})
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range ups {
			offset = u.UpdateID + 1
		}
		got += len(ups)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}

// BenchmarkEmulatorSendMessage measures sendMessage calls accepted with rate limits off: many
// goroutines send HTML messages with an inline keyboard to 100 users.
func BenchmarkEmulatorSendMessage(b *testing.B) {
	srv := tgemu.NewServer(tgemu.Options{NoRateLimits: true})
	defer srv.Close()
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.Endpoint(), benchClient())
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, 100)
	for i := range ids {
		u := srv.NewUser(tgemu.UserOptions{})
		u.Send("/start")
		ids[i] = u.ID()
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Accept", "o:1:a:v1"), tgbotapi.NewInlineKeyboardButtonData("Decline", "o:1:d:v1")))
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			msg := tgbotapi.NewMessage(ids[i%int64(len(ids))], "<b>Order #1</b>: estimate 12&#160;500 ₽ &amp; parts")
			msg.ParseMode = tgbotapi.ModeHTML
			msg.ReplyMarkup = kb
			if _, err := bot.Send(msg); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sendMessage/s")
}
