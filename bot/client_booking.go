package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// The client's booking dialog: phone → name → car → problem → slot →
// summary → request created. Each step is one Redis write and one reply;
// PostgreSQL is written once, when the client confirms.

const (
	stepMenu step = "menu" // a known client chooses between booking and orders

	slotsShown = 12
	slotDays   = 7
)

func newNonce() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	// Positive and at most 8 base-36 digits, to keep callback data short.
	return int64(binary.BigEndian.Uint64(b[:]) % 2_000_000_000_000)
}

// cmdStart greets and starts a booking; "/start src_avito" records the lead
// source. During a booking it asks the current question again instead.
func (b *Bot) cmdStart(ctx context.Context, r *request) error {
	if !r.private {
		return nil
	}
	if token, ok := strings.CutPrefix(r.msg.CommandArguments(), crm.InvitePrefix); ok {
		return b.redeemInvite(ctx, r, token) // staff_admin.go
	}
	if r.hasConv && r.conv.Step != stepMenu {
		return b.reask(ctx, r, "")
	}
	who, err := b.crm.PersonByTelegramID(ctx, r.userID)
	if err != nil {
		return fmt.Errorf("look up user: %w", err)
	}
	b.knowStaff(ctx, r, who.Staff)
	if s, err := b.staffMember(ctx, r); err == nil {
		// Staff come to work, not to book: greet them with their commands,
		// and show what waits for them (staff_commands.go).
		if err := b.say(ctx, r.chatID, text.T(r.lang, text.StaffGreeting, esc(staffLabel(s)))+"\n\n"+text.T(r.lang, text.HelpStaff), nil); err != nil {
			return err
		}
		return b.showWaitingRequests(ctx, r, s)
	} else if !errors.Is(err, crm.ErrNotFound) {
		return fmt.Errorf("look up staff: %w", err)
	}
	if handled, err := b.startFromOfferLink(ctx, r); handled { // offer_link.go
		return err
	}
	payload := r.msg.CommandArguments()
	if isOfferLink(payload) {
		payload = "" // a link that is not the sender's own offer: an ordinary /start
	}
	source, err := b.firstTouch(ctx, r, crm.NormalizeLeadSource(payload))
	if err != nil {
		return err
	}
	client := who.Client
	if client == nil {
		r.conv = conversation{Nonce: newNonce(), Step: stepPhone, LeadSource: source}
		return b.reask(ctx, r, text.T(r.lang, text.Greeting))
	}
	if client.UnreachableSince != nil {
		b.startedAgain(ctx, r) // they unblocked the bot and pressed Start
	}
	r.conv = conversation{Nonce: newNonce(), Step: stepMenu, LeadSource: source, Known: true, Phone: client.Phone, PhoneVerified: true, Name: client.Name}
	return b.reask(ctx, r, "")
}

// firstTouch returns the lead source to book with: the first one the user came with while it is
// remembered (begin fetched it), else source, which is remembered when it says where they came
// from, so that a /cancel and a plain /start still book as "flyer".
func (b *Bot) firstTouch(ctx context.Context, r *request, source string) (string, error) {
	if r.firstLead != "" {
		return r.firstLead, nil
	}
	if source == "direct" {
		return source, nil
	}
	r.firstLead = source
	key := leadSourceKey(b.cfg.KeyPrefix, r.userID)
	return source, b.writeState(ctx, func(p redis.Pipeliner) { p.SetNX(ctx, key, source, conversationTTL) })
}

func (b *Bot) menuKeyboard(r *request) *tgbotapi.InlineKeyboardMarkup {
	return inline(
		[]tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.MenuBook), r.conv.at(actMenuBook, 0, ""))},
		[]tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.MenuMyOrders), callback{Action: actMenuMy})},
	)
}

func (b *Bot) cmdHelp(ctx context.Context, r *request) error {
	msg := text.T(r.lang, text.Help)
	if _, err := b.staffMember(ctx, r); err == nil {
		msg += "\n\n" + text.T(r.lang, text.HelpStaff) + text.T(r.lang, text.HelpWork)
	}
	return b.sayThenReask(ctx, r, msg)
}

