package tgemu_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// simEnvelope is an answer of the /__sim/ API, in the Bot API's envelope.
type simEnvelope struct {
	OK          bool            `json:"ok"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Result      json.RawMessage `json:"result"`
}

// simHTTP drives one emulator over plain HTTP only: the /__sim/ API and the Bot API.
type simHTTP struct {
	t      *testing.T
	srv    *tgemu.Server
	offset int
}

// do calls a /__sim/ route with a raw body and returns the HTTP status and the envelope.
func (h *simHTTP) do(method, path, body string) (int, simEnvelope) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL()+"/__sim/"+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env simEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		h.t.Fatalf("%s %s: not a Bot API envelope: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, env
}

// ok calls a route that must succeed and decodes its result into out (if not nil).
func (h *simHTTP) ok(method, path, body string, out any) {
	h.t.Helper()
	code, env := h.do(method, path, body)
	if code != 200 || !env.OK {
		h.t.Fatalf("%s /__sim/%s %s: %d %s", method, path, body, code, env.Description)
	}
	if out != nil {
		if err := json.Unmarshal(env.Result, out); err != nil {
			h.t.Fatalf("%s /__sim/%s: decode %s: %v", method, path, env.Result, err)
		}
	}
}

// api calls a Bot API method with a form over plain HTTP.
func (h *simHTTP) api(method string, form url.Values) rawResult {
	h.t.Helper()
	return raw(h.t, h.srv, method, form)
}

// updates is a plain getUpdates (no long poll) from the last confirmed offset; it confirms
// what it returns by moving the offset.
func (h *simHTTP) updates() []tgbotapi.Update {
	h.t.Helper()
	resp, err := http.Get(h.srv.URL() + "/bot" + h.srv.Token() + "/getUpdates?offset=" + strconv.Itoa(h.offset))
	if err != nil {
		h.t.Fatal(err)
	}
	r := readRaw(h.t, resp)
	var env struct {
		OK     bool              `json:"ok"`
		Result []tgbotapi.Update `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.Text), &env); err != nil || !env.OK {
		h.t.Fatalf("getUpdates: %d %s", r.Status, r.Text)
	}
	for _, u := range env.Result {
		h.offset = u.UpdateID + 1
	}
	return env.Result
}

// one expects exactly one new update.
func (h *simHTTP) one() tgbotapi.Update {
	h.t.Helper()
	ups := h.updates()
	if len(ups) != 1 {
		h.t.Fatalf("want 1 update, got %d: %+v", len(ups), ups)
	}
	return ups[0]
}

func sid(n int64) string { return strconv.FormatInt(n, 10) }

