package tgemu

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Text limits (notes 2.1): 4096 characters of text and 1024 of caption after entity parsing,
// and 32 KiB of raw text before parsing.
const (
	maxTextLen    = 4096
	maxCaptionLen = 1024
	maxRawText    = 1 << 15
	deleteWindow  = 48 * time.Hour
)

// formatText parses a text or caption with its parse_mode or explicit entities, trims it like
// Telegram, and enforces the length limits.
func (s *Server) formatText(raw, parseMode, entitiesJSON string, caption bool) (string, []wEntity, *apiError) {
	if len(raw) > maxRawText {
		return "", nil, errDesc(400, descRawTooLong)
	}
	var text string
	var ents []wEntity
	switch strings.ToLower(parseMode) {
	case "", "none":
		text = raw
		if entitiesJSON != "" {
			if err := json.Unmarshal([]byte(entitiesJSON), &ents); err != nil {
				return "", nil, errBadRequest("can't parse entities JSON object")
			}
			ents = clipEntities(text, ents)
		}
	case "html":
		t, e, err := parseHTML(raw, s.opts.AllowBareAmpersand)
		if err != nil {
			return "", nil, errBadRequest("can't parse entities: " + err.Error())
		}
		text, ents = t, e
	case "markdownv2":
		t, e, err := parseMarkdownV2(raw)
		if err != nil {
			return "", nil, errBadRequest("can't parse entities: " + err.Error())
		}
		text, ents = t, e
	case "markdown":
		t, e, err := parseMarkdownV1(raw)
		if err != nil {
			return "", nil, errBadRequest("can't parse entities: " + err.Error())
		}
		text, ents = t, e
	default:
		return "", nil, errDesc(400, descBadParseMode)
	}
	text, ents = trimFormatted(text, ents)
	n := runeCount(text)
	switch {
	case caption && n > maxCaptionLen:
		return "", nil, errDesc(400, descCaptionTooLong)
	case !caption && n == 0:
		return "", nil, errDesc(400, descTextEmpty)
	case !caption && n > maxTextLen:
		return "", nil, errDesc(400, descTooLong)
	}
	if len(ents) == 0 {
		ents = nil
	}
	return text, ents, nil
}

// clipEntities drops explicit entities that fall outside the text, as the server does.
func clipEntities(text string, es []wEntity) []wEntity {
	total := utf16Length(text)
	out := es[:0]
	for _, e := range es {
		if e.Type == "" || e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > total {
			continue
		}
		out = append(out, e)
	}
	return out
}

// outgoing is a bot message being built: the target chat and the parsed markup.
type outgoing struct {
	chat *Chat
	mk   *markup
	msg  *message
}

// prepareSend does the checks common to every send* method, in Telegram's order: chat, access,
// markup, reply target. Caller holds s.mu.
func (s *Server) prepareSend(q *request) (*outgoing, *apiError) {
	c, err := s.resolveChat(q, "chat_id")
	if err != nil {
		return nil, err
	}
	if err := c.checkAccess(); err != nil {
		return nil, err
	}
	if q.method == "forwardMessage" {
		// forwardMessage takes neither a keyboard nor a reply target.
		return &outgoing{chat: c, msg: &message{}}, nil
	}
	mk, err := s.parseMarkupCached(q.str("reply_markup"), c.typ == "private", false)
	if err != nil {
		return nil, err
	}
	out := &outgoing{chat: c, mk: mk, msg: &message{}}
	replyID, hasReply, err := q.intParam("reply_to_message_id")
	if err != nil {
		return nil, err
	}
	allowWithout := q.boolParam("allow_sending_without_reply")
	if rp := q.str("reply_parameters"); rp != "" {
		var p struct {
			MessageID                int  `json:"message_id"`
			AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
		}
		if json.Unmarshal([]byte(rp), &p) != nil {
			return nil, errBadRequest("can't parse reply parameters JSON object")
		}
		replyID, hasReply, allowWithout = p.MessageID, true, p.AllowSendingWithoutReply
	}
	if hasReply {
		target := c.byID[replyID]
		switch {
		case target != nil && !target.deleted:
			out.msg.replyTo = target
		case !allowWithout:
			return nil, errDesc(400, descReplyNotFound)
		}
	}
	return out, nil
}

