package tgemu

import (
	"context"
	"strconv"
	"strings"
)

// methodTable lists every Bot API method the emulator serves, one Go function each. Anything
// else is 404 "Not Found: method not found", like a method Telegram does not know.
func (s *Server) methodTable() map[string]methodEntry {
	list := []methodEntry{
		{"getMe", s.getMe},
		{"logOut", s.returnTrue},
		{"close", s.returnTrue},
		{"getUpdates", s.getUpdates},
		{"setWebhook", s.setWebhook},
		{"deleteWebhook", s.deleteWebhook},
		{"getWebhookInfo", s.getWebhookInfo},
		{"sendMessage", s.sendMessage},
		{"editMessageText", s.editMessageText},
		{"editMessageReplyMarkup", s.editMessageReplyMarkup},
		{"editMessageCaption", s.editMessageCaption},
		{"deleteMessage", s.deleteMessage},
		{"copyMessage", s.copyMessage},
		{"forwardMessage", s.forwardMessage},
		{"sendContact", s.sendContact},
		{"sendLocation", s.sendLocation},
		{"sendPhoto", s.sendPhoto},
		{"sendDocument", s.sendDocument},
		{"getFile", s.getFile},
		{"answerCallbackQuery", s.answerCallbackQuery},
		{"sendChatAction", s.sendChatAction},
		{"setMyCommands", s.setMyCommands},
		{"getMyCommands", s.getMyCommands},
		{"deleteMyCommands", s.deleteMyCommands},
		{"getChat", s.getChat},
		{"getChatMember", s.getChatMember},
		{"getChatMemberCount", s.getChatMemberCount},
		{"getChatMembersCount", s.getChatMemberCount},
		{"getChatAdministrators", s.getChatAdministrators},
	}
	out := make(map[string]methodEntry, len(list))
	for _, m := range list {
		out[strings.ToLower(m.name)] = m
	}
	return out
}

// ServedMethods lists the canonical names of every method the emulator answers.
func (s *Server) ServedMethods() []string {
	out := make([]string, 0, len(s.methods))
	for _, m := range s.methods {
		out = append(out, m.name)
	}
	return out
}

func (s *Server) returnTrue(context.Context, *request) (any, *apiError) { return true, nil }

func (s *Server) getMe(context.Context, *request) (any, *apiError) {
	u := s.botWire()
	yes, no := true, false
	u.CanJoinGroups, u.CanReadAllGroupMessages, u.SupportsInlineQueries = &yes, &no, &no
	return u, nil
}

// resolveChat finds the chat named by a chat_id-like parameter. Caller holds s.mu.
func (s *Server) resolveChat(q *request, param string) (*Chat, *apiError) {
	raw := strings.TrimSpace(q.str(param))
	if raw == "" {
		if param == "chat_id" {
			return nil, errDesc(400, descChatIDEmpty)
		}
		return nil, errBadRequest(param + " is empty")
	}
	var c *Chat
	if name, ok := strings.CutPrefix(raw, "@"); ok {
		for _, ch := range s.chats {
			if ch.typ != "private" && strings.EqualFold(ch.username(), name) {
				c = ch
			}
		}
	} else if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
		c = s.chats[id]
	}
	if c == nil {
		return nil, errDesc(400, descChatNotFound)
	}
	if c.migratedTo != 0 {
		return nil, errMigrated(c.migratedTo)
	}
	return c, nil
}

// username of a group: tgemu's groups are private groups without a public username.
func (c *Chat) username() string { return "" }

// checkAccess answers the 403s Telegram gives when the bot cannot write to a chat. Caller
// holds s.mu.
func (c *Chat) checkAccess() *apiError {
	switch {
	case c.typ == "private" && c.user != nil:
		u := c.user
		switch {
		case u.deactivated:
			return errDesc(403, descDeactivated)
		case u.blocked:
			return errDesc(403, descBlocked)
		case !u.started:
			return errDesc(403, descCantInitiate)
		}
	case c.botKicked && c.typ == "group":
		return errDesc(403, descKickedGroup)
	case c.botKicked:
		return errDesc(403, descKickedSuper)
	}
	return nil
}

