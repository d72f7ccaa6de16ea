package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Callback data is authenticated: a Telegram client controls every byte it sends, so a button's
// data carries an HMAC-SHA256 tag of the chat it was sent to and its payload, under a server
// secret. Data the bot did not make for that chat (forged, tampered, copied from another chat,
// from before a secret change) is refused before it is even parsed.
//
// The tag is the first 8 bytes of the MAC, 11 characters of base64url in front of the payload.
// 64 bits are plenty for a tag that can only be checked online: each guess is a button press
// through Telegram, a few per second per user, and the secret never leaves the server, so
// guessing one tag takes about 2^63 presses. Longer tags would not fit: the longest payload
// (an action, two 13-digit base-36 numbers and a 16-byte argument) is 46 bytes, and 46+11 stays
// within Telegram's 64.
//
// Sealing happens in one place, where calls leave for Telegram (post), and opening in one
// place, where updates come in (newRequest): no keyboard can forget it. It costs one HMAC per
// button and per press, in memory, with no round trip.

const (
	tagBytes   = 8
	tagLen     = 11 // base64url of tagBytes, without padding
	maxPayload = maxCallbackData - tagLen
)

var errForgedCallback = errors.New("callback data not made by this bot for this chat")

// sealer makes and checks tags with one secret.
type sealer struct {
	macs sync.Pool // of keyed HMAC hashes: a tag allocates nothing
}

func newSealer(secret []byte) *sealer {
	key := append([]byte(nil), secret...)
	s := &sealer{}
	s.macs.New = func() any { return hmac.New(sha256.New, key) }
	return s
}

// deriveCallbackSecret is the secret used when none is configured: stable across restarts and
// replicas, and as secret as the bot token it comes from (whoever holds the token can act as
// the bot anyway). Changing the token makes old buttons void, as a new secret would.
func deriveCallbackSecret(token string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("uniflow callback data v1"))
	return m.Sum(nil)
}

func (s *sealer) tag(dst []byte, chatID int64, payload string) []byte {
	m := s.macs.Get().(hash.Hash)
	m.Reset()
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(chatID))
	m.Write(id[:])
	m.Write([]byte(payload))
	var sum [sha256.Size]byte
	mac := m.Sum(sum[:0])
	s.macs.Put(m)
	return base64.RawURLEncoding.AppendEncode(dst, mac[:tagBytes])
}

// seal is what a button sent to chatID carries for payload.
func (s *sealer) seal(chatID int64, payload string) string {
	buf := make([]byte, 0, tagLen+len(payload))
	buf = s.tag(buf, chatID, payload)
	return string(append(buf, payload...))
}

// open checks data pressed in chatID and returns its payload.
func (s *sealer) open(chatID int64, data string) (string, error) {
	if len(data) <= tagLen || len(data) > maxCallbackData {
		return "", errBadCallback
	}
	var buf [tagLen]byte
	want := s.tag(buf[:0], chatID, data[tagLen:])
	if !hmac.Equal(want, []byte(data[:tagLen])) {
		return "", errForgedCallback
	}
	return data[tagLen:], nil
}

// openCallback authenticates and decodes the data of a press in chatID.
func (b *Bot) openCallback(chatID int64, data string) (callback, error) {
	payload, err := b.sealer.open(chatID, data)
	if err != nil {
		return callback{}, err
	}
	return decodeCallback(payload)
}

// sealed returns c with the callback data of its inline keyboard sealed for its chat. c itself
// is left alone: a retried call seals its original again.
func (b *Bot) sealed(c tgbotapi.Chattable) tgbotapi.Chattable {
	switch m := c.(type) {
	case tgbotapi.MessageConfig:
		m.ReplyMarkup = b.sealMarkup(m.ChatID, m.ReplyMarkup)
		return m
	case tgbotapi.PhotoConfig:
		m.ReplyMarkup = b.sealMarkup(m.ChatID, m.ReplyMarkup)
		return m
	case tgbotapi.DocumentConfig:
		m.ReplyMarkup = b.sealMarkup(m.ChatID, m.ReplyMarkup)
		return m
	case tgbotapi.EditMessageTextConfig:
		m.ReplyMarkup = b.sealKeyboard(m.ChatID, m.ReplyMarkup)
		return m
	case tgbotapi.EditMessageReplyMarkupConfig:
		m.ReplyMarkup = b.sealKeyboard(m.ChatID, m.ReplyMarkup)
		return m
	case tgbotapi.EditMessageCaptionConfig:
		m.ReplyMarkup = b.sealKeyboard(m.ChatID, m.ReplyMarkup)
		return m
	}
	return c
}

func (b *Bot) sealMarkup(chatID int64, markup any) any {
	switch kb := markup.(type) {
	case *tgbotapi.InlineKeyboardMarkup:
		return b.sealKeyboard(chatID, kb)
	case tgbotapi.InlineKeyboardMarkup:
		return b.sealKeyboard(chatID, &kb)
	}
	return markup // reply keyboards carry no callback data
}

func (b *Bot) sealKeyboard(chatID int64, kb *tgbotapi.InlineKeyboardMarkup) *tgbotapi.InlineKeyboardMarkup {
	if kb == nil {
		return nil
	}
	out := &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: make([][]tgbotapi.InlineKeyboardButton, len(kb.InlineKeyboard))}
	for i, row := range kb.InlineKeyboard {
		out.InlineKeyboard[i] = make([]tgbotapi.InlineKeyboardButton, len(row))
		for j, btn := range row {
			if btn.CallbackData != nil {
				data := b.sealer.seal(chatID, *btn.CallbackData)
				btn.CallbackData = &data
			}
			out.InlineKeyboard[i][j] = btn
		}
	}
	return out
}
