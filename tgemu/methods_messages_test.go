package tgemu_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

func TestSendMessageLimits(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	tests := []struct {
		name, text string
		chatID     int64
		wantCode   int
		wantDesc   string
	}{
		{name: "4096 characters", text: strings.Repeat("я", 4096)},
		{name: "4097 characters", text: strings.Repeat("я", 4097), wantCode: 400, wantDesc: "Bad Request: message is too long"},
		{name: "blank", text: " \n ", wantCode: 400, wantDesc: "Bad Request: message text is empty"},
		{name: "over 32 KiB raw", text: strings.Repeat("x", 1<<15+1), wantCode: 400, wantDesc: "Bad Request: text is too long"},
		{name: "unknown chat", text: "x", chatID: 12345, wantCode: 400, wantDesc: "Bad Request: chat not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat := u.ID()
			if tt.chatID != 0 {
				chat = tt.chatID
			}
			_, err := bot.Send(tgbotapi.NewMessage(chat, tt.text))
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantAPIError(t, err, tt.wantCode, tt.wantDesc)
		})
	}
	// The library omits an empty text entirely; Telegram then says the text is empty too.
	_, err := bot.Send(tgbotapi.NewMessage(u.ID(), ""))
	wantAPIError(t, err, 400, "Bad Request: message text is empty")
	r := raw(t, srv, "sendMessage", url.Values{"text": {"x"}})
	if r.Status != 400 || r.desc() != "Bad Request: chat_id is empty" {
		t.Fatalf("no chat_id: %d %q", r.Status, r.desc())
	}
}

func TestReplyTo(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	q := u.Send("when can I come?")
	msg := tgbotapi.NewMessage(u.ID(), "tomorrow")
	msg.ReplyToMessageID = q.ID
	sent, err := bot.Send(msg)
	if err != nil || sent.ReplyToMessage == nil || sent.ReplyToMessage.Text != "when can I come?" {
		t.Fatalf("reply: %+v %v", sent.ReplyToMessage, err)
	}
	msg.ReplyToMessageID = 999
	_, err = bot.Send(msg)
	wantAPIError(t, err, 400, "Bad Request: message to be replied not found")
	msg.AllowSendingWithoutReply = true
	if _, err := bot.Send(msg); err != nil {
		t.Fatalf("allow_sending_without_reply: %v", err)
	}
}

func TestKeyboardValidation(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	group := srv.NewGroup("Staff", true)
	u.SendIn(group, "hi all")
	row9 := make([]tgbotapi.InlineKeyboardButton, 9)
	for i := range row9 {
		row9[i] = tgbotapi.NewInlineKeyboardButtonData("b", "d"+strconv.Itoa(i))
	}
	empty := ""
	tests := []struct {
		name     string
		chat     int64
		markup   any
		wantDesc string
	}{
		{"64-byte data is fine", u.ID(), tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("A", strings.Repeat("й", 32)))), ""},
		{"65-byte data", u.ID(), tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("A", strings.Repeat("й", 32)+"x"))), "Bad Request: BUTTON_DATA_INVALID"},
		{"empty data", u.ID(), tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{{{Text: "A", CallbackData: &empty}}}}, "Bad Request: BUTTON_DATA_INVALID"},
		{"button without action", u.ID(), tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{{{Text: "A"}}}}, "Bad Request: text buttons are unallowed in the inline keyboard"},
		{"zero rows (null)", u.ID(), tgbotapi.NewInlineKeyboardMarkup(), `Bad Request: field "inline_keyboard" must be of type Array`},
		{"nine in a row", u.ID(), tgbotapi.NewInlineKeyboardMarkup(row9), "Bad Request: reply markup is too long"},
		{"url button", u.ID(), tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonURL("Map", "https://maps.example/1"))), ""},
		{"contact button in private", u.ID(), tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact("Phone"))), ""},
		{"contact button in a group", group.ID(), tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact("Phone"))), "Bad Request: BUTTON_TYPE_INVALID"},
		{"text reply keyboard in a group", group.ID(), tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButton("Yes"))), ""},
		{"remove keyboard", u.ID(), tgbotapi.NewRemoveKeyboard(true), ""},
		{"force reply", u.ID(), tgbotapi.ForceReply{ForceReply: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tgbotapi.NewMessage(tt.chat, "pick")
			msg.ReplyMarkup = tt.markup
			_, err := bot.Send(msg)
			if tt.wantDesc == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantAPIError(t, err, 400, tt.wantDesc)
		})
	}
	r := raw(t, srv, "sendMessage", url.Values{"chat_id": {strconv.FormatInt(u.ID(), 10)}, "text": {"x"}, "reply_markup": {"{not json"}})
	if r.Status != 400 || r.desc() != "Bad Request: can't parse reply keyboard markup JSON object" {
		t.Fatalf("bad JSON markup: %d %q", r.Status, r.desc())
	}
}

