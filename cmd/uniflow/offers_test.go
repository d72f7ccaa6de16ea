package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// seedVisit makes u a client who consented to offers, with a Lada whose oil was changed
// (a catalog service due every 180 days) daysAgo days ago, and returns the visit's order id.
func (h *harness) seedVisit(u *tgemu.User, daysAgo int) int64 {
	h.t.Helper()
	ctx := context.Background()
	at := time.Now().AddDate(0, 0, -daysAgo)
	var clientID, vehicleID, itemID, orderID int64
	q := func(sql string, dst *int64, args ...any) {
		h.t.Helper()
		if err := h.pool.QueryRow(ctx, sql, args...).Scan(dst); err != nil {
			h.t.Fatalf("%s: %v", sql, err)
		}
	}
	q(`INSERT INTO clients (phone, name, telegram_user_id, chat_id, language, marketing_consent)
		VALUES ('+79120000077', 'Ольга', $1, $1, 'ru', true) RETURNING id`, &clientID, u.ID())
	q(`INSERT INTO vehicles (client_id, make, model) VALUES ($1, 'Lada', 'Vesta') RETURNING id`, &vehicleID, clientID)
	q(`INSERT INTO catalog_items (kind, name, unit, price, repeat_days) VALUES ('service', 'Замена масла', 'усл', 150000, 180)
		RETURNING id`, &itemID)
	q(`INSERT INTO orders (branch_id, client_id, vehicle_id, problem, status, created_at, updated_at)
		VALUES ((SELECT id FROM branches WHERE is_default), $1, $2, 'ТО', 'closed', $3, $3) RETURNING id`,
		&orderID, clientID, vehicleID, at)
	var lineID int64
	q(`INSERT INTO order_lines (order_id, kind, item_id, name, unit, qty_milli, price, approval, approved_price,
		approved_qty_milli) VALUES ($1, 'labour', $2, 'Замена масла', 'усл', 1000, 150000, 'approved', 150000, 1000)
		RETURNING id`, &lineID, orderID, itemID)
	var eventID int64
	q(`INSERT INTO order_events (order_id, actor_kind, from_status, to_status, created_at)
		VALUES ($1, 'system', 'ready', 'delivered', $2) RETURNING id`, &eventID, orderID, at)
	return orderID
}

// crm is a service on the program's database, standing in for the scheduler's run at its time.
func (h *harness) crm() *crm.Service {
	return crm.New(h.pool, crm.Options{})
}

// newClient is the client seedVisit makes a returning one (its name matches the seeded row).
func (h *harness) newClient() *tgemu.User {
	return h.emu.NewUser(tgemu.UserOptions{FirstName: "Ольга", LanguageCode: "ru"})
}

// welcomeBack has a seeded client start the bot, which Telegram requires before the bot may
// write to them, and waits for the greeting of a returning client.
func (h *harness) welcomeBack(client *tgemu.User) {
	h.t.Helper()
	client.Start("")
	h.next(client.Chat(), 0, "С возвращением")
}

// askRating runs the scheduler's feedback scan now and returns the rating question it sent.
func (h *harness) askRating(client *tgemu.User) tgemu.Message {
	h.t.Helper()
	if _, err := h.crm().EnqueueFeedbackRequests(context.Background(), time.Now(), nil); err != nil {
		h.t.Fatalf("EnqueueFeedbackRequests: %v", err)
	}
	return h.next(client.Chat(), 0, "Оцените")
}