// sayThenReask sends html; during a booking, the question it waits on
// follows in the same message, so the client knows where they are.
func (b *Bot) sayThenReask(ctx context.Context, r *request, html string) error {
	if r.hasConv && r.private {
		if r.conv.Step != stepMenu {
			html += "\n\n" + text.T(r.lang, text.StillWaiting)
		}
		return b.reask(ctx, r, html)
	}
	return b.say(ctx, r.chatID, html, nil)
}

// cmdCancel leaves any step of the booking.
func (b *Bot) cmdCancel(ctx context.Context, r *request) error {
	if !r.hasConv {
		return b.say(ctx, r.chatID, text.T(r.lang, text.NothingToCancel), tgbotapi.NewRemoveKeyboard(false))
	}
	if err := b.dropConversation(ctx, r); err != nil {
		return err
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.BookingCancelled), tgbotapi.NewRemoveKeyboard(false))
}

func (b *Bot) onMenuBook(ctx context.Context, r *request) error {
	if _, ok, err := b.bookingButton(ctx, r, stepMenu); !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	r.conv.Step = stepCarPick
	return b.advance(ctx, r)
}

func (b *Bot) onMenuMy(ctx context.Context, r *request) error {
	b.answer(ctx, r, "", false)
	return b.cmdMy(ctx, r)
}

// Booking buttons are tied to the question they were shown with: the
// conversation (Version: its nonce) and, in Arg, the step's code and the
// question's number (conversation.Seq), then the button's own argument, as
// "y3" or "c7_1a2b3c4d". Every question asked takes the next number, so only
// the question asked last has live buttons: a Skip left on an answered
// question cannot skip the one asked now.

// stepCodes are the one-letter codes of the steps on buttons.
var stepCodes = map[step]byte{
	stepMenu: 'u', stepPhone: 'p', stepName: 'n', stepCarPick: 'v', stepCarModel: 'm',
	stepCarYear: 'y', stepPlate: 't', stepProblem: 'r', stepSlot: 's', stepConfirm: 'c',
}

// at is the callback of a button of the question now asked.
func (c *conversation) at(a action, id int64, arg string) callback {
	return callback{Action: a, ID: id, Version: c.Nonce, Arg: questionTag(stepCodes[c.Step], c.Seq, arg)}
}

func questionTag(code byte, seq int64, arg string) string {
	s := string(code) + strconv.FormatInt(seq, 36)
	if arg != "" {
		s += "_" + arg
	}
	return s
}

// parseQuestionTag splits what questionTag made; ok is false for anything else.
func parseQuestionTag(s string) (code byte, seq int64, arg string, ok bool) {
	if len(s) < 2 {
		return 0, 0, "", false
	}
	num, arg, _ := strings.Cut(s[1:], "_")
	seq, err := strconv.ParseInt(num, 36, 64)
	if err != nil || seq < 0 {
		return 0, 0, "", false
	}
	return s[0], seq, arg, true
}

// bookingButton checks that a booking button belongs to the question now
// asked, at one of steps; it returns the button's own argument. A button of
// a finished or expired conversation gets a friendly restart; one of an
// earlier question gets "out of date" and the current question, drawn in
// the pressed message. ok is false then, and err is what the handler returns.
func (b *Bot) bookingButton(ctx context.Context, r *request, steps ...step) (arg string, ok bool, err error) {
	if !r.hasConv {
		b.answer(ctx, r, text.T(r.lang, text.Expired), false)
		b.takeButtons(ctx, r) // so they are not pressed again
		r.msg = &tgbotapi.Message{Chat: &tgbotapi.Chat{ID: r.chatID, Type: "private"}}
		return "", false, b.cmdStart(ctx, r)
	}
	code, seq, arg, parsed := parseQuestionTag(r.data.Arg)
	if r.conv.Nonce != r.data.Version || !parsed || code != stepCodes[r.conv.Step] || seq != r.conv.Seq || !slices.Contains(steps, r.conv.Step) {
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		return "", false, b.redrawQuestion(ctx, r)
	}
	return arg, true, nil
}

// takeButtons takes the inline buttons off the pressed message.
func (b *Bot) takeButtons(ctx context.Context, r *request) {
	if m := r.cb.Message; m != nil && m.ReplyMarkup != nil && len(m.ReplyMarkup.InlineKeyboard) > 0 {
		_, _ = b.send(ctx, 0, tgbotapi.NewEditMessageReplyMarkup(r.chatID, m.MessageID, tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}}))
	}
}

