package tgemu_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

const wait = 5 * time.Second

// newEmu starts an emulator and a go-telegram-bot-api client pointed at it.
func newEmu(t testing.TB, opts tgemu.Options) (*tgemu.Server, *tgbotapi.BotAPI) {
	t.Helper()
	srv := tgemu.NewServer(opts)
	t.Cleanup(srv.Close)
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.Endpoint(), &http.Client{Timeout: 70 * time.Second})
	if err != nil {
		t.Fatalf("NewBotAPIWithClient: %v", err)
	}
	return srv, bot
}

// wantAPIError asserts the exact Telegram error of a failed call.
func wantAPIError(t testing.TB, err error, code int, desc string) *tgbotapi.Error {
	t.Helper()
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		t.Fatalf("want *tgbotapi.Error %d %q, got %v", code, desc, err)
	}
	// The library drops Code on multipart uploads (notes 3.3), so 0 is accepted there.
	if (te.Code != code && te.Code != 0) || te.Message != desc {
		t.Fatalf("want error %d %q, got %d %q", code, desc, te.Code, te.Message)
	}
	return te
}

// poll fetches the next batch of updates without waiting.
func poll(t testing.TB, bot *tgbotapi.BotAPI, offset int) []tgbotapi.Update {
	t.Helper()
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Timeout: 1})
	if err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	return ups
}

// nextUpdate long-polls until one update arrives and confirms it.
type poller struct {
	t      testing.TB
	bot    *tgbotapi.BotAPI
	offset int
}

func (p *poller) next() tgbotapi.Update {
	p.t.Helper()
	for range 3 {
		ups, err := p.bot.GetUpdates(tgbotapi.UpdateConfig{Offset: p.offset, Timeout: 5, Limit: 1})
		if err != nil {
			p.t.Fatalf("GetUpdates: %v", err)
		}
		if len(ups) > 0 {
			p.offset = ups[0].UpdateID + 1
			return ups[0]
		}
	}
	p.t.Fatalf("no update arrived")
	return tgbotapi.Update{}
}
