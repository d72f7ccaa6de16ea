package tgemu

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// UserOptions describe a fake user. Zero fields get defaults.
type UserOptions struct {
	ID           int64 // 0: auto, above 2^32
	FirstName    string
	LastName     string
	Username     string // "" is realistic: many users have none
	LanguageCode string // e.g. "ru", "en"; "" sends none
	Phone        string // used when the user presses a request_contact button; default generated
}

// ErrNoButton is returned when a fake user presses a button that is not shown.
var ErrNoButton = errors.New("tgemu: no such button")

// NewUser creates a fake user with a private chat with the bot. The user has not started the
// bot yet: until it sends something, the bot gets 403 "bot can't initiate conversation".
func (s *Server) NewUser(o UserOptions) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.ID == 0 {
		s.nextUserID += 17
		o.ID = s.nextUserID
	}
	if o.FirstName == "" {
		o.FirstName = fmt.Sprintf("User%d", o.ID%10000)
	}
	if o.Phone == "" {
		o.Phone = fmt.Sprintf("+7999%07d", o.ID%10_000_000)
	}
	u := &User{s: s, id: o.ID, first: o.FirstName, last: o.LastName, username: o.Username, lang: o.LanguageCode, phone: o.Phone}
	u.chat = s.newChat(o.ID, "private", "")
	u.chat.user = u
	s.users[u.id] = u
	return u
}

// newChat registers a chat. Caller holds s.mu.
func (s *Server) newChat(id int64, typ, title string) *Chat {
	c := &Chat{s: s, id: id, typ: typ, title: title, byID: map[int]*message{}, members: map[int64]*User{}}
	s.chats[id] = c
	return c
}

// NewGroup creates a group (or a supergroup) the bot is a member of.
func (s *Server) NewGroup(title string, supergroup bool) *Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	if supergroup {
		s.nextSuper += 7
		return s.newChat(-s.nextSuper, "supergroup", title)
	}
	s.nextGroup += 7
	return s.newChat(-s.nextGroup, "group", title)
}

// ID is the chat id.
func (c *Chat) ID() int64 { return c.id }

// Type is "private", "group" or "supergroup".
func (c *Chat) Type() string { return c.typ }

// Messages returns every message of the chat (the users' and the bot's) in its current state,
// in order.
func (c *Chat) Messages() []Message {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	out := make([]Message, 0, len(c.msgs))
	for _, m := range c.msgs {
		out = append(out, m.snapshot())
	}
	return out
}

// BotMessages returns the bot's messages of the chat in their current state.
func (c *Chat) BotMessages() []Message {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.botMessagesLocked()
}

func (c *Chat) botMessagesLocked() []Message {
	var out []Message
	for _, m := range c.msgs {
		if m.from == nil && m.service == nil {
			out = append(out, m.snapshot())
		}
	}
	return out
}

// LastBotMessage returns the newest bot message, if any.
func (c *Chat) LastBotMessage() (Message, bool) {
	msgs := c.BotMessages()
	if len(msgs) == 0 {
		return Message{}, false
	}
	return msgs[len(msgs)-1], true
}

// Message returns message id of the chat in its current state.
func (c *Chat) Message(id int) (Message, bool) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	m := c.byID[id]
	if m == nil {
		return Message{}, false
	}
	return m.snapshot(), true
}

// ReplyKeyboard returns the reply keyboard currently shown in the chat (nil if none).
func (c *Chat) ReplyKeyboard() [][]Button {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.replyKB == nil {
		return nil
	}
	return copyRows(c.replyKB.Rows)
}

// ChatAction returns the last chat action (e.g. "typing") if it is still showing: Telegram
// shows it for 5 seconds or until the bot's next message.
func (c *Chat) ChatAction() string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.action == "" || c.s.clock.Now().Sub(c.actionAt) > 5*time.Second {
		return ""
	}
	return c.action
}

