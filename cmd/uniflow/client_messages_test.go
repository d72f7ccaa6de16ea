package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// A client's free text reaches the staff group as a copy; the client hears it was passed on; a
// mechanic may not answer; a manager's reply to the copy goes to the client and is recorded; a
// second message is marked answered by phone with the button; a stranger's question is copied
// too, in their language; the owner's digest lists what waits too long, with a button that
// opens it.
func TestClientMessagesReachStaffAndAnswersReachClient(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, map[string]string{"UNANSWERED_MINUTES": "45"})
	owner := h.newOwner("ru")
	manager := h.emu.NewUser(tgemu.UserOptions{FirstName: "Mira", LanguageCode: "ru"})
	mech := h.emu.NewUser(tgemu.UserOptions{FirstName: "Mech", LanguageCode: "ru"})
	group := h.emu.NewGroup("Staff", true)
	h.env["STAFF_CHAT_ID"] = itoa64(group.ID())
	h.start()
	h.hire(owner, manager, "manager")
	h.hire(owner, mech, "mechanic")

	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Petr", LanguageCode: "ru"})
	c := client.Chat()
	h.book(client, langs[0], "+79120000031", "Пётр", "Kia Rio", "стучит подвеска")

	client.Send("Когда будет готово? <b>срочно</b>")
	h.next(c, last(c), "Передали ваше сообщение менеджеру, ответим здесь же")
	cp := h.next(group, 0, "Сообщение клиента")
	for _, want := range []string{"Пётр", "№1001", "+79120000031", "Когда будет готово? <b>срочно</b>"} {
		if !strings.Contains(cp.Text, want) {
			t.Errorf("the copy lacks %q:\n%s", want, cp.Text)
		}
	}
	// Lines right after join the first copy, which is redrawn with them: neither a second copy
	// nor a second acknowledgement (the tester's finding 13: 25 lines made 20 copies).
	before := len(c.BotMessages())
	client.Send("И сколько это стоит?")
	client.Send("Я на связи до вечера")
	h.card(group, cp.ID, "Я на связи до вечера")
	h.waitCount(3, `SELECT count(*) FROM client_messages WHERE answered_at IS NULL`)
	time.Sleep(300 * time.Millisecond) // a copy of its own would have come by now
	if n := len(c.BotMessages()); n != before {
		t.Errorf("the next lines were acknowledged again: %d bot messages, want %d", n, before)
	}
	copies := 0
	for _, m := range group.BotMessages() {
		if strings.Contains(m.Text, "Сообщение клиента") {
			copies++
		}
	}
	if copies != 1 {
		t.Errorf("the group got %d copies of three lines in a row, want 1:\n%s", copies, group.Transcript())
	}
	if got := h.card(group, cp.ID, "Я на связи до вечера").Text; !strings.Contains(got, "И сколько это стоит?") || !strings.Contains(got, "Когда будет готово?") {
		t.Errorf("the copy does not show the whole burst:\n%s", got)
	}

	// The mechanic is refused; nothing reaches the client.
	if _, err := mech.ReplyIn(group, cp, "я посмотрю"); err != nil {
		t.Fatal(err)
	}
	refused := h.next(group, cp.ID, "Отвечать клиентам могут")
	// The manager's reply goes to the client, and answers every line of the burst.
	if _, err := manager.ReplyIn(group, cp, "Завтра к обеду, 5 000 ₽"); err != nil {
		t.Fatal(err)
	}
	sent := h.next(group, refused.ID, "Ответ отправлен клиенту")
	ans := h.next(c, 0, "Ответ автосервиса")
	if !strings.Contains(ans.Text, "Завтра к обеду, 5 000 ₽") {
		t.Errorf("the client got %q", ans.Text)
	}
	if strings.Contains(c.Transcript(), "я посмотрю") {
		t.Errorf("the mechanic's reply reached the client:\n%s", c.Transcript())
	}
	if n := h.count(`SELECT count(*) FROM client_messages m JOIN staff s ON s.id = m.answered_by
		WHERE m.text LIKE 'Когда будет%' AND s.telegram_user_id = $1 AND m.answer = 'Завтра к обеду, 5 000 ₽'`, manager.ID()); n != 1 {
		t.Errorf("answered by the manager: %d rows", n)
	}
	h.waitCount(0, `SELECT count(*) FROM client_messages WHERE answered_at IS NULL`)

	// After the answer the client's next line is a new conversation: a copy of its own.
	client.Send("Спасибо, а можно пораньше?")
	cp2 := h.next(group, sent.ID, "Спасибо, а можно пораньше?")
	before = len(c.BotMessages())

	// Answered by phone: the button marks it and the copy says who.
	h.answered(h.press(manager, cp2, "Ответил"))
	h.card(group, cp2.ID, "Ответил(а) Mira")
	h.waitCount(0, `SELECT count(*) FROM client_messages WHERE answered_at IS NULL`)
	if got := len(c.BotMessages()); got != before {
		t.Errorf("the client got %d bot messages after the answer by phone, want %d", got, before)
	}

	// A stranger writes in English, without /start: copied, and told how to book.
	stranger := h.emu.NewUser(tgemu.UserOptions{FirstName: "Ann", LanguageCode: "en"})
	stranger.Send("How much is an oil change?")
	ack := h.next(stranger.Chat(), 0, "We passed your message to the manager")
	if !strings.Contains(ack.Text, "/start") {
		t.Errorf("the stranger's acknowledgement: %q", ack.Text)
	}
	h.next(group, cp2.ID, "How much is an oil change?")

	// Waiting an hour: the owner's digest lists it, and its button opens it.
	if _, err := h.pool.Exec(context.Background(), `UPDATE client_messages SET created_at = $1 WHERE answered_at IS NULL`,
		time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	oc := owner.Chat()
	before2 := last(oc)
	owner.Send("/jobs")
	jobs := h.next(oc, before2, "daily_summary")
	h.answered(h.press(owner, jobs, "daily_summary"))
	digest := h.next(oc, jobs.ID, "без ответа")
	if !strings.Contains(digest.Text, "Ann") {
		t.Errorf("digest line: %s", digest.Text)
	}
	h.answered(h.press(owner, digest, "💬 Ann"))
	open := h.next(oc, digest.ID, "How much is an oil change?")
	h.answered(h.press(owner, open, "Ответил"))
	h.card(oc, open.ID, "Ответил(а)")
	h.waitCount(0, `SELECT count(*) FROM client_messages WHERE answered_at IS NULL`)
	h.noRejections()
}
