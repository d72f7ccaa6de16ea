package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// Book on an offer that already became an order is refused with that order's number; no second
// booking is opened, so no second order carries the offer as its source.
func TestOfferBookOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	client := h.newClient()
	c := client.Chat()
	h.seedVisit(client, 200)
	h.start()
	h.welcomeBack(client)
	if _, err := h.crm().EnqueueOffers(context.Background(), time.Now(), nil); err != nil {
		t.Fatalf("EnqueueOffers: %v", err)
	}
	offer := h.next(c, 0, "Замена масла")

	h.press(client, offer, "Записаться")
	slots := h.next(c, offer.ID, langs[0].askSlot)
	h.press(client, slots, langs[0].noSlotButton)
	summary := h.next(c, slots.ID, langs[0].summary)
	h.press(client, summary, langs[0].confirm)
	h.card(c, summary.ID, "№")
	h.waitCount(1, `SELECT count(*) FROM offers WHERE converted_order_id IS NOT NULL`)
	var number int64
	if err := h.pool.QueryRow(context.Background(), `SELECT o.number FROM offers f
		JOIN orders o ON o.id = f.converted_order_id`).Scan(&number); err != nil {
		t.Fatal(err)
	}

	before := last(c)
	id := h.press(client, offer, "Записаться")
	a := h.answered(id)
	if !a.ShowAlert || !strings.Contains(a.Text, "уже записались") || !strings.Contains(a.Text, "№"+itoa64(number)) {
		t.Errorf("second Book answered %+v, want an alert naming order №%d", a, number)
	}
	time.Sleep(300 * time.Millisecond) // a booking question would have come by now
	for _, m := range c.Messages() {
		if m.ID > before && m.FromBot {
			t.Errorf("second Book sent %q, want nothing but the alert", m.Text)
		}
	}
	if n := h.count(`SELECT count(*) FROM orders WHERE lead_source LIKE 'offer_%'`); n != 1 {
		t.Errorf("%d orders from the offer, want 1", n)
	}
	h.noRejections()
}