// An offer's Book opens the booking with the car and the service filled in, the next question
// the time; the order booked is attributed to the offer. Unsubscribe clears the consent.
func TestOfferBookAndUnsubscribe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	client := h.newClient()
	c := client.Chat()
	h.seedVisit(client, 200)
	h.start()
	h.welcomeBack(client)

	// The scheduler's catch-up at start may have made it first: either way, one offer.
	if _, err := h.crm().EnqueueOffers(context.Background(), time.Now(), nil); err != nil {
		t.Fatalf("EnqueueOffers: %v", err)
	}
	offer := h.next(c, 0, "Замена масла")
	if n := h.count(`SELECT count(*) FROM offers`); n != 1 {
		t.Errorf("%d offers, want 1", n)
	}
	if !strings.Contains(offer.Text, "7 месяцев с прошлого визита") || !strings.Contains(offer.Text, "Lada Vesta") {
		t.Errorf("offer text: %q", offer.Text)
	}
	var offerID int64
	if err := h.pool.QueryRow(context.Background(), `SELECT id FROM offers`).Scan(&offerID); err != nil {
		t.Fatal(err)
	}

	h.press(client, offer, "Записаться")
	slots := h.next(c, offer.ID, langs[0].askSlot)
	if !strings.Contains(slots.Text, "Записываем: Замена масла") {
		t.Errorf("slot question: %q, want the offered service named", slots.Text)
	}
	h.press(client, slots, langs[0].noSlotButton)
	summary := h.next(c, slots.ID, langs[0].summary)
	if !strings.Contains(summary.Text, "Замена масла") || !strings.Contains(summary.Text, "Lada Vesta") {
		t.Errorf("summary: %q, want the service and the car filled in", summary.Text)
	}
	h.press(client, summary, langs[0].confirm)
	h.card(c, summary.ID, "№")
	h.waitCount(1, `SELECT count(*) FROM offers WHERE converted_order_id IS NOT NULL`)
	if n := h.count(`SELECT count(*) FROM offers f JOIN orders o ON o.id = f.converted_order_id
		WHERE f.id = $1 AND o.lead_source = $2 AND o.problem = 'Замена масла'`, offerID, crm.OfferLeadSource(offerID)); n != 1 {
		t.Errorf("order attributed to the offer: %d rows, want 1", n)
	}

	h.press(client, offer, "Отписаться")
	h.next(c, last(c), "Вы отписались")
	if n := h.count(`SELECT count(*) FROM clients WHERE marketing_consent`); n != 0 {
		t.Errorf("%d clients still consent after Unsubscribe", n)
	}
	h.noRejections()
}

// A rating is one tap; a low one alerts the owner at once; a second tap is told the first stands.
func TestRatingAfterDelivery(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner, client := h.newOwner("ru"), h.newClient()
	orderID := h.seedVisit(client, 0) // delivered just now
	h.start()
	owner.Send("/start")
	h.next(owner.Chat(), 0, "")
	h.waitCount(1, `SELECT count(*) FROM staff WHERE chat_id IS NOT NULL`)
	c := client.Chat()
	h.welcomeBack(client)

	ask := h.askRating(client)
	h.press(client, ask, "2")
	h.card(c, ask.ID, "ваша оценка — 2 из 5")
	alert := h.next(owner.Chat(), 0, "Низкая оценка")
	if !strings.Contains(alert.Text, "2 из 5") {
		t.Errorf("owner alert: %q", alert.Text)
	}
	// The old copy of the buttons, pressed again (a double tap that raced the edit).
	id, err := client.PressData(ask, buttonData(t, ask, "5"))
	if err != nil {
		t.Fatal(err)
	}
	if a := h.answered(id); !strings.Contains(a.Text, "уже записана") {
		t.Errorf("second tap answered %q, want told it is recorded", a.Text)
	}
	if n := h.count(`SELECT count(*) FROM order_feedback WHERE order_id = $1 AND rating = 2`, orderID); n != 1 {
		t.Errorf("rating stored: %d rows, want the first (2)", n)
	}
	h.noRejections()
}

