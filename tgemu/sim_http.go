package tgemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The /__sim/ HTTP API mirrors the fake-user Go API for the standalone server, so that a bot
// written in any language can be tested. Every answer uses the Bot API envelope:
// {"ok":true,"result":...} or {"ok":false,"error_code":N,"description":"..."}.
//
//	POST   /__sim/users                         {"first_name","last_name","username","language_code","phone","id"} -> {"id","chat_id"}
//	POST   /__sim/groups                        {"title","supergroup"} -> {"id"}
//	POST   /__sim/users/{id}/send               {"text","chat_id","reply_to_message_id"}   (chat_id: a group; default the private chat)
//	POST   /__sim/users/{id}/start              {"payload"}
//	POST   /__sim/users/{id}/share_contact      {"phone"}            (presses the request_contact button shown)
//	POST   /__sim/users/{id}/contact            {"phone","user_id"}  (a contact card, possibly foreign)
//	POST   /__sim/users/{id}/photo              {"data" (base64),"caption"}
//	POST   /__sim/users/{id}/document           {"name","data","caption"}
//	POST   /__sim/users/{id}/sticker | /voice
//	POST   /__sim/users/{id}/location           {"latitude","longitude"}
//	POST   /__sim/users/{id}/edit               {"chat_id","message_id","text"}
//	POST   /__sim/users/{id}/press              {"chat_id","message_id","label"} or {..., "callback_data"} -> {"callback_query_id"}
//	POST   /__sim/users/{id}/press_reply        {"label"}
//	POST   /__sim/users/{id}/block | /unblock | /deactivate
//	POST   /__sim/chats/{id}/migrate            -> {"id"} of the new supergroup
//	POST   /__sim/chats/{id}/remove_bot | /add_bot   {"user_id"}
//	GET    /__sim/chats/{id}/messages           -> [Message] (buttons {"text","callback_data"} in "inline")
//	GET    /__sim/chats/{id}/transcript         -> text/plain
//	GET    /__sim/chats/{id}/await?contains=TEXT&after=ID&timeout_ms=N -> Message (408 on timeout);
//	       after: only bot messages newer than message ID (the id a user action answered with)
//	GET    /__sim/calls[?rejected=1]            -> [Call]
//	GET    /__sim/callbacks/{id}                -> CallbackAnswer (404 while unanswered)
//	GET    /__sim/deliveries                    -> [Delivery]
//	POST   /__sim/faults                        {"match":{...},"action":{...}} or {"match":{...},"preset":"blocked"} -> {"rules"} (rules now active)
//	DELETE /__sim/faults
//	POST   /__sim/clock/advance                 {"seconds"}
//	POST   /__sim/duplicate_delivery            {"on"}
//	GET    /__sim/clock, /__sim/chats/{id}/commands | /action, POST /__sim/chats/{id}/clear,
//	GET    /__sim/files/{file_id}: what a Telegram app shows beyond messages (sim_client.go)
//
// Bodies are strict: bad JSON, or a field the route does not know, is 400; an unknown user,
// chat or message is 404; an action no Telegram client could make (an empty text, a photo
// without bytes, writing in another user's private chat) is 400; a route that does not exist
// is 404 with the route in the description.
func (s *Server) simMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /__sim/users", s.simNewUser)
	mux.HandleFunc("POST /__sim/groups", s.simNewGroup)
	mux.HandleFunc("POST /__sim/users/{id}/{action}", s.simUserAction)
	mux.HandleFunc("POST /__sim/chats/{id}/{action}", s.simChatAction)
	mux.HandleFunc("GET /__sim/chats/{id}/messages", s.simMessages)
	mux.HandleFunc("GET /__sim/chats/{id}/transcript", s.simTranscript)
	mux.HandleFunc("GET /__sim/chats/{id}/await", s.simAwait)
	mux.HandleFunc("GET /__sim/calls", s.simCalls)
	mux.HandleFunc("GET /__sim/callbacks/{id}", s.simCallback)
	mux.HandleFunc("GET /__sim/deliveries", func(w http.ResponseWriter, _ *http.Request) { simOK(w, s.Deliveries()) })
	mux.HandleFunc("POST /__sim/faults", s.simFault)
	mux.HandleFunc("DELETE /__sim/faults", func(w http.ResponseWriter, _ *http.Request) { s.ClearFaults(); simOK(w, true) })
	mux.HandleFunc("POST /__sim/clock/advance", s.simAdvance)
	mux.HandleFunc("GET /__sim/clock", s.simClock)
	mux.HandleFunc("GET /__sim/chats/{id}/commands", s.simCommands) // sim_client.go
	mux.HandleFunc("GET /__sim/chats/{id}/action", s.simChatActionNow)
	mux.HandleFunc("POST /__sim/chats/{id}/clear", s.simClear)
	mux.HandleFunc("GET /__sim/files/{file_id}", s.simFile)
	mux.HandleFunc("POST /__sim/duplicate_delivery", s.simDuplicate)
	mux.HandleFunc("/__sim/", func(w http.ResponseWriter, r *http.Request) {
		simErr(w, 404, fmt.Errorf("no /__sim/ route %s %s (the list is in tgemu/sim_http.go)", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) serveSim(w http.ResponseWriter, r *http.Request) { s.sim.ServeHTTP(w, r) }

func simOK(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		simErr(w, 500, fmt.Errorf("encode result: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true,"result":`))
	_, _ = w.Write(body)
	_, _ = w.Write([]byte(`}`))
}

// simErr answers an error with the prefix the Bot API uses for its code ("Bad Request: ",
// "Not Found: ", ...), unless the text already carries it.
func simErr(w http.ResponseWriter, code int, err error) {
	desc := err.Error()
	if p := http.StatusText(code) + ": "; !strings.HasPrefix(desc, p) {
		desc = p + desc
	}
	writeError(w, &apiError{Code: code, Desc: desc})
}

// simBody decodes an optional JSON body into v. Unknown fields are refused, so that a
// misspelled field fails loudly instead of acting with its zero value.
func simBody(r *http.Request, v any) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode JSON body: %w", err)
	}
	if dec.More() {
		return errors.New("decode JSON body: data after the JSON object")
	}
	return nil
}

// simID parses the {id} of a route: a malformed id is 400, an unknown one 404.
func simID(text, what string) (int64, *apiError) {
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, errDesc(400, fmt.Sprintf("Bad Request: %s id %q is not an integer", what, text))
	}
	return id, nil
}

func (s *Server) simUser(r *http.Request) (*User, *apiError) {
	id, aerr := simID(r.PathValue("id"), "user")
	if aerr != nil {
		return nil, aerr
	}
	return s.simUserByID(id)
}

func (s *Server) simUserByID(id int64) (*User, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		return nil, errDesc(404, fmt.Sprintf("Not Found: user %d not found", id))
	}
	return u, nil
}

func (s *Server) simChat(idText string) (*Chat, *apiError) {
	id, aerr := simID(idText, "chat")
	if aerr != nil {
		return nil, aerr
	}
	return s.simChatByID(id)
}

func (s *Server) simChatByID(id int64) (*Chat, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chats[id]
	if c == nil {
		return nil, errDesc(404, fmt.Sprintf("Not Found: chat %d not found", id))
	}
	return c, nil
}

// simBad answers 400 with a detail in the Bot API's style.
func simBad(w http.ResponseWriter, detail string) {
	writeError(w, errDesc(400, "Bad Request: "+detail))
}

func (s *Server) simNewUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID           int64  `json:"id"`
		FirstName    string `json:"first_name"`
		LastName     string `json:"last_name"`
		Username     string `json:"username"`
		LanguageCode string `json:"language_code"`
		Phone        string `json:"phone"`
	}
	if err := simBody(r, &in); err != nil {
		simErr(w, 400, err)
		return
	}
	if in.ID < 0 {
		simBad(w, fmt.Sprintf("user id %d: Telegram user ids are positive", in.ID))
		return
	}
	if in.ID != 0 {
		if _, aerr := s.simUserByID(in.ID); aerr == nil {
			simBad(w, fmt.Sprintf("user %d already exists", in.ID))
			return
		}
	}
	u := s.NewUser(UserOptions{ID: in.ID, FirstName: in.FirstName, LastName: in.LastName, Username: in.Username, LanguageCode: in.LanguageCode, Phone: in.Phone})
	simOK(w, map[string]int64{"id": u.ID(), "chat_id": u.Chat().ID()})
}