// Await blocks until a bot message of the chat, in its current state, matches pred. It scans
// newest first and wakes on every change of the emulator, never by polling. The error lists the
// chat's last bot messages.
func (c *Chat) Await(timeout time.Duration, pred func(Message) bool) (Message, error) {
	var found Message
	var msgs []Message
	err := c.s.await(timeout, func() bool {
		msgs = c.BotMessages()
		for i := len(msgs) - 1; i >= 0; i-- {
			if pred(msgs[i]) {
				found = msgs[i]
				return true
			}
		}
		return false
	})
	if err != nil {
		return Message{}, fmt.Errorf("tgemu: no matching bot message in chat %d: %w; last bot messages:\n%s", c.id, err, lastLines(msgs, 5))
	}
	return found, nil
}

// AwaitText waits for a bot message whose text or caption contains substr.
func (c *Chat) AwaitText(timeout time.Duration, substr string) (Message, error) {
	return c.Await(timeout, func(m Message) bool {
		return !m.Deleted && (strings.Contains(m.Text, substr) || strings.Contains(m.Caption, substr))
	})
}

// AwaitNew waits for a bot message sent after the message with id after (0: any).
func (c *Chat) AwaitNew(timeout time.Duration, after int, pred func(Message) bool) (Message, error) {
	return c.Await(timeout, func(m Message) bool { return m.ID > after && (pred == nil || pred(m)) })
}

func lastLines(msgs []Message, n int) string {
	if len(msgs) == 0 {
		return "  (none)"
	}
	start := max(0, len(msgs)-n)
	var b strings.Builder
	for _, m := range msgs[start:] {
		fmt.Fprintf(&b, "  #%d %s\n", m.ID, describe(m))
	}
	return strings.TrimRight(b.String(), "\n")
}

// describe renders a message on one line for transcripts and errors.
func describe(m Message) string {
	var b strings.Builder
	switch m.Kind {
	case "photo":
		b.WriteString("[photo] ")
	case "document":
		fmt.Fprintf(&b, "[document %s] ", m.FileName)
	case "sticker":
		b.WriteString("[sticker] ")
	case "voice":
		b.WriteString("[voice] ")
	case "location":
		b.WriteString("[location] ")
	case "contact":
		fmt.Fprintf(&b, "[contact %s user_id=%d] ", m.Contact.Phone, m.Contact.UserID)
	}
	if m.Text != "" {
		b.WriteString(m.Text)
	} else {
		b.WriteString(m.Caption)
	}
	for _, row := range m.Inline {
		labels := make([]string, len(row))
		for i, btn := range row {
			labels[i] = btn.Text
		}
		fmt.Fprintf(&b, " [%s]", strings.Join(labels, " | "))
	}
	if len(m.Reply) > 0 {
		var labels []string
		for _, row := range m.Reply {
			for _, btn := range row {
				l := btn.Text
				if btn.RequestContact {
					l += " (contact)"
				}
				labels = append(labels, l)
			}
		}
		fmt.Fprintf(&b, " {keyboard: %s}", strings.Join(labels, " | "))
	}
	if m.RemoveKB {
		b.WriteString(" {keyboard removed}")
	}
	if m.Edited {
		b.WriteString(" (edited)")
	}
	if m.Deleted {
		b.WriteString(" (deleted)")
	}
	return strings.ReplaceAll(strings.TrimSpace(b.String()), "\n", "⏎")
}

// Transcript renders the chat, one line per message: "bot: ..." or "<first name>: ...", with
// inline [buttons], {keyboard: ...}, "(edited)" and "(deleted)".
func (c *Chat) Transcript() string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	var b strings.Builder
	for _, m := range c.msgs {
		who := "bot"
		if m.from != nil {
			who = m.from.first
		}
		if m.service != nil {
			who = "service"
		}
		fmt.Fprintf(&b, "%s: %s\n", who, describe(m.snapshot()))
	}
	return b.String()
}

// ID is the user's Telegram id.
func (u *User) ID() int64 { return u.id }

// Chat is the user's private chat with the bot.
func (u *User) Chat() *Chat { return u.chat }