// redrawQuestion answers a stale press by drawing the current question, with
// its live buttons, in the pressed message. The question keeps its number:
// the copy shown before stays live too, and whichever the client presses
// answers it (renumbering would make the client's next, right press stale).
// A question that needs a reply keyboard (the phone) cannot be drawn by an
// edit; it is asked anew.
func (b *Bot) redrawQuestion(ctx context.Context, r *request) error {
	html, markup, err := b.question(ctx, r)
	if err != nil {
		return err
	}
	var kb *tgbotapi.InlineKeyboardMarkup
	switch m := markup.(type) {
	case nil, tgbotapi.ReplyKeyboardRemove:
	case *tgbotapi.InlineKeyboardMarkup:
		kb = m
	default:
		b.takeButtons(ctx, r)
		return b.say(ctx, r.chatID, html, markup)
	}
	return b.editPressed(ctx, r, html, kb)
}

// onMessage handles a message sent at a step of the booking.
func (b *Bot) onMessage(ctx context.Context, r *request) error {
	if !r.hasConv || r.conv.Step == stepMenu {
		// Text out of any dialog: a client writes to the shop (client_messages.go), anything
		// else starts a booking; staff get a hint, not the /start greeting with a fresh copy of
		// every waiting card each time they mistype.
		if _, err := b.staffMember(ctx, r); err == nil {
			if !r.hasConv {
				return b.say(ctx, r.chatID, text.T(r.lang, text.StaffStrayText), nil)
			}
		} else if !errors.Is(err, crm.ErrNotFound) {
			return fmt.Errorf("look up staff: %w", err)
		} else if isFreeMessage(r) {
			return b.onFreeMessage(ctx, r)
		}
		if !r.hasConv {
			return b.cmdStart(ctx, r)
		}
	}
	m := r.msg
	txt := strings.TrimSpace(m.Text)
	switch r.conv.Step {
	case stepPhone:
		return b.takePhone(ctx, r)
	case stepName:
		if txt == "" || utf8.RuneCountInString(txt) > crm.MaxNameLen {
			return b.reask(ctx, r, text.T(r.lang, text.NameInvalid))
		}
		if looksLikePhone(txt) {
			return b.reask(ctx, r, text.T(r.lang, text.NameIsPhone))
		}
		if !hasLetter(txt) {
			return b.reask(ctx, r, text.T(r.lang, text.NameInvalid))
		}
		r.conv.Name = txt
		if r.conv.Known {
			r.then(stepCarPick)
		} else {
			r.then(stepCarModel) // a client new to us has no cars to pick from
		}
	case stepCarModel:
		if utf8.RuneCountInString(txt) < 2 || utf8.RuneCountInString(txt) > crm.MaxMakeModelLen {
			return b.reask(ctx, r, text.T(r.lang, text.CarModelInvalid))
		}
		if looksLikePhone(txt) {
			return b.reask(ctx, r, text.T(r.lang, text.ModelIsPhone))
		}
		if !hasLetterOrDigit(txt) {
			return b.reask(ctx, r, text.T(r.lang, text.CarModelInvalid))
		}
		r.conv.Model, r.conv.VehicleID, r.conv.VehicleLabel = txt, 0, ""
		r.conv.Step = stepCarYear
	case stepCarYear:
		year, err := strconv.Atoi(txt)
		maxYear := b.cfg.Now().In(b.cfg.Location).Year() + 1
		if err != nil || year < 1950 || year > maxYear {
			return b.reask(ctx, r, text.T(r.lang, text.CarYearInvalid, maxYear))
		}
		r.conv.Year = year
		r.conv.Step = stepPlate
	case stepPlate:
		plate := crm.NormalizePlate(txt)
		if n := utf8.RuneCountInString(plate); n < 4 || n > 12 || !lettersAndDigits(plate) {
			return b.reask(ctx, r, text.T(r.lang, text.PlateInvalid))
		}
		r.conv.Plate = plate
		r.then(stepProblem)
	case stepProblem:
		problem := txt
		if len(m.Photo) > 0 {
			r.conv.PhotoFileID = m.Photo[len(m.Photo)-1].FileID
			problem = strings.TrimSpace(m.Caption)
			if problem == "" {
				// The photo is kept; staff still need a word of what is
				// wrong, which the question now asks for (question).
				r.conv.Problem = ""
				return b.reask(ctx, r, "")
			}
		}
		if problem == "" || utf8.RuneCountInString(problem) > crm.MaxProblemLen || !hasLetterOrDigit(problem) {
			return b.reask(ctx, r, text.T(r.lang, text.ProblemInvalid))
		}
		r.conv.Problem = problem
		r.then(stepSlot)
	default:
		// The step waits for a button; text cannot answer it.
		return b.reask(ctx, r, text.T(r.lang, text.UnexpectedInput))
	}
	return b.advance(ctx, r)
}