func TestReplyKeyboardPressAndRemove(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := started(srv, tgemu.UserOptions{FirstName: "Anna", Phone: "+79990001122"})
	if _, err := u.PressReply("Yes"); err == nil {
		t.Fatal("PressReply without a keyboard succeeded")
	}
	msg := tgbotapi.NewMessage(u.ID(), "Confirm?")
	msg.ReplyMarkup = tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButton("Yes"), tgbotapi.NewKeyboardButtonContact("Send my phone")))
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := u.Chat().Message(sent.MessageID); len(m.Reply) != 1 || !m.Reply[0][1].RequestContact {
		t.Fatalf("reply keyboard not recorded: %+v", m.Reply)
	}
	yes, err := u.PressReply("Yes")
	if err != nil || yes.Text != "Yes" {
		t.Fatalf("press: %+v %v", yes, err)
	}
	c, err := u.PressReply("phone")
	if err != nil || c.Contact == nil || c.Contact.Phone != "+79990001122" || c.Contact.UserID != u.ID() {
		t.Fatalf("contact: %+v %v", c, err)
	}
	foreign := u.SendContact("+79995554433", 42)
	if foreign.Contact.UserID != 42 {
		t.Fatalf("foreign contact: %+v", foreign.Contact)
	}
	rm := tgbotapi.NewMessage(u.ID(), "Thanks")
	rm.ReplyMarkup = tgbotapi.NewRemoveKeyboard(true)
	if _, err := bot.Send(rm); err != nil {
		t.Fatal(err)
	}
	if kb := u.Chat().ReplyKeyboard(); kb != nil {
		t.Fatalf("keyboard still shown: %+v", kb)
	}
	if _, err := u.ShareContact(""); err == nil {
		t.Fatal("ShareContact after ReplyKeyboardRemove succeeded")
	}
	if !strings.Contains(u.Chat().Transcript(), "bot: Thanks {keyboard removed}") {
		t.Fatalf("transcript:\n%s", u.Chat().Transcript())
	}
}