func (s *Server) simNewGroup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title      string `json:"title"`
		Supergroup bool   `json:"supergroup"`
	}
	if err := simBody(r, &in); err != nil {
		simErr(w, 400, err)
		return
	}
	if strings.TrimSpace(in.Title) == "" {
		simBad(w, "a group needs a title")
		return
	}
	simOK(w, map[string]int64{"id": s.NewGroup(in.Title, in.Supergroup).ID()})
}

// simUserIn is the union of the bodies of user actions.
type simUserIn struct {
	Text      string  `json:"text"`
	ChatID    int64   `json:"chat_id"`
	Payload   string  `json:"payload"`
	Phone     string  `json:"phone"`
	UserID    int64   `json:"user_id"`
	Data      []byte  `json:"data"` // base64 in JSON
	Name      string  `json:"name"`
	Caption   string  `json:"caption"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	MessageID int     `json:"message_id"`
	Label     string  `json:"label"`
	CBData    *string `json:"callback_data"`
	ReplyTo   int     `json:"reply_to_message_id"` // send: a reply to this message of the chat
}

func (s *Server) simUserAction(w http.ResponseWriter, r *http.Request) {
	u, aerr := s.simUser(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var in simUserIn
	if err := simBody(r, &in); err != nil {
		simErr(w, 400, err)
		return
	}
	// target is the message an edit or a press addresses: chat_id (default the private chat)
	// and message_id.
	target := func() (Message, *apiError) {
		c := u.Chat()
		if in.ChatID != 0 {
			var aerr *apiError
			if c, aerr = s.simChatByID(in.ChatID); aerr != nil {
				return Message{}, aerr
			}
		}
		m, ok := c.Message(in.MessageID)
		if !ok {
			return Message{}, errDesc(404, fmt.Sprintf("Not Found: message %d not found in chat %d", in.MessageID, c.ID()))
		}
		return m, nil
	}
	var res any
	var err error
	switch r.PathValue("action") {
	case "send":
		if strings.TrimSpace(in.Text) == "" {
			simBad(w, "text is empty: a Telegram client sends no empty message")
			return
		}
		if in.ChatID != 0 && in.ChatID != u.ID() {
			c, aerr := s.simChatByID(in.ChatID)
			if aerr != nil {
				writeError(w, aerr)
				return
			}
			if c.Type() == "private" {
				simBad(w, fmt.Sprintf("chat %d is another user's private chat with the bot", c.ID()))
				return
			}
			res, err = u.sendReplying(c, in.ReplyTo, in.Text)
		} else {
			res, err = u.sendReplying(u.Chat(), in.ReplyTo, in.Text)
		}
	case "start":
		if in.Payload != "" && !validStartPayload(in.Payload) {
			simBad(w, "start payload must be 1-64 characters of A-Z a-z 0-9 _ -")
			return
		}
		res = u.Start(in.Payload)
	case "share_contact":
		res, err = u.ShareContact(in.Phone)
	case "contact":
		if in.Phone == "" {
			simBad(w, "phone is empty")
			return
		}
		res = u.SendContact(in.Phone, in.UserID)
	case "photo":
		if len(in.Data) == 0 {
			simBad(w, `a photo needs "data" (its bytes, base64)`)
			return
		}
		res = u.SendPhoto(in.Data, in.Caption)
	case "document":
		if len(in.Data) == 0 || in.Name == "" {
			simBad(w, `a document needs "name" and "data" (its bytes, base64)`)
			return
		}
		res = u.SendDocument(in.Name, in.Data, in.Caption)
	case "sticker":
		res = u.SendSticker()
	case "voice":
		res = u.SendVoice()
	case "location":
		if in.Latitude < -90 || in.Latitude > 90 || in.Longitude < -180 || in.Longitude > 180 {
			simBad(w, "latitude must be within -90..90 and longitude within -180..180")
			return
		}
		res = u.SendLocation(in.Latitude, in.Longitude)
	case "edit":
		m, aerr := target()
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		if m.FromBot || m.FromUserID != u.ID() || m.Deleted {
			simBad(w, fmt.Sprintf("message %d in chat %d is not a message of user %d that can be edited", m.ID, m.ChatID, u.ID()))
			return
		}
		if strings.TrimSpace(in.Text) == "" && m.Kind == "text" {
			simBad(w, "text is empty")
			return
		}
		u.Edit(m, in.Text)
		c, _ := s.simChatByID(m.ChatID)
		res, _ = c.Message(m.ID)
	case "press":
		m, aerr := target()
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		var id string
		if in.CBData != nil {
			id, err = u.PressData(m, *in.CBData)
		} else {
			id, err = u.Press(m, in.Label)
		}
		res = map[string]string{"callback_query_id": id}
	case "press_reply":
		res, err = u.PressReply(in.Label)
	case "block":
		u.Block()
		res = true
	case "unblock":
		u.Unblock()
		res = true
	case "deactivate":
		u.Deactivate()
		res = true
	default:
		simErr(w, 404, fmt.Errorf("unknown user action %q", r.PathValue("action")))
		return
	}
	if err != nil {
		simErr(w, 400, err)
		return
	}
	simOK(w, res)
}

func (s *Server) simChatAction(w http.ResponseWriter, r *http.Request) {
	c, aerr := s.simChat(r.PathValue("id"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var in struct {
		UserID int64 `json:"user_id"`
	}
	if err := simBody(r, &in); err != nil {
		simErr(w, 400, err)
		return
	}
	var by *User // nil: Telegram's service account acts
	if in.UserID != 0 {
		if by, aerr = s.simUserByID(in.UserID); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	switch r.PathValue("action") {
	case "migrate":
		nc, merr := c.MigrateToSupergroup()
		if merr != nil {
			simErr(w, 400, merr)
			return
		}
		simOK(w, map[string]int64{"id": nc.ID()})
	case "remove_bot", "add_bot":
		if c.Type() == "private" {
			simBad(w, fmt.Sprintf("chat %d is a private chat: the bot is added to and removed from groups only", c.ID()))
			return
		}
		if r.PathValue("action") == "remove_bot" {
			c.RemoveBot(by)
		} else {
			c.AddBot(by)
		}
		simOK(w, true)
	default:
		simErr(w, 404, fmt.Errorf("unknown chat action %q", r.PathValue("action")))
	}
}

func (s *Server) simMessages(w http.ResponseWriter, r *http.Request) {
	c, aerr := s.simChat(r.PathValue("id"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	simOK(w, c.Messages())
}

func (s *Server) simTranscript(w http.ResponseWriter, r *http.Request) {
	c, aerr := s.simChat(r.PathValue("id"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, c.Transcript())
}

func (s *Server) simAwait(w http.ResponseWriter, r *http.Request) {
	c, aerr := s.simChat(r.PathValue("id"))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	timeout := 5 * time.Second
	if v := r.URL.Query().Get("timeout_ms"); v != "" {
		ms, perr := strconv.Atoi(v)
		if perr != nil || ms <= 0 {
			simBad(w, fmt.Sprintf("timeout_ms %q must be a positive integer", v))
			return
		}
		timeout = time.Duration(ms) * time.Millisecond
	}
	after := 0
	if v := r.URL.Query().Get("after"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 {
			simBad(w, fmt.Sprintf("after %q must be a message id", v))
			return
		}
		after = n
	}
	substr := r.URL.Query().Get("contains")
	m, err := c.AwaitNew(timeout, after, func(m Message) bool {
		return !m.Deleted && (strings.Contains(m.Text, substr) || strings.Contains(m.Caption, substr))
	})
	if err != nil {
		simErr(w, 408, err)
		return
	}
	simOK(w, m)
}

func (s *Server) simCalls(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("rejected") != "" {
		simOK(w, s.Rejected())
		return
	}
	simOK(w, s.Calls())
}

func (s *Server) simCallback(w http.ResponseWriter, r *http.Request) {
	a, ok := s.CallbackAnswer(r.PathValue("id"))
	if !ok {
		simErr(w, 404, fmt.Errorf("callback query %s is not answered", r.PathValue("id")))
		return
	}
	simOK(w, a)
}

// faultPreset maps the names accepted by POST /__sim/faults to actions.
func faultPreset(name string, retryAfter int, migrateTo int64, delay time.Duration) (Action, bool) {
	switch name {
	case "too_many_requests":
		return TooManyRequests(retryAfter), true
	case "blocked":
		return Blocked(), true
	case "deactivated":
		return Deactivated(), true
	case "cant_initiate":
		return CantInitiate(), true
	case "kicked":
		return KickedFromGroup(), true
	case "kicked_supergroup":
		return KickedFromSupergroup(), true
	case "not_modified":
		return NotModified(), true
	case "query_too_old":
		return QueryTooOld(), true
	case "chat_not_found":
		return ChatNotFound(), true
	case "bad_html":
		return BadHTML(0), true
	case "migrated":
		return Migrated(migrateTo), true
	case "conflict":
		return Conflict(), true
	case "unauthorized":
		return Unauthorized(), true
	case "internal":
		return InternalError(), true
	case "bad_gateway":
		return BadGateway(), true
	case "gateway_timeout":
		return GatewayTimeout(), true
	case "truncated":
		return TruncatedJSON(), true
	case "latency":
		return Latency(delay), true
	case "hang":
		return Hang(), true
	case "drop":
		return DropConnection(), true
	case "reorder":
		return ReorderChats(), true
	case "duplicate":
		return DuplicateUpdates(), true
	case "wrong_secret":
		return WrongSecret(), true
	case "missing_secret":
		return MissingSecret(), true
	}
	return Action{}, false
}

func (s *Server) simFault(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Match struct {
			Method      string  `json:"method"`
			ChatID      int64   `json:"chat_id"`
			Contains    string  `json:"contains"`
			Nth         int     `json:"nth"`
			Times       int     `json:"times"`
			Probability float64 `json:"probability"`
		} `json:"match"`
		Preset string `json:"preset"`
		Action struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
			RetryAfter  int    `json:"retry_after"`
			MigrateTo   int64  `json:"migrate_to_chat_id"`
			DelayMS     int    `json:"delay_ms"`
		} `json:"action"`
	}
	if err := simBody(r, &in); err != nil {
		simErr(w, 400, err)
		return
	}
	a := Action{Kind: FaultError, Code: in.Action.Code, Description: in.Action.Description, RetryAfter: in.Action.RetryAfter, MigrateTo: in.Action.MigrateTo}
	if in.Preset != "" {
		p, ok := faultPreset(in.Preset, in.Action.RetryAfter, in.Action.MigrateTo, time.Duration(in.Action.DelayMS)*time.Millisecond)
		if !ok {
			simErr(w, 400, fmt.Errorf("unknown fault preset %q", in.Preset))
			return
		}
		a = p
	} else if a.Code < 400 || a.Description == "" {
		simErr(w, 400, errors.New("a fault needs a preset, or an action with code >= 400 and a description"))
		return
	}
	m := in.Match
	s.InjectFault(Match{Method: m.Method, ChatID: m.ChatID, Contains: m.Contains, Nth: m.Nth, Times: m.Times, Probability: m.Probability}, a)
	s.mu.Lock()
	n := len(s.faults.rules)
	s.mu.Unlock()
	simOK(w, map[string]int{"rules": n})
}

func (s *Server) simAdvance(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Seconds float64 `json:"seconds"`
	}
	if err := simBody(r, &in); err != nil {
		simErr(w, 400, err)
		return
	}
	s.Advance(time.Duration(in.Seconds * float64(time.Second)))
	simOK(w, map[string]int64{"now": s.clock.Now().Unix()})
}

func (s *Server) simDuplicate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		On bool `json:"on"`
	}
	if err := simBody(r, &in); err != nil {
		simErr(w, 400, err)
		return
	}
	s.SetDuplicateDelivery(in.On)
	simOK(w, true)
}