// takePhone accepts the shared contact (only the sender's own) or a typed
// number, normalised to E.164.
func (b *Bot) takePhone(ctx context.Context, r *request) error {
	raw := r.msg.Text
	var phone string
	var err error
	if c := r.msg.Contact; c != nil {
		if c.UserID != r.userID {
			return b.reask(ctx, r, text.T(r.lang, text.ForeignContact))
		}
		raw = strings.TrimSpace(c.PhoneNumber)
		// Telegram gives a shared contact's number in international form
		// but without the "+": "447911123456" is British, not local.
		if !strings.HasPrefix(raw, "+") {
			phone, err = crm.NormalizePhone("+"+raw, b.cfg.Region)
		}
	}
	if strings.TrimSpace(raw) == "" {
		return b.reask(ctx, r, "")
	}
	if phone == "" || err != nil {
		phone, err = crm.NormalizePhone(raw, b.cfg.Region)
	}
	if err != nil {
		return b.reask(ctx, r, text.T(r.lang, text.PhoneInvalid))
	}
	holder, err := b.crm.PhoneHolder(ctx, phone, r.userID)
	if err != nil {
		return err
	}
	verified := r.msg.Contact != nil // checked above to be the sender's own
	switch {
	case holder == crm.PhoneOtherUser:
		return b.reask(ctx, r, text.T(r.lang, text.PhoneTaken))
	case holder == crm.PhoneUnlinked && !verified:
		// The shop knows this number: anyone can type it, so only
		// Telegram's word (the contact button) may open its orders.
		return b.reask(ctx, r, text.T(r.lang, text.PhoneNeedsContact))
	case holder == crm.PhoneUnlinked && !r.conv.Editing:
		// (A phone changed from the summary is linked when the booking is
		// made, without leaving the summary.)
		if linked, err := b.linkKnownClient(ctx, r, phone); err != nil || linked { // manager_new_order.go
			return err
		}
	}
	r.conv.Phone, r.conv.PhoneVerified = phone, verified
	r.then(stepName)
	return b.advance(ctx, r)
}

// then sets the step after a group of questions (name, car, problem, slot)
// is answered: the next question, or back to the summary when the client
// was changing just that answer.
func (r *request) then(next step) {
	if r.conv.Editing {
		next = stepConfirm
		r.conv.Editing = false
	}
	r.conv.Step = next
}

// advance saves the conversation and asks the current step's question.
func (b *Bot) advance(ctx context.Context, r *request) error {
	return b.reask(ctx, r, "")
}

// reask repeats the current question in one message, after a note when
// there is one: one message, because Telegram allows a chat about one a
// second.
func (b *Bot) reask(ctx context.Context, r *request, note string) error {
	html, markup, err := b.nextQuestion(ctx, r)
	if err != nil {
		return err
	}
	if note != "" {
		html = note + "\n\n" + html
	}
	return b.say(ctx, r.chatID, html, markup)
}

// ask sends the question of the current step.
func (b *Bot) ask(ctx context.Context, r *request) error {
	return b.reask(ctx, r, "")
}

// nextQuestion numbers the question about to be shown, so the buttons of
// every earlier one are out of date, and saves the conversation with it
// (the write goes with the reply's trip to Redis).
func (b *Bot) nextQuestion(ctx context.Context, r *request) (string, any, error) {
	r.conv.Seq++
	html, markup, err := b.question(ctx, r)
	if err != nil {
		return "", nil, err
	}
	return html, markup, b.saveConversation(ctx, r)
}

