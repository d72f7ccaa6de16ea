package bot

import (
	"context"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// FuzzCallbackCodec: whatever a client sends as callback data, opening and decoding it never
// panics, and what decodes re-encodes within the limit to the same value.
func FuzzCallbackCodec(f *testing.F) {
	s := newSealer([]byte("0123456789abcdef0123456789abcdef"))
	for _, seed := range []string{
		"s:1:1:closed", "t:zz:0", "m:1y2p0ij32e8e7:1y2p0ij32e8e7:zzzzzzzzzzzzzzzz", "B:0:0", "d:5:2:1_a_0",
		"", ":", "::::", "t:-1:1", "x:1:1:DROP TABLE", "s:1:1:ключ", "\x00\xff",
	} {
		f.Add(int64(42), seed, false)
		f.Add(int64(-100123), seed, true)
	}
	f.Fuzz(func(t *testing.T, chat int64, data string, sealIt bool) {
		if sealIt && len(data) <= maxPayload {
			data = s.seal(chat, data)
		}
		payload, err := s.open(chat, data)
		if err != nil {
			return
		}
		c, err := decodeCallback(payload)
		if err != nil {
			return
		}
		again := c.encode() // panics over the limit: a decoded value must always fit
		if len(s.seal(chat, again)) > maxCallbackData {
			t.Fatalf("%q re-encodes over 64 bytes", payload)
		}
		back, err := decodeCallback(again)
		if err != nil || back != c {
			t.Fatalf("%q → %+v → %q → %+v, %v", payload, c, again, back, err)
		}
	})
}

// FuzzRouter: any update, from a client or an owner, in a private chat or a group, with any
// text and any callback data (sealed for its chat or not), goes through the real route table
// without a panic. The dispatcher's recover is left out on purpose: a panic fails the run.
func FuzzRouter(f *testing.F) {
	// Telegram's pacing of one message a second per chat would make each run a crawl.
	b, emu, _ := newTestBot(f, func(c *Config) { c.ChatRate, c.SendRate = 1e6, 1e6 })
	client := emu.NewUser(tgemu.UserOptions{FirstName: "Fuzz", LanguageCode: "ru"})
	owner := emu.NewUser(tgemu.UserOptions{FirstName: "Owner", LanguageCode: "en"})
	if err := b.crm.EnsureOwners(context.Background(), []int64{owner.ID()}); err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"/start", "/start src_flyer", "/help", "/my", "/queue", "/orders", "/staff add 5 mechanic", "/new",
		"/catalog масло", "/receive OIL 1 100", "/doc 1001", "/notices 1001", "/outbox", "/company +79120000000 on",
		"/cancel", "/nope", "+79120000000", "'; DROP TABLE orders; --", "<b>bold</b>", "",
	} {
		f.Add(seed, "", false, false, false)
		f.Add(seed, "", true, true, false)
	}
	for _, seed := range []string{"s:1:0:closed", "t:1:0", "B:0:0", "M:0:0", "W:1:0", "y:1:0:c", "u:1:0:price", "junk"} {
		f.Add("", seed, false, false, true)
		f.Add("", seed, true, true, true)
		f.Add("", seed, true, false, true)
	}
	var updateID int
	f.Fuzz(func(t *testing.T, msg, data string, asOwner, sealIt, press bool) {
		u := client
		if asOwner {
			u = owner
		}
		updateID++
		from := &tgbotapi.User{ID: u.ID(), FirstName: "F", LanguageCode: "ru"}
		chat := &tgbotapi.Chat{ID: u.Chat().ID(), Type: "private"}
		up := tgbotapi.Update{UpdateID: updateID}
		if press {
			if sealIt && len(data) <= maxPayload {
				data = b.sealer.seal(chat.ID, data)
			}
			up.CallbackQuery = &tgbotapi.CallbackQuery{ID: "1", From: from, Data: data,
				Message: &tgbotapi.Message{MessageID: 1, Chat: chat, Date: int(time.Now().Unix())}}
		} else {
			m := &tgbotapi.Message{MessageID: updateID, From: from, Chat: chat, Text: msg, Date: int(time.Now().Unix())}
			if len(msg) > 1 && msg[0] == '/' {
				end := len(msg)
				for i, c := range msg {
					if c == ' ' {
						end = i
						break
					}
				}
				m.Entities = []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: end}}
			}
			up.Message = m
		}
		r, ok := b.newRequest(up)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ctx, _ = withStateWrites(ctx)
		if claim, err := b.begin(ctx, r); err != nil || claim != claimTaken {
			return
		}
		_ = b.route(ctx, r) // errors are answers to bad input; only a panic fails
		_ = b.flushState(ctx)
	})
}