func TestEditMethods(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := started(srv, tgemu.UserOptions{})
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Accept", "a:1")))
	msg := tgbotapi.NewMessage(u.ID(), "Order #1")
	msg.ReplyMarkup = kb
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	const notModified = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

	same := tgbotapi.NewEditMessageTextAndMarkup(u.ID(), sent.MessageID, "Order #1", kb)
	_, err = bot.Send(same)
	wantAPIError(t, err, 400, notModified)
	_, err = bot.Send(tgbotapi.NewEditMessageReplyMarkup(u.ID(), sent.MessageID, kb))
	wantAPIError(t, err, 400, notModified)

	// The same visible text through HTML parsing is still "not modified".
	html := tgbotapi.NewEditMessageTextAndMarkup(u.ID(), sent.MessageID, "Order &#35;1", kb)
	html.ParseMode = tgbotapi.ModeHTML
	_, err = bot.Send(html)
	wantAPIError(t, err, 400, notModified)

	kb2 := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Done", "d:1")))
	edited, err := bot.Send(tgbotapi.NewEditMessageReplyMarkup(u.ID(), sent.MessageID, kb2))
	if err != nil || edited.EditDate == 0 {
		t.Fatalf("edit markup: %+v %v", edited, err)
	}
	if m, _ := u.Chat().Message(sent.MessageID); m.Inline[0][0].Text != "Done" || !m.Edited {
		t.Fatalf("after edit: %+v", m)
	}

	_, err = bot.Send(tgbotapi.NewEditMessageText(u.ID(), 9999, "x"))
	wantAPIError(t, err, 400, "Bad Request: message to edit not found")
	own := u.Send("my text")
	_, err = bot.Send(tgbotapi.NewEditMessageText(u.ID(), own.ID, "hacked"))
	wantAPIError(t, err, 400, "Bad Request: message can't be edited")
	_, err = bot.Send(tgbotapi.NewEditMessageCaption(u.ID(), sent.MessageID, "cap"))
	wantAPIError(t, err, 400, "Bad Request: there is no caption in the message to edit")
	r := raw(t, srv, "editMessageText", url.Values{"chat_id": {strconv.FormatInt(u.ID(), 10)}, "text": {"x"}})
	if r.Status != 400 || r.desc() != "Bad Request: message identifier is not specified" {
		t.Fatalf("no message_id: %d %q", r.Status, r.desc())
	}

	doc, err := bot.Send(tgbotapi.NewDocument(u.ID(), tgbotapi.FileBytes{Name: "a.txt", Bytes: []byte("hello")}))
	if err != nil {
		t.Fatal(err)
	}
	capEdit := tgbotapi.NewEditMessageCaption(u.ID(), doc.MessageID, "<i>Invoice</i>")
	capEdit.ParseMode = tgbotapi.ModeHTML
	got, err := bot.Send(capEdit)
	if err != nil || got.Caption != "Invoice" {
		t.Fatalf("caption edit: %q %v", got.Caption, err)
	}
	_, err = bot.Send(capEdit)
	wantAPIError(t, err, 400, notModified)
	capEdit.Caption = strings.Repeat("c", 1025)
	capEdit.ParseMode = ""
	_, err = bot.Send(capEdit)
	wantAPIError(t, err, 400, "Bad Request: message caption is too long")
}

func TestDeleteMessage(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := started(srv, tgemu.UserOptions{})
	group := srv.NewGroup("Shop", false)
	inGroup := u.SendIn(group, "hello group")
	sent, err := bot.Send(tgbotapi.NewMessage(u.ID(), "temp"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(u.ID(), sent.MessageID)); err != nil {
		t.Fatalf("delete own: %v", err)
	}
	if m, _ := u.Chat().Message(sent.MessageID); !m.Deleted {
		t.Fatal("not marked deleted")
	}
	_, err = bot.Request(tgbotapi.NewDeleteMessage(u.ID(), sent.MessageID))
	wantAPIError(t, err, 400, "Bad Request: message to delete not found")
	incoming := u.Send("delete me")
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(u.ID(), incoming.ID)); err != nil {
		t.Fatalf("delete incoming in private: %v", err)
	}
	_, err = bot.Request(tgbotapi.NewDeleteMessage(group.ID(), inGroup.ID))
	wantAPIError(t, err, 400, "Bad Request: message can't be deleted")

	old, err := bot.Send(tgbotapi.NewMessage(u.ID(), "old news"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(48*time.Hour + time.Second)
	_, err = bot.Request(tgbotapi.NewDeleteMessage(u.ID(), old.MessageID))
	wantAPIError(t, err, 400, "Bad Request: message can't be deleted")
}

func TestCopyForwardContactLocation(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	client := started(srv, tgemu.UserOptions{FirstName: "Client"})
	manager := started(srv, tgemu.UserOptions{FirstName: "Manager"})
	orig := client.SendPhoto(pngBytes(t, 640, 480), "scratch on the door")

	id, err := bot.CopyMessage(tgbotapi.NewCopyMessage(manager.ID(), client.ID(), orig.ID))
	if err != nil {
		t.Fatal(err)
	}
	cp, _ := manager.Chat().Message(id.MessageID)
	if cp.Kind != "photo" || cp.Caption != "scratch on the door" || !cp.FromBot {
		t.Fatalf("copy: %+v", cp)
	}
	fwd, err := bot.Send(tgbotapi.NewForward(manager.ID(), client.ID(), orig.ID))
	if err != nil || fwd.ForwardFrom == nil || fwd.ForwardFrom.ID != client.ID() || fwd.ForwardDate == 0 {
		t.Fatalf("forward: %+v %v", fwd, err)
	}
	_, err = bot.Send(tgbotapi.NewForward(manager.ID(), client.ID(), 777))
	wantAPIError(t, err, 400, "Bad Request: message to forward not found")
	_, err = bot.CopyMessage(tgbotapi.NewCopyMessage(manager.ID(), client.ID(), 777))
	wantAPIError(t, err, 400, "Bad Request: message to copy not found")

	c, err := bot.Send(tgbotapi.NewContact(manager.ID(), "+74950000000", "Shop"))
	if err != nil || c.Contact == nil || c.Contact.PhoneNumber != "+74950000000" {
		t.Fatalf("contact: %+v %v", c.Contact, err)
	}
	l, err := bot.Send(tgbotapi.NewLocation(manager.ID(), 55.75, 37.61))
	if err != nil || l.Location == nil || l.Location.Latitude != 55.75 {
		t.Fatalf("location: %+v %v", l.Location, err)
	}
	// Every object on the wire has the fields the Bot API promises.
	r := raw(t, srv, "sendMessage", url.Values{"chat_id": {strconv.FormatInt(manager.ID(), 10)}, "text": {"wire"}})
	var env struct {
		Result map[string]json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.Text), &env); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"message_id", "from", "date", "chat", "text"} {
		if _, ok := env.Result[k]; !ok {
			t.Fatalf("message lacks %q: %s", k, r.Text)
		}
	}
	var date int64
	_ = json.Unmarshal(env.Result["date"], &date)
	if date < 1e9 || date > 1e11 {
		t.Fatalf("date %d is not in seconds", date)
	}
}

