package main

import (
	"context"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// A car delivered before its booked time frees that time: the next client is offered it and books
// it; once booked again, /new no longer offers it.
func TestSlotFreedByDeliveredOrder(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h, mgr, l := s.h, s.manager.Chat(), langs[0]
	ctx := context.Background()

	slots := s.newOrderToSlots("+7 912 000-09-01", "Анна", "Lada Granta", "Скрипят тормоза")
	pick := slotButtons(slots, "Без времени")[0]
	at := slotOf(t, pick)
	s.tap(s.manager, slots, pick.Text)
	sum := h.next(mgr, slots.ID, "Новый заказ")
	s.tap(s.manager, sum, "Подтвердить")
	h.card(mgr, sum.ID, "Заказ №1001 создан")

	// The car came early and left, paid, before its time.
	var id int64
	var version int
	if err := h.pool.QueryRow(ctx, `SELECT id, version FROM orders WHERE number = 1001`).Scan(&id, &version); err != nil {
		t.Fatal(err)
	}
	by := crm.Actor{StaffID: s.managerStaff.ID}
	for _, to := range []crm.Status{crm.StatusDiagnosing, crm.StatusInProgress, crm.StatusReady, crm.StatusDelivered} {
		card, err := s.svc.Transition(ctx, by, id, version, to)
		if err != nil {
			t.Fatalf("order 1001 to %s: %v", to, err)
		}
		version = card.Order.Version
	}

	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	c := client.Chat()
	list := s.toSlots(client, "+79120000902")
	var freed *tgemu.Button
	for _, b := range slotButtons(list, l.noSlotButton) {
		if slotOf(t, b).Equal(at) {
			freed = &b
		}
	}
	if freed == nil {
		t.Fatalf("the delivered order's time %q is not offered: %+v", pick.Text, list.Inline)
	}
	h.press(client, list, freed.Text)
	summary := h.next(c, list.ID, l.summary)
	h.press(client, summary, l.confirm)
	h.card(c, summary.ID, "1002")
	if n := h.count(`SELECT count(*) FROM orders WHERE slot = $1`, at); n != 2 {
		t.Errorf("%d orders at %s, want the delivered one and the new booking", n, at)
	}

	// Now the client's booking holds it.
	slots = s.newOrderToSlots("+7 912 000-09-03", "Олег", "Kia Rio", "ТО")
	for _, b := range slotButtons(slots, "Без времени") {
		if slotOf(t, b).Equal(at) {
			t.Errorf("the booked slot %q is offered to /new", pick.Text)
		}
	}
	h.noRejections()
}
