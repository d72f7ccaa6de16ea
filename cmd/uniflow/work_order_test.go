package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// End-to-end tests of order work (issue 4) through the emulator: catalog, lines, per-line
// approval in the chat, supplements, stock, invoice, payments, papers, /new.

// workShop is a running program with an owner, a manager and a mechanic who have opened the bot,
// and a service on the same database to seed and check the catalog.
type workShop struct {
	h                     *harness
	svc                   *crm.Service
	owner, manager, mech  *tgemu.User
	managerStaff, mechRow crm.Staff
}

func newWorkShop(t *testing.T, extra map[string]string) *workShop {
	t.Helper()
	h := newHarness(t, tgemu.Options{}, extra)
	s := &workShop{h: h}
	s.owner = h.emu.NewUser(tgemu.UserOptions{FirstName: "Ольга", LanguageCode: "ru"})
	s.manager = h.emu.NewUser(tgemu.UserOptions{FirstName: "Мария", LanguageCode: "ru"})
	s.mech = h.emu.NewUser(tgemu.UserOptions{FirstName: "Пётр", LanguageCode: "ru"})
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(s.owner.ID())
	h.start()
	h.hire(s.owner, s.mech, "mechanic")
	h.hire(s.owner, s.manager, "manager")
	s.say(s.mech, "/help", "/queue")
	s.say(s.manager, "/help", "/catalog")
	s.svc = crm.New(h.pool, crm.Options{Location: time.UTC})
	var err error
	if s.managerStaff, err = s.svc.StaffByTelegramID(context.Background(), s.manager.ID()); err != nil {
		t.Fatal(err)
	}
	if s.mechRow, err = s.svc.StaffByTelegramID(context.Background(), s.mech.ID()); err != nil {
		t.Fatal(err)
	}
	return s
}

// say sends text as u and waits for the bot's answer holding expect.
func (s *workShop) say(u *tgemu.User, text, expect string) tgemu.Message {
	s.h.t.Helper()
	c := u.Chat()
	after := last(c)
	u.Send(text)
	return s.h.next(c, after, expect)
}

// tap presses a button and waits for the bot's answer to the press.
func (s *workShop) tap(u *tgemu.User, m tgemu.Message, label string) tgemu.CallbackAnswer {
	s.h.t.Helper()
	return s.h.answered(s.h.press(u, m, label))
}

func (s *workShop) item(in crm.ItemInput, stock crm.Qty) crm.CatalogItem {
	s.h.t.Helper()
	ctx := context.Background()
	it, err := s.svc.CreateItem(ctx, crm.Actor{StaffID: s.managerStaff.ID}, in)
	if err != nil {
		s.h.t.Fatal(err)
	}
	if stock > 0 {
		if it, err = s.svc.ReceiveStock(ctx, crm.Actor{StaffID: s.managerStaff.ID}, it.ID, stock, nil, "остаток"); err != nil {
			s.h.t.Fatal(err)
		}
	}
	return it
}

// assigned books an order for client (phone) and has the manager assign it to the mechanic, who
// starts diagnosis; it returns the mechanic's card of the order.
func (s *workShop) assigned(client *tgemu.User, phone string) tgemu.Message {
	s.h.t.Helper()
	h := s.h
	h.book(client, langs[0], phone, "Иван", "Kia Rio", "Стучит спереди")
	req := h.next(s.manager.Chat(), 0, "Новая заявка")
	s.tap(s.manager, req, "Назначить")
	menu := h.card(s.manager.Chat(), req.ID, "Кому назначить")
	mechLast := last(s.mech.Chat())
	s.tap(s.manager, menu, "Пётр")
	card := h.next(s.mech.Chat(), mechLast, "Вам назначен заказ")
	s.tap(s.mech, card, "Диагностика")
	return h.card(s.mech.Chat(), card.ID, "диагностика")
}

// addLine adds a catalog line from the work view as u: the kind button, a search, a pick, a
// quantity typed; it returns the work view that follows.
func (s *workShop) addLine(u *tgemu.User, work tgemu.Message, kindButton, search, pick, qty string) tgemu.Message {
	s.h.t.Helper()
	c := u.Chat()
	s.tap(u, work, kindButton)
	s.h.card(c, work.ID, "Напишите название или артикул")
	list := s.say(u, search, "«"+search+"»")
	s.tap(u, list, pick)
	s.h.card(c, list.ID, " за ")
	return s.say(u, qty, "Добавлено")
}