// Every /__sim/ route, called over plain HTTP, does what it says: a plain getUpdates returns
// the update its action made, with the right fields, or the Bot API shows its effect.
func TestSimHTTPRoutes(t *testing.T) {
	srv := tgemu.NewServer(tgemu.Options{NoRateLimits: true})
	t.Cleanup(srv.Close)
	h := &simHTTP{t: t, srv: srv}

	type created struct {
		ID     int64 `json:"id"`
		ChatID int64 `json:"chat_id"`
	}
	var ivan, olga created
	h.ok("POST", "users", `{"first_name":"Ivan","language_code":"ru"}`, &ivan)
	h.ok("POST", "users", `{"first_name":"Olga","username":"olga_k","language_code":"en"}`, &olga)
	iv, ol := "users/"+sid(ivan.ID)+"/", "users/"+sid(olga.ID)+"/"
	var group, super created
	var helloID int // the message id of Ivan's first message, edited below
	var botMsg int  // a bot message in the group, replied to

	tests := []struct {
		name   string
		method string
		path   string
		body   string
		setup  func()
		check  func(t *testing.T, result json.RawMessage)
	}{
		{name: "groups", method: "POST", path: "groups", body: `{"title":"Staff"}`, check: func(t *testing.T, res json.RawMessage) {
			_ = json.Unmarshal(res, &group)
			r := h.api("getChat", url.Values{"chat_id": {sid(group.ID)}})
			if group.ID >= 0 || r.Status != 200 || !strings.Contains(r.Text, `"type":"group"`) || !strings.Contains(r.Text, `"title":"Staff"`) {
				t.Fatalf("group %d, getChat: %s", group.ID, r.Text)
			}
			h.ok("POST", "groups", `{"title":"Shop","supergroup":true}`, &super)
			if r := h.api("getChat", url.Values{"chat_id": {sid(super.ID)}}); !strings.Contains(r.Text, `"type":"supergroup"`) {
				t.Fatalf("supergroup getChat: %s", r.Text)
			}
		}},
		{name: "send", method: "POST", path: iv + "send", body: `{"text":"/book tomorrow"}`, check: func(t *testing.T, res json.RawMessage) {
			var m tgemu.Message
			_ = json.Unmarshal(res, &m)
			helloID = m.ID
			u := h.one()
			if u.Message == nil || u.Message.Text != "/book tomorrow" || u.Message.From.ID != ivan.ID || u.Message.From.LanguageCode != "ru" ||
				u.Message.Chat.Type != "private" || u.Message.Command() != "book" || u.Message.MessageID != m.ID {
				t.Fatalf("update: %+v", u.Message)
			}
		}},
		{name: "send in a group", method: "POST", path: ol + "send", body: `{"text":"hi all","chat_id":` + "GROUP" + `}`, check: func(t *testing.T, _ json.RawMessage) {
			u := h.one()
			if u.Message == nil || u.Message.Chat.ID != group.ID || u.Message.Chat.Type != "group" || u.Message.From.UserName != "olga_k" {
				t.Fatalf("update: %+v", u.Message)
			}
		}},
		{name: "a reply in a group", method: "POST", path: ol + "send", body: `{"text":"done","chat_id":` + "GROUP" + `,"reply_to_message_id":` + "BOTMSG" + `}`, setup: func() {
			r := h.api("sendMessage", url.Values{"chat_id": {sid(group.ID)}, "text": {"Reply to this"}})
			var sent struct {
				Result struct {
					MessageID int `json:"message_id"`
				} `json:"result"`
			}
			if err := json.Unmarshal([]byte(r.Text), &sent); err != nil || r.Status != 200 {
				t.Fatalf("sendMessage: %s", r.Text)
			}
			botMsg = sent.Result.MessageID
		}, check: func(t *testing.T, _ json.RawMessage) {
			u := h.one()
			if u.Message == nil || u.Message.ReplyToMessage == nil || u.Message.ReplyToMessage.MessageID != botMsg || u.Message.Text != "done" {
				t.Fatalf("update: %+v", u.Message)
			}
		}},
		{name: "share_contact", method: "POST", path: iv + "share_contact", body: `{"phone":"+79123456789"}`, setup: func() {
			kb := `{"keyboard":[[{"text":"Share my phone","request_contact":true}]],"one_time_keyboard":true}`
			if r := h.api("sendMessage", url.Values{"chat_id": {sid(ivan.ID)}, "text": {"Your phone?"}, "reply_markup": {kb}}); r.Status != 200 {
				t.Fatalf("sendMessage: %s", r.Text)
			}
		}, check: func(t *testing.T, _ json.RawMessage) {
			u := h.one()
			got := u.Message.Contact
			want := &tgbotapi.Contact{PhoneNumber: "+79123456789", FirstName: "Ivan", UserID: ivan.ID}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("contact (-want +got):\n%s", diff)
			}
		}},
		{name: "contact", method: "POST", path: iv + "contact", body: `{"phone":"+79001112233","user_id":` + "OLGA" + `}`, check: func(t *testing.T, _ json.RawMessage) {
			u := h.one()
			want := &tgbotapi.Contact{PhoneNumber: "+79001112233", FirstName: "Olga", UserID: olga.ID}
			if diff := cmp.Diff(want, u.Message.Contact); diff != "" || u.Message.From.ID != ivan.ID {
				t.Fatalf("foreign contact from %d (-want +got):\n%s", u.Message.From.ID, diff)
			}
		}},
		{name: "photo", method: "POST", path: iv + "photo", body: `{"data":"` + base64.StdEncoding.EncodeToString(pngBytes(t, 40, 30)) + `","caption":"my car"}`, check: func(t *testing.T, _ json.RawMessage) {
			u := h.one()
			ps := u.Message.Photo
			if len(ps) == 0 || ps[len(ps)-1].Width != 40 || ps[len(ps)-1].Height != 30 || u.Message.Caption != "my car" {
				t.Fatalf("photo: %+v caption %q", ps, u.Message.Caption)
			}
			if r := h.api("getFile", url.Values{"file_id": {ps[len(ps)-1].FileID}}); r.Status != 200 {
				t.Fatalf("getFile of the user's photo: %s", r.Text)
			}
		}},
		{name: "document", method: "POST", path: iv + "document", body: `{"name":"act.pdf","data":"` + base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 act")) + `","caption":"signed"}`, check: func(t *testing.T, _ json.RawMessage) {
			d := h.one().Message
			if d.Document == nil || d.Document.FileName != "act.pdf" || d.Document.MimeType != "application/pdf" || d.Document.FileSize != 12 || d.Caption != "signed" {
				t.Fatalf("document: %+v %q", d.Document, d.Caption)
			}
		}},
		{name: "sticker", method: "POST", path: iv + "sticker", check: func(t *testing.T, _ json.RawMessage) {
			if m := h.one().Message; m.Sticker == nil || m.Sticker.FileID == "" || m.Sticker.Emoji == "" {
				t.Fatalf("sticker: %+v", m.Sticker)
			}
		}},
		{name: "voice", method: "POST", path: iv + "voice", body: `{}`, check: func(t *testing.T, _ json.RawMessage) {
			if m := h.one().Message; m.Voice == nil || m.Voice.FileID == "" || m.Voice.MimeType != "audio/ogg" {
				t.Fatalf("voice: %+v", m.Voice)
			}
		}},
		{name: "location", method: "POST", path: iv + "location", body: `{"latitude":55.7558,"longitude":37.6173}`, check: func(t *testing.T, _ json.RawMessage) {
			want := &tgbotapi.Location{Latitude: 55.7558, Longitude: 37.6173}
			if diff := cmp.Diff(want, h.one().Message.Location); diff != "" {
				t.Fatalf("location (-want +got):\n%s", diff)
			}
		}},
		{name: "edit", method: "POST", path: iv + "edit", body: `{"message_id":` + "HELLO" + `,"text":"/book today"}`, check: func(t *testing.T, res json.RawMessage) {
			var m tgemu.Message
			_ = json.Unmarshal(res, &m)
			u := h.one()
			if !m.Edited || m.Text != "/book today" || u.EditedMessage == nil || u.EditedMessage.MessageID != helloID ||
				u.EditedMessage.Text != "/book today" || u.EditedMessage.EditDate == 0 {
				t.Fatalf("edit result %+v, update %+v", m, u.EditedMessage)
			}
		}},
		{name: "press_reply", method: "POST", path: iv + "press_reply", body: `{"label":"Cancel"}`, setup: func() {
			kb := `{"keyboard":[["Book","Cancel"]],"resize_keyboard":true}`
			if r := h.api("sendMessage", url.Values{"chat_id": {sid(ivan.ID)}, "text": {"Menu"}, "reply_markup": {kb}}); r.Status != 200 {
				t.Fatalf("sendMessage: %s", r.Text)
			}
		}, check: func(t *testing.T, _ json.RawMessage) {
			if m := h.one().Message; m.Text != "Cancel" || m.From.ID != ivan.ID {
				t.Fatalf("press_reply: %+v", m)
			}
		}},
		{name: "block", method: "POST", path: iv + "block", check: func(t *testing.T, _ json.RawMessage) {
			u := h.one()
			if u.MyChatMember == nil || u.MyChatMember.OldChatMember.Status != "member" || u.MyChatMember.NewChatMember.Status != "kicked" || u.MyChatMember.From.ID != ivan.ID {
				t.Fatalf("my_chat_member: %+v", u.MyChatMember)
			}
			if r := h.api("sendMessage", url.Values{"chat_id": {sid(ivan.ID)}, "text": {"x"}}); r.Status != 403 || r.desc() != "Forbidden: bot was blocked by the user" {
				t.Fatalf("send to a blocker: %d %s", r.Status, r.Text)
			}
		}},
		{name: "unblock", method: "POST", path: iv + "unblock", check: func(t *testing.T, _ json.RawMessage) {
			u := h.one()
			if u.MyChatMember == nil || u.MyChatMember.NewChatMember.Status != "member" {
				t.Fatalf("my_chat_member: %+v", u.MyChatMember)
			}
			if r := h.api("sendMessage", url.Values{"chat_id": {sid(ivan.ID)}, "text": {"welcome back"}}); r.Status != 200 {
				t.Fatalf("send after unblock: %s", r.Text)
			}
		}},
		{name: "deactivate", method: "POST", path: ol + "deactivate", setup: func() {
			h.ok("POST", ol+"send", `{"text":"hello"}`, nil)
			h.one()
		}, check: func(t *testing.T, _ json.RawMessage) {
			if r := h.api("sendMessage", url.Values{"chat_id": {sid(olga.ID)}, "text": {"x"}}); r.Status != 403 || r.desc() != "Forbidden: user is deactivated" {
				t.Fatalf("send to a deleted account: %d %s", r.Status, r.Text)
			}
		}},
		{name: "migrate", method: "POST", path: "chats/GROUP/migrate", check: func(t *testing.T, res json.RawMessage) {
			var nc created
			_ = json.Unmarshal(res, &nc)
			ups := h.updates()
			if len(ups) != 2 || ups[0].Message.MigrateToChatID != nc.ID || ups[0].Message.Chat.ID != group.ID ||
				ups[1].Message.MigrateFromChatID != group.ID || ups[1].Message.Chat.ID != nc.ID || ups[1].Message.Chat.Type != "supergroup" {
				t.Fatalf("migration to %d: %+v", nc.ID, ups)
			}
			r := h.api("sendMessage", url.Values{"chat_id": {sid(group.ID)}, "text": {"x"}})
			params, _ := r.Body["parameters"].(map[string]any)
			if r.Status != 400 || r.desc() != "Bad Request: group chat was upgraded to a supergroup chat" || params["migrate_to_chat_id"] != float64(nc.ID) {
				t.Fatalf("send to the old group: %d %s", r.Status, r.Text)
			}
		}},
		{name: "remove_bot", method: "POST", path: "chats/SUPER/remove_bot", body: `{"user_id":` + "IVAN" + `}`, check: func(t *testing.T, _ json.RawMessage) {
			u := h.one()
			if u.MyChatMember == nil || u.MyChatMember.Chat.ID != super.ID || u.MyChatMember.From.ID != ivan.ID || u.MyChatMember.NewChatMember.Status != "kicked" {
				t.Fatalf("my_chat_member: %+v", u.MyChatMember)
			}
			if r := h.api("sendMessage", url.Values{"chat_id": {sid(super.ID)}, "text": {"x"}}); r.Status != 403 || r.desc() != "Forbidden: bot was kicked from the supergroup chat" {
				t.Fatalf("send after removal: %d %s", r.Status, r.Text)
			}
		}},
		{name: "add_bot", method: "POST", path: "chats/SUPER/add_bot", body: `{}`, check: func(t *testing.T, _ json.RawMessage) {
			u := h.one()
			if u.MyChatMember == nil || u.MyChatMember.NewChatMember.Status != "member" || u.MyChatMember.From.ID != 777000 {
				t.Fatalf("my_chat_member (by Telegram's service account): %+v", u.MyChatMember)
			}
			if r := h.api("sendMessage", url.Values{"chat_id": {sid(super.ID)}, "text": {"back"}}); r.Status != 200 {
				t.Fatalf("send after re-adding: %s", r.Text)
			}
		}},
		{name: "messages", method: "GET", path: "chats/IVAN/messages", check: func(t *testing.T, res json.RawMessage) {
			var msgs []tgemu.Message
			_ = json.Unmarshal(res, &msgs)
			var kinds []string
			for _, m := range msgs {
				k := m.Kind
				if m.FromBot {
					k = "bot:" + k
				}
				kinds = append(kinds, k)
			}
			want := []string{"text", "bot:text", "contact", "contact", "photo", "document", "sticker", "voice", "location", "bot:text", "text", "bot:text"}
			if diff := cmp.Diff(want, kinds); diff != "" || msgs[0].Text != "/book today" || !msgs[0].Edited {
				t.Fatalf("messages (-want +got):\n%s\nfirst: %+v", diff, msgs[0])
			}
		}},
		{name: "duplicate_delivery", method: "POST", path: "duplicate_delivery", body: `{"on":true}`, check: func(t *testing.T, _ json.RawMessage) {
			h.ok("POST", iv+"send", `{"text":"twice"}`, nil)
			first := h.one()
			again := h.one() // the confirmation of the first delivery is ignored once
			if first.UpdateID != again.UpdateID || again.Message.Text != "twice" {
				t.Fatalf("duplicate: %d then %d", first.UpdateID, again.UpdateID)
			}
			// The same offset again within 3 s would be held 3 s (Telegram's anti-spin rule).
			h.ok("POST", "clock/advance", `{"seconds":3}`, nil)
			if ups := h.updates(); len(ups) != 0 {
				t.Fatalf("a third delivery: %+v", ups)
			}
			h.ok("POST", "duplicate_delivery", `{"on":false}`, nil)
			h.ok("POST", iv+"send", `{"text":"once"}`, nil)
			h.one()
			if ups := h.updates(); len(ups) != 0 {
				t.Fatalf("delivered again with duplicate delivery off: %+v", ups)
			}
		}},
		{name: "DELETE faults", method: "DELETE", path: "faults", setup: func() {
			h.ok("POST", "faults", `{"match":{"method":"sendMessage"},"preset":"blocked"}`, nil)
			if r := h.api("sendMessage", url.Values{"chat_id": {sid(ivan.ID)}, "text": {"x"}}); r.Status != 403 {
				t.Fatalf("fault not active: %s", r.Text)
			}
		}, check: func(t *testing.T, _ json.RawMessage) {
			if r := h.api("sendMessage", url.Values{"chat_id": {sid(ivan.ID)}, "text": {"no fault"}}); r.Status != 200 {
				t.Fatalf("fault still active after DELETE: %s", r.Text)
			}
		}},
		{name: "deliveries", method: "GET", path: "deliveries", setup: func() {
			hits := make(chan int, 1)
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var u tgbotapi.Update
				_ = json.NewDecoder(r.Body).Decode(&u)
				select {
				case hits <- u.UpdateID:
				default:
				}
			}))
			t.Cleanup(hs.Close)
			if r := h.api("setWebhook", url.Values{"url": {hs.URL}, "secret_token": {"s3cret"}}); r.Status != 200 {
				t.Fatalf("setWebhook: %s", r.Text)
			}
			h.ok("POST", iv+"send", `{"text":"by webhook"}`, nil)
			<-hits
			if _, err := srv.AwaitDelivery(wait, func(d tgemu.Delivery) bool { return d.Status == 200 }); err != nil {
				t.Fatal(err)
			}
		}, check: func(t *testing.T, res json.RawMessage) {
			var ds []tgemu.Delivery
			_ = json.Unmarshal(res, &ds)
			if len(ds) != 1 || ds[0].ChatID != ivan.ID || ds[0].Status != 200 || ds[0].Attempt != 1 || ds[0].Secret != "s3cret" || ds[0].UpdateID < h.offset {
				t.Fatalf("deliveries: %+v", ds)
			}
		}},
	}
	for _, tt := range tests {
		if !t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			path := strings.NewReplacer("GROUP", sid(group.ID), "SUPER", sid(super.ID), "IVAN", sid(ivan.ID)).Replace(tt.path)
			body := strings.NewReplacer("GROUP", sid(group.ID), "OLGA", sid(olga.ID), "IVAN", sid(ivan.ID), "HELLO", strconv.Itoa(helloID), "BOTMSG", strconv.Itoa(botMsg)).Replace(tt.body)
			var res json.RawMessage
			h.ok(tt.method, path, body, &res)
			tt.check(t, res)
		}) {
			t.FailNow() // later steps build on earlier ones
		}
	}
}

// A bad request to every /__sim/ route gets a clear 4xx in the Bot API envelope.
func TestSimHTTPBadRequests(t *testing.T) {
	srv := tgemu.NewServer(tgemu.Options{NoRateLimits: true})
	t.Cleanup(srv.Close)
	h := &simHTTP{t: t, srv: srv}
	var ivan, olga, group, super struct {
		ID int64 `json:"id"`
	}
	h.ok("POST", "users", `{"first_name":"Ivan"}`, &ivan)
	h.ok("POST", "users", `{"first_name":"Olga"}`, &olga)
	h.ok("POST", "groups", `{"title":"Staff"}`, &group)
	h.ok("POST", "groups", `{"title":"Shop","supergroup":true}`, &super)
	var hello tgemu.Message
	h.ok("POST", "users/"+sid(ivan.ID)+"/send", `{"text":"hello"}`, &hello)
	if r := raw(t, srv, "sendMessage", url.Values{"chat_id": {sid(ivan.ID)}, "text": {"hi"}}); r.Status != 200 {
		t.Fatalf("sendMessage: %s", r.Text)
	}
	iv := "users/" + sid(ivan.ID) + "/"

	type bad struct {
		method, path, body string
		code               int
		desc               string // a substring of the description
	}
	var tests []bad
	// Every user action: an unknown user, a malformed id, a body that is not JSON, and a
	// misspelled field.
	for _, a := range []string{"send", "start", "share_contact", "contact", "photo", "document", "sticker", "voice", "location", "edit", "press", "press_reply", "block", "unblock", "deactivate"} {
		tests = append(tests,
			bad{"POST", "users/999/" + a, `{}`, 404, "Not Found: user 999 not found"},
			bad{"POST", "users/ivan/" + a, `{}`, 400, `Bad Request: user id "ivan" is not an integer`},
			bad{"POST", iv + a, `{"text":`, 400, "Bad Request: decode JSON body"},
			bad{"POST", iv + a, `{"txt":"hi"}`, 400, `Bad Request: decode JSON body: json: unknown field "txt"`},
		)
	}
	// Every chat action and read: an unknown chat, a malformed id, bad JSON.
	for _, a := range []string{"migrate", "remove_bot", "add_bot"} {
		tests = append(tests,
			bad{"POST", "chats/-999/" + a, `{}`, 404, "Not Found: chat -999 not found"},
			bad{"POST", "chats/staff/" + a, `{}`, 400, `Bad Request: chat id "staff" is not an integer`},
			bad{"POST", "chats/" + sid(group.ID) + "/" + a, `[1,2]`, 400, "Bad Request: decode JSON body"},
		)
	}
	tests = append(tests,
		bad{"POST", "users", `{"first_name":`, 400, "Bad Request: decode JSON body"},
		bad{"POST", "users", `{"id":` + sid(ivan.ID) + `}`, 400, "already exists"},
		bad{"POST", "groups", `{"title":"Staff"`, 400, "Bad Request: decode JSON body"},
		bad{"POST", "groups", `{"titel":"Staff"}`, 400, `unknown field "titel"`},
		bad{"POST", "groups", `{}`, 400, "Bad Request: a group needs a title"},
		bad{"POST", iv + "dance", `{}`, 404, `Not Found: unknown user action "dance"`},
		bad{"POST", iv + "send", `{"text":"  "}`, 400, "Bad Request: text is empty"},
		bad{"POST", iv + "send", `{"text":"hi","chat_id":-999}`, 404, "Not Found: chat -999 not found"},
		bad{"POST", iv + "send", `{"text":"hi","chat_id":` + sid(olga.ID) + `}`, 400, "another user's private chat"},
		bad{"POST", iv + "start", `{"payload":"a b"}`, 400, "Bad Request: start payload must be 1-64 characters"},
		bad{"POST", iv + "share_contact", `{}`, 400, "no request_contact button is shown"},
		bad{"POST", iv + "contact", `{"user_id":1}`, 400, "Bad Request: phone is empty"},
		bad{"POST", iv + "photo", `{"caption":"x"}`, 400, `Bad Request: a photo needs "data"`},
		bad{"POST", iv + "photo", `{"data":"not base64!"}`, 400, "Bad Request: decode JSON body"},
		bad{"POST", iv + "document", `{"data":"eA=="}`, 400, `Bad Request: a document needs "name" and "data"`},
		bad{"POST", iv + "location", `{"latitude":91,"longitude":0}`, 400, "Bad Request: latitude must be within -90..90"},
		bad{"POST", iv + "edit", `{"message_id":999,"text":"x"}`, 404, "Not Found: message 999 not found in chat"},
		bad{"POST", iv + "edit", `{"message_id":` + strconv.Itoa(hello.ID+1) + `,"text":"x"}`, 400, "is not a message of user"},
		bad{"POST", iv + "edit", `{"message_id":` + strconv.Itoa(hello.ID) + `,"text":""}`, 400, "Bad Request: text is empty"},
		bad{"POST", iv + "press", `{"message_id":` + strconv.Itoa(hello.ID+1) + `,"label":"Book"}`, 400, `"Book" not found among no buttons`},
		bad{"POST", iv + "press_reply", `{"label":"Book"}`, 400, "no reply keyboard is shown"},
		bad{"POST", "chats/" + sid(super.ID) + "/migrate", `{}`, 400, "is not a basic group that can be upgraded"},
		bad{"POST", "chats/" + sid(ivan.ID) + "/remove_bot", `{}`, 400, "is a private chat"},
		bad{"POST", "chats/" + sid(group.ID) + "/remove_bot", `{"user_id":999}`, 404, "Not Found: user 999 not found"},
		bad{"POST", "chats/" + sid(group.ID) + "/add_bot", `{"user_id":999}`, 404, "Not Found: user 999 not found"},
		bad{"POST", "chats/" + sid(group.ID) + "/explode", `{}`, 404, `Not Found: unknown chat action "explode"`},
		bad{"GET", "chats/-999/messages", ``, 404, "Not Found: chat -999 not found"},
		bad{"GET", "chats/x/messages", ``, 400, `Bad Request: chat id "x" is not an integer`},
		bad{"GET", "chats/-999/transcript", ``, 404, "Not Found: chat -999 not found"},
		bad{"GET", "chats/" + sid(ivan.ID) + "/await?timeout_ms=soon", ``, 400, `Bad Request: timeout_ms "soon" must be a positive integer`},
		bad{"GET", "chats/" + sid(ivan.ID) + "/await?after=last", ``, 400, `Bad Request: after "last" must be a message id`},
		bad{"GET", "chats/" + sid(ivan.ID) + "/await?contains=never&timeout_ms=10", ``, 408, "Request Timeout: tgemu: no matching bot message"},
		bad{"GET", "callbacks/123", ``, 404, "Not Found: callback query 123 is not answered"},
		bad{"POST", "deliveries", `{}`, 404, "Not Found: no /__sim/ route POST /__sim/deliveries"},
		bad{"POST", "duplicate_delivery", `{"on":"yes"}`, 400, "Bad Request: decode JSON body"},
		bad{"POST", "duplicate_delivery", `{"on":true}{}`, 400, "data after the JSON object"},
		bad{"DELETE", "faults/1", ``, 404, "Not Found: no /__sim/ route DELETE /__sim/faults/1"},
		bad{"POST", "faults", `{"match":{},"preset":"meteor"}`, 400, `Bad Request: unknown fault preset "meteor"`},
		bad{"POST", "faults", `{"match":{},"action":{"code":200}}`, 400, "Bad Request: a fault needs a preset"},
		bad{"POST", "clock/advance", `{"seconds":"many"}`, 400, "Bad Request: decode JSON body"},
		bad{"GET", "nowhere", ``, 404, "Not Found: no /__sim/ route GET /__sim/nowhere"},
	)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" "+tt.body, func(t *testing.T) {
			code, env := h.do(tt.method, tt.path, tt.body)
			if code != tt.code || env.OK || env.ErrorCode != tt.code || !strings.Contains(env.Description, tt.desc) {
				t.Fatalf("want %d %q, got %d %+v", tt.code, tt.desc, code, env)
			}
		})
	}
	// None of the refused actions reached the bot: only Ivan's "hello" is pending.
	if ups := h.updates(); len(ups) != 1 || ups[0].Message.Text != "hello" {
		t.Fatalf("refused actions made updates: %+v", ups)
	}
}
