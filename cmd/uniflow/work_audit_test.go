package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// End-to-end tests closing the gaps an audit of issue 4 found: a service added through the bot
// with its norm hours, repeat intervals edited in the chat, catalog prices changed after approval,
// and /new with a real slot.

// itemRow is a catalog item as stored, read straight from catalog_items.
type itemRow struct {
	kind, unit            string
	price, norm, minStock int64
	repeatDays, repeatKm  *int
}

func (s *workShop) itemRow(sku string) itemRow {
	s.h.t.Helper()
	var r itemRow
	err := s.h.pool.QueryRow(context.Background(), `
SELECT kind, unit, price, norm_milli, min_stock_milli, repeat_days, repeat_km
FROM catalog_items WHERE sku = $1`, sku).Scan(&r.kind, &r.unit, &r.price, &r.norm, &r.minStock, &r.repeatDays, &r.repeatKm)
	if err != nil {
		s.h.t.Fatalf("catalog item %s: %v", sku, err)
	}
	return r
}

func intp(p *int) string {
	if p == nil {
		return "NULL"
	}
	return strconv.Itoa(*p)
}

// A manager adds a service through the bot (name, SKU, price, norm hours; no unit, no stock) and
// sets repeat intervals in days and/or km on a service and on a part; every answer lands in
// catalog_items, and an answer that is not an interval changes nothing.
func TestCatalogServiceAndRepeatInTheChat(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h, mgr := s.h, s.manager.Chat()
	s.item(crm.ItemInput{Kind: crm.ItemPart, SKU: "OIL-5W30", Name: "Масло моторное 5W-30", Unit: "л", Price: 80000, MinStock: 2 * crm.QtyUnit}, 0)

	cat := s.say(s.manager, "/catalog", "Каталог · позиций: 1")
	s.tap(s.manager, cat, "➕ Услуга")
	h.next(mgr, cat.ID, "Название позиции")
	s.say(s.manager, "Замена ремня ГРМ <с роликами>", "Артикул")
	// A service has no unit question: the SKU is followed by the price.
	s.say(s.manager, "SRV-GRM", "Цена за единицу")
	s.say(s.manager, "6 500", "Норма-часы")
	s.say(s.manager, "два", "Не понял число")
	item := s.say(s.manager, "2,5", "Сохранено")
	for _, want := range []string{"Замена ремня ГРМ <с роликами>", "услуга", "артикул SRV-GRM", "Цена: 6 500,00 ₽ за усл", "Норма: 2,5 ч"} {
		if !strings.Contains(item.Text, want) {
			t.Errorf("service card lacks %q: %q", want, item.Text)
		}
	}
	if strings.Contains(item.Text, "Повторить") || strings.Contains(item.Text, "минимум") {
		t.Errorf("service card shows a repeat or stock: %q", item.Text)
	}
	if r := s.itemRow("SRV-GRM"); r.kind != "service" || r.unit != "усл" || r.price != 650000 || r.norm != 2500 ||
		r.minStock != 0 || r.repeatDays != nil || r.repeatKm != nil {
		t.Errorf("service row: %+v", r)
	}
	if n := h.count(`SELECT count(*) FROM catalog_items WHERE kind = 'service' AND name = 'Замена ремня ГРМ <с роликами>'`); n != 1 {
		t.Errorf("%d service rows", n)
	}

	// The repeat interval, edited from the saved card: days and km, km alone, days alone, none.
	repeat := func(card tgemu.Message, answer, want string) tgemu.Message {
		t.Helper()
		s.tap(s.manager, card, "Повтор")
		h.next(mgr, card.ID, "Через сколько повторить")
		return s.say(s.manager, answer, want)
	}
	item = repeat(item, "180 60000", "Повторить через: 180 дн. / 60000 км")
	if r := s.itemRow("SRV-GRM"); intp(r.repeatDays) != "180" || intp(r.repeatKm) != "60000" || r.price != 650000 || r.norm != 2500 {
		t.Errorf("after \"180 60000\": %+v days %s km %s", r, intp(r.repeatDays), intp(r.repeatKm))
	}
	item = repeat(item, "60000 км", "Повторить через: — дн. / 60000 км")
	if r := s.itemRow("SRV-GRM"); r.repeatDays != nil || intp(r.repeatKm) != "60000" {
		t.Errorf("after \"60000 км\": days %s km %s", intp(r.repeatDays), intp(r.repeatKm))
	}
	// Not an interval: asked again, the row keeps what it had.
	s.tap(s.manager, item, "Повтор")
	h.next(mgr, item.ID, "Через сколько повторить")
	s.say(s.manager, "через год", "Не понял число")
	if r := s.itemRow("SRV-GRM"); r.repeatDays != nil || intp(r.repeatKm) != "60000" {
		t.Errorf("after a bad answer: days %s km %s", intp(r.repeatDays), intp(r.repeatKm))
	}
	item = s.say(s.manager, "730 дней", "Повторить через: 730 дн. / — км")
	if r := s.itemRow("SRV-GRM"); intp(r.repeatDays) != "730" || r.repeatKm != nil {
		t.Errorf("after \"730 дней\": days %s km %s", intp(r.repeatDays), intp(r.repeatKm))
	}
	item = repeat(item, "-", "Сохранено")
	if strings.Contains(item.Text, "Повторить") {
		t.Errorf("a cleared interval is still shown: %q", item.Text)
	}
	if r := s.itemRow("SRV-GRM"); r.repeatDays != nil || r.repeatKm != nil || r.norm != 2500 {
		t.Errorf("after \"-\": %+v days %s km %s", r, intp(r.repeatDays), intp(r.repeatKm))
	}

	// A part found by search: its interval is set and its stock fields are kept.
	found := s.say(s.manager, "/catalog OIL-5W30", "найдено: 1")
	s.tap(s.manager, found, "1")
	card := h.card(mgr, found.ID, "Цена: 800,00 ₽")
	repeat(card, "365 10000", "Повторить через: 365 дн. / 10000 км")
	if r := s.itemRow("OIL-5W30"); intp(r.repeatDays) != "365" || intp(r.repeatKm) != "10000" ||
		r.kind != "part" || r.unit != "л" || r.price != 80000 || r.minStock != 2000 {
		t.Errorf("part row: %+v days %s km %s", r, intp(r.repeatDays), intp(r.repeatKm))
	}
	// The norm hours of the service are edited too, and parsed like quantities.
	found = s.say(s.manager, "/catalog SRV-GRM", "найдено: 1")
	s.tap(s.manager, found, "1")
	card = h.card(mgr, found.ID, "Норма: 2,5 ч")
	s.tap(s.manager, card, "Норма-часы")
	h.next(mgr, found.ID, "Норма-часы?")
	s.say(s.manager, "3.25", "Норма: 3,25 ч")
	if r := s.itemRow("SRV-GRM"); r.norm != 3250 {
		t.Errorf("norm %d after \"3.25\"", r.norm)
	}
	h.noRejections()
}