// question is the text and keyboard of the current step's question.
func (b *Bot) question(ctx context.Context, r *request) (string, any, error) {
	l, c := r.lang, &r.conv
	skip := inline([]tgbotapi.InlineKeyboardButton{button(text.T(l, text.Skip), c.at(actSkip, 0, ""))})
	switch c.Step {
	case stepMenu:
		return text.T(l, text.GreetingKnown, esc(c.Name)), b.menuKeyboard(r), nil
	case stepPhone:
		kb := tgbotapi.NewOneTimeReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonContact(text.T(l, text.SharePhoneButton))))
		return text.T(l, text.AskPhone), kb, nil
	case stepName:
		return text.T(l, text.AskName), tgbotapi.NewRemoveKeyboard(false), nil
	case stepCarPick:
		return b.carQuestion(ctx, r)
	case stepCarModel:
		return text.T(l, text.AskCarModel), tgbotapi.NewRemoveKeyboard(false), nil
	case stepCarYear:
		return text.T(l, text.AskCarYear), skip, nil
	case stepPlate:
		return text.T(l, text.AskPlate), skip, nil
	case stepProblem:
		if c.PhotoFileID != "" && c.Problem == "" {
			return text.T(l, text.AskProblemAfterPhoto), nil, nil
		}
		return text.T(l, text.AskProblem), nil, nil
	case stepSlot:
		return b.slotQuestion(ctx, r)
	case stepConfirm:
		return b.summary(r), b.confirmKeyboard(r), nil
	}
	return "", nil, fmt.Errorf("conversation at unknown step %q", c.Step)
}

// carQuestion offers a known client's cars; others type a new one.
func (b *Bot) carQuestion(ctx context.Context, r *request) (string, any, error) {
	var cars []crm.Vehicle
	if r.conv.Known {
		client, err := b.crm.ClientByTelegramID(ctx, r.userID)
		if err != nil && !errors.Is(err, crm.ErrNotFound) {
			return "", nil, fmt.Errorf("look up client: %w", err)
		}
		if err == nil {
			if cars, err = b.crm.Vehicles(ctx, client.ID); err != nil {
				return "", nil, fmt.Errorf("list cars: %w", err)
			}
		}
	}
	if len(cars) == 0 {
		r.conv.Step = stepCarModel // saved by nextQuestion
		return b.question(ctx, r)
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, v := range cars {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(label(vehicleLabel(v)), r.conv.at(actVehicle, v.ID, ""))})
	}
	rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.AnotherCar), r.conv.at(actVehicle, 0, ""))})
	return text.T(r.lang, text.AskCarPick), inline(rows...), nil
}

// vehicleLabel is plain text for a button label (labels are not HTML).
func vehicleLabel(v crm.Vehicle) string {
	s := strings.TrimSpace(v.Make + " " + v.Model)
	if v.Year > 0 {
		s += " " + strconv.Itoa(v.Year)
	}
	if v.Plate != "" {
		s += " · " + v.Plate
	}
	return s
}

func (b *Bot) onVehicle(ctx context.Context, r *request) error {
	if _, ok, err := b.bookingButton(ctx, r, stepCarPick); !ok {
		return err
	}
	if r.data.ID == 0 {
		b.answer(ctx, r, "", false)
		r.conv.Step = stepCarModel
		return b.advance(ctx, r)
	}
	client, err := b.crm.ClientByTelegramID(ctx, r.userID)
	if err != nil {
		return fmt.Errorf("look up client: %w", err)
	}
	cars, err := b.crm.Vehicles(ctx, client.ID)
	if err != nil {
		return fmt.Errorf("list cars: %w", err)
	}
	for _, v := range cars {
		if v.ID == r.data.ID { // only the client's own car, whatever the button said
			b.answer(ctx, r, "", false)
			r.conv.VehicleID, r.conv.VehicleLabel = v.ID, vehicleLabel(v)
			r.conv.Model, r.conv.Year, r.conv.Plate = "", 0, ""
			r.then(stepProblem)
			return b.advance(ctx, r)
		}
	}
	b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
	return b.redrawQuestion(ctx, r)
}

func (b *Bot) onSkip(ctx context.Context, r *request) error {
	if _, ok, err := b.bookingButton(ctx, r, stepCarYear, stepPlate); !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	if r.conv.Step == stepCarYear {
		r.conv.Year = 0
		r.conv.Step = stepPlate
	} else {
		r.conv.Plate = ""
		r.then(stepProblem)
	}
	return b.advance(ctx, r)
}

