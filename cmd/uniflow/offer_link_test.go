package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// An offer carries a t.me link besides its Book button; /start with its payload opens the
// booking with the service filled in and counts the offer as opened. A forged payload, another
// offer's id under this tag, and the link in someone else's hands are ordinary /starts.
func TestOfferLinkOpensTheBooking(t *testing.T) {
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
	var link string
	for _, e := range offer.Entities {
		if e.Type == "text_link" && strings.Contains(e.URL, "?start=") {
			link = e.URL
		}
	}
	payload, ok := strings.CutPrefix(link, "https://t.me/"+"uniflow_test_bot"+"?start=")
	if !ok || len(payload) > 64 || strings.Trim(payload, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
		t.Fatalf("offer link %q (entities %+v), want t.me/<bot>?start=<64 of A-Za-z0-9_->", link, offer.Entities)
	}
	if n := h.count(`SELECT count(*) FROM offers WHERE opened_at IS NOT NULL`); n != 0 {
		t.Fatalf("%d offers opened before the link was", n)
	}

	// Forged: a made-up tag, and the tag moved to another id. An ordinary /start each time.
	id36, tag, _ := strings.Cut(strings.TrimPrefix(payload, "of"), "_")
	for _, bad := range []string{"of" + id36 + "_AAAAAAAAAAA", "of" + id36 + "0_" + tag, "of_", "ofzzzzzzzzzzzzzzzz_x"} {
		before := last(c)
		client.Start(bad)
		h.next(c, before, "С возвращением")
	}
	if n := h.count(`SELECT count(*) FROM offers WHERE opened_at IS NOT NULL`); n != 0 {
		t.Errorf("a forged link opened %d offers", n)
	}

	// Someone else with the link: an ordinary /start for them, nothing opened.
	friend := h.emu.NewUser(tgemu.UserOptions{FirstName: "Friend", LanguageCode: "ru"})
	friend.Start(payload)
	h.next(friend.Chat(), 0, langs[0].askPhone)
	if n := h.count(`SELECT count(*) FROM offers WHERE opened_at IS NOT NULL`); n != 0 {
		t.Errorf("another user's /start opened %d offers", n)
	}

	// The client's own link: the booking with the service, the next question the time.
	before := last(c)
	client.Start(payload)
	slots := h.next(c, before, langs[0].askSlot)
	if !strings.Contains(slots.Text, "Записываем: Замена масла") {
		t.Errorf("slot question: %q, want the offered service named", slots.Text)
	}
	h.waitCount(1, `SELECT count(*) FROM offers WHERE opened_at IS NOT NULL`)
	h.noRejections()
}