// commit rate-limits, stores and publishes a bot message. Caller holds s.mu.
func (s *Server) commit(o *outgoing) (*wMessage, *apiError) {
	if !s.opts.NoRateLimits {
		if wait, ok := s.limits.take(o.chat, s.clock.Now()); !ok {
			return nil, errTooMany(wait)
		}
	}
	m := o.msg
	o.chat.addMessage(m)
	if o.mk != nil {
		switch o.mk.kind {
		case "inline":
			m.inline, m.inlineJSON = o.mk.inline, o.mk.inlineJSON
		case "reply":
			m.reply = o.mk.reply
			o.chat.replyKB = o.mk.reply
		case "remove":
			m.removeKB = true
			o.chat.replyKB = nil
		}
	}
	// A new message ends the "typing..." status, as in Telegram clients.
	o.chat.action = ""
	s.notify()
	return m.wire(s), nil
}

func (s *Server) sendMessage(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareSend(q)
	if err != nil {
		return nil, err
	}
	text, ents, err := s.formatText(q.str("text"), q.str("parse_mode"), q.str("entities"), false)
	if err != nil {
		return nil, err
	}
	o.msg.text, o.msg.entities, o.msg.html = text, ents, q.str("text")
	return s.commit(o)
}

func (s *Server) sendContact(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareSend(q)
	if err != nil {
		return nil, err
	}
	phone, first := q.str("phone_number"), q.str("first_name")
	if phone == "" {
		return nil, errBadRequest("phone number is empty")
	}
	if first == "" {
		return nil, errBadRequest("first name is empty")
	}
	o.msg.contact = &wContact{PhoneNumber: phone, FirstName: first, LastName: q.str("last_name"), VCard: q.str("vcard")}
	return s.commit(o)
}

func (s *Server) sendLocation(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.prepareSend(q)
	if err != nil {
		return nil, err
	}
	lat, err1 := strconv.ParseFloat(q.str("latitude"), 64)
	lon, err2 := strconv.ParseFloat(q.str("longitude"), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil, errBadRequest("wrong latitude or longitude specified")
	}
	o.msg.location = &wLocation{Latitude: lat, Longitude: lon}
	return s.commit(o)
}

// editTarget finds the bot message an edit* call addresses. Caller holds s.mu.
func (s *Server) editTarget(q *request) (*message, *apiError) {
	if q.str("inline_message_id") != "" {
		// Inline-mode messages are not modelled: no inline query ever produced one.
		return nil, errBadRequest("MESSAGE_ID_INVALID")
	}
	c, err := s.resolveChat(q, "chat_id")
	if err != nil {
		return nil, err
	}
	id, err := q.messageID()
	if err != nil {
		return nil, err
	}
	if err := c.checkAccess(); err != nil {
		return nil, err
	}
	m := c.byID[id]
	if m == nil || m.deleted {
		return nil, errDesc(400, descEditNotFound)
	}
	if m.from != nil || m.service != nil {
		return nil, errDesc(400, descCantEdit)
	}
	return m, nil
}

// editMarkup parses the inline markup of an edit; a missing reply_markup removes the keyboard.
// Caller holds s.mu.
func (s *Server) editMarkup(q *request, c *Chat) (*markup, *apiError) {
	mk, err := s.parseMarkupCached(q.str("reply_markup"), c.typ == "private", true)
	if err != nil {
		return nil, err
	}
	if mk == nil {
		mk = &markup{kind: "inline"}
	}
	return mk, nil
}

func entitiesEqual(a, b []wEntity) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// applyEdit stores an edit and returns the edited message. Caller holds s.mu.
func (s *Server) applyEdit(m *message, mk *markup) *wMessage {
	m.inline, m.inlineJSON = mk.inline, mk.inlineJSON
	m.editDate = s.clock.Now()
	s.notify()
	return m.wire(s)
}

func (s *Server) editMessageText(_ context.Context, q *request) (any, *apiError) {
	return s.editFormatted(q, false)
}

func (s *Server) editMessageCaption(_ context.Context, q *request) (any, *apiError) {
	return s.editFormatted(q, true)
}