// slotQuestion offers free slots of the next week from the shop's hours
// and the bookings already made.
func (b *Bot) slotQuestion(ctx context.Context, r *request) (string, any, error) {
	now := b.cfg.Now()
	taken, err := b.crm.BookedSlots(ctx, now, now.AddDate(0, 0, slotDays+1))
	if err != nil {
		return "", nil, fmt.Errorf("list booked slots: %w", err)
	}
	slots := b.cfg.Hours.Slots(now, b.cfg.Location, slotDays, taken, time.Hour, slotsShown)
	var buttons []tgbotapi.InlineKeyboardButton
	for _, s := range slots {
		buttons = append(buttons, button(slotLabel(r.lang, s.In(b.cfg.Location)), r.conv.at(actSlot, s.Unix(), "")))
	}
	rows := chunk(buttons, 2)
	rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.NoSlotButton), r.conv.at(actNoSlot, 0, ""))})
	msg := text.T(r.lang, text.AskSlot)
	if len(slots) == 0 {
		msg = text.T(r.lang, text.NoSlots)
	}
	return msg, inline(rows...), nil
}

var weekdayRU = [...]string{"Вс", "Пн", "Вт", "Ср", "Чт", "Пт", "Сб"}

func slotLabel(l text.Lang, t time.Time) string {
	day := t.Format("Mon")
	if l == text.RU {
		day = weekdayRU[t.Weekday()]
	}
	return day + " " + t.Format("02.01 15:04")
}

func (b *Bot) onSlot(ctx context.Context, r *request) error {
	if _, ok, err := b.bookingButton(ctx, r, stepSlot); !ok {
		return err
	}
	r.conv.Slot = 0
	if r.data.Action == actSlot {
		// The client controls the data: accept only a slot we would offer.
		slot := time.Unix(r.data.ID, 0)
		now := b.cfg.Now()
		taken, err := b.crm.BookedSlots(ctx, now, now.AddDate(0, 0, slotDays+1))
		if err != nil {
			return fmt.Errorf("list booked slots: %w", err)
		}
		ok := false
		for _, s := range b.cfg.Hours.Slots(now, b.cfg.Location, slotDays, taken, time.Hour, 1000) {
			ok = ok || s.Equal(slot)
		}
		if !ok {
			// Taken since it was offered: the pressed list is redrawn.
			b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
			return b.redrawQuestion(ctx, r)
		}
		r.conv.Slot = slot.Unix()
	}
	b.answer(ctx, r, "", false)
	r.conv.SlotChosen = true
	r.then(stepConfirm)
	return b.advance(ctx, r)
}

func (b *Bot) carText(c *conversation) string {
	if c.VehicleID != 0 {
		return esc(c.VehicleLabel)
	}
	s := c.Model
	if c.Year > 0 {
		s += " " + strconv.Itoa(c.Year)
	}
	if c.Plate != "" {
		s += " · " + c.Plate
	}
	return esc(s)
}

func (b *Bot) slotText(l text.Lang, unix int64) string {
	if unix == 0 {
		return text.T(l, text.NoTime)
	}
	return slotLabel(l, time.Unix(unix, 0).In(b.cfg.Location))
}

func (b *Bot) summary(r *request) string {
	c := &r.conv
	problem := short(c.Problem, 600)
	if c.PhotoFileID != "" {
		problem += text.T(r.lang, text.PhotoAttached)
	}
	return text.T(r.lang, text.Summary, esc(c.Name), esc(c.Phone), b.carText(c), problem, b.slotText(r.lang, c.Slot)) +
		"\n\n<i>" + b.consentText(r.lang) + "</i>" // consent.go
}

// confirmKeyboard carries a tag of the summary it confirms: after an edit,
// Confirm on an older summary would book what that message no longer shows.
func (b *Bot) confirmKeyboard(r *request) *tgbotapi.InlineKeyboardMarkup {
	c := &r.conv
	return inline(
		[]tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.Confirm), c.at(actConfirm, 0, summaryTag(b.summary(r))))},
		[]tgbotapi.InlineKeyboardButton{
			button(text.T(r.lang, text.Edit), c.at(actEdit, 0, "")),
			button(text.T(r.lang, text.Cancel), c.at(actCancel, 0, "")),
		},
	)
}

