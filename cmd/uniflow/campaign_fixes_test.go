package main

import (
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// Send on an old preview must not send the newer text: it is refused as out of date and the
// current preview shown; Send on the current preview sends what it showed.
func TestCampaignStalePreview(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner, client := h.newOwner("ru"), h.newClient()
	h.seedVisit(client, 10)
	h.start()
	c, o := client.Chat(), owner.Chat()
	h.welcomeBack(client)

	owner.Send("/campaign")
	menu := h.next(o, 0, "Получат: 1")
	h.press(owner, menu, "Написать сообщение")
	h.next(o, menu.ID, "текст рассылки")
	owner.Send("Сообщение А")
	previewA := h.next(o, last(o), "Отправить?")
	// Writing again: the menu's Write button is still the dialog's.
	h.press(owner, menu, "Написать сообщение")
	h.next(o, previewA.ID, "текст рассылки")
	owner.Send("Сообщение Б")
	previewB := h.next(o, last(o), "Отправить?")
	if !strings.Contains(previewB.Text, "Сообщение Б") {
		t.Fatalf("preview B: %q", previewB.Text)
	}

	id := h.press(owner, previewA, "Отправить")
	if a := h.answered(id); !strings.Contains(a.Text, "устарел") || !a.ShowAlert {
		t.Errorf("Send on the old preview answered %+v, want an out-of-date alert", a)
	}
	again := h.next(o, previewB.ID, "Отправить?")
	if !strings.Contains(again.Text, "Сообщение Б") {
		t.Errorf("current preview shown: %q", again.Text)
	}
	if n := h.count(`SELECT count(*) FROM campaigns`); n != 0 {
		t.Fatalf("%d campaigns after Send on a stale preview, want 0", n)
	}

	h.press(owner, again, "Отправить")
	h.card(o, again.ID, "очередь: 1 получатель.")
	h.next(c, 0, "Сообщение Б")
	if n := h.count(`SELECT count(*) FROM campaigns WHERE message = 'Сообщение Б'`); n != 1 {
		t.Errorf("campaigns with B: %d, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM campaigns`); n != 1 {
		t.Errorf("%d campaigns, want 1", n)
	}
	h.noRejections()
}

// A text of only invisible characters is refused as empty; absurd segment dates are refused
// with the range allowed, and nothing set before is lost.
func TestCampaignBadInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner, client := h.newOwner("ru"), h.newClient()
	h.seedVisit(client, 10)
	h.start()
	o := owner.Chat()
	h.welcomeBack(client)

	owner.Send("/campaign")
	menu := h.next(o, 0, "Получат: 1")
	h.press(owner, menu, "Визит после")
	h.next(o, menu.ID, "ДД.ММ.ГГГГ")
	owner.Send("01.01.0001")
	h.next(o, last(o), "Дата должна быть между 01.01.2000")
	owner.Send("01.01.9999")
	h.next(o, last(o), "Дата должна быть между 01.01.2000")
	owner.Send("01.01.2020")
	menu = h.next(o, last(o), "⏩ 01.01.2020")

	h.press(owner, menu, "Написать сообщение")
	h.next(o, menu.ID, "текст рассылки")
	owner.Send("\u200b\u200b\u200b")
	h.next(o, last(o), "Я жду ответ текстом") // the request layer cleans it to nothing
	owner.Send("\u200bПривет\u200b")
	preview := h.next(o, last(o), "Отправить?")
	if strings.Contains(preview.Text, "\u200b") {
		t.Errorf("preview keeps the invisible characters: %q", preview.Text)
	}
	if n := h.count(`SELECT count(*) FROM campaigns`); n != 0 {
		t.Errorf("%d campaigns, want 0", n)
	}
	h.noRejections()
}