// A price changed in the catalog after the client approved the lines never changes the approved
// price: not the order's totals, not the client's estimate card, not the fixed invoice. A line
// added after the change takes the new price, as a supplement of its own.
func TestCatalogPriceChangeAfterApproval(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h, mgr, mc := s.h, s.manager.Chat(), s.mech.Chat()
	oil := s.item(crm.ItemInput{Kind: crm.ItemPart, SKU: "OIL-5W30", Name: "Масло моторное 5W-30", Unit: "л", Price: 80000}, 10*crm.QtyUnit)
	srv := s.item(crm.ItemInput{Kind: crm.ItemService, SKU: "SRV-1", Name: "Замена масла в двигателе", Price: 150000, Norm: 500}, 0)
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	cc := client.Chat()
	card := s.assigned(client, "+79120000501")

	s.tap(s.mech, card, "Смета")
	work := h.card(mc, card.ID, "Работ и запчастей пока нет")
	work = s.addLine(s.mech, work, "➕ Работа", "замена", "1", "1")
	s.addLine(s.mech, work, "➕ Запчасть", "5w-30", "1", "4")
	open := s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, open, "Смета")
	mwork := h.card(mgr, open.ID, "Итого: 4 700,00 ₽")
	s.tap(s.manager, mwork, "Смета клиенту")
	est := h.next(cc, 0, "Смета по заказу №1001")
	s.tap(client, est, "Согласовать всё (2)")
	est = h.card(cc, est.ID, "Спасибо! Согласовано на 4 700,00 ₽")
	decided := h.next(mgr, 0, "клиент решил по смете")

	// Now the catalog prices go up: the oil through the bot, the service from the shell's side.
	found := s.say(s.manager, "/catalog OIL-5W30", "найдено: 1")
	s.tap(s.manager, found, "1")
	item := h.card(mgr, found.ID, "Цена: 800,00 ₽")
	s.tap(s.manager, item, "Цена")
	h.next(mgr, found.ID, "Цена за единицу")
	s.say(s.manager, "950", "Цена: 950,00 ₽ за л")
	ctx := context.Background()
	if _, err := s.svc.UpdateItem(ctx, crm.Actor{StaffID: s.managerStaff.ID}, srv.ID, crm.ItemInput{
		Kind: crm.ItemService, SKU: "SRV-1", Name: srv.Name, Price: 200000, Norm: 500,
	}); err != nil {
		t.Fatal(err)
	}
	if n := h.count(`SELECT count(*) FROM order_lines WHERE (item_id = $1 AND price = 80000 AND amount = 320000) OR (item_id = $2 AND price = 150000)`, oil.ID, srv.ID); n != 2 {
		t.Errorf("approved lines re-priced: %d of 2 keep their price", n)
	}
	if n := h.count(`SELECT count(*) FROM line_decisions WHERE price IN (80000, 150000)`); n != 2 {
		t.Errorf("%d decisions at the approved prices", n)
	}
	// The order's totals, as staff see them, are the approved ones.
	open = s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, open, "Смета")
	mwork = h.card(mgr, open.ID, "Итого: 4 700,00 ₽")
	for _, want := range []string{"4 л × 800,00 ₽ = 3 200,00 ₽", "1 усл × 1 500,00 ₽"} {
		if !strings.Contains(mwork.Text, want) {
			t.Errorf("work view lacks %q: %q", want, mwork.Text)
		}
	}
	e, err := s.svc.Estimate(ctx, 0+mustOrderID(t, s, 1001))
	if err != nil {
		t.Fatal(err)
	}
	if e.Totals.Total != 470000 || e.Approved.Total != 470000 || e.Pending() != 0 {
		t.Errorf("estimate totals %d, approved %d, pending %d", e.Totals.Total, e.Approved.Total, e.Pending())
	}

	// One more litre after the change is a supplement at the new price; the client's card shows
	// the approved line at the old price beside it.
	mcard := s.say(s.mech, "/queue", "Заказ №1001 · ")
	s.tap(s.mech, mcard, "В работу")
	mcard = h.card(mc, mcard.ID, "в работе")
	s.tap(s.mech, mcard, "Смета")
	work = h.card(mc, mcard.ID, "Итого")
	work = s.addLine(s.mech, work, "➕ Запчасть", "5w-30", "1", "1")
	if !strings.Contains(work.Text, "1 л × 950,00 ₽") || !strings.Contains(work.Text, "4 л × 800,00 ₽") {
		t.Errorf("mechanic's view after the supplement: %q", work.Text)
	}
	open = s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, open, "Смета")
	mwork = h.card(mgr, open.ID, "Итого: 5 650,00 ₽")
	s.tap(s.manager, mwork, "Смета клиенту")
	sup := h.next(cc, est.ID, "Смета по заказу №1001")
	for _, want := range []string{"4 л × 800,00 ₽ = 3 200,00 ₽", "1 усл × 1 500,00 ₽", "1 л × 950,00 ₽"} {
		if !strings.Contains(sup.Text, want) {
			t.Errorf("client's supplement card lacks %q: %q", want, sup.Text)
		}
	}
	s.tap(client, sup, "Согласовать всё (1)")
	sup = h.card(cc, sup.ID, "Спасибо! Согласовано на 5 650,00 ₽")
	if strings.Contains(sup.Text, "2 000,00") || strings.Contains(sup.Text, "3 800,00") {
		t.Errorf("the client's card shows a catalog price: %q", sup.Text)
	}
	h.next(mgr, decided.ID, "согласовано 3")

	// Ready: the fixed invoice carries the approved prices.
	mcard = s.say(s.mech, "/queue", "Заказ №1001 · ")
	s.tap(s.mech, mcard, "Готов")
	h.card(mc, mcard.ID, "готов к выдаче")
	inv := h.next(cc, 0, "Счёт по заказу №1001")
	for _, want := range []string{"Итого: 5 650,00 ₽", "3 200,00 ₽", "1 500,00 ₽", "950,00 ₽"} {
		if !strings.Contains(inv.Text, want) {
			t.Errorf("invoice lacks %q: %q", want, inv.Text)
		}
	}
	if strings.Contains(inv.Text, "2 000,00") || strings.Contains(inv.Text, "3 800,00") {
		t.Errorf("the invoice shows a catalog price: %q", inv.Text)
	}
	if n := h.count(`SELECT count(*) FROM invoices WHERE total = 565000 AND labour = 150000 AND parts = 415000`); n != 1 {
		t.Errorf("invoice rows with the approved totals: %d", n)
	}
	// A later catalog change does not reach the fixed invoice either.
	if _, err := s.svc.UpdateItem(ctx, crm.Actor{StaffID: s.managerStaff.ID}, oil.ID, crm.ItemInput{
		Kind: crm.ItemPart, SKU: "OIL-5W30", Name: oil.Name, Unit: "л", Price: 120000,
	}); err != nil {
		t.Fatal(err)
	}
	if e, err = s.svc.Estimate(ctx, e.Card.Order.ID); err != nil {
		t.Fatal(err)
	}
	if e.Invoice == nil || e.Invoice.Total != 565000 || e.Totals.Total != 565000 {
		t.Errorf("after another catalog change: invoice %+v, totals %d", e.Invoice, e.Totals.Total)
	}
	s.ledgerMatches()
	h.noRejections()
}