func (s *workShop) ledgerMatches() {
	s.h.t.Helper()
	if n := s.h.count(`
SELECT count(*) FROM catalog_items i
WHERE i.on_hand_milli <> coalesce((SELECT sum(on_hand_delta) FROM stock_movements m WHERE m.item_id = i.id), 0)
	OR i.reserved_milli <> coalesce((SELECT sum(reserved_delta) FROM stock_movements m WHERE m.item_id = i.id), 0)
	OR i.reserved_milli <> coalesce((SELECT sum(reserved_milli) FROM order_lines l WHERE l.item_id = i.id), 0)`); n != 0 {
		s.h.t.Errorf("%d items whose stock differs from the ledger", n)
	}
}

// The whole life of an order's work: lines from the catalog, the estimate approved line by line
// in the chat, a stale button refused, a supplement approved on its own, a part that is short
// ("need part" → receipt → resume), ready → invoice → partial payment → payment → delivered with
// the papers → closed.
func TestWorkOrderInTheChat(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h := s.h
	oil := s.item(crm.ItemInput{Kind: crm.ItemPart, SKU: "OIL-5W30", Name: "Масло моторное 5W-30", Unit: "л", Price: 80000, MinStock: 7 * crm.QtyUnit}, 10*crm.QtyUnit)
	filter := s.item(crm.ItemInput{Kind: crm.ItemPart, SKU: "FLT-01", Name: "Фильтр масляный", Price: 50000}, 0)
	s.item(crm.ItemInput{Kind: crm.ItemService, SKU: "SRV-1", Name: "Замена масла в двигателе", Price: 150000, Norm: 500}, 0)
	s.item(crm.ItemInput{Kind: crm.ItemService, SKU: "SRV-2", Name: "Диагностика подвески", Price: 120000}, 0)

	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	cc := client.Chat()
	card := s.assigned(client, "+79120000101")

	// The mechanic adds labour and parts from his card.
	s.tap(s.mech, card, "Смета")
	work := h.card(s.mech.Chat(), card.ID, "Работ и запчастей пока нет")
	work = s.addLine(s.mech, work, "➕ Работа", "замена", "1", "1")
	work = s.addLine(s.mech, work, "➕ Работа", "подвес", "1", "1")
	work = s.addLine(s.mech, work, "➕ Запчасть", "5w-30", "1", "4,5")
	if !strings.Contains(work.Text, "4,5 л × 800,00 ₽ = 3 600,00 ₽ · 📦 в резерве") {
		t.Errorf("oil line: %q", work.Text)
	}
	// The reservation took the oil below its minimum: managers are told once.
	mgr := s.manager.Chat()
	h.next(mgr, 0, "Заканчивается Масло моторное 5W-30 · OIL-5W30: свободно 5,5 л, минимум 7 л")
	// A mechanic has no custom lines and no price buttons.
	for _, row := range work.Inline {
		for _, b := range row {
			if strings.Contains(b.Text, "Своя") || strings.Contains(b.Text, "Скидка") || strings.Contains(b.Text, "Смета клиенту") {
				t.Errorf("the mechanic sees %q", b.Text)
			}
		}
	}

	// The manager sends the estimate; the client gets one card with a decision per line.
	open := s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, open, "Смета")
	mwork := h.card(mgr, open.ID, "Итого: 6 300,00 ₽")
	if a := s.tap(s.manager, mwork, "Смета клиенту"); !strings.Contains(a.Text, "отправлена") {
		t.Errorf("send answer %q", a.Text)
	}
	est := h.next(cc, 0, "Смета по заказу №1001")
	h.next(cc, 0, "Заказ №1001: смета на согласовании")
	oldApprove := buttonData(t, est, "1 ✅")
	s.tap(client, est, "1 ✅")
	est = h.card(cc, est.ID, "1. ✅ Замена масла")
	s.tap(client, est, "2 ❌")
	est = h.card(cc, est.ID, "2. ❌ Диагностика подвески")
	// A stale press (the card before those decisions) on a decided line is refused, nothing changes.
	if id, err := client.PressData(est, oldApprove); err != nil {
		t.Fatal(err)
	} else if a := h.answered(id); !strings.Contains(a.Text, "изменилась") {
		t.Errorf("stale press answered %q", a.Text)
	}
	s.tap(client, est, "3 ⏳")
	est = h.card(cc, est.ID, "Спасибо! Согласовано на 1 500,00 ₽")
	if len(est.Inline) != 0 {
		t.Errorf("buttons left on a decided estimate: %+v", est.Inline)
	}
	decided := h.next(mgr, 0, "клиент решил по смете")
	h.next(s.mech.Chat(), 0, "клиент решил по смете") // the mechanic too, before he acts
	if !strings.Contains(decided.Text, "согласовано 1, отказ/отложено 2, ждёт 0") {
		t.Errorf("staff notice: %q", decided.Text)
	}
	if n := h.count(`SELECT count(*) FROM line_decisions WHERE method = 'chat' AND telegram_user_id = $1`, client.ID()); n != 3 {
		t.Errorf("%d decisions by the client", n)
	}
	if n := h.count(`SELECT count(*) FROM deferred_work`); n != 2 {
		t.Errorf("%d deferred lines", n)
	}
	if n := h.count(`SELECT reserved_milli FROM catalog_items WHERE id = $1`, oil.ID); n != 0 {
		t.Errorf("postponed oil still reserved: %d", n)
	}

	// Work starts; the mechanic needs a filter the shop does not have.
	mcard := s.say(s.mech, "/queue", "Заказ №1001 · ")
	s.tap(s.mech, mcard, "В работу")
	mcard = h.card(s.mech.Chat(), mcard.ID, "в работе")
	s.tap(s.mech, mcard, "Смета")
	work = h.card(s.mech.Chat(), mcard.ID, "Итого")
	work = s.addLine(s.mech, work, "➕ Запчасть", "фильтр", "1", "1")
	if !strings.Contains(work.Text, "нет на складе") || !strings.Contains(work.Text, "доп.") {
		t.Errorf("short supplement: %q", work.Text)
	}
	s.tap(s.mech, work, "4")
	line := h.card(s.mech.Chat(), work.ID, "позиция")
	if a := s.tap(s.mech, line, "Нужна запчасть"); !strings.Contains(a.Text, "запрос") {
		t.Errorf("need part answered %q", a.Text)
	}
	h.card(s.mech.Chat(), work.ID, "🔧 заказано")
	needed := h.next(mgr, 0, "Нужна запчасть")
	if !strings.Contains(needed.Text, "Фильтр масляный — 1 шт") {
		t.Errorf("parts notice: %q", needed.Text)
	}
	if n := h.count(`SELECT count(*) FROM orders WHERE status = 'waiting_parts'`); n != 1 {
		t.Errorf("order not waiting for parts")
	}
	// The manager sends the supplement; the client approves it alone.
	mwork = s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, mwork, "Смета")
	mwork = h.card(mgr, mwork.ID, "Итого")
	s.tap(s.manager, mwork, "Смета клиенту")
	sup := h.next(cc, est.ID, "Смета по заказу №1001")
	s.tap(client, sup, "Согласовать всё (1)")
	h.card(cc, sup.ID, "Спасибо! Согласовано на 2 000,00 ₽")
	h.next(mgr, decided.ID, "согласовано 2, отказ/отложено 2")
	h.next(s.mech.Chat(), 0, "согласовано 2, отказ/отложено 2")
	// The filter arrives: reserved for the line, the mechanic is told, work resumes.
	mechLast := last(s.mech.Chat())
	rec := s.say(s.manager, "/receive FLT-01 2 320", "Оприходовано")
	if !strings.Contains(rec.Text, "На складе 2, свободно 1") {
		t.Errorf("receipt: %q", rec.Text)
	}
	arrived := h.next(s.mech.Chat(), mechLast, "Запчасть пришла")
	if !strings.Contains(arrived.Text, "Фильтр масляный") {
		t.Errorf("arrived: %q", arrived.Text)
	}
	mcard = s.say(s.mech, "/queue", "Заказ №1001 · ")
	s.tap(s.mech, mcard, "В работу")
	mcard = h.card(s.mech.Chat(), mcard.ID, "в работе")
	s.tap(s.mech, mcard, "Готов")
	h.card(s.mech.Chat(), mcard.ID, "готов к выдаче")

	// Ready: the invoice is fixed and the client gets it.
	inv := h.next(cc, 0, "Счёт по заказу №1001")
	for _, want := range []string{"Замена масла в двигателе", "Фильтр масляный", "Итого: 2 000,00 ₽", "Оплата при получении"} {
		if !strings.Contains(inv.Text, want) {
			t.Errorf("invoice lacks %q: %q", want, inv.Text)
		}
	}
	// A partial payment in cash, then the rest by card; the client gets a receipt for each.
	pay := func(m tgemu.Message, button, amount, want string) tgemu.Message {
		s.tap(s.manager, m, "Оплата")
		m = h.card(mgr, m.ID, "Осталось")
		s.tap(s.manager, m, button)
		h.card(mgr, m.ID, "сумма оплаты")
		return s.say(s.manager, amount, want)
	}
	mwork = s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, mwork, "Смета")
	mwork = pay(h.card(mgr, mwork.ID, "Итого"), "Наличные", "1000", "Оплата записана: 1 000,00 ₽, наличные")
	h.next(cc, inv.ID, "получена оплата 1 000,00 ₽ (наличные). Оплачено 1 000,00 ₽ из 2 000,00 ₽")
	pay(mwork, "Карта", "1000,00", "✅ оплачен")
	h.next(cc, inv.ID, "Оплачено 2 000,00 ₽ из 2 000,00 ₽")

	open = s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, open, "Выдан")
	h.card(mgr, open.ID, "выдан")
	// Delivered: the parts are written off and the client gets the papers.
	doc, err := cc.Await(awaitTimeout, func(m tgemu.Message) bool { return m.Kind == "document" && strings.HasPrefix(m.FileName, "schet-") })
	if err != nil {
		t.Fatalf("no invoice PDF: %v\n%s", err, cc.Transcript())
	}
	if data, ok := h.emu.FileData(doc.FileID); !ok || !bytes.HasPrefix(data, []byte("%PDF-1.")) {
		t.Errorf("the invoice is not a PDF")
	}
	// Staff see the timeline: every move, line, decision, payment and stock movement.
	open = s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, open, "Смета")
	h.card(mgr, open.ID, "Итого")
	s.tap(s.manager, h.card(mgr, open.ID, "Итого"), "История")
	hist := h.card(mgr, open.ID, "История заказа №1001")
	for _, want := range []string{"Пётр · ➕ Замена масла в двигателе", "Иван · Замена масла в двигателе: ✅ согласовано (в чате)",
		"🔧 нужна запчасть: Фильтр масляный", "📦 резерв: Фильтр масляный — 1", "💳 оплата 1 000,00 ₽ (наличные)",
		"📦 списано: Фильтр масляный — 1", "статус: выдан"} {
		if !strings.Contains(hist.Text, want) {
			t.Errorf("timeline lacks %q:\n%s", want, hist.Text)
		}
	}
	open = s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, open, "Закрыть")
	h.card(mgr, open.ID, "закрыт")
	// The papers on request.
	s.say(s.manager, "/doc 1001", "Заказ №1001: заказ-наряд")
	inv2 := h.next(mgr, 0, "Заказ №1001: счёт")
	if data, ok := h.emu.FileData(inv2.FileID); !ok || !bytes.HasPrefix(data, []byte("%PDF-1.")) {
		t.Errorf("/doc sent no PDF")
	}

	// The database: lines, decisions, ledger, payments, the timeline.
	if n := h.count(`SELECT count(*) FROM stock_movements WHERE kind = 'writeoff' AND on_hand_delta = -1000 AND item_id = $1`, filter.ID); n != 1 {
		t.Errorf("%d filter write-offs", n)
	}
	if n := h.count(`SELECT on_hand_milli FROM catalog_items WHERE id = $1`, filter.ID); n != 1000 {
		t.Errorf("filters on hand: %d", n)
	}
	if n := h.count(`SELECT count(*) FROM payments WHERE amount > 0`); n != 2 {
		t.Errorf("%d payments", n)
	}
	if n := h.count(`SELECT total FROM invoices`); n != 200000 {
		t.Errorf("invoice total %d", n)
	}
	// Each paper is recorded just after it is in the chat.
	h.waitCount(4, `SELECT count(*) FROM order_activity WHERE kind = 'document_sent'`)
	if n := h.count(`SELECT count(*) FROM order_activity WHERE kind = 'document_sent'`); n != 4 {
		t.Errorf("%d documents recorded", n)
	}
	s.ledgerMatches()
	h.waitCount(0, `SELECT count(*) FROM outbox WHERE state <> 'sent'`)
	if n := h.count(`SELECT count(*) FROM outbox WHERE state <> 'sent'`); n != 0 {
		t.Errorf("%d outbox rows not sent", n)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'low_stock'`); n != 1 {
		t.Errorf("%d low-stock alerts", n)
	}
	// Every message each person saw.
	checkGolden(t, "testdata/work_order.golden", workTranscript(map[string]*tgemu.Chat{
		"client": cc, "manager": mgr, "mechanic": s.mech.Chat(),
	}))
	h.noRejections()
}

// A manager takes an order by phone for a client outside Telegram and records the approval given
// by phone; when the client starts the bot with the same phone they are linked and see the order,
// and when they book again with a debt past due, staff see the debt on the new request.
func TestManagerOrderForClientOutsideTelegram(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h, mgr := s.h, s.manager.Chat()
	s.item(crm.ItemInput{Kind: crm.ItemService, SKU: "BRK-1", Name: "Замена тормозных колодок", Price: 150000}, 0)

	s.say(s.manager, "/new", "Телефон клиента")
	s.say(s.manager, "12", "Не получилось разобрать номер")
	s.say(s.manager, "8 912 000-02-01", "Имя клиента")
	s.say(s.manager, "Анна <b>", "Марка и модель")
	s.say(s.manager, "Lada Granta", "Госномер")
	s.say(s.manager, "-", "Что нужно сделать")
	slots := s.say(s.manager, "Скрипят тормоза", "Выберите удобное время")
	s.tap(s.manager, slots, "Без времени")
	sum := h.next(mgr, slots.ID, "Новый заказ")
	if !strings.Contains(sum.Text, "Анна <b>, +79120000201") || !strings.Contains(sum.Text, "Lada Granta") {
		t.Errorf("summary: %q", sum.Text)
	}
	s.tap(s.manager, sum, "Подтвердить")
	card := h.card(mgr, sum.ID, "Заказ №1001 создан")
	if n := h.count(`SELECT count(*) FROM clients WHERE phone = '+79120000201' AND telegram_user_id IS NULL AND lead_source = 'manual' AND name = 'Анна <b>'`); n != 1 {
		t.Errorf("client rows: %d", n)
	}
	if n := h.count(`SELECT count(*) FROM orders WHERE status = 'accepted' AND created_by_staff_id = $1`, s.managerStaff.ID); n != 1 {
		t.Errorf("order rows: %d", n)
	}

	// Staff work the order: diagnosis, a line, the client's approval by phone.
	s.tap(s.manager, card, "Диагностика")
	card = h.card(mgr, card.ID, "диагностика")
	s.tap(s.manager, card, "Смета")
	work := h.card(mgr, card.ID, "Клиента нет в Telegram")
	work = s.addLine(s.manager, work, "➕ Работа", "колод", "1", "1")
	if a := s.tap(s.manager, work, "Смета клиенту"); !strings.Contains(a.Text, "нет в Telegram") {
		t.Errorf("send to an offline client answered %q", a.Text)
	}
	work = h.card(mgr, work.ID, "смета на согласовании")
	s.tap(s.manager, work, "Согласие по телефону")
	h.card(mgr, work.ID, "Записываю решение клиента Анна <b> (по телефону)")
	s.tap(s.manager, h.card(mgr, work.ID, "по телефону"), "1 ✅")
	h.card(mgr, work.ID, "1. ✅ Замена тормозных колодок")
	if n := h.count(`SELECT count(*) FROM line_decisions WHERE method = 'phone' AND recorded_by = $1 AND telegram_user_id IS NULL`, s.managerStaff.ID); n != 1 {
		t.Errorf("phone decisions: %d", n)
	}

	// The client starts the bot with the same phone: linked, sees the order.
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Анна", LanguageCode: "ru"})
	cc := client.Chat()
	client.Start("")
	h.next(cc, 0, langs[0].askPhone)
	if _, err := client.ShareContact("+79120000201"); err != nil {
		t.Fatal(err)
	}
	found := h.next(cc, 0, "Нашёл ваши заказы")
	if !strings.Contains(found.Text, "№1001 · смета согласована") {
		t.Errorf("linked greeting: %q", found.Text)
	}
	menu := h.next(cc, found.ID, "Что дальше")
	if n := h.count(`SELECT count(*) FROM clients WHERE telegram_user_id = $1 AND phone = '+79120000201'`, client.ID()); n != 1 {
		t.Errorf("the client is not linked")
	}

	// The car is delivered unpaid; the debt is past due when the client books again.
	ctx := context.Background()
	id, err := s.svc.OrderByNumber(ctx, 1001)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []crm.Status{crm.StatusInProgress, crm.StatusReady, crm.StatusDelivered} {
		c, err := s.svc.OrderCard(ctx, id.Order.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.Transition(ctx, crm.Actor{StaffID: s.managerStaff.ID}, c.Order.ID, c.Order.Version, to); err != nil {
			t.Fatal(err)
		}
	}
	h.next(cc, menu.ID, "Заказ №1001: выдан")
	doc, err := cc.Await(awaitTimeout, func(m tgemu.Message) bool { return m.Kind == "document" })
	if err != nil || !strings.HasPrefix(doc.FileName, "zakaz-naryad-1001") {
		t.Errorf("papers on delivery: %+v %v", doc, err)
	}
	s.tap(client, menu, "Записаться")
	pick := h.next(cc, menu.ID, "Какую машину")
	s.tap(client, pick, "Lada Granta")
	h.next(cc, pick.ID, langs[0].askProblem)
	client.Send("Снова скрипят")
	slots = h.next(cc, pick.ID, langs[0].askSlot)
	s.tap(client, slots, langs[0].noSlotButton)
	summary := h.next(cc, slots.ID, langs[0].summary)
	s.tap(client, summary, langs[0].confirm)
	h.card(cc, summary.ID, "1002")
	req := h.next(mgr, 0, "Заказ №1002")
	if !strings.Contains(req.Text, "Долг клиента: 1 500,00 ₽") {
		t.Errorf("no debt on the new request: %q", req.Text)
	}
	h.noRejections()
}

// Bad input gets a clear message and changes nothing; long Russian names never break callback
// data or the 4096-character limit (the views page); an approval pressed on a card made before
// the estimate changed is refused with the fresh card.
func TestWorkBadInputAndLongEstimates(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h, mgr := s.h, s.manager.Chat()
	long := strings.Repeat("Очень длинное название запчасти для проверки лимитов ", 4)[:0]
	for len([]rune(long)) < crm.MaxItemNameLen-5 {
		long += "Щётка стеклоочистителя бескаркасная "
	}
	long = string([]rune(long)[:crm.MaxItemNameLen])
	part := s.item(crm.ItemInput{Kind: crm.ItemPart, SKU: "LONG-1", Name: long, Price: 99999}, 1000*crm.QtyUnit)
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	s.assigned(client, "+79120000301")

	open := s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, open, "Смета")
	work := h.card(mgr, open.ID, "Работ и запчастей пока нет")
	s.tap(s.manager, work, "➕ Запчасть")
	list := h.card(mgr, work.ID, "Напишите название")
	s.tap(s.manager, list, "1")
	h.card(mgr, list.ID, " за ")
	for _, tc := range []struct{ in, want string }{
		{"0", "больше нуля"}, {"-1", "больше нуля"}, {"abc", "Не понял число"}, {"1,5,6", "Не понял число"},
		{"1,2345", "Слишком много знаков"}, {"2000000", "Слишком большое число"},
	} {
		s.say(s.manager, tc.in, tc.want)
	}
	if n := h.count(`SELECT count(*) FROM order_lines`); n != 0 {
		t.Fatalf("%d lines after bad quantities", n)
	}
	work = s.say(s.manager, "1.5", "Добавлено")
	if !strings.Contains(work.Text, "1,5 шт × 999,99 ₽ = 1 499,99 ₽") {
		t.Errorf("1.5 read as %q", work.Text)
	}
	work = s.addLine(s.manager, work, "➕ Запчасть", "LONG-1", "1", "1,5")
	if n := h.count(`SELECT count(*) FROM order_lines WHERE qty_milli = 1500`); n != 2 {
		t.Errorf("\"1,5\" and \"1.5\" are not the same: %d lines of 1500", n)
	}
	// Absurd prices and discounts.
	s.tap(s.manager, work, "1")
	line := h.card(mgr, work.ID, "позиция")
	s.tap(s.manager, line, "Цена")
	h.card(mgr, work.ID, "новая цена")
	s.say(s.manager, "100000000", "Слишком большое число")
	work = s.say(s.manager, "1 500,5", "Сохранено")
	if !strings.Contains(work.Text, "1,5 шт × 1 500,50 ₽ = 2 250,75 ₽") {
		t.Errorf("new price: %q", work.Text)
	}
	s.tap(s.manager, work, "Скидка")
	h.card(mgr, work.ID, "скидка")
	s.say(s.manager, "999999", "Скидка больше суммы заказа")
	s.say(s.manager, "101%", "Скидка больше суммы заказа")
	work = s.say(s.manager, "10%", "Скидка: −375,07 ₽ (10%)")

	// The client gets the estimate; the manager then changes a price: the old card's buttons
	// are refused, and the card is redrawn as it is now.
	s.tap(s.manager, work, "Смета клиенту")
	cc := client.Chat()
	est := h.next(cc, 0, "Смета по заказу №1001")
	s.tap(s.manager, h.card(mgr, work.ID, "смета на согласовании"), "2")
	s.tap(s.manager, h.card(mgr, work.ID, "позиция"), "Цена")
	h.card(mgr, work.ID, "новая цена")
	s.say(s.manager, "1000", "Сохранено")
	if a := s.tap(client, est, "2 ✅"); !strings.Contains(a.Text, "Смета изменилась") {
		t.Errorf("stale approval answered %q", a.Text)
	}
	est = h.card(cc, est.ID, "1,5 шт × 1 000,00 ₽")
	if n := h.count(`SELECT count(*) FROM line_decisions`); n != 0 {
		t.Errorf("%d decisions from a stale card", n)
	}

	// Forty lines with 200-character names: the views page, nothing is refused by Telegram.
	ctx := context.Background()
	c, err := s.svc.OrderByNumber(ctx, 1001)
	if err != nil {
		t.Fatal(err)
	}
	for range 38 {
		c, err = s.svc.OrderCard(ctx, c.Order.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.svc.AddLine(ctx, crm.Actor{StaffID: s.managerStaff.ID}, c.Order.ID, c.Order.Version, crm.LineInput{ItemID: part.ID, Qty: crm.QtyUnit}); err != nil {
			t.Fatal(err)
		}
	}
	open = s.say(s.manager, "/orders", "Заказ №1001 · ")
	s.tap(s.manager, open, "Смета")
	work = h.card(mgr, open.ID, "Страница 1 из 3")
	s.tap(s.manager, work, "Дальше")
	work = h.card(mgr, open.ID, "Страница 2 из 3")
	s.tap(s.manager, work, "Смета клиенту")
	est = h.next(cc, est.ID, "Страница 1 из 5")
	s.tap(client, est, "Дальше")
	est = h.card(cc, est.ID, "Страница 2 из 5")
	s.tap(client, est, "9 ✅")
	h.card(cc, est.ID, "9. ✅")
	for _, call := range h.emu.Calls() {
		if d := call.Params["reply_markup"]; len(d) > 0 && call.Method != "answerCallbackQuery" {
			for _, part := range strings.Split(d, `"callback_data":"`)[1:] {
				if end := strings.IndexByte(part, '"'); end > 64 {
					t.Errorf("callback data of %d bytes", end)
				}
			}
		}
	}
	s.ledgerMatches()
	h.noRejections()
}

