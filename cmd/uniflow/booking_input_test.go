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
			u.Start("")
			h.next(c, 0, l.askPhone)
			u.Send("+79120000051")
			h.next(c, last(c), l.askName)
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
			u.Start("")
			h.next(c, 0, l.askPhone)
			u.Send("+79120000052")
			h.next(c, last(c), l.askName)
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