// CallbackAnswer is what the bot answered to a callback query.
type CallbackAnswer struct {
	Text      string `json:"text"`
	ShowAlert bool   `json:"show_alert"`
	URL       string `json:"url,omitempty"`
	CacheTime int    `json:"cache_time,omitempty"`
}

type callbackQuery struct {
	id       string
	user     *User
	chat     *Chat
	msgID    int
	data     string
	created  int64 // virtual unix nanos
	answered bool
	answer   CallbackAnswer
}

func (s *Server) answerCallbackQuery(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[q.str("callback_query_id")]
	now := s.clock.Now().UnixNano()
	if cb == nil || cb.answered || now-cb.created > int64(s.opts.CallbackWindow) {
		return nil, errDesc(400, descQueryTooOld)
	}
	if runeCount(q.str("text")) > 200 {
		return nil, errBadRequest("MESSAGE_TOO_LONG")
	}
	cache, _, err := q.intParam("cache_time")
	if err != nil {
		return nil, err
	}
	cb.answered = true
	cb.answer = CallbackAnswer{Text: q.str("text"), ShowAlert: q.boolParam("show_alert"), URL: q.str("url"), CacheTime: cache}
	s.notify()
	return true, nil
}

// CallbackAnswer reports what the bot answered to callback query id; ok is false while the
// query is unanswered (or unknown).
func (s *Server) CallbackAnswer(id string) (CallbackAnswer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := s.callbacks[id]
	if cb == nil || !cb.answered {
		return CallbackAnswer{}, false
	}
	return cb.answer, true
}

func isChatAction(a string) bool {
	switch a {
	case "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
		"upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
		"record_audio", "upload_audio": // the last two are pre-5.0 names the server still maps
		return true
	}
	return false
}

func (s *Server) sendChatAction(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.resolveChat(q, "chat_id")
	if err != nil {
		return nil, err
	}
	if err := c.checkAccess(); err != nil {
		return nil, err
	}
	a := q.str("action")
	if !isChatAction(a) {
		return nil, errDesc(400, descBadAction)
	}
	c.action, c.actionAt = a, s.clock.Now()
	s.notify()
	return true, nil
}

func (s *Server) getChat(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.resolveChat(q, "chat_id")
	if err != nil {
		return nil, err
	}
	w := c.wire()
	// ChatFullInfo: accent_color_id and max_reaction_count are required fields in Bot API 10.1.
	out := map[string]any{"id": w.ID, "type": w.Type, "accent_color_id": 0, "max_reaction_count": 11}
	if w.Title != "" {
		out["title"] = w.Title
	}
	if w.FirstName != "" {
		out["first_name"] = w.FirstName
	}
	if w.LastName != "" {
		out["last_name"] = w.LastName
	}
	if w.Username != "" {
		out["username"] = w.Username
	}
	return out, nil
}

func (s *Server) getChatMember(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.resolveChat(q, "chat_id")
	if err != nil {
		return nil, err
	}
	uid, ok, err := q.int64Param("user_id")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errBadRequest("user_id is empty")
	}
	if uid == s.botID {
		status := "member"
		if c.botKicked {
			status = "left"
		}
		return wChatMember{Status: status, User: s.botWire()}, nil
	}
	u := s.users[uid]
	if u == nil {
		return nil, errDesc(400, descUserNotFound)
	}
	status := "left"
	if c.typ == "private" && c.user == u {
		status = "member"
	} else if c.members[uid] != nil {
		status = "member"
	}
	return wChatMember{Status: status, User: u.wire()}, nil
}

func (s *Server) getChatMemberCount(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.resolveChat(q, "chat_id")
	if err != nil {
		return nil, err
	}
	if c.typ == "private" {
		return 2, nil
	}
	return len(c.members) + 1, nil
}

func (s *Server) getChatAdministrators(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.resolveChat(q, "chat_id")
	if err != nil {
		return nil, err
	}
	if c.typ == "private" {
		return nil, errBadRequest("there are no administrators in the private chat")
	}
	// The first member to write in a group is its creator; the bot is not an administrator.
	out := []wChatMember{}
	if c.creator != nil {
		out = append(out, wChatMember{Status: "creator", User: c.creator.wire()})
	}
	return out, nil
}
