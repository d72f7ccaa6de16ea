package tgemu_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

func TestGetMeAndStartDeepLink(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	if bot.Self.UserName != "uniflow_test_bot" || !bot.Self.IsBot {
		t.Fatalf("getMe: %+v", bot.Self)
	}
	u := srv.NewUser(tgemu.UserOptions{FirstName: "Ivan", LanguageCode: "ru"})
	if u.ID() <= 1<<32 {
		t.Fatalf("user id %d not above 2^32", u.ID())
	}
	u.Start("src_ads-42")
	p := &poller{t: t, bot: bot}
	up := p.next()
	m := up.Message
	if m == nil || !m.IsCommand() || m.Command() != "start" || m.CommandArguments() != "src_ads-42" {
		t.Fatalf("update: %+v", up)
	}
	if m.From.ID != u.ID() || m.Chat.ID != u.ID() || m.From.LanguageCode != "ru" {
		t.Fatalf("from/chat: %+v %+v", m.From, m.Chat)
	}
}

func TestSendPressEditFlow(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := srv.NewUser(tgemu.UserOptions{FirstName: "Olga"})
	u.Send("/menu")
	p := &poller{t: t, bot: bot}
	p.next()

	msg := tgbotapi.NewMessage(u.ID(), "<b>Menu</b> for Olga &amp; co")
	msg.ParseMode = tgbotapi.ModeHTML
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Book a repair", "book:1"),
		tgbotapi.NewInlineKeyboardButtonData("My orders", "orders"),
	))
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if sent.Text != "Menu for Olga & co" || len(sent.Entities) != 1 || sent.Entities[0].Type != "bold" {
		t.Fatalf("sent: %q %+v", sent.Text, sent.Entities)
	}
	got, err := u.Chat().AwaitText(wait, "Menu")
	if err != nil {
		t.Fatal(err)
	}
	id, err := u.Press(got, "Book")
	if err != nil {
		t.Fatal(err)
	}
	up := p.next()
	if up.CallbackQuery == nil || up.CallbackQuery.ID != id || up.CallbackQuery.Data != "book:1" {
		t.Fatalf("callback: %+v", up)
	}
	if _, err := bot.Request(tgbotapi.NewCallback(id, "ok")); err != nil {
		t.Fatalf("answer: %v", err)
	}
	_, err = bot.Request(tgbotapi.NewCallback(id, "again"))
	wantAPIError(t, err, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	if a, ok := srv.CallbackAnswer(id); !ok || a.Text != "ok" {
		t.Fatalf("answer recorded: %+v %v", a, ok)
	}

	edit := tgbotapi.NewEditMessageText(u.ID(), sent.MessageID, "Pick a day")
	if _, err := bot.Send(edit); err != nil {
		t.Fatalf("edit: %v", err)
	}
	_, err = bot.Send(edit)
	wantAPIError(t, err, 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	cur, _ := u.Chat().Message(sent.MessageID)
	if !cur.Edited || cur.Text != "Pick a day" || cur.Inline != nil {
		t.Fatalf("after edit: %+v", cur)
	}
	if tr := u.Chat().Transcript(); !strings.Contains(tr, "bot: Pick a day (edited)") || !strings.Contains(tr, "Olga: /menu") {
		t.Fatalf("transcript:\n%s", tr)
	}
}

func TestStrictButtonsAndHTML(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := srv.NewUser(tgemu.UserOptions{})
	u.Send("hi")
	long := strings.Repeat("x", 65)
	msg := tgbotapi.NewMessage(u.ID(), "x")
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("A", long)))
	_, err := bot.Send(msg)
	wantAPIError(t, err, 400, "Bad Request: BUTTON_DATA_INVALID")

	msg = tgbotapi.NewMessage(u.ID(), "a < b")
	msg.ParseMode = tgbotapi.ModeHTML
	_, err = bot.Send(msg)
	wantAPIError(t, err, 400, `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`)

	stranger := srv.NewUser(tgemu.UserOptions{})
	_, err = bot.Send(tgbotapi.NewMessage(stranger.ID(), "hello"))
	wantAPIError(t, err, 403, "Forbidden: bot can't initiate conversation with a user")
}

func TestContactPhotoAndFile(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := srv.NewUser(tgemu.UserOptions{FirstName: "Petr"})
	if _, err := u.ShareContact("+79001234567"); err == nil {
		t.Fatal("ShareContact without a keyboard succeeded")
	}
	u.Send("/start")
	msg := tgbotapi.NewMessage(u.ID(), "Share your phone")
	msg.ReplyMarkup = tgbotapi.NewOneTimeReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact("Send phone")))
	if _, err := bot.Send(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := u.ShareContact("+79001234567"); err != nil {
		t.Fatal(err)
	}
	p := &poller{t: t, bot: bot}
	p.next()
	up := p.next()
	if c := up.Message.Contact; c == nil || c.PhoneNumber != "+79001234567" || c.UserID != u.ID() {
		t.Fatalf("contact: %+v", up.Message)
	}

	u.SendPhoto([]byte("not really a jpeg"), "my car")
	up = p.next()
	ph := up.Message.Photo
	if len(ph) == 0 || up.Message.Caption != "my car" {
		t.Fatalf("photo: %+v", up.Message)
	}
	f, err := bot.GetFile(tgbotapi.FileConfig{FileID: ph[len(ph)-1].FileID})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(strings.Replace(srv.FileEndpoint(), "%s/%s", srv.Token()+"/"+f.FilePath, 1))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "not really a jpeg" {
		t.Fatalf("download: %q", body)
	}

	doc := tgbotapi.NewDocument(u.ID(), tgbotapi.FileBytes{Name: "quote.pdf", Bytes: []byte("%PDF-1.4 fake")})
	doc.Caption = "Your quote"
	sent, err := bot.Send(doc)
	if err != nil {
		t.Fatal(err)
	}
	again := tgbotapi.NewDocument(u.ID(), tgbotapi.FileID(sent.Document.FileID))
	if _, err := bot.Send(again); err != nil {
		t.Fatalf("file_id reuse: %v", err)
	}
}
