package tgemu_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

func TestTransport(t *testing.T) {
	srv, _ := newEmu(t, tgemu.Options{Token: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"})
	u := started(srv, tgemu.UserOptions{})
	chat := strconv.FormatInt(u.ID(), 10)
	base := srv.URL() + "/bot" + srv.Token()

	// GET with a query string, and a method name in any case.
	resp, err := http.Get(base + "/GETME")
	if err != nil {
		t.Fatal(err)
	}
	r := readRaw(t, resp)
	if r.Status != 200 || r.Body["ok"] != true {
		t.Fatalf("GET getMe: %d %s", r.Status, r.Text)
	}
	if res := r.Body["result"].(map[string]any); res["id"] != float64(123456789) || res["is_bot"] != true {
		t.Fatalf("getMe result: %v", res)
	}
	resp, err = http.Get(base + "/sendMessage?chat_id=" + chat + "&text=via+query")
	if err != nil {
		t.Fatal(err)
	}
	if r := readRaw(t, resp); r.Status != 200 {
		t.Fatalf("GET sendMessage: %s", r.Text)
	}

	// A JSON body, with null for an optional parameter.
	body, _ := json.Marshal(map[string]any{"chat_id": u.ID(), "text": "via json", "entities": nil,
		"reply_markup": map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "A", "callback_data": "a"}}}}})
	resp, err = http.Post(base+"/sendMessage", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if r := readRaw(t, resp); r.Status != 200 {
		t.Fatalf("JSON sendMessage: %s", r.Text)
	}
	if m, _ := u.Chat().LastBotMessage(); m.Text != "via json" || m.Inline[0][0].CallbackData != "a" {
		t.Fatalf("JSON message: %+v", m)
	}

	// Unknown token and unknown method.
	resp, err = http.Get(srv.URL() + "/bot1:wrong/getMe")
	if err != nil {
		t.Fatal(err)
	}
	if r := readRaw(t, resp); r.Status != 401 || r.desc() != "Unauthorized" || r.Body["error_code"] != float64(401) {
		t.Fatalf("bad token: %d %s", r.Status, r.Text)
	}
	if r := raw(t, srv, "sendMesage", nil); r.Status != 404 || r.desc() != "Not Found: method not found" {
		t.Fatalf("unknown method: %d %s", r.Status, r.Text)
	}
	bad, err := tgbotapi.NewBotAPIWithClient("1:wrong", srv.Endpoint(), http.DefaultClient)
	if err == nil {
		t.Fatalf("constructor with a wrong token succeeded: %+v", bad)
	}
	wantAPIError(t, err, 401, "Unauthorized")
}

func TestSpecStrictness(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := started(srv, tgemu.UserOptions{})
	chat := strconv.FormatInt(u.ID(), 10)
	r := raw(t, srv, "sendMessage", url.Values{"chat_id": {chat}, "tex": {"typo"}})
	if r.Status != 400 || r.desc() != `Bad Request: tgemu: unknown parameter "tex" for sendMessage` {
		t.Fatalf("misspelled parameter: %d %q", r.Status, r.desc())
	}
	r = raw(t, srv, "sendMessage", url.Values{"chat_id": {chat}, "text": {"x"}, "disable_notification": {"maybe"}})
	if r.Status != 400 || r.desc() != `Bad Request: tgemu: parameter "disable_notification" of sendMessage must be of type Boolean` {
		t.Fatalf("wrong type: %d %q", r.Status, r.desc())
	}
	_, err := bot.MakeRequest("getUpdates", tgbotapi.Params{"ofset": "5"})
	wantAPIError(t, err, 400, `Bad Request: tgemu: unknown parameter "ofset" for getUpdates`)
	// Everything go-telegram-bot-api v5.5.1 sends, including its legacy parameters, passes.
	msg := tgbotapi.NewMessage(u.ID(), "legacy")
	msg.DisableWebPagePreview = true
	msg.DisableNotification = true
	if _, err := bot.Send(msg); err != nil {
		t.Fatalf("library message rejected: %v", err)
	}
	calls := srv.Calls()
	if p := calls[len(calls)-1].Problems; len(p) != 0 {
		t.Fatalf("problems on a valid call: %v", p)
	}

	lenient, lbot := newEmu(t, tgemu.Options{LenientParams: true})
	lu := started(lenient, tgemu.UserOptions{})
	if _, err := lbot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": strconv.FormatInt(lu.ID(), 10), "text": "x", "colour": "red"}); err != nil {
		t.Fatalf("lenient: %v", err)
	}
	lc := lenient.Calls()
	if p := lc[len(lc)-1].Problems; len(p) != 1 || p[0] != `unknown parameter "colour" for sendMessage` {
		t.Fatalf("lenient problems: %v", p)
	}
}