// Telegram counts the 4096 (text) and 1024 (caption) characters after entity parsing, on the
// visible text (notes 2.1, 2.3): tags and HTML entities do not count, leading and trailing
// white space is trimmed first.
func TestLengthLimitsAfterEntityParsing(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	photo, err := bot.Send(tgbotapi.NewPhoto(u.ID(), tgbotapi.FileBytes{Name: "car.png", Bytes: pngBytes(t, 40, 30)}))
	if err != nil {
		t.Fatalf("sendPhoto: %v", err)
	}
	photoID := photo.Photo[len(photo.Photo)-1].FileID
	const (
		tooLong        = "Bad Request: message is too long"
		captionTooLong = "Bad Request: message caption is too long"
	)
	tests := []struct {
		name     string
		caption  bool
		mode     string
		raw      string
		wantLen  int // visible characters stored, when accepted
		wantDesc string
	}{
		{name: "bold 4096", mode: "HTML", raw: "<b>" + strings.Repeat("я", 4096) + "</b>", wantLen: 4096},
		{name: "bold link 4096", mode: "HTML", raw: `<b>` + strings.Repeat("a", 2000) + `</b><a href="https://example.com/` + strings.Repeat("p", 500) + `">` + strings.Repeat("b", 2096) + `</a>`, wantLen: 4096},
		{name: "entities 4096", mode: "HTML", raw: strings.Repeat("&amp;", 4000) + strings.Repeat("&#1103;", 96), wantLen: 4096},
		{name: "trimmed 4096", mode: "HTML", raw: "\n  <i>" + strings.Repeat("x", 4096) + "</i>  \n\n", wantLen: 4096},
		{name: "bold 4097", mode: "HTML", raw: "<b>" + strings.Repeat("я", 4097) + "</b>", wantDesc: tooLong},
		{name: "entities 4097", mode: "HTML", raw: strings.Repeat("&lt;", 4097), wantDesc: tooLong},
		{name: "markdownv2 4096", mode: "MarkdownV2", raw: "*" + strings.Repeat("a", 4095) + "*\\.", wantLen: 4096},
		{name: "markdownv2 4097", mode: "MarkdownV2", raw: "*" + strings.Repeat("a", 4096) + "*\\.", wantDesc: tooLong},
		{name: "caption bold 1024", caption: true, mode: "HTML", raw: "<b>" + strings.Repeat("я", 1024) + "</b>", wantLen: 1024},
		{name: "caption entities 1024", caption: true, mode: "HTML", raw: strings.Repeat("&quot;", 1024), wantLen: 1024},
		{name: "caption bold 1025", caption: true, mode: "HTML", raw: "<b>" + strings.Repeat("я", 1025) + "</b>", wantDesc: captionTooLong},
		{name: "caption entities 1025", caption: true, mode: "HTML", raw: strings.Repeat("&gt;", 1025), wantDesc: captionTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := 4096
			if tt.caption {
				limit = 1024
			}
			if n := len([]rune(tt.raw)); n <= limit {
				t.Fatalf("test case: the raw text (%d characters) must exceed the limit %d", n, limit)
			}
			var c tgbotapi.Chattable
			if tt.caption {
				p := tgbotapi.NewPhoto(u.ID(), tgbotapi.FileID(photoID))
				p.Caption, p.ParseMode = tt.raw, tt.mode
				c = p
			} else {
				m := tgbotapi.NewMessage(u.ID(), tt.raw)
				m.ParseMode = tt.mode
				c = m
			}
			sent, err := bot.Send(c)
			if tt.wantDesc != "" {
				wantAPIError(t, err, 400, tt.wantDesc)
				return
			}
			if err != nil {
				t.Fatalf("visible length %d refused: %v", tt.wantLen, err)
			}
			got := sent.Text
			if tt.caption {
				got = sent.Caption
			}
			if n := len([]rune(got)); n != tt.wantLen {
				t.Fatalf("stored %d characters, want %d", n, tt.wantLen)
			}

			// The edit methods count the same way: the same content is "not modified", one
			// character more is too long.
			if tt.caption {
				e := tgbotapi.NewEditMessageCaption(u.ID(), sent.MessageID, "<b>"+strings.Repeat("я", 1025)+"</b>")
				e.ParseMode = "HTML"
				_, err = bot.Send(e)
				wantAPIError(t, err, 400, captionTooLong)
				return
			}
			e := tgbotapi.NewEditMessageText(u.ID(), sent.MessageID, "<i>"+strings.Repeat("я", 4097)+"</i>")
			e.ParseMode = "HTML"
			_, err = bot.Send(e)
			wantAPIError(t, err, 400, tooLong)
			e = tgbotapi.NewEditMessageText(u.ID(), sent.MessageID, "<i>"+strings.Repeat("я", 4096)+"</i>")
			e.ParseMode = "HTML"
			if _, err := bot.Send(e); err != nil {
				t.Fatalf("edit to 4096 visible characters: %v", err)
			}
		})
	}
}

