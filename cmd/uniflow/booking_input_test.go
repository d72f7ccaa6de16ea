package main

import (
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// A phone number typed as a name or as a car is refused with a reason and
// the same question, in the booking and in a manager's /new.
func TestPhoneIsNotANameOrACar(t *testing.T) {
	t.Parallel()
	isPhone := map[string]string{"ru": "похоже на номер телефона", "en": "looks like a phone number"}
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "P", LanguageCode: l.code})
			c := u.Chat()
			h.toName(u, l, "+79120000051")
			for _, bad := range []string{"89123456789", "8 (912) 345-67-80"} {
				u.Send(bad)
				m := h.next(c, last(c), isPhone[l.code])
				if !strings.Contains(m.Text, l.askName) {
					t.Errorf("name %q: the question is not asked again: %q", bad, m.Text)
				}
			}
			u.Send("Pavel")
			h.next(c, last(c), l.askModel)
			u.Send("+7 912 345-67-80")
			m := h.next(c, last(c), isPhone[l.code])
			if !strings.Contains(m.Text, l.askModel) {
				t.Errorf("model: the question is not asked again: %q", m.Text)
			}
			u.Send("Lada 2107")
			h.next(c, last(c), l.askYear)
			h.noRejections()
		})
	}
}

// A name needs a letter, a car and a problem a letter or a digit: "...", "!!!" and emoji alone
// are asked again (the tester's finding 14: only the length was checked, so "🚗🚗" passed and
// "😀" did not); "ВАЗ 2107" passes.
func TestNameCarAndProblemNeedWords(t *testing.T) {
	t.Parallel()
	l := langs[0]
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "P", LanguageCode: l.code})
	c := u.Chat()
	h.toName(u, l, "+79120000052")
	for _, bad := range []string{"...", "🚗🚗", "!?"} {
		u.Send(bad)
		if m := h.next(c, last(c), "Напишите имя текстом"); !strings.Contains(m.Text, l.askName) {
			t.Errorf("name %q: the question is not asked again: %q", bad, m.Text)
		}
	}
	u.Send("Павел")
	h.next(c, last(c), l.askModel)
	for _, bad := range []string{"!!!", "🚗🚗", "—"} {
		u.Send(bad)
		if m := h.next(c, last(c), "Напишите марку и модель"); !strings.Contains(m.Text, l.askModel) {
			t.Errorf("model %q: the question is not asked again: %q", bad, m.Text)
		}
	}
	u.Send("ВАЗ 2107")
	h.next(c, last(c), l.askYear)
	u.Send("2010")
	h.next(c, last(c), "Госномер")
	u.Send("а123вс 77")
	h.next(c, last(c), "Опишите, что случилось")
	u.Send("???")
	h.next(c, last(c), "Опишите проблему текстом")
	u.Send("Стук слева")
	h.next(c, last(c), "Выберите удобное время")
	h.noRejections()
}

func TestNewOrderRefusesPhonesAndExplainsSkip(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	s.say(s.manager, "/new", "Телефон клиента")
	s.say(s.manager, "8 912 000-05-01", "Имя клиента")
	m := s.say(s.manager, "89120000501", "похоже на номер телефона")
	if !strings.Contains(m.Text, "Имя клиента") {
		t.Errorf("name: %q", m.Text)
	}
	s.say(s.manager, "Анна", "Марка и модель")
	s.say(s.manager, "8 (912) 000-05-01", "похоже на номер телефона")
	s.say(s.manager, "Lada Granta", "Госномер")
	// There is no Skip button at this step: the text says how to skip.
	m = s.say(s.manager, "?!", "от 4 до 12 букв")
	if strings.Contains(m.Text, "Пропустить") || !strings.Contains(m.Text, "«-» — пропустить") || len(m.Inline) != 0 {
		t.Errorf("the plate error does not match its keyboard: %q %+v", m.Text, m.Inline)
	}
	s.say(s.manager, "-", "Что нужно сделать")
	s.h.noRejections()
}

