package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// request is one update being handled, with what every handler needs.
type request struct {
	update  tgbotapi.Update
	msg     *tgbotapi.Message       // the message, for message updates
	cb      *tgbotapi.CallbackQuery // the query, for callback updates
	data    callback                // decoded callback data
	dataErr error                   // why the callback data did not decode
	userID  int64
	chatID  int64
	private bool
	lang    text.Lang
	name    string // the sender's display name, for staff records

	conv    conversation
	hasConv bool
	// work is the sender's staff dialog; workErr says why it could not be read.
	work    workDialog
	hasWork bool
	workErr error
	// firstLead is the first lead source the sender came with, while remembered.
	firstLead string

	staffOnce sync.Once
	staff     crm.Staff
	staffErr  error

	answered bool
	// takenOver: a process that died was handling this update (intake.go), so what it saved
	// may be in the state already (route).
	takenOver bool
	// floodCount is the sender's updates in the current flood window, this one included, as
	// counted when it arrived (countArrivals in flood.go).
	floodCount int64
}

// newRequest reads the update; ok is false for update kinds we ignore
// (edited messages, channel posts, chat member changes, inline queries...).
func (b *Bot) newRequest(u tgbotapi.Update) (*request, bool) {
	r := &request{update: u}
	var from *tgbotapi.User
	switch {
	case u.Message != nil && u.Message.From != nil && u.Message.Chat != nil:
		r.msg = u.Message
		// Every handler reads the user's words from here, so they are cleaned of invisible and
		// spoofing characters once, before any check, reply or store (crm.CleanText).
		r.msg.Text, r.msg.Caption = crm.CleanText(r.msg.Text), crm.CleanText(r.msg.Caption)
		fitCommandEntity(r.msg)
		from = u.Message.From
		r.chatID = u.Message.Chat.ID
		r.private = u.Message.Chat.IsPrivate()
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		r.cb = u.CallbackQuery
		from = u.CallbackQuery.From
		if m := u.CallbackQuery.Message; m != nil && m.Chat != nil {
			r.chatID = m.Chat.ID
			r.private = m.Chat.IsPrivate()
		} else {
			r.chatID = from.ID
		}
		r.data, r.dataErr = b.openCallback(r.chatID, u.CallbackQuery.Data)
	default:
		return nil, false
	}
	if from.IsBot {
		return nil, false
	}
	r.userID = from.ID
	r.lang = text.FromCode(from.LanguageCode)
	r.name = displayName(from)
	return r, true
}

// fitCommandEntity makes the command entity match the (cleaned) text. The library's Command and
// CommandArguments slice the text by the first entity's length with no bounds check, and that
// length no longer fits once cleaning dropped characters ("/\x1c" is "/" now) or when an update
// carries an entity longer than its text: they would panic. A command ends at the first space,
// as Telegram marks it; a lone "/" is no command.
func fitCommandEntity(m *tgbotapi.Message) {
	if !m.IsCommand() {
		return
	}
	n := strings.IndexFunc(m.Text, unicode.IsSpace)
	if n < 0 {
		n = len(m.Text)
	}
	if n < 2 || !strings.HasPrefix(m.Text, "/") {
		m.Entities = nil
		return
	}
	m.Entities[0].Length = n
}

func displayName(u *tgbotapi.User) string {
	name := strings.TrimSpace(crm.CleanText(u.FirstName + " " + u.LastName))
	if name == "" {
		name = u.UserName
	}
	return name
}