// Managers keep the catalog in the chat: add an item with a short dialog, search by words or
// SKU page by page, edit a price; mechanics search but do not edit.
func TestCatalogInTheChat(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h, mgr := s.h, s.manager.Chat()
	for i := range 9 {
		s.item(crm.ItemInput{Kind: crm.ItemPart, SKU: "PAD-" + itoa64(int64(i)), Name: "Колодки тормозные " + itoa64(int64(i)), Price: crm.Money(100000 + i)}, 0)
	}
	cat := s.say(s.manager, "/catalog", "Каталог · позиций: 9")
	s.tap(s.manager, cat, "➕ Запчасть")
	h.next(mgr, cat.ID, "Название позиции")
	s.say(s.manager, "Масло моторное 5W-30 <синтетика>", "Артикул")
	s.say(s.manager, "OIL-5W30", "Единица измерения")
	s.say(s.manager, "л", "Цена за единицу")
	s.say(s.manager, "много", "Не понял число")
	s.say(s.manager, "800", "Минимальный остаток")
	item := s.say(s.manager, "2", "Сохранено")
	for _, want := range []string{"Масло моторное 5W-30 <синтетика>", "артикул OIL-5W30", "Цена: 800,00 ₽ за л", "минимум: 2"} {
		if !strings.Contains(item.Text, want) {
			t.Errorf("item card lacks %q: %q", want, item.Text)
		}
	}
	// The same SKU again is refused with a reason.
	s.tap(s.manager, cat, "➕ Запчасть")
	s.say(s.manager, "Другое масло", "Артикул")
	s.say(s.manager, "oil-5w30", "Единица")
	s.say(s.manager, "-", "Цена")
	s.say(s.manager, "1", "Минимальный")
	s.say(s.manager, "-", "Такой артикул уже есть")
	s.say(s.manager, "/cancel", "Отменено")

	// Search by SKU and by words, paged.
	found := s.say(s.manager, "/catalog oil-5w30", "найдено: 1")
	s.tap(s.manager, found, "1")
	card := h.card(mgr, found.ID, "Цена: 800,00 ₽")
	s.tap(s.manager, card, "Цена")
	h.next(mgr, found.ID, "Цена за единицу")
	s.say(s.manager, "850,50", "Цена: 850,50 ₽ за л")
	pads := s.say(s.manager, "/catalog колодки", "найдено: 9")
	if !strings.Contains(pads.Text, "8. Колодки") || strings.Contains(pads.Text, "9. Колодки") {
		t.Errorf("page 1: %q", pads.Text)
	}
	s.tap(s.manager, pads, "Дальше")
	h.card(mgr, pads.ID, "9. Колодки тормозные 8")
	if n := h.count(`SELECT price FROM catalog_items WHERE sku = 'OIL-5W30'`); n != 85050 {
		t.Errorf("price %d", n)
	}

	// The mechanic searches; he has no add or edit buttons, and a forged edit is refused.
	mc := s.mech.Chat()
	mlist := s.say(s.mech, "/catalog масло", "найдено: 1")
	for _, row := range mlist.Inline {
		for _, b := range row {
			if strings.Contains(b.Text, "➕") {
				t.Errorf("the mechanic sees %q", b.Text)
			}
		}
	}
	s.tap(s.mech, mlist, "1")
	mcard := h.card(mc, mlist.ID, "Цена")
	if len(mcard.Inline) != 1 {
		t.Errorf("the mechanic's item buttons: %+v", mcard.Inline)
	}
	// Data the bot never made is refused before it is read; made with the bot's key (as if it
	// leaked), the permission table refuses it.
	forged := "u:" + itoa36(int64(10)) + ":0:price"
	for data, want := range map[string]string{forged: "больше не действует", sealFor(testCallbackSecret, mc.ID(), forged): "доступна только владельцу, администратору или менеджеру"} {
		id, err := s.mech.PressData(mcard, data)
		if err != nil {
			t.Fatal(err)
		}
		if a := h.answered(id); !strings.Contains(a.Text, want) {
			t.Errorf("forged edit %q answered %q, want %q", data, a.Text, want)
		}
	}
	h.noRejections()
}