// editFormatted edits a message's text, or its caption: same parsing, limits and "not
// modified" rule, different fields.
func (s *Server) editFormatted(q *request, caption bool) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.editTarget(q)
	if err != nil {
		return nil, err
	}
	param, entParam, body, ents := "text", "entities", &m.text, &m.entities
	if caption {
		param, entParam, body, ents = "caption", "caption_entities", &m.caption, &m.captionEntities
		if k := m.kind(); k == "text" || k == "location" || k == "contact" {
			return nil, errBadRequest("there is no caption in the message to edit")
		}
	} else if m.text == "" {
		return nil, errBadRequest("there is no text in the message to edit")
	}
	text, newEnts, err := s.formatText(q.str(param), q.str("parse_mode"), q.str(entParam), caption)
	if err != nil {
		return nil, err
	}
	mk, err := s.editMarkup(q, m.chat)
	if err != nil {
		return nil, err
	}
	if text == *body && entitiesEqual(newEnts, *ents) && string(mk.inlineJSON) == string(m.inlineJSON) {
		return nil, errDesc(400, descNotModified)
	}
	*body, *ents, m.html = text, newEnts, q.str(param)
	return s.applyEdit(m, mk), nil
}

func (s *Server) editMessageReplyMarkup(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.editTarget(q)
	if err != nil {
		return nil, err
	}
	mk, err := s.editMarkup(q, m.chat)
	if err != nil {
		return nil, err
	}
	if string(mk.inlineJSON) == string(m.inlineJSON) {
		return nil, errDesc(400, descNotModified)
	}
	return s.applyEdit(m, mk), nil
}

func (s *Server) deleteMessage(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.resolveChat(q, "chat_id")
	if err != nil {
		return nil, err
	}
	id, err := q.messageID()
	if err != nil {
		return nil, err
	}
	m := c.byID[id]
	if m == nil || m.deleted {
		return nil, errDesc(400, descDeleteNotFound)
	}
	// Bots delete their own messages anywhere and incoming ones in private chats only (they are
	// not group admins here), and only within 48 hours.
	if (m.from != nil && c.typ != "private") || s.clock.Now().Sub(m.date) > deleteWindow {
		return nil, errDesc(400, descCantDelete)
	}
	m.deleted = true
	s.notify()
	return true, nil
}

// sourceMessage finds the message copyMessage/forwardMessage relays. Caller holds s.mu.
func (s *Server) sourceMessage(q *request, notFound string) (*message, *apiError) {
	from, err := s.resolveChat(q, "from_chat_id")
	if err != nil {
		return nil, err
	}
	id, err := q.messageID()
	if err != nil {
		return nil, err
	}
	m := from.byID[id]
	if m == nil || m.deleted || m.service != nil {
		return nil, errDesc(400, notFound)
	}
	return m, nil
}

// cloneContent copies what a message says (not who said it or when).
func cloneContent(src *message, dst *message) {
	dst.text, dst.entities, dst.html = src.text, src.entities, src.html
	dst.caption, dst.captionEntities = src.caption, src.captionEntities
	dst.photo, dst.document, dst.sticker, dst.voice = src.photo, src.document, src.sticker, src.voice
	dst.location, dst.contact = src.location, src.contact
}

func (s *Server) copyMessage(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.sourceMessage(q, descCopyNotFound)
	if err != nil {
		return nil, err
	}
	o, err := s.prepareSend(q)
	if err != nil {
		return nil, err
	}
	cloneContent(src, o.msg)
	// A new caption replaces the media's; a text message has none, and keeps its text.
	if q.has("caption") && src.kind() != "text" {
		caption, ents, err := s.formatText(q.str("caption"), q.str("parse_mode"), q.str("caption_entities"), true)
		if err != nil {
			return nil, err
		}
		o.msg.caption, o.msg.captionEntities, o.msg.html = caption, ents, q.str("caption")
	}
	w, err := s.commit(o)
	if err != nil {
		return nil, err
	}
	return wMessageID{MessageID: w.MessageID}, nil
}

func (s *Server) forwardMessage(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.sourceMessage(q, descFwdNotFound)
	if err != nil {
		return nil, err
	}
	o, err := s.prepareSend(q)
	if err != nil {
		return nil, err
	}
	cloneContent(src, o.msg)
	if src.from != nil {
		u := src.from.wire()
		o.msg.forwardFrom = &u
	} else {
		b := s.botWire()
		o.msg.forwardFrom = &b
	}
	o.msg.forwardDate = src.date
	return s.commit(o)
}
