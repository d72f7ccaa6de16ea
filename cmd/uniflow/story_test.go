package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// The main job end to end: a client books in the chat, staff take the
// request and a mechanic moves the order, the client is told at each step,
// and the owner gets the day's summary. between runs between steps, so the
// same story can be played with a restart or duplicate delivery in the way.
func playStory(t *testing.T, h *harness, between func()) {
	emu := h.emu
	owner := emu.NewUser(tgemu.UserOptions{FirstName: "Ольга", Username: "olga_owner", LanguageCode: "ru"})
	mech := emu.NewUser(tgemu.UserOptions{FirstName: "Пётр", LanguageCode: "ru"})
	mgr := emu.NewUser(tgemu.UserOptions{FirstName: "Мария", LanguageCode: "ru"})
	client := emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	group := emu.NewGroup("Staff", true)
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(owner.ID())
	h.env["STAFF_CHAT_ID"] = itoa64(group.ID())
	h.start()

	// The owner adds staff; staff say hello so the bot knows their chats.
	owner.Send("/staff add " + itoa64(mech.ID()) + " mechanic")
	h.next(owner.Chat(), 0, "добавлен")
	owner.Send("/staff add " + itoa64(mgr.ID()) + " manager")
	h.next(owner.Chat(), last(owner.Chat()), "добавлен")
	mech.Send("/help")
	h.next(mech.Chat(), 0, "/queue")
	mgr.Send("/help")
	h.next(mgr.Chat(), 0, "/queue")
	between()

	// The client books, tripping over a bad phone on the way.
	cc := client.Chat()
	client.Start("src_avito")
	h.next(cc, 0, "Поделитесь номером")
	between()
	client.Send("12")
	h.next(cc, last(cc), "Не получилось разобрать номер")
	// The note and the question again come as one message.
	if _, err := client.ShareContact("8 912 345-67-89"); err != nil {
		t.Fatalf("share contact: %v\n%s", err, cc.Transcript())
	}
	h.next(cc, last(cc), "Как к вам обращаться")
	between()
	client.Send("<b>Иван</b> & Co <3")
	h.next(cc, last(cc), "Марка и модель")
	client.Send("Kia Rio")
	h.next(cc, last(cc), "Год выпуска")
	between()
	client.Send("2017")
	h.next(cc, last(cc), "Госномер")
	client.Send("а123вс 77")
	h.next(cc, last(cc), "Опишите, что случилось")
	client.Send("Стучит подвеска спереди справа")
	slots := h.next(cc, last(cc), "Выберите удобное время")
	between()
	h.press(client, slots, slots.Inline[0][0].Text)
	summary := h.next(cc, last(cc), "Проверьте заявку")
	if !strings.Contains(summary.Text, "<b>Иван</b> & Co <3") || !strings.Contains(summary.HTML, "&lt;b&gt;Иван&lt;/b&gt; &amp; Co &lt;3") {
		t.Errorf("the name is not shown literally: text %q, html %q", summary.Text, summary.HTML)
	}
	between()
	h.press(client, summary, "Подтвердить")
	booked := h.card(cc, summary.ID, "№1001")
	if !strings.Contains(booked.Text, "заявка") {
		t.Errorf("the client is not told this is a request: %q", booked.Text)
	}

	// The CRM card exists with its lead source.
	if n := h.count(`SELECT count(*) FROM clients WHERE phone = '+79123456789' AND lead_source = 'avito' AND telegram_user_id = $1`, client.ID()); n != 1 {
		t.Errorf("client rows: %d", n)
	}
	if n := h.count(`SELECT count(*) FROM vehicles WHERE make = 'Kia' AND model = 'Rio' AND year = 2017 AND plate = 'А123ВС77'`); n != 1 {
		t.Errorf("vehicle rows: %d", n)
	}
	if n := h.count(`SELECT count(*) FROM orders WHERE number = 1001 AND status = 'new'`); n != 1 {
		t.Errorf("order rows: %d", n)
	}
	between()

	// The staff group gets the request; the manager assigns the mechanic.
	req := h.next(group, 0, "Новая заявка")
	h.press(mgr, req, "Назначить")
	menu := h.card(group, req.ID, "Кому назначить")
	mechLast := last(mech.Chat())
	h.press(mgr, menu, "Пётр")
	h.card(group, req.ID, "Механик: Пётр")
	assigned := h.next(mech.Chat(), mechLast, "Вам назначен заказ")
	h.next(cc, booked.ID, "Заказ №1001: принят")
	between()

	// The mechanic works the order from the assigned card.
	h.press(mech, assigned, "Диагностика")
	card := h.card(mech.Chat(), assigned.ID, "диагностика")
	h.next(cc, booked.ID, "Заказ №1001: диагностика")
	between()

	// A double tap on "Start work" moves the order once.
	data := buttonData(t, card, "В работу")
	first, err := mech.PressData(card, data)
	if err != nil {
		t.Fatal(err)
	}
	h.answered(first)
	second, err := mech.PressData(card, data)
	if err != nil {
		t.Fatal(err)
	}
	if a := h.answered(second); !strings.Contains(a.Text, "устарела") {
		t.Errorf("second tap answered %q, want the out-of-date note", a.Text)
	}
	card = h.card(mech.Chat(), assigned.ID, "в работе")
	h.next(cc, booked.ID, "Заказ №1001: в работе")
	between()

	h.press(mech, card, "Готов")
	h.card(mech.Chat(), assigned.ID, "готов к выдаче")
	h.next(cc, booked.ID, "Заказ №1001: готов к выдаче")
	// The client's live card was redrawn in place.
	h.card(cc, booked.ID, "готов к выдаче")
	between()

	// The manager hands the car over from the open orders list.
	mgr.Send("/orders")
	open := h.next(mgr.Chat(), last(mgr.Chat()), "№1001")
	h.press(mgr, open, "Выдан")
	h.card(mgr.Chat(), open.ID, "выдан")
	h.next(cc, booked.ID, "Заказ №1001: выдан")
	client.Send("/my")
	h.next(cc, last(cc), "№1001 · выдан")
	between()

	// The owner's summary for the day goes out through the outbox.
	svc := crm.New(h.pool, crm.Options{Now: time.Now, Location: mustLocation(t, h.env["SHOP_TIMEZONE"]), Region: "RU"})
	if _, err := svc.EnqueueDailySummaries(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	summaryMsg := h.next(owner.Chat(), last(owner.Chat()), "Итоги дня")
	for _, want := range []string{"Новых заявок: 1", "Выдано: 1"} {
		if !strings.Contains(summaryMsg.Text, want) {
			t.Errorf("summary lacks %q:\n%s", want, summaryMsg.Text)
		}
	}

	// Every move is an event, each once.
	var moves []string
	rows, err := h.pool.Query(context.Background(), `SELECT coalesce(from_status, '') || '>' || to_status FROM order_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		moves = append(moves, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{">new", "new>accepted", "accepted>diagnosing", "diagnosing>in_progress", "in_progress>ready", "ready>delivered"}
	if diff := cmp.Diff(want, moves); diff != "" {
		t.Errorf("order events (-want +got):\n%s", diff)
	}
	// The sender records the outcome just after the message is out.
	h.waitCount(0, `SELECT count(*) FROM outbox WHERE state <> 'sent' OR telegram_message_id IS NULL`)
	if n := h.count(`SELECT count(*) FROM outbox WHERE state <> 'sent' OR telegram_message_id IS NULL`); n != 0 {
		var rows []string
		r, _ := h.pool.Query(context.Background(), `SELECT kind || ' ' || state || ' ' || coalesce(last_error, '') FROM outbox WHERE state <> 'sent' OR telegram_message_id IS NULL`)
		for r.Next() {
			var s string
			_ = r.Scan(&s)
			rows = append(rows, s)
		}
		t.Errorf("%d outbox rows not delivered: %q", n, rows)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'status_changed'`); n != 5 {
		t.Errorf("%d status notices, want 5", n)
	}
	if rejected := emu.Rejected(); len(rejected) > 0 {
		t.Errorf("the emulator rejected %d calls: %+v", len(rejected), rejected)
	}
	if strings.Contains(h.logs.String(), emu.Token()) {
		t.Errorf("the log holds the bot token")
	}
	if t.Failed() || testing.Verbose() {
		for _, c := range []*tgemu.Chat{cc, group, mgr.Chat(), mech.Chat(), owner.Chat()} {
			t.Logf("chat %d:\n%s", c.ID(), c.Transcript())
		}
	}
}

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestStory(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	playStory(t, h, func() {})
}

func TestStoryWithDuplicateDelivery(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.emu.SetDuplicateDelivery(true)
	playStory(t, h, func() {})
}

func TestStoryWithRestarts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	playStory(t, h, h.restart)
}