func itoa36(n int64) string { return strconv.FormatInt(n, 36) }

// workTranscript is the chats of a work-order test as their people saw them, with what changes
// from run to run (dates, times, ids) replaced by names.
func workTranscript(chats map[string]*tgemu.Chat) string {
	var b strings.Builder
	for _, name := range []string{"client", "manager", "mechanic"} {
		fmt.Fprintf(&b, "=== %s ===\n%s\n", name, chats[name].Transcript())
	}
	return scrubTranscript(b.String())
}

// Two managers change one order at once: the first change wins, the second is told the order
// changed and sees it as it is now; no change is lost.
func TestTwoManagersOneOrder(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h := s.h
	second := h.emu.NewUser(tgemu.UserOptions{FirstName: "Ирина", LanguageCode: "ru"})
	h.hire(s.owner, second, "manager")
	s.say(second, "/help", "/catalog")
	s.item(crm.ItemInput{Kind: crm.ItemService, SKU: "SRV-1", Name: "Замена масла в двигателе", Price: 150000}, 0)
	s.item(crm.ItemInput{Kind: crm.ItemService, SKU: "SRV-2", Name: "Диагностика подвески", Price: 120000}, 0)
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	s.assigned(client, "+79120000401")

	open := func(u *tgemu.User) tgemu.Message {
		m := s.say(u, "/orders", "Заказ №1001 · ")
		s.tap(u, m, "Смета")
		return h.card(u.Chat(), m.ID, "Работ и запчастей пока нет")
	}
	mine, theirs := open(s.manager), open(second)
	mine = s.addLine(s.manager, mine, "➕ Работа", "замена", "1", "1")
	// The second manager's view is from before the line: refused, redrawn with it.
	if a := s.tap(second, theirs, "➕ Работа"); !strings.Contains(a.Text, "устарела") {
		t.Errorf("stale view answered %q", a.Text)
	}
	theirs = h.card(second.Chat(), theirs.ID, "Замена масла в двигателе")
	// Both start a price change on the line from the same view; the first typed wins.
	s.tap(s.manager, mine, "1")
	s.tap(s.manager, h.card(s.manager.Chat(), mine.ID, "позиция"), "Цена")
	h.card(s.manager.Chat(), mine.ID, "новая цена")
	s.tap(second, theirs, "1")
	s.tap(second, h.card(second.Chat(), theirs.ID, "позиция"), "Цена")
	h.card(second.Chat(), theirs.ID, "новая цена")
	s.say(s.manager, "1600", "1 усл × 1 600,00 ₽")
	fresh := s.say(second, "1700", "Заказ изменился")
	if !strings.Contains(fresh.Text, "1 усл × 1 600,00 ₽") {
		t.Errorf("the second manager does not see the first change: %q", fresh.Text)
	}
	if n := h.count(`SELECT price FROM order_lines`); n != 160000 {
		t.Errorf("price %d, want the first manager's", n)
	}
	// /company marks a client as paying on terms.
	s.say(s.manager, "/company +79120000401 on", "юрлицо")
	if n := h.count(`SELECT count(*) FROM clients WHERE phone = '+79120000401' AND is_company`); n != 1 {
		t.Errorf("client not marked as a company")
	}
	s.say(s.manager, "/company 89120000401 off", "частное лицо")
	s.say(s.mech, "/company +79120000401 on", "доступна только владельцу, администратору или менеджеру")
	h.noRejections()
}
