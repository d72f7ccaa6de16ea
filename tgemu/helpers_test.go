package tgemu_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
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

// wantAPIError asserts the exact Telegram error of a failed call: its error_code and its
// description. For a call that go-telegram-bot-api sends as a multipart upload use
// wantUploadError.
func wantAPIError(t testing.TB, err error, code int, desc string) *tgbotapi.Error {
	t.Helper()
	te := asAPIError(t, err, code, desc)
	if te.Code != code || te.Message != desc {
		t.Fatalf("want error %d %q, got %d %q", code, desc, te.Code, te.Message)
	}
	return te
}

// wantUploadError asserts the error of a call go-telegram-bot-api v5.5.1 sent as a multipart
// upload (FileBytes, FileReader, FilePath). Its UploadFiles builds the Error from the
// description and parameters only and never copies error_code (notes 3.3: a 403 on
// sendDocument arrives as Code 0), so this is the one place where Code 0 is allowed, and
// only 0: the code the emulator really answered is checked in its call log instead.
func wantUploadError(t testing.TB, srv *tgemu.Server, err error, code int, desc string) *tgbotapi.Error {
	t.Helper()
	te := asAPIError(t, err, code, desc)
	if te.Code != 0 || te.Message != desc {
		t.Fatalf("want upload error (code lost by the library, so 0) %q, got %d %q", desc, te.Code, te.Message)
	}
	rej := srv.Rejected()
	if len(rej) == 0 || rej[len(rej)-1].Status != code || rej[len(rej)-1].Description != desc {
		t.Fatalf("want the emulator to have answered %d %q, last rejected calls: %+v", code, desc, rej)
	}
	return te
}

func asAPIError(t testing.TB, err error, code int, desc string) *tgbotapi.Error {
	t.Helper()
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		t.Fatalf("want *tgbotapi.Error %d %q, got %v", code, desc, err)
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

// started returns a user who has written to the bot, so the bot may answer.
func started(srv *tgemu.Server, o tgemu.UserOptions) *tgemu.User {
	u := srv.NewUser(o)
	u.Send("/start")
	return u
}

// rawResult is a decoded Bot API answer read without the library, to see status and headers.
type rawResult struct {
	Status int
	Header http.Header
	Body   map[string]any
	Text   string
}

// raw calls a method with a form body over plain HTTP.
func raw(t testing.TB, srv *tgemu.Server, method string, form url.Values) rawResult {
	t.Helper()
	resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/"+method, form)
	if err != nil {
		t.Fatalf("POST %s: %v", method, err)
	}
	return readRaw(t, resp)
}

func readRaw(t testing.TB, resp *http.Response) rawResult {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	r := rawResult{Status: resp.StatusCode, Header: resp.Header, Text: string(b)}
	_ = json.Unmarshal(b, &r.Body)
	return r
}

func (r rawResult) desc() string {
	s, _ := r.Body["description"].(string)
	return s
}

// pngBytes encodes a real PNG, so that sendPhoto can read its dimensions.
func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