// userEntities gives a leading "/cmd" (optionally "/cmd@bot") its bot_command entity, the
// way Telegram clients do (go-telegram-bot-api's IsCommand needs it), and every @username its
// mention entity.
func userEntities(text string) []wEntity {
	var out []wEntity
	if strings.HasPrefix(text, "/") {
		end := strings.IndexAny(text, " \n\t")
		if end < 0 {
			end = len(text)
		}
		if end >= 2 {
			out = append(out, wEntity{Type: "bot_command", Offset: 0, Length: utf16Length(text[:end])})
		}
	}
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || (i > 0 && (isAlnum(text[i-1]) || text[i-1] == '_' || text[i-1] == '/')) {
			continue
		}
		j := i + 1
		for j < len(text) && (isAlnum(text[j]) || text[j] == '_') {
			j++
		}
		if n := j - i - 1; n >= 5 && n <= 32 && !inEntity(out, utf16Length(text[:i])) {
			out = append(out, wEntity{Type: "mention", Offset: utf16Length(text[:i]), Length: n + 1})
		}
		i = j - 1
	}
	return out
}

func inEntity(es []wEntity, off int) bool {
	for _, e := range es {
		if off >= e.Offset && off < e.Offset+e.Length {
			return true
		}
	}
	return false
}

// post stores a user's message in chat c and delivers the update. Caller holds s.mu.
func (u *User) post(c *Chat, m *message) Message {
	m.from = u
	c.addMessage(m)
	if c.typ == "private" {
		u.started = true
		c.s.limits.credit(c, c.s.clock.Now())
	} else {
		if c.creator == nil {
			c.creator = u
		}
		c.members[u.id] = u
	}
	if !u.blocked && !c.botKicked {
		w := m.wire(c.s)
		c.s.enqueue("message", c.id, func(up *wUpdate) { up.Message = w })
	}
	c.s.notify()
	return m.snapshot()
}

// Send sends text in the user's private chat; a leading /command gets its bot_command entity.
func (u *User) Send(text string) Message { return u.SendIn(u.chat, text) }

// SendIn sends text in chat c (a group the user joins by writing, or its private chat).
func (u *User) SendIn(c *Chat, text string) Message {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	if c.migratedTo != 0 {
		c = u.s.chats[c.migratedTo]
	}
	return u.post(c, &message{text: text, entities: userEntities(text)})
}

// Start sends "/start" or the deep link "/start <payload>" (t.me/<bot>?start=<payload>).
// Telegram allows payloads of up to 64 characters of A-Z a-z 0-9 _ -; anything else panics
// because no Telegram client can produce it.
func (u *User) Start(payload string) Message {
	if payload == "" {
		return u.Send("/start")
	}
	if !validStartPayload(payload) {
		panic(fmt.Sprintf("tgemu: invalid /start payload %q: 1-64 characters of A-Z a-z 0-9 _ -", payload))
	}
	return u.Send("/start " + payload)
}

func validStartPayload(p string) bool {
	if len(p) > 64 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// ShareContact presses the request_contact button of the reply keyboard currently shown and
// shares phone as the user's own contact. It fails if no such button is shown.
func (u *User) ShareContact(phone string) (Message, error) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	kb := u.chat.replyKB
	if kb != nil {
		for _, row := range kb.Rows {
			for _, b := range row {
				if b.RequestContact {
					return u.shareContactLocked(phone, kb), nil
				}
			}
		}
	}
	return Message{}, fmt.Errorf("%w: no request_contact button is shown in chat %d", ErrNoButton, u.chat.id)
}

func (u *User) shareContactLocked(phone string, kb *replyKeyboard) Message {
	if phone == "" {
		phone = u.phone
	}
	if kb.OneTime {
		u.chat.replyKB = nil
	}
	return u.post(u.chat, &message{contact: &wContact{PhoneNumber: phone, FirstName: u.first, LastName: u.last, UserID: u.id}})
}

// SendContact sends a contact card through the attachment menu; ownerUserID may be someone
// else's id (a foreign contact) or 0 for a contact without a Telegram account.
func (u *User) SendContact(phone string, ownerUserID int64) Message {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	first := "Contact"
	if o := u.s.users[ownerUserID]; o != nil {
		first = o.first
	}
	return u.post(u.chat, &message{contact: &wContact{PhoneNumber: phone, FirstName: first, UserID: ownerUserID}})
}

// SendPhoto sends a photo (any bytes; dimensions are read when they decode as an image).
func (u *User) SendPhoto(data []byte, caption string) Message {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	f := u.s.addFile("photo", "photo.jpg", "image/jpeg", data)
	if f.width == 0 {
		f.width, f.height = 1280, 960
	}
	return u.post(u.chat, &message{photo: u.s.photoSizes(f), caption: caption})
}

