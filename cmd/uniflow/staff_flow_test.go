package main

import (
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// A client's photo reaches staff with the card; a mechanic takes the request
// from the staff group and finds it in /queue with only his moves.
func TestMechanicTakesRequestWithPhoto(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.emu.NewUser(tgemu.UserOptions{FirstName: "Owner", LanguageCode: "ru"})
	mech := h.emu.NewUser(tgemu.UserOptions{FirstName: "Mech", LanguageCode: "ru"})
	group := h.emu.NewGroup("Staff", true)
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(owner.ID())
	h.env["STAFF_CHAT_ID"] = itoa64(group.ID())
	h.start()
	h.hire(owner, mech, "mechanic")

	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "C", LanguageCode: "ru"})
	c := client.Chat()
	client.Start("")
	h.next(c, 0, langs[0].askPhone)
	client.Send("+79120000012")
	h.next(c, last(c), langs[0].askName)
	client.Send("Клиент")
	h.next(c, last(c), langs[0].askModel)
	client.Send("Kia Rio")
	year := h.next(c, last(c), langs[0].askYear)
	h.press(client, year, "Пропустить")
	plate := h.next(c, last(c), langs[0].askPlate)
	h.press(client, plate, "Пропустить")
	h.next(c, last(c), langs[0].askProblem)
	client.SendPhoto([]byte("\x89PNG fake photo bytes"), "") // no caption: kept, and a word asked for
	h.next(c, last(c), "Фото сохранил")
	client.SendPhoto([]byte("\x89PNG fake photo bytes"), "Течёт <масло> & стучит")
	slots := h.next(c, last(c), langs[0].askSlot)
	h.press(client, slots, langs[0].noSlotButton)
	summary := h.next(c, last(c), langs[0].summary)
	if !strings.Contains(summary.Text, "Течёт <масло> & стучит (есть фото)") {
		t.Errorf("summary: %q", summary.Text)
	}
	h.press(client, summary, langs[0].confirm)
	booked := h.card(c, summary.ID, "1001")

	if n := h.count(`SELECT count(*) FROM orders WHERE photo_file_id <> '' AND problem = 'Течёт <масло> & стучит'`); n != 1 {
		t.Errorf("order with photo: %d rows", n)
	}
	photo, err := group.Await(awaitTimeout, func(m tgemu.Message) bool { return m.Kind == "photo" })
	if err != nil {
		t.Fatalf("no photo in the staff group: %v\n%s", err, group.Transcript())
	}
	if !strings.Contains(photo.Caption, "1001") {
		t.Errorf("photo caption %q", photo.Caption)
	}
	req := h.next(group, photo.ID, "Новая заявка")
	h.press(mech, req, "Взять")
	h.card(group, req.ID, "Механик: Mech")
	h.next(c, booked.ID, "Заказ №1001: принят")

	mech.Send("/queue")
	card := h.next(mech.Chat(), last(mech.Chat()), "№1001")
	var labels []string
	for _, row := range card.Inline {
		for _, b := range row {
			labels = append(labels, b.Text)
		}
	}
	got := strings.Join(labels, "|")
	if !strings.Contains(got, "Диагностика") || strings.Contains(got, "Назначить") || strings.Contains(got, "Отменить") {
		t.Errorf("the mechanic's buttons: %q, want Diagnose and no manager's buttons", got)
	}
	h.noRejections()
}

// A notice that meets flood control and a server error is retried and
// arrives exactly once.
func TestNoticeSurvivesTelegramErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("en")
	h.start()
	h.staffHello(owner)
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "C", LanguageCode: "en"})
	booked := h.book(client, langs[1], "+79120000013", "Cli", "Kia Rio", "noise")

	h.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: client.ID(), Times: 1}, tgemu.TooManyRequests(1))
	h.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: client.ID(), Times: 1, Nth: 2}, tgemu.InternalError())
	req := h.next(owner.Chat(), 0, "1001")
	h.press(owner, req, "Take")
	h.next(client.Chat(), booked.ID, "Order No. 1001: accepted")
	h.waitCount(1, `SELECT count(*) FROM outbox WHERE kind = 'status_changed' AND state = 'sent'`)
	if n := h.count(`SELECT attempts FROM outbox WHERE kind = 'status_changed'`); n < 1 {
		t.Errorf("attempts %d: the faults did not bite", n)
	}
	var notices int
	for _, m := range client.Chat().BotMessages() {
		if strings.HasPrefix(m.Text, "Order No. 1001: ") {
			notices++
		}
	}
	if notices != 1 {
		t.Errorf("the client saw %d notices, want 1", notices)
	}
}