func TestCallbackQueries(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{CallbackWindow: 10 * time.Second})
	u := started(srv, tgemu.UserOptions{})
	msg := tgbotapi.NewMessage(u.ID(), "Pick")
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Slot 10:00", "slot:10"),
		tgbotapi.NewInlineKeyboardButtonData("Slot 11:00", "slot:11"),
		tgbotapi.NewInlineKeyboardButtonURL("Map", "https://maps.example")))
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := u.Chat().Message(sent.MessageID)
	if _, err := u.Press(m, "Slot"); err == nil {
		t.Fatal("ambiguous label pressed")
	}
	if _, err := u.Press(m, "Map"); err == nil {
		t.Fatal("URL button produced a callback")
	}
	if _, err := u.Press(m, "Slot 12:00"); err == nil {
		t.Fatal("missing button pressed")
	}
	late, err := u.Press(m, "11:00")
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(11 * time.Second)
	_, err = bot.Request(tgbotapi.NewCallback(late, ""))
	wantAPIError(t, err, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
	_, err = bot.Request(tgbotapi.NewCallback("12345", ""))
	wantAPIError(t, err, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid")

	forged, err := u.PressData(m, "admin:delete_all")
	if err != nil {
		t.Fatal(err)
	}
	alert := tgbotapi.NewCallbackWithAlert(forged, "Not allowed")
	if _, err := bot.Request(alert); err != nil {
		t.Fatal(err)
	}
	ans, err := srv.AwaitAnswer(wait, forged)
	if err != nil || !ans.ShowAlert || ans.Text != "Not allowed" {
		t.Fatalf("answer: %+v %v", ans, err)
	}
	// The callback carries the message in its current state.
	if _, err := bot.Send(tgbotapi.NewEditMessageText(u.ID(), sent.MessageID, "Picked 11:00")); err != nil {
		t.Fatal(err)
	}
	if _, err := u.PressData(m, "slot:11"); err != nil {
		t.Fatal(err)
	}
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: -1})
	if err != nil || len(ups) != 1 || ups[0].CallbackQuery.Message.Text != "Picked 11:00" {
		t.Fatalf("callback message state: %+v %v", ups, err)
	}
}

func TestChatActionCommandsChatInfo(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := started(srv, tgemu.UserOptions{FirstName: "Ivan", Username: "ivan_k"})
	if _, err := bot.Request(tgbotapi.NewChatAction(u.ID(), tgbotapi.ChatTyping)); err != nil {
		t.Fatal(err)
	}
	if a := u.Chat().ChatAction(); a != "typing" {
		t.Fatalf("action %q", a)
	}
	_, err := bot.Request(tgbotapi.NewChatAction(u.ID(), "dancing"))
	wantAPIError(t, err, 400, "Bad Request: wrong parameter action in request")

	cmds := tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "start", Description: "Start"}, tgbotapi.BotCommand{Command: "orders", Description: "My orders"})
	if _, err := bot.Request(cmds); err != nil {
		t.Fatal(err)
	}
	ru := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeAllPrivateChats(), "ru", tgbotapi.BotCommand{Command: "start", Description: "Начать"})
	if _, err := bot.Request(ru); err != nil {
		t.Fatal(err)
	}
	got, err := bot.GetMyCommands()
	if err != nil || len(got) != 2 || got[1].Command != "orders" {
		t.Fatalf("getMyCommands: %+v %v", got, err)
	}
	gotRU, err := bot.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeAllPrivateChats(), "ru"))
	if err != nil || len(gotRU) != 1 || gotRU[0].Description != "Начать" {
		t.Fatalf("ru commands: %+v %v", gotRU, err)
	}
	if c := srv.CommandsFor("all_private_chats", 0, "ru"); len(c) != 1 {
		t.Fatalf("CommandsFor: %+v", c)
	}
	_, err = bot.Request(tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "Start", Description: "x"}))
	wantAPIError(t, err, 400, "Bad Request: BOT_COMMAND_INVALID")
	if _, err := bot.Request(tgbotapi.NewDeleteMyCommands()); err != nil {
		t.Fatal(err)
	}
	if c := srv.Commands(); len(c) != 0 {
		t.Fatalf("after delete: %+v", c)
	}

	chat, err := bot.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: u.ID()}})
	if err != nil || chat.Type != "private" || chat.UserName != "ivan_k" || chat.FirstName != "Ivan" {
		t.Fatalf("getChat: %+v %v", chat, err)
	}
	group := srv.NewGroup("Staff", true)
	u.SendIn(group, "hi")
	member, err := bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: group.ID(), UserID: u.ID()}})
	if err != nil || member.Status != "member" || member.User.ID != u.ID() {
		t.Fatalf("getChatMember: %+v %v", member, err)
	}
	_, err = bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: group.ID(), UserID: 5}})
	wantAPIError(t, err, 400, "Bad Request: user not found")
	n, err := bot.GetChatMembersCount(tgbotapi.ChatMemberCountConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group.ID()}})
	if err != nil || n != 2 {
		t.Fatalf("member count %d %v", n, err)
	}
	admins, err := bot.GetChatAdministrators(tgbotapi.ChatAdministratorsConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group.ID()}})
	if err != nil || len(admins) != 1 || admins[0].Status != "creator" {
		t.Fatalf("admins: %+v %v", admins, err)
	}
	for _, m := range []string{"logOut", "close"} {
		if _, err := bot.MakeRequest(m, nil); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
}
