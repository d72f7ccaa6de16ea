package tgemu

import (
	"time"
)

// User is a fake Telegram user driven by a test. All state lives behind the server's mutex.
type User struct {
	s           *Server
	id          int64
	first, last string
	username    string
	lang        string
	phone       string
	started     bool // has written to the bot at least once (else 403 "can't initiate")
	blocked     bool
	deactivated bool
	chat        *Chat
}

// Chat is a private chat, group or supergroup known to the emulator.
type Chat struct {
	s          *Server
	id         int64
	typ        string // "private", "group", "supergroup"
	title      string
	user       *User // the other party of a private chat
	msgs       []*message
	byID       map[int]*message
	nextMsgID  int
	replyKB    *replyKeyboard // reply keyboard currently shown to the user(s)
	migratedTo int64          // a group upgraded to a supergroup answers 400 with this id
	botKicked  bool
	members    map[int64]*User
	creator    *User
	action     string // last sendChatAction
	actionAt   time.Time
}

// message is the emulator's record of one message; Message is the snapshot handed to tests.
type message struct {
	id              int
	chat            *Chat
	from            *User // nil: sent by the bot
	date            time.Time
	editDate        time.Time
	text            string
	entities        []wEntity
	html            string // the text/caption exactly as the bot sent it
	caption         string
	captionEntities []wEntity
	inline          [][]Button
	inlineJSON      []byte
	reply           *replyKeyboard
	removeKB        bool
	photo           []wPhotoSize
	document        *wDocument
	sticker         *wSticker
	voice           *wVoice
	location        *wLocation
	contact         *wContact
	replyTo         *message
	forwardFrom     *wUser
	forwardDate     time.Time
	deleted         bool
	service         *wMessage // service fields (migration, new members) copied into the wire form
}

// Message is a snapshot of a message in its current state (after edits and deletes).
type Message struct {
	ID         int        `json:"id"`
	ChatID     int64      `json:"chat_id"`
	FromBot    bool       `json:"from_bot"`
	FromUserID int64      `json:"from_user_id,omitempty"`
	Text       string     `json:"text,omitempty"`    // plain text after entity parsing
	Caption    string     `json:"caption,omitempty"` // plain caption after entity parsing
	HTML       string     `json:"html,omitempty"`    // text or caption exactly as the bot sent it, for asserting escaping
	Inline     [][]Button `json:"inline,omitempty"`  // current inline keyboard
	Reply      [][]Button `json:"reply,omitempty"`   // reply keyboard shown with this message
	RemoveKB   bool       `json:"remove_keyboard,omitempty"`
	Edited     bool       `json:"edited,omitempty"`
	Deleted    bool       `json:"deleted,omitempty"`
	Date       time.Time  `json:"date"`
	Entities   []Entity   `json:"entities,omitempty"` // entities of Text (or of Caption when there is no text)
	Kind       string     `json:"kind"`               // "text", "photo", "document", "sticker", "voice", "location", "contact", "service"
	FileID     string     `json:"file_id,omitempty"`  // the largest photo size, the document, sticker or voice
	FileName   string     `json:"file_name,omitempty"`
	Contact    *Contact   `json:"contact,omitempty"`
	ReplyToID  int        `json:"reply_to_id,omitempty"`
}

// Entity is a MessageEntity with its covered text resolved, for assertions.
type Entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"` // UTF-16 code units, as on the wire
	Length int    `json:"length"`
	Text   string `json:"text"`
	URL    string `json:"url,omitempty"`
}

// Contact is a shared contact card.
type Contact struct {
	Phone     string `json:"phone"`
	FirstName string `json:"first_name"`
	UserID    int64  `json:"user_id,omitempty"`
}

func (u *User) wire() wUser {
	return wUser{ID: u.id, FirstName: u.first, LastName: u.last, Username: u.username, LanguageCode: u.lang}
}

