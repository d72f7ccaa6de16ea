package main

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// lang holds what a test needs to know of one catalog language.
type lang struct {
	code                                                       string
	askPhone, badPhone, foreign, askName, askModel, askYear    string
	askPlate, askProblem, askSlot, summary, confirm, booked    string
	commandNotData, expired, greeting, outOfDate, noSlotButton string
}

var langs = []lang{
	{
		code: "ru", askPhone: "Поделитесь номером", badPhone: "Не получилось разобрать номер",
		foreign: "чужой контакт", askName: "Как к вам обращаться", askModel: "Марка и модель",
		askYear: "Год выпуска", askPlate: "Госномер", askProblem: "Опишите, что случилось",
		askSlot: "Выберите удобное время", summary: "Проверьте заявку", confirm: "Подтвердить",
		booked: "отправлена", commandNotData: "Команду нельзя сохранить", expired: "устарела",
		greeting: "Здравствуйте", outOfDate: "устарела", noSlotButton: "Без времени",
	},
	{
		code: "en", askPhone: "Share your phone number", badPhone: "could not read that number",
		foreign: "someone else's contact", askName: "What is your name", askModel: "Make and model",
		askYear: "Year of manufacture", askPlate: "Licence plate", askProblem: "Describe the problem",
		askSlot: "Pick a convenient time", summary: "Please check your request", confirm: "Confirm",
		booked: "is sent", commandNotData: "A command cannot be an answer", expired: "expired",
		greeting: "Hello", outOfDate: "out of date", noSlotButton: "No time",
	},
}

// book walks one client through a whole booking with the given answers and
// returns the booked card.
func (h *harness) book(u *tgemu.User, l lang, phone, name, model, problem string) tgemu.Message {
	h.t.Helper()
	c := u.Chat()
	u.Start("")
	h.next(c, last(c)-1, l.askPhone)
	if _, err := u.ShareContact(phone); err != nil {
		h.t.Fatalf("share contact: %v", err)
	}
	h.next(c, last(c), l.askName)
	u.Send(name)
	h.next(c, last(c), l.askModel)
	u.Send(model)
	yearQ := h.next(c, last(c), l.askYear)
	h.press(u, yearQ, "")
	h.next(c, last(c), l.askPlate)
	u.Send("А123ВС77")
	h.next(c, last(c), l.askProblem)
	u.Send(problem)
	slots := h.next(c, last(c), l.askSlot)
	h.press(u, slots, l.noSlotButton)
	summary := h.next(c, last(c), l.summary)
	h.press(u, summary, l.confirm)
	return h.card(c, summary.ID, "1001")
}

func (h *harness) noRejections() {
	h.t.Helper()
	if rejected := h.emu.Rejected(); len(rejected) > 0 {
		r := rejected[0]
		h.t.Errorf("the emulator rejected %d calls, first: %s chat %s message %s: %s", len(rejected), r.Method, r.Params["chat_id"], r.Params["message_id"], r.Description)
	}
}

// Names, cars and problems holding HTML and Markdown characters are shown
// literally to the client and to staff, and never cause a 400.
func TestUserTextIsShownLiterally(t *testing.T) {
	t.Parallel()
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			group := h.emu.NewGroup("Staff", true)
			h.env["STAFF_CHAT_ID"] = itoa64(group.ID())
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "X", LanguageCode: l.code})
			name, model, problem := "<b>Anna</b> & _Co_ <3", "Lada *Vesta* [SW]", "<i>stuck</i> & *clunk* [x] <3 _here_"
			card := h.book(u, l, "+7 912 000-00-01", name, model, problem)
			if !strings.Contains(card.Text, "Lada *Vesta* [SW]") || !strings.Contains(card.Text, problem) {
				t.Errorf("client card does not show the text literally:\n%s", card.Text)
			}
			staff := h.next(group, 0, "1001")
			for _, want := range []string{name, "Lada *Vesta* [SW]", problem} {
				if !strings.Contains(staff.Text, want) {
					t.Errorf("staff card lacks %q:\n%s", want, staff.Text)
				}
			}
			if n := h.count(`SELECT count(*) FROM clients WHERE name = $1`, name); n != 1 {
				t.Errorf("client name stored %d times", n)
			}
			h.noRejections()
		})
	}
}

// A sticker, voice, location, /start or another command at a text step
// asks the same question again and stores nothing.
func TestNonTextAtTextStepReasks(t *testing.T) {
	t.Parallel()
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Y", LanguageCode: l.code})
			c := u.Chat()
			u.Start("")
			h.next(c, 0, l.askPhone)
			if _, err := u.ShareContact("+79120000002"); err != nil {
				t.Fatal(err)
			}
			h.next(c, last(c), l.askName)
			for _, send := range []func(){
				func() { u.SendSticker() },
				func() { u.SendVoice() },
				func() { u.SendLocation(55.75, 37.62) },
				func() { u.Send("/start") },
				func() { u.Start("src_again") },
			} {
				send()
				h.next(c, last(c), l.askName)
			}
			u.Send("/whatever")
			m := h.next(c, last(c), l.commandNotData)
			if !strings.Contains(m.Text, l.askName) {
				t.Errorf("the command note does not repeat the question: %q", m.Text)
			}
			u.Send("Пётр")
			h.next(c, last(c), l.askModel)
			u.Send("/cancel")
			h.next(c, last(c), "/start")
			h.noRejections()
		})
	}
}