func mustOrderID(t *testing.T, s *workShop, number int64) int64 {
	t.Helper()
	c, err := s.svc.OrderByNumber(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return c.Order.ID
}

// slotOf is the time a slot button stands for: the id in its callback data (action:id:version:arg,
// base 36) is the slot's Unix time.
func slotOf(t *testing.T, b tgemu.Button) time.Time {
	t.Helper()
	parts := strings.Split(b.CallbackData, ":")
	if len(parts) < 3 {
		t.Fatalf("slot button %q: data %q", b.Text, b.CallbackData)
	}
	sec, err := strconv.ParseInt(parts[1], 36, 64)
	if err != nil || sec == 0 {
		t.Fatalf("slot button %q: data %q", b.Text, b.CallbackData)
	}
	return time.Unix(sec, 0)
}

// slotButtons are the buttons of a slot question that stand for a time.
func slotButtons(m tgemu.Message, noSlot string) []tgemu.Button {
	var bs []tgemu.Button
	for _, row := range m.Inline {
		for _, b := range row {
			if !strings.Contains(b.Text, noSlot) {
				bs = append(bs, b)
			}
		}
	}
	return bs
}

// /new with a real time: the order gets that slot, staff see it on the card, and the slot is no
// longer offered to a client booking, nor accepted from a list the client was shown before.
func TestNewOrderWithSlot(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h, mgr := s.h, s.manager.Chat()
	l := langs[0]

	// A client opens the slot list first and keeps it.
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	c := client.Chat()
	before := s.toSlots(client, "+79120000601")

	slots := s.newOrderToSlots("+7 912 000-06-02", "Анна", "Lada Granta", "Скрипят тормоза")
	offered := slotButtons(slots, "Без времени")
	if len(offered) < 2 {
		t.Fatalf("slots offered to the manager: %+v", slots.Inline)
	}
	pick := offered[0]
	at := slotOf(t, pick)
	var stale *tgemu.Button
	for i, b := range slotButtons(before, l.noSlotButton) {
		if slotOf(t, b).Equal(at) {
			stale = &slotButtons(before, l.noSlotButton)[i]
		}
	}
	if stale == nil {
		t.Fatalf("the client was not offered %s (%q): %+v", at, pick.Text, before.Inline)
	}
	s.tap(s.manager, slots, pick.Text)
	sum := h.next(mgr, slots.ID, "Новый заказ")
	if !strings.Contains(sum.Text, "Время: "+pick.Text) {
		t.Errorf("summary does not hold the slot %q: %q", pick.Text, sum.Text)
	}
	s.tap(s.manager, sum, "Подтвердить")
	card := h.card(mgr, sum.ID, "Заказ №1001 создан")
	if !strings.Contains(card.Text, pick.Text) {
		t.Errorf("order card does not show the slot %q: %q", pick.Text, card.Text)
	}
	if n := h.count(`SELECT count(*) FROM orders o JOIN clients c ON c.id = o.client_id
WHERE o.number = 1001 AND c.phone = '+79120000602' AND o.slot = $1 AND o.status = 'accepted'`, at); n != 1 {
		t.Errorf("order 1001 is not at %s", at)
	}

	// The client presses that time on the list shown before: refused, asked again without it
	// (in a new message or by redrawing the old one).
	h.pressData(client, before, stale.CallbackData)
	again, err := c.Await(awaitTimeout, func(m tgemu.Message) bool {
		if m.ID < before.ID || !strings.Contains(m.Text, l.askSlot) {
			return false
		}
		bs := slotButtons(m, l.noSlotButton)
		for _, b := range bs {
			if slotOf(t, b).Equal(at) || b.Text == pick.Text {
				return false
			}
		}
		return len(bs) > 0
	})
	if err != nil {
		t.Fatalf("no slot question without the taken %q: %v\n%s", pick.Text, err, c.Transcript())
	}
	// The client takes the next time offered: two orders, two slots.
	h.press(client, again, slotButtons(again, l.noSlotButton)[0].Text)
	summary := h.next(c, before.ID, l.summary)
	h.press(client, summary, l.confirm)
	h.card(c, summary.ID, "1002")
	if n := h.count(`SELECT count(DISTINCT slot) FROM orders WHERE slot IS NOT NULL`); n != 2 {
		t.Errorf("%d distinct slots over 2 orders", n)
	}
	if n := h.count(`SELECT count(*) FROM orders WHERE slot = $1`, at); n != 1 {
		t.Errorf("%d orders at the manager's slot", n)
	}

	// A second /new is not offered the taken time either.
	slots = s.newOrderToSlots("+7 912 000-06-03", "Олег", "Kia Rio", "ТО")
	for _, b := range slotButtons(slots, "Без времени") {
		if slotOf(t, b).Equal(at) {
			t.Errorf("the taken slot %q is offered to /new again", pick.Text)
		}
	}
	h.noRejections()
}

// A client books the time a manager picked in /new before the manager confirms: the manager is
// told the time was just taken and picks again; nothing fails, one order per slot.
func TestNewOrderSlotTakenBeforeConfirm(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h, mgr := s.h, s.manager.Chat()
	l := langs[0]

	slots := s.newOrderToSlots("+7 912 000-07-02", "Анна", "Lada Granta", "Скрипят тормоза")
	pick := slotButtons(slots, "Без времени")[0]
	at := slotOf(t, pick)
	s.tap(s.manager, slots, pick.Text)
	sum := h.next(mgr, slots.ID, "Новый заказ")

	// Meanwhile a client books that very time.
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	c := client.Chat()
	list := s.toSlots(client, "+79120000701")
	h.press(client, list, pick.Text)
	summary := h.next(c, list.ID, l.summary)
	h.press(client, summary, l.confirm)
	h.card(c, summary.ID, "1001")

	after := last(mgr)
	if a := s.tap(s.manager, sum, "Подтвердить"); !strings.Contains(a.Text, "только что заняли") {
		t.Errorf("confirm on a taken slot answered %q", a.Text)
	}
	again := h.next(mgr, after, "Выберите удобное время")
	for _, b := range slotButtons(again, "Без времени") {
		if slotOf(t, b).Equal(at) {
			t.Errorf("the taken slot %q is offered again", pick.Text)
		}
	}
	s.tap(s.manager, again, "Без времени")
	sum = h.next(mgr, again.ID, "Новый заказ")
	s.tap(s.manager, sum, "Подтвердить")
	h.card(mgr, sum.ID, "создан")
	if n := h.count(`SELECT count(*) FROM orders WHERE slot = $1`, at); n != 1 {
		t.Errorf("%d orders at the contested slot", n)
	}
	if n := h.count(`SELECT count(*) FROM orders`); n != 2 {
		t.Errorf("%d orders, want the client's and the manager's", n)
	}
	h.noRejections()
}

// newOrderToSlots walks the manager through /new for a client with phone, name and car (no
// plate) and problem, up to the slot question, and returns it.
func (s *workShop) newOrderToSlots(phone, name, car, problem string) tgemu.Message {
	s.h.t.Helper()
	s.say(s.manager, "/new", "Телефон клиента")
	s.say(s.manager, phone, "Имя клиента")
	s.say(s.manager, name, "Марка и модель")
	s.say(s.manager, car, "Госномер")
	s.say(s.manager, "-", "Что нужно сделать")
	return s.say(s.manager, problem, "Выберите удобное время")
}

// toSlots books as a new Russian-speaking client with phone up to the slot question, and returns it.
func (s *workShop) toSlots(client *tgemu.User, phone string) tgemu.Message {
	s.h.t.Helper()
	h, c, l := s.h, client.Chat(), langs[0]
	client.Start("")
	h.next(c, 0, l.askPhone)
	if _, err := client.ShareContact(phone); err != nil {
		h.t.Fatal(err)
	}
	h.next(c, last(c), l.askName)
	client.Send("Иван")
	h.next(c, last(c), l.askModel)
	client.Send("Kia Rio")
	h.press(client, h.next(c, last(c), l.askYear), "")
	h.next(c, last(c), l.askPlate)
	client.Send("А123ВС77")
	h.next(c, last(c), l.askProblem)
	client.Send("Стучит")
	return h.next(c, last(c), l.askSlot)
}