func (c *Chat) wire() wChat {
	w := wChat{ID: c.id, Type: c.typ, Title: c.title}
	if c.typ == "private" && c.user != nil {
		w.FirstName, w.LastName, w.Username = c.user.first, c.user.last, c.user.username
	}
	return w
}

// wire renders the message as the Bot API object.
func (m *message) wire(s *Server) *wMessage {
	w := &wMessage{MessageID: m.id, Date: m.date.Unix(), Chat: m.chat.wire()}
	if m.service != nil {
		*w = *m.service
		w.MessageID, w.Date, w.Chat = m.id, m.date.Unix(), m.chat.wire()
	}
	if m.from == nil {
		b := s.botWire()
		w.From = &b
	} else {
		u := m.from.wire()
		w.From = &u
	}
	if !m.editDate.IsZero() {
		w.EditDate = m.editDate.Unix()
	}
	w.Text, w.Entities = m.text, m.entities
	w.Caption, w.CaptionEntities = m.caption, m.captionEntities
	w.Photo, w.Document, w.Sticker, w.Voice = m.photo, m.document, m.sticker, m.voice
	w.Location, w.Contact = m.location, m.contact
	w.ForwardFrom = m.forwardFrom
	if !m.forwardDate.IsZero() {
		w.ForwardDate = m.forwardDate.Unix()
	}
	if m.replyTo != nil && !m.replyTo.deleted {
		rt := m.replyTo.wire(s)
		rt.ReplyToMessage = nil // Telegram nests only one level
		w.ReplyToMessage = rt
	}
	if len(m.inlineJSON) > 0 {
		w.ReplyMarkup = m.inlineJSON
	}
	return w
}

func (m *message) kind() string {
	switch {
	case m.service != nil:
		return "service"
	case len(m.photo) > 0:
		return "photo"
	case m.document != nil:
		return "document"
	case m.sticker != nil:
		return "sticker"
	case m.voice != nil:
		return "voice"
	case m.location != nil:
		return "location"
	case m.contact != nil:
		return "contact"
	}
	return "text"
}

// snapshot copies the message for a test; nothing in it aliases live state.
func (m *message) snapshot() Message {
	out := Message{
		ID: m.id, ChatID: m.chat.id, FromBot: m.from == nil,
		Text: m.text, Caption: m.caption, HTML: m.html,
		Inline: copyRows(m.inline), RemoveKB: m.removeKB, Edited: !m.editDate.IsZero(), Deleted: m.deleted,
		Date: m.date, Kind: m.kind(),
	}
	if m.from != nil {
		out.FromUserID = m.from.id
	}
	if m.reply != nil {
		out.Reply = copyRows(m.reply.Rows)
	}
	src, es := m.text, m.entities
	if src == "" {
		src, es = m.caption, m.captionEntities
	}
	for _, e := range es {
		out.Entities = append(out.Entities, Entity{Type: e.Type, Offset: e.Offset, Length: e.Length, Text: utf16Slice(src, e.Offset, e.Length), URL: e.URL})
	}
	switch {
	case len(m.photo) > 0:
		out.FileID = m.photo[len(m.photo)-1].FileID
	case m.document != nil:
		out.FileID, out.FileName = m.document.FileID, m.document.FileName
	case m.sticker != nil:
		out.FileID = m.sticker.FileID
	case m.voice != nil:
		out.FileID = m.voice.FileID
	}
	if m.contact != nil {
		out.Contact = &Contact{Phone: m.contact.PhoneNumber, FirstName: m.contact.FirstName, UserID: m.contact.UserID}
	}
	if m.replyTo != nil {
		out.ReplyToID = m.replyTo.id
	}
	return out
}

// addMessage appends m to the chat with the next message id and the current virtual date.
// Caller holds s.mu.
func (c *Chat) addMessage(m *message) {
	c.nextMsgID++
	m.id = c.nextMsgID
	m.chat = c
	m.date = c.s.clock.Now()
	c.msgs = append(c.msgs, m)
	c.byID[m.id] = m
}