// editFields are the answers the summary's Edit menu can change.
var editFields = map[string]step{"name": stepName, "phone": stepPhone, "car": stepCarPick, "problem": stepProblem, "slot": stepSlot}

func (b *Bot) onEdit(ctx context.Context, r *request) error {
	if _, ok, err := b.bookingButton(ctx, r, stepConfirm); !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	c, l := &r.conv, r.lang
	field := func(k text.Key, name string) tgbotapi.InlineKeyboardButton {
		return button(text.T(l, k), c.at(actEditField, 0, name))
	}
	kb := inline(
		[]tgbotapi.InlineKeyboardButton{field(text.FieldName, "name"), field(text.FieldPhone, "phone")},
		[]tgbotapi.InlineKeyboardButton{field(text.FieldCar, "car"), field(text.FieldProblem, "problem")},
		[]tgbotapi.InlineKeyboardButton{field(text.FieldSlot, "slot"), field(text.Back, "back")},
	)
	return b.editPressed(ctx, r, b.summary(r)+"\n\n"+text.T(l, text.EditWhat), kb)
}

func (b *Bot) onEditField(ctx context.Context, r *request) error {
	arg, ok, err := b.bookingButton(ctx, r, stepConfirm)
	if !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	s, ok := editFields[arg]
	if !ok { // Back, or a field we do not know
		return b.editPressed(ctx, r, b.summary(r), b.confirmKeyboard(r))
	}
	if s == stepCarPick && !r.conv.Known {
		s = stepCarModel
	}
	// Take the buttons off the summary: the new answer brings a fresh one.
	if err := b.editPressed(ctx, r, b.summary(r), nil); err != nil {
		return err
	}
	r.conv.Step = s
	r.conv.Editing = true
	return b.ask(ctx, r)
}

func (b *Bot) onCancelBooking(ctx context.Context, r *request) error {
	if _, ok, err := b.bookingButton(ctx, r, stepConfirm); !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	if err := b.dropConversation(ctx, r); err != nil {
		return err
	}
	return b.editPressed(ctx, r, text.T(r.lang, text.BookingCancelled), nil)
}

// onConfirm turns the conversation into a CRM card: client, car and order
// in one transaction, keyed by the conversation so a repeated press or a
// redelivered update finds the same order instead of making a second one.
func (b *Bot) onConfirm(ctx context.Context, r *request) error {
	if !r.hasConv || r.conv.Nonce != r.data.Version {
		return b.confirmedAlready(ctx, r)
	}
	tag, ok, err := b.bookingButton(ctx, r, stepConfirm)
	if !ok {
		return err
	}
	if tag != summaryTag(b.summary(r)) {
		// A summary of other answers: it would book what it no longer shows.
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		return b.redrawQuestion(ctx, r)
	}
	c := &r.conv
	req := crm.BookingRequest{
		DedupeKey:      bookingKey(r.userID, c.Nonce),
		TelegramUserID: r.userID,
		ChatID:         r.chatID,
		Language:       string(r.lang),
		LeadSource:     c.LeadSource,
		Phone:          c.Phone,
		PhoneVerified:  c.PhoneVerified,
		ClientName:     c.Name,
		VehicleID:      c.VehicleID,
		NewVehicle:     newVehicle(c),
		Problem:        c.Problem,
		PhotoFileID:    c.PhotoFileID,
		ConsentVersion: b.consentVersion(r.lang), // the summary pressed showed it: consent.go
	}
	if c.Slot != 0 {
		req.Slot = time.Unix(c.Slot, 0)
	}
	if r.cb.Message != nil {
		// The summary being confirmed becomes the client's live card.
		req.ClientCard = &crm.CardLocation{ChatID: r.chatID, MessageID: r.cb.Message.MessageID}
	}
	booked, err := b.crm.Book(ctx, req)
	card := booked.Card
	if err == nil && !booked.Replay && booked.StaffNotices == 0 {
		// Telegram lets a bot write only to those who started it: until an
		// owner or manager does (or STAFF_CHAT_ID is set), nobody hears of
		// the request. They see it when they open the bot (cmdStart).
		b.log.Warn("new request reaches no staff: no staff group, and no manager or owner has opened the bot",
			"order_number", card.Order.Number, "order_id", card.Order.ID)
	}
	if errors.Is(err, crm.ErrForbidden) {
		// The phone was linked to someone else since it was checked: ask
		// for another, then come back to the summary.
		b.answer(ctx, r, "", false)
		r.conv.Step, r.conv.Editing = stepPhone, true
		return b.reask(ctx, r, text.T(r.lang, text.PhoneTaken))
	}
	if errors.Is(err, crm.ErrSlotTaken) {
		// Someone confirmed the same time a moment earlier.
		b.answer(ctx, r, "", false)
		r.conv.Step, r.conv.Editing = stepSlot, true
		return b.reask(ctx, r, text.T(r.lang, text.SlotTaken))
	}
	if err != nil {
		return fmt.Errorf("book: %w", err)
	}
	b.answer(ctx, r, text.T(r.lang, text.Done), false)
	if _, ok := crm.IsOfferLeadSource(c.LeadSource); ok { // booked from an offer: offers.go
		if _, err := b.crm.RecordOfferConversion(ctx, card.Order.ID); err != nil {
			b.log.Warn("record offer conversion", "order_id", card.Order.ID, "err", err)
		}
	}
	if booked.StaffNotices > 0 {
		b.wakeSender()
	}
	if err := b.dropConversation(ctx, r); err != nil {
		return err
	}
	return b.showBooked(ctx, r, card)
}