// SendDocument sends a file as a document.
func (u *User) SendDocument(name string, data []byte, caption string) Message {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	f := u.s.addFile("document", name, mimeFor(name, data), data)
	return u.post(u.chat, &message{document: &wDocument{FileID: f.id, FileUniqueID: f.uniqueID, FileName: name, MimeType: f.mime, FileSize: len(data)}, caption: caption})
}

// SendSticker sends a sticker.
func (u *User) SendSticker() Message {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	f := u.s.addFile("sticker", "sticker.webp", "image/webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	return u.post(u.chat, &message{sticker: &wSticker{FileID: f.id, FileUniqueID: f.uniqueID, Type: "regular", Width: 512, Height: 512, Emoji: "👍", FileSize: len(f.data)}})
}

// SendVoice sends a voice note.
func (u *User) SendVoice() Message {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	f := u.s.addFile("voice", "voice.oga", "audio/ogg", []byte("OggS\x00\x02voice"))
	return u.post(u.chat, &message{voice: &wVoice{FileID: f.id, FileUniqueID: f.uniqueID, Duration: 3, MimeType: "audio/ogg", FileSize: len(f.data)}})
}

// SendLocation sends a location.
func (u *User) SendLocation(lat, lon float64) Message {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.post(u.chat, &message{location: &wLocation{Latitude: lat, Longitude: lon}})
}

// Edit changes the text of one of the user's messages, producing an edited_message update.
func (u *User) Edit(m Message, newText string) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	c := u.s.chats[m.ChatID]
	if c == nil {
		return
	}
	msg := c.byID[m.ID]
	if msg == nil || msg.from != u || msg.deleted {
		return
	}
	if msg.text != "" {
		msg.text, msg.entities = newText, userEntities(newText)
	} else {
		msg.caption = newText
	}
	msg.editDate = u.s.clock.Now()
	if !u.blocked && !c.botKicked {
		w := msg.wire(u.s)
		u.s.enqueue("edited_message", c.id, func(up *wUpdate) { up.EditedMessage = w })
	}
	u.s.notify()
}

// Press presses an inline button of m by label (exact, or a unique substring), delivering a
// callback_query with the message in its CURRENT state. It returns the callback query id.
func (u *User) Press(m Message, label string) (string, error) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	msg, err := u.s.liveMessage(m)
	if err != nil {
		return "", err
	}
	b, err := findButton(msg.inline, label)
	if err != nil {
		return "", fmt.Errorf("message %d in chat %d: %w", m.ID, m.ChatID, err)
	}
	if !b.hasData {
		return "", fmt.Errorf("%w: button %q of message %d has no callback_data (url=%q)", ErrNoButton, b.Text, m.ID, b.URL)
	}
	return u.pressLocked(msg, b.CallbackData), nil
}

// PressData delivers a callback_query with any data for message m, as a forged or stale
// client could; no button needs to carry it.
func (u *User) PressData(m Message, data string) (string, error) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	msg, err := u.s.liveMessage(m)
	if err != nil {
		return "", err
	}
	return u.pressLocked(msg, data), nil
}

func (s *Server) liveMessage(m Message) (*message, error) {
	c := s.chats[m.ChatID]
	if c == nil {
		return nil, fmt.Errorf("tgemu: unknown chat %d", m.ChatID)
	}
	msg := c.byID[m.ID]
	if msg == nil || msg.deleted {
		return nil, fmt.Errorf("tgemu: message %d in chat %d does not exist (deleted?)", m.ID, m.ChatID)
	}
	return msg, nil
}

func findButton(rows [][]Button, label string) (Button, error) {
	var subs []Button
	for _, row := range rows {
		for _, b := range row {
			if b.Text == label {
				return b, nil
			}
			if strings.Contains(b.Text, label) {
				subs = append(subs, b)
			}
		}
	}
	switch len(subs) {
	case 1:
		return subs[0], nil
	case 0:
		return Button{}, fmt.Errorf("%w: %q not found among %s", ErrNoButton, label, buttonLabels(rows))
	}
	return Button{}, fmt.Errorf("%w: %q is ambiguous among %s", ErrNoButton, label, buttonLabels(rows))
}