// A 5,000-character problem is kept whole in the CRM and shown shortened.
func TestLongProblemKeptWhole(t *testing.T) {
	t.Parallel()
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			group := h.emu.NewGroup("Staff", true)
			h.env["STAFF_CHAT_ID"] = itoa64(group.ID())
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Z", LanguageCode: l.code})
			problem := strings.Repeat("Стучит & <гремит> ", 300)[:0] + strings.Repeat("ж", 5000)
			card := h.book(u, l, "+79120000003", "Zed", "Kia Rio", problem)
			var stored string
			if err := h.pool.QueryRow(context.Background(), `SELECT problem FROM orders`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored != problem {
				t.Errorf("stored problem has %d characters, want 5000", utf8.RuneCountInString(stored))
			}
			if n := utf8.RuneCountInString(card.Text); n > 1500 {
				t.Errorf("client card is %d characters; the problem should be shortened", n)
			}
			staff := h.next(group, 0, "1001")
			if n := utf8.RuneCountInString(staff.Text); n > 1500 {
				t.Errorf("staff card is %d characters", n)
			}
			for _, call := range h.emu.Calls() {
				if n := utf8.RuneCountInString(call.Params["text"]); n > 4096 {
					t.Errorf("%s sent %d characters", call.Method, n)
				}
			}
			h.noRejections()
		})
	}
}

// Identity is the Telegram user id: two users with the same first name and
// no username or last name are two clients.
func TestSameNamesStayTwoClients(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	a := h.emu.NewUser(tgemu.UserOptions{FirstName: "Алекс", LanguageCode: "ru"})
	b := h.emu.NewUser(tgemu.UserOptions{FirstName: "Алекс", LanguageCode: "ru"})
	h.book(a, langs[0], "+79120000004", "Алекс", "Kia Rio", "шум")
	b.Start("")
	h.next(b.Chat(), 0, langs[0].askPhone)
	if _, err := b.ShareContact("+79120000005"); err != nil {
		t.Fatal(err)
	}
	h.next(b.Chat(), last(b.Chat()), langs[0].askName)
	b.Send("Алекс")
	h.next(b.Chat(), last(b.Chat()), langs[0].askModel)
	b.Send("Kia Rio")
	h.next(b.Chat(), last(b.Chat()), langs[0].askYear)
	// The first Алекс is known; the second is still new.
	b.Send("/my")
	h.next(b.Chat(), last(b.Chat()), "нет заказов")
	a.Send("/my")
	h.next(a.Chat(), last(a.Chat()), "№1001")
	if n := h.count(`SELECT count(*) FROM clients WHERE name = 'Алекс'`); n != 1 {
		t.Errorf("%d clients named Алекс after one booking", n)
	}
	h.noRejections()
}

// A typed phone that is not a number gets an explanation and the same
// question; a contact of somebody else is refused.
func TestInvalidPhones(t *testing.T) {
	t.Parallel()
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "P", LanguageCode: l.code})
			other := h.emu.NewUser(tgemu.UserOptions{FirstName: "Q", LanguageCode: l.code})
			c := u.Chat()
			u.Start("")
			h.next(c, 0, l.askPhone)
			for _, bad := range []string{"12", "+7 999", "телефон", "abc", "+7 912 345 67 89 00 11"} {
				u.Send(bad)
				m := h.next(c, last(c), l.badPhone)
				if !strings.Contains(m.Text, l.askPhone) || len(m.Reply) == 0 || !m.Reply[0][0].RequestContact {
					t.Errorf("%q: the phone question and its button are not repeated: %+v", bad, m)
				}
			}
			u.SendContact("+79120000006", other.ID())
			h.next(c, last(c), l.foreign)
			u.Send("8 (912) 000-00-07")
			h.next(c, last(c), l.askName)
			u.Send("Pat")
			h.next(c, last(c), l.askModel)
			if n := h.count(`SELECT count(*) FROM clients`); n != 0 {
				t.Errorf("a client was stored before the booking was confirmed")
			}
			h.noRejections()
		})
	}
}

// Edited messages and updates the bot does not act on never crash it.
func TestIgnoredUpdatesDoNotCrash(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "E", LanguageCode: "en"})
	c := u.Chat()
	u.Start("")
	h.next(c, 0, langs[1].askPhone)
	sent := u.Send("hello")
	h.next(c, last(c), langs[1].badPhone)
	u.Edit(sent, "edited hello")
	u.Block()
	u.Unblock()
	u.Send("+79120000008")
	h.next(c, last(c), langs[1].askName)
	if strings.Contains(h.logs.String(), "panic") {
		t.Errorf("the log mentions a panic")
	}
	h.noRejections()
}

// Buttons carry ids, not names: a long Russian car name never pushes
// callback data past 64 bytes, and the car can be picked for a new booking.
func TestLongCarNameKeepsCallbackDataShort(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Д", LanguageCode: "ru"})
	model := "Жигули " + strings.Repeat("Экспериментальная", 5)
	h.book(u, langs[0], "+79120000011", "Длинный", model, "шум")
	c := u.Chat()
	u.Start("")
	menu := h.next(c, last(c)-1, "С возвращением")
	h.press(u, menu, "Записаться")
	pick := h.next(c, menu.ID, "Какую машину")
	for _, row := range pick.Inline {
		for _, b := range row {
			if len(b.CallbackData) > 64 || utf8.RuneCountInString(b.Text) > 40 {
				t.Errorf("button %q: data %d bytes, label %d characters", b.CallbackData, len(b.CallbackData), utf8.RuneCountInString(b.Text))
			}
		}
	}
	h.press(u, pick, "Жигули")
	h.next(c, pick.ID, langs[0].askProblem)
	h.noRejections()
}
