package tgemu_test

import (
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// TestServedMethodsAreInTheSpec proves that every method the emulator serves exists in the
// spec file, that its handler reads only parameters the spec defines for it (after a call of
// every method with its parameters), and that a misspelled parameter is reported.
func TestServedMethodsAreInTheSpec(t *testing.T) {
	raw, err := os.ReadFile("bot-api-spec.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Methods map[string]json.RawMessage `json:"methods"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	aliases := map[string]string{"getChatMembersCount": "getChatMemberCount"}
	served := srv.ServedMethods()
	sort.Strings(served)
	for _, m := range served {
		name := m
		if a, ok := aliases[m]; ok {
			name = a
		}
		if _, ok := spec.Methods[name]; !ok {
			t.Errorf("served method %s is not in the spec", m)
		}
	}

	u := started(srv, tgemu.UserOptions{})
	chat := strconv.FormatInt(u.ID(), 10)
	group := srv.NewGroup("g", true)
	u.SendIn(group, "hi")
	kb := `{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}`
	call := func(method string, p tgbotapi.Params) *tgbotapi.APIResponse {
		t.Helper()
		resp, err := bot.MakeRequest(method, p)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		return resp
	}
	sendParams := func(extra tgbotapi.Params) tgbotapi.Params {
		p := tgbotapi.Params{"chat_id": chat, "disable_notification": "true", "protect_content": "false",
			"reply_markup": kb, "allow_sending_without_reply": "true", "reply_to_message_id": "1",
			"reply_parameters": `{"message_id":1,"allow_sending_without_reply":true}`}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	resp := call("sendMessage", sendParams(tgbotapi.Params{"text": "<b>x</b>", "parse_mode": "HTML", "disable_web_page_preview": "true", "link_preview_options": `{"is_disabled":true}`}))
	var msg tgbotapi.Message
	_ = json.Unmarshal(resp.Result, &msg)
	mid := strconv.Itoa(msg.MessageID)
	call("sendMessage", sendParams(tgbotapi.Params{"text": "e", "entities": `[{"type":"bold","offset":0,"length":1}]`}))
	call("editMessageText", tgbotapi.Params{"chat_id": chat, "message_id": mid, "text": "y", "parse_mode": "HTML", "entities": "null", "reply_markup": kb, "disable_web_page_preview": "true"})
	call("editMessageReplyMarkup", tgbotapi.Params{"chat_id": chat, "message_id": mid, "reply_markup": `{"inline_keyboard":[[{"text":"B","callback_data":"b"}]]}`})
	photo, err := bot.Send(tgbotapi.PhotoConfig{BaseFile: tgbotapi.BaseFile{BaseChat: tgbotapi.BaseChat{ChatID: u.ID(), ReplyMarkup: tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("P", "p")))},
		File: tgbotapi.FileBytes{Name: "p.png", Bytes: pngBytes(t, 10, 10)}}, Caption: "c", ParseMode: "HTML"})
	if err != nil {
		t.Fatal(err)
	}
	call("editMessageCaption", tgbotapi.Params{"chat_id": chat, "message_id": strconv.Itoa(photo.MessageID), "caption": "d", "parse_mode": "HTML", "caption_entities": "null", "reply_markup": kb})
	doc, err := bot.Send(tgbotapi.NewDocument(u.ID(), tgbotapi.FileBytes{Name: "d.txt", Bytes: []byte("d")}))
	if err != nil {
		t.Fatal(err)
	}
	call("sendDocument", sendParams(tgbotapi.Params{"document": doc.Document.FileID, "caption": "again", "parse_mode": "HTML", "caption_entities": "null", "disable_content_type_detection": "true"}))
	call("sendPhoto", sendParams(tgbotapi.Params{"photo": photo.Photo[0].FileID, "caption": "p", "parse_mode": "HTML", "caption_entities": "null"}))
	call("copyMessage", sendParams(tgbotapi.Params{"from_chat_id": chat, "message_id": mid, "caption": "c", "parse_mode": "HTML", "caption_entities": "null"}))
	call("copyMessage", sendParams(tgbotapi.Params{"from_chat_id": chat, "message_id": strconv.Itoa(photo.MessageID), "caption": "c2"}))
	call("forwardMessage", tgbotapi.Params{"chat_id": chat, "from_chat_id": chat, "message_id": mid, "disable_notification": "true", "protect_content": "true"})
	call("sendContact", sendParams(tgbotapi.Params{"phone_number": "+1", "first_name": "A", "last_name": "B", "vcard": "v"}))
	call("sendLocation", sendParams(tgbotapi.Params{"latitude": "1.5", "longitude": "2.5"}))
	call("sendChatAction", tgbotapi.Params{"chat_id": chat, "action": "typing"})
	call("getFile", tgbotapi.Params{"file_id": doc.Document.FileID})
	m, _ := u.Chat().Message(msg.MessageID)
	cb, err := u.PressData(m, "b")
	if err != nil {
		t.Fatal(err)
	}
	call("answerCallbackQuery", tgbotapi.Params{"callback_query_id": cb, "text": "t", "show_alert": "true", "url": "https://x.org", "cache_time": "5"})
	scope := `{"type":"chat","chat_id":` + chat + `}`
	call("setMyCommands", tgbotapi.Params{"commands": `[{"command":"a","description":"b"}]`, "scope": scope, "language_code": "en"})
	call("getMyCommands", tgbotapi.Params{"scope": scope, "language_code": "en"})
	call("deleteMyCommands", tgbotapi.Params{"scope": scope, "language_code": "en"})
	call("getChat", tgbotapi.Params{"chat_id": chat})
	call("getChatMember", tgbotapi.Params{"chat_id": strconv.FormatInt(group.ID(), 10), "user_id": chat})
	call("getChatMemberCount", tgbotapi.Params{"chat_id": strconv.FormatInt(group.ID(), 10)})
	call("getChatMembersCount", tgbotapi.Params{"chat_id": strconv.FormatInt(group.ID(), 10)})
	call("getChatAdministrators", tgbotapi.Params{"chat_id": strconv.FormatInt(group.ID(), 10)})
	call("deleteMessage", tgbotapi.Params{"chat_id": chat, "message_id": mid})
	call("getUpdates", tgbotapi.Params{"offset": "-1", "limit": "5", "timeout": "0", "allowed_updates": `["message"]`})
	call("setWebhook", tgbotapi.Params{"url": "http://127.0.0.1:1/hook", "max_connections": "5", "allowed_updates": `["message"]`, "drop_pending_updates": "true", "secret_token": "abc", "ip_address": "127.0.0.1"})
	call("getWebhookInfo", nil)
	call("deleteWebhook", tgbotapi.Params{"drop_pending_updates": "true"})
	call("getMe", nil)
	call("logOut", nil)
	call("close", nil)

	if drift := srv.SpecDrift(); len(drift) != 0 {
		t.Fatalf("handlers read parameters the spec does not define: %v", drift)
	}
	called := map[string]bool{}
	for _, c := range srv.Calls() {
		called[c.Method] = true
	}
	for _, m := range served {
		if !called[m] {
			t.Errorf("method %s not exercised", m)
		}
	}
	// A misspelled parameter is reported by every method.
	for _, m := range served {
		_, err := bot.MakeRequest(m, tgbotapi.Params{"chat_idd": chat})
		wantAPIError(t, err, 400, `Bad Request: tgemu: unknown parameter "chat_idd" for `+m)
	}
	if !strings.HasPrefix(srv.SpecVersion(), "Bot API ") {
		t.Fatalf("spec version %q", srv.SpecVersion())
	}
}