// showBooked turns the pressed summary into the client's live card; Book
// recorded where it is, so status changes can redraw it in place. When the edit cannot be made
// (Telegram failing again and again), the card comes as a new message: the order is made, and
// an apology would have the client book it a second time.
func (b *Bot) showBooked(ctx context.Context, r *request, card crm.OrderCard) error {
	html := text.T(r.lang, text.Booked, card.Order.Number) + "\n\n" + b.clientCard(r.lang, card)
	err := b.editPressed(ctx, r, html, nil)
	if err == nil || ctx.Err() != nil {
		return err
	}
	b.log.Warn("show the booked order in place; sending it as a new message", "order_id", card.Order.ID, "err", err)
	if sayErr := b.say(ctx, r.chatID, html, nil); sayErr != nil {
		return err
	}
	return nil
}

// confirmedAlready answers a Confirm pressed again on a summary whose
// booking was made (a double tap, a redelivered update): that order is
// shown rather than an error. A summary that was never confirmed (the
// client cancelled, or the dialog expired) gets the friendly restart.
func (b *Bot) confirmedAlready(ctx context.Context, r *request) error {
	card, err := b.crm.OrderCardByBookingKey(ctx, bookingKey(r.userID, r.data.Version))
	if errors.Is(err, crm.ErrNotFound) {
		_, _, err := b.bookingButton(ctx, r)
		return err
	}
	if err != nil {
		return err
	}
	b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
	return b.editPressed(ctx, r, b.clientCard(r.lang, card), nil)
}

// bookingKey makes a conversation's booking idempotent: one conversation,
// one order, however often Confirm arrives.
func bookingKey(userID, nonce int64) string {
	return fmt.Sprintf("tg:%d:%d", userID, nonce)
}

// newVehicle splits "Kia Rio" into make and model at the first space; a
// single word is the make.
func newVehicle(c *conversation) crm.NewVehicle {
	mk, model, _ := strings.Cut(strings.TrimSpace(c.Model), " ")
	return crm.NewVehicle{Make: mk, Model: strings.TrimSpace(model), Year: c.Year, Plate: c.Plate}
}

// summaryTag is a short digest of a summary's text, for its Confirm button.
func summaryTag(summary string) string {
	sum := sha256.Sum256([]byte(summary))
	return hex.EncodeToString(sum[:4])
}

// looksLikePhone reports whether s is only digits and the punctuation of
// phone numbers, as "89123456789" or "8 (912) 345-67-80": typed at the name
// or car question, it is a phone, not an answer.
func looksLikePhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case unicode.IsSpace(r) || strings.ContainsRune("+-‐–—().", r):
		default:
			return false
		}
	}
	return digits > 0
}

// hasLetter reports whether s has a letter: a name is words ("...", "🚗🚗" or "123" is not).
func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// hasLetterOrDigit reports whether s has a letter or a digit: a car ("2107" is one) or a
// problem, not "!!!" or emoji alone. Length alone let "🚗🚗" through and refused "😀".
func hasLetterOrDigit(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

func lettersAndDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