// A photo without a caption at the problem step is kept, a few words are
// asked for, and the summary and the order have both.
func TestPhotoWithoutCaptionIsKept(t *testing.T) {
	t.Parallel()
	photoSaved := map[string]string{"ru": "Фото сохранил", "en": "Photo saved"}
	photo := map[string]string{"ru": "(есть фото)", "en": "(photo attached)"}
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tgemu.Options{}, nil)
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "F", LanguageCode: l.code})
			c := u.Chat()
			h.toName(u, l, "+79120000052")
			u.Send("Fedor")
			h.next(c, last(c), l.askModel)
			u.Send("Kia Rio")
			h.press(u, h.next(c, last(c), l.askYear), "")
			h.press(u, h.next(c, last(c), l.askPlate), "")
			h.next(c, last(c), l.askProblem)
			u.SendPhoto([]byte("\x89PNG fake photo bytes"), "")
			h.next(c, last(c), photoSaved[l.code])
			u.Send("leaks oil")
			slots := h.next(c, last(c), l.askSlot)
			h.press(u, slots, l.noSlotButton)
			summary := h.next(c, slots.ID, l.summary)
			if !strings.Contains(summary.Text, "leaks oil") || !strings.Contains(summary.Text, photo[l.code]) {
				t.Errorf("summary lacks the text or the photo: %q", summary.Text)
			}
			h.press(u, summary, l.confirm)
			booked := h.card(c, summary.ID, "1001")
			// That it is a request until the shop confirms it is said once.
			if n := strings.Count(booked.Text, map[string]string{"ru": "подтверд", "en": "confirm"}[l.code]); n != 1 {
				t.Errorf("the booked card says %d times that the shop will confirm:\n%s", n, booked.Text)
			}
			if n := h.count(`SELECT count(*) FROM orders WHERE problem = 'leaks oil' AND photo_file_id <> ''`); n != 1 {
				t.Errorf("orders with the text and the photo: %d", n)
			}
			h.noRejections()
		})
	}
}

// The lead source of the first /start survives a /cancel: "/start
// src_flyer", /cancel, a plain /start and a booking is a flyer's order.
func TestLeadSourceSurvivesCancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	l := langs[0]
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "L", LanguageCode: l.code})
	c := u.Chat()
	u.Start("src_flyer")
	h.next(c, 0, l.askPhone)
	u.Send("/cancel")
	h.next(c, last(c), "Запись отменена")
	h.book(u, l, "+79120000053", "Lev", "Kia Rio", "noise")
	if n := h.count(`SELECT count(*) FROM orders WHERE lead_source = 'flyer'`); n != 1 {
		t.Errorf("orders from the flyer: %d", n)
	}
	if n := h.count(`SELECT count(*) FROM clients WHERE lead_source = 'flyer'`); n != 1 {
		t.Errorf("clients from the flyer: %d", n)
	}
	h.noRejections()
}

// /help and /my during a booking end with the question it waits on, whose
// buttons work; the summary's Edit menu changes the phone, checked as at the
// first step.
func TestHelpMidBookingAndEditPhone(t *testing.T) {
	t.Parallel()
	labels := map[string]struct{ help, noOrders, editWhat, phone string }{
		"ru": {"/my — мои заказы", "нет заказов", "Что изменить", "Телефон"},
		"en": {"/my — my orders", "no orders yet", "What would you like to change", "Phone"},
	}
	for _, l := range langs {
		t.Run(l.code, func(t *testing.T) {
			t.Parallel()
			lb := labels[l.code]
			h := newHarness(t, tgemu.Options{}, nil)
			h.start()
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "H", LanguageCode: l.code})
			c := u.Chat()
			u.Start("")
			h.next(c, 0, l.askPhone)
			u.Send("+79120000061")
			h.next(c, last(c), l.askName)
			u.Send("Hanna")
			h.next(c, last(c), l.askModel)
			u.Send("Kia Rio")
			h.next(c, last(c), l.askYear)

			u.Send("/help")
			help := h.next(c, last(c), lb.help)
			if !strings.Contains(help.Text, l.askYear) || len(help.Inline) == 0 {
				t.Errorf("/help does not end with the pending question: %q %+v", help.Text, help.Inline)
			}
			h.press(u, help, "")
			h.next(c, help.ID, l.askPlate)
			u.Send("/my")
			my := h.next(c, last(c), lb.noOrders)
			if !strings.Contains(my.Text, l.askPlate) {
				t.Errorf("/my does not end with the pending question: %q", my.Text)
			}
			h.press(u, my, "")
			h.next(c, my.ID, l.askProblem)
			u.Send("noise")
			slots := h.next(c, last(c), l.askSlot)
			h.press(u, slots, l.noSlotButton)
			summary := h.next(c, slots.ID, l.summary)

			h.press(u, summary, "✏️")
			menu := h.card(c, summary.ID, lb.editWhat)
			h.press(u, menu, lb.phone)
			q := h.next(c, summary.ID, l.askPhone)
			if len(q.Reply) == 0 {
				t.Errorf("the phone question has no contact button")
			}
			u.Send("12")
			h.next(c, q.ID, l.badPhone)
			u.Send("+7 912 000-00-62")
			summary = h.next(c, last(c), l.summary)
			if !strings.Contains(summary.Text, "+79120000062") || !strings.Contains(summary.Text, "Hanna") {
				t.Errorf("summary after the phone edit: %q", summary.Text)
			}
			h.press(u, summary, l.confirm)
			h.card(c, summary.ID, "1001")
			if n := h.count(`SELECT count(*) FROM clients WHERE phone = '+79120000062' AND telegram_user_id = $1`, u.ID()); n != 1 {
				t.Errorf("client with the edited phone: %d", n)
			}
			h.noRejections()
		})
	}
}