// An owner walks /campaign: a segment by make, the count, the message, confirm; the clients
// counted get it with Book and Unsubscribe, and nobody else does.
func TestCampaignWalk(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner, client := h.newOwner("ru"), h.newClient()
	h.seedVisit(client, 10) // nothing due yet: no offer of its own
	h.start()
	c, o := client.Chat(), owner.Chat()
	h.welcomeBack(client)

	client.Send("/campaign")
	h.next(c, last(c), "для сотрудников")

	owner.Send("/campaign")
	menu := h.next(o, 0, "Получат: 1")
	h.press(owner, menu, "Марка/модель")
	h.next(o, menu.ID, "марку")
	owner.Send("Kia")
	menu = h.next(o, last(o), "Получат: 0")
	h.press(owner, menu, "Сбросить")
	menu = h.next(o, menu.ID, "Получат: 1")
	h.press(owner, menu, "Визит до")
	h.next(o, menu.ID, "ДД.ММ.ГГГГ")
	owner.Send("31.02.2026")
	h.next(o, last(o), "Не понял дату")
	owner.Send(time.Now().AddDate(0, 0, 1).Format("02.01.2006"))
	menu = h.next(o, last(o), "Получат: 1")
	h.press(owner, menu, "Написать сообщение")
	h.next(o, menu.ID, "текст рассылки")
	owner.Send("Скидка 10% на <диагностику> до конца месяца")
	preview := h.next(o, last(o), "Отправить?")
	h.press(owner, preview, "Отправить")
	h.card(o, preview.ID, "очередь: 1 получатель.")

	msg := h.next(c, 0, "Скидка 10% на <диагностику>")
	if !strings.Contains(strings.Join([]string{msg.Inline[0][0].Text, msg.Inline[1][0].Text}, "|"), "Записаться|🔕 Отписаться") {
		t.Errorf("campaign buttons: %+v", msg.Inline)
	}
	if n := h.count(`SELECT count(*) FROM offers WHERE kind = 'campaign'`); n != 1 {
		t.Errorf("%d campaign offers, want 1", n)
	}

	// The client opens it; the owner's next /campaign shows how the last one did, then the menu.
	h.answered(h.press(client, msg, "Записаться"))
	h.waitCount(1, `SELECT count(*) FROM offers WHERE opened_at IS NOT NULL`)
	h.waitCount(1, `SELECT count(*) FROM outbox WHERE kind = 'offer' AND state = 'sent'`)
	before := last(o)
	owner.Send("/campaign")
	res := h.next(o, before, "Как сработали рассылки")
	if !strings.Contains(res.Text, "Скидка 10% на <диагностику>") ||
		!strings.Contains(res.Text, "1 получатель → доставлено 1 → открыли 1 → записались 0 → оплатили 0") {
		t.Errorf("campaign results:\n%s", res.Text)
	}
	h.next(o, res.ID, "Получат:")
	h.noRejections()
}

// A good rating from a client who never agreed to offers asks whether to remind them; yes
// records the consent.
func TestHighRatingAsksForConsent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	client := h.newClient()
	h.seedVisit(client, 0)
	if _, err := h.pool.Exec(context.Background(), `UPDATE clients SET marketing_consent = false`); err != nil {
		t.Fatal(err)
	}
	h.start()
	c := client.Chat()
	h.welcomeBack(client)
	ask := h.askRating(client)
	h.press(client, ask, "5")
	asked := h.card(c, ask.ID, "Напомнить, когда подойдёт срок")
	h.press(client, asked, "Да, напоминайте")
	h.next(c, ask.ID, "будем напоминать")
	if n := h.count(`SELECT count(*) FROM clients WHERE marketing_consent`); n != 1 {
		t.Errorf("consent not recorded")
	}
	h.noRejections()
}

// Staff record a car's odometer reading by order number, for km-based offers.
func TestKMReading(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner, client := h.newOwner("ru"), h.newClient()
	h.seedVisit(client, 30)
	h.start()
	o := owner.Chat()
	owner.Send("/km 1001 много")
	h.next(o, 0, "/km 1001 52300")
	owner.Send("/km 9999 52300")
	h.next(o, last(o), "Не нашёл такой заказ")
	owner.Send("/km 1001 52300")
	h.next(o, last(o), "записан (заказ №1001)")
	client.Send("/km 1001 1")
	h.next(client.Chat(), 0, "для сотрудников")
	// A mechanic records readings on his own orders only; 1001 is nobody's.
	mech := h.emu.NewUser(tgemu.UserOptions{FirstName: "Мастер", LanguageCode: "ru"})
	h.hire(owner, mech, "mechanic")
	m := mech.Chat()
	mech.Send("/km 1001 60000")
	h.next(m, last(m), "нет прав")
	if n := h.count(`SELECT count(*) FROM vehicle_mileage WHERE order_id IS NOT NULL`); n != 1 {
		t.Errorf("%d readings, want the owner's 1", n)
	}
	if n := h.count(`SELECT count(*) FROM vehicle_mileage WHERE km = 52300 AND order_id IS NOT NULL`); n != 1 {
		t.Errorf("%d readings, want 1", n)
	}
	h.noRejections()
}