// begin claims the update (intake.go) and loads the sender's conversation, staff dialog, first
// lead source and what the pressed card shows, in one Redis round trip. The outcome says
// whether the update is ours to handle, was handled before (Telegram delivers at least once,
// so the same update_id comes again after a crash or a lost confirmation), or is being handled
// by another live process; only when it is ours (claimTaken, claimTakenOver) is r filled in.
func (b *Bot) begin(ctx context.Context, r *request) (claimOutcome, error) {
	pipe := b.rdb.Pipeline()
	claim := b.claimCmd(ctx, pipe, r.update.UpdateID)
	state := pipe.Get(ctx, conversationKey(b.cfg.KeyPrefix, r.userID))
	work := pipe.Get(ctx, workDialogKey(b.cfg.KeyPrefix, r.userID))
	lead := pipe.Get(ctx, leadSourceKey(b.cfg.KeyPrefix, r.userID))
	var pressedKey string
	var pressed *redis.StringCmd
	if r.cb != nil && r.cb.Message != nil && r.cb.Message.Chat != nil {
		// The pressed card is what a press most often redraws (editCard).
		pressedKey = drawnKey(b.cfg.KeyPrefix, r.cb.Message.Chat.ID, r.cb.Message.MessageID)
		pressed = pipe.Get(ctx, pressedKey)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return claimUnknown, fmt.Errorf("claim update %d: %w", r.update.UpdateID, err)
	}
	outcome, err := b.settleClaim(ctx, claim, r.update.UpdateID)
	if err != nil {
		return claimUnknown, fmt.Errorf("claim update %d: %w", r.update.UpdateID, err)
	}
	switch outcome {
	case claimTaken:
	case claimTakenOver:
		r.takenOver = true
	default:
		return outcome, nil
	}
	r.work, r.hasWork, r.workErr = decodeWorkDialog(work)
	r.firstLead = lead.Val()
	if pressed != nil && (pressed.Err() == nil || errors.Is(pressed.Err(), redis.Nil)) {
		stateWritesFrom(ctx).knowDrawn(pressedKey, pressed.Val())
	}
	r.conv, r.hasConv, err = decodeConversation(state)
	return outcome, err
}

// staffMember looks the sender up among active staff, once per update:
// client steps never pay for it.
func (b *Bot) staffMember(ctx context.Context, r *request) (crm.Staff, error) {
	r.staffOnce.Do(func() {
		st, err := b.crm.StaffByTelegramID(ctx, r.userID)
		b.setStaff(ctx, r, st, err)
	})
	return r.staff, r.staffErr
}

// knowStaff takes the sender's staff row looked up with something else (crm.Person) as this
// update's staffMember; st is nil when they are not active staff.
func (b *Bot) knowStaff(ctx context.Context, r *request, st *crm.Staff) {
	r.staffOnce.Do(func() {
		if st == nil {
			b.setStaff(ctx, r, crm.Staff{}, fmt.Errorf("staff %d: %w", r.userID, crm.ErrNotFound))
			return
		}
		b.setStaff(ctx, r, *st, nil)
	})
}

// setStaff records the update's staff lookup, and the staff member's chat, name and language
// when they changed.
func (b *Bot) setStaff(ctx context.Context, r *request, found crm.Staff, err error) {
	r.staff, r.staffErr = found, err
	if err != nil || !r.private {
		return
	}
	st := &r.staff
	newChat := st.ChatID == nil || *st.ChatID != r.chatID
	if !newChat && (r.name == "" || st.Name == r.name) && st.Language == string(r.lang) {
		return
	}
	if err := b.crm.TouchStaff(ctx, r.userID, r.chatID, r.name, string(r.lang)); err != nil {
		b.log.Warn("record staff chat", "err", err)
		return
	}
	// What was just recorded holds for this update too: a new staff
	// member is greeted by name, not by "#<telegram id>".
	chatID := r.chatID
	menuChanged := newChat || st.Language != string(r.lang)
	st.ChatID, st.Language = &chatID, string(r.lang)
	if r.name != "" {
		st.Name = r.name
	}
	if menuChanged {
		b.refreshMenu(ctx, *st) // their chat gets their role's menu: command_menus.go
	}
}

func actorOf(s crm.Staff) crm.Actor {
	return crm.Actor{StaffID: s.ID, Role: s.Role, TelegramUserID: s.TelegramUserID}
}