func buttonLabels(rows [][]Button) string {
	var labels []string
	for _, row := range rows {
		for _, b := range row {
			labels = append(labels, strconv.Quote(b.Text))
		}
	}
	if len(labels) == 0 {
		return "no buttons"
	}
	return "[" + strings.Join(labels, ", ") + "]"
}

// pressLocked mints a callback query. Caller holds s.mu.
func (u *User) pressLocked(msg *message, data string) string {
	s := u.s
	s.nextCBID++
	id := strconv.FormatInt(u.id%1_000_000*1_000_000_000_000+s.nextCBID, 10)
	cb := &callbackQuery{id: id, user: u, chat: msg.chat, msgID: msg.id, data: data, created: s.clock.Now().UnixNano()}
	s.callbacks[id] = cb
	if msg.chat.typ == "private" {
		s.limits.credit(msg.chat, s.clock.Now())
	}
	w := &wCallbackQuery{ID: id, From: u.wire(), Message: msg.wire(s), ChatInstance: strconv.FormatInt(msg.chat.id*7919%1_000_000_007, 10), Data: data}
	if !u.blocked && !msg.chat.botKicked {
		s.enqueue("callback_query", msg.chat.id, func(up *wUpdate) { up.CallbackQuery = w })
	}
	s.notify()
	return id
}

// AwaitAnswer blocks until the bot answers callback query id.
func (s *Server) AwaitAnswer(timeout time.Duration, id string) (CallbackAnswer, error) {
	var ans CallbackAnswer
	err := s.await(timeout, func() bool {
		var ok bool
		ans, ok = s.CallbackAnswer(id)
		return ok
	})
	if err != nil {
		return CallbackAnswer{}, fmt.Errorf("tgemu: callback query %s not answered: %w", id, err)
	}
	return ans, nil
}

// PressReply presses a button of the reply keyboard currently shown: a text button sends its
// text, a request_contact button shares the user's own contact.
func (u *User) PressReply(label string) (Message, error) {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	kb := u.chat.replyKB
	if kb == nil {
		return Message{}, fmt.Errorf("%w: no reply keyboard is shown in chat %d", ErrNoButton, u.chat.id)
	}
	b, err := findButton(kb.Rows, label)
	if err != nil {
		return Message{}, err
	}
	switch {
	case b.RequestContact:
		return u.shareContactLocked("", kb), nil
	case b.RequestLocation:
		if kb.OneTime {
			u.chat.replyKB = nil
		}
		return u.post(u.chat, &message{location: &wLocation{Latitude: 55.7558, Longitude: 37.6173}}), nil
	}
	if kb.OneTime {
		u.chat.replyKB = nil
	}
	return u.post(u.chat, &message{text: b.Text, entities: userEntities(b.Text)}), nil
}

// Block blocks the bot: its sends fail with 403 and it receives a my_chat_member update.
func (u *User) Block() { u.setBlocked(true) }

// Unblock unblocks the bot (with a my_chat_member update back to "member").
func (u *User) Unblock() { u.setBlocked(false) }

func (u *User) setBlocked(on bool) {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.blocked == on {
		return
	}
	u.blocked = on
	oldS, newS := "member", "kicked"
	if !on {
		oldS, newS = "kicked", "member"
		u.started = true
	}
	now := s.clock.Now().Unix()
	bot := s.botWire()
	upd := &wChatMemberUpdated{Chat: u.chat.wire(), From: u.wire(), Date: now,
		OldChatMember: wChatMember{Status: oldS, User: bot}, NewChatMember: wChatMember{Status: newS, User: bot}}
	if on {
		zero := int64(0)
		upd.NewChatMember.UntilDate = &zero
	}
	s.enqueue("my_chat_member", u.chat.id, func(up *wUpdate) { up.MyChatMember = upd })
	s.notify()
}

// Deactivate deletes the user's account: the bot gets 403 "user is deactivated".
func (u *User) Deactivate() {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	u.deactivated = true
	u.s.notify()
}

// Started reports whether the user has ever written to the bot.
func (u *User) Started() bool {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.started
}