// Parsed keyboards are remembered, but under the rules of the chat they were checked for: the
// same request_contact keyboard is accepted in a private chat, again and again, and still
// refused in a group; the same inline keyboard is still checked by an edit.
func TestRememberedKeyboardsKeepTheirRules(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	group := srv.NewGroup("Staff", false)
	u.SendIn(group, "hi")
	contact := tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact("Share phone")))
	for range 2 {
		m := tgbotapi.NewMessage(u.ID(), "Your phone?")
		m.ReplyMarkup = contact
		if _, err := bot.Send(m); err != nil {
			t.Fatalf("private chat: %v", err)
		}
		g := tgbotapi.NewMessage(group.ID(), "Your phone?")
		g.ReplyMarkup = contact
		_, err := bot.Send(g)
		wantAPIError(t, err, 400, "Bad Request: BUTTON_TYPE_INVALID")
	}
	if kb := u.Chat().ReplyKeyboard(); len(kb) != 1 || !kb[0][0].RequestContact {
		t.Fatalf("reply keyboard shown: %+v", kb)
	}
	// An edit with the keyboard the message already has is still compared: not modified.
	inline := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("A", "a")))
	m := tgbotapi.NewMessage(u.ID(), "card")
	m.ReplyMarkup = inline
	sent, err := bot.Send(m)
	if err != nil {
		t.Fatal(err)
	}
	e := tgbotapi.NewEditMessageReplyMarkup(u.ID(), sent.MessageID, inline)
	_, err = bot.Send(e)
	wantAPIError(t, err, 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
}
