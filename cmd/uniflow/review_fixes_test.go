package main

import (
	"context"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// toName starts a booking as a new client who types phone, and returns the name question.
func (h *harness) toName(u *tgemu.User, l lang, phone string) tgemu.Message {
	h.t.Helper()
	c := u.Chat()
	u.Start("")
	h.next(c, last(c)-1, l.askPhone)
	u.Send(phone)
	return h.next(c, last(c), l.askName)
}

// toYear starts a booking as a new client who types phone and name and drives a Kia Rio, and
// returns the year question.
func (h *harness) toYear(u *tgemu.User, l lang, phone, name string) tgemu.Message {
	h.t.Helper()
	c := u.Chat()
	h.toName(u, l, phone)
	u.Send(name)
	h.next(c, last(c), l.askModel)
	u.Send("Kia Rio")
	return h.next(c, last(c), l.askYear)
}

// toSummary walks a new client to the summary, picking the slot labelled
// slot ("" for the first one offered) and returns the summary message.
func (h *harness) toSummary(u *tgemu.User, l lang, phone, slot string) tgemu.Message {
	h.t.Helper()
	c := u.Chat()
	year := h.toYear(u, l, phone, "Name")
	h.press(u, year, "")
	plate := h.next(c, last(c), l.askPlate)
	h.press(u, plate, "")
	h.next(c, last(c), l.askProblem)
	u.Send("noise")
	slots := h.next(c, last(c), l.askSlot)
	if slot == "" {
		slot = slots.Inline[0][0].Text
	}
	h.press(u, slots, slot)
	return h.next(c, slots.ID, l.summary)
}

// Update ids are only unique per bot: a new emulator (or a new bot) that
// counts from the same number again must not be taken for duplicates.
func TestNewBotWithSameRedisIsServed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	a := h.emu.NewUser(tgemu.UserOptions{FirstName: "A", LanguageCode: "en"})
	a.Start("")
	h.next(a.Chat(), 0, langs[1].askPhone)
	h.stop()

	emu := tgemu.NewServer(tgemu.Options{})
	t.Cleanup(emu.Close)
	h.emu = emu
	h.env["TELEGRAM_BOT_TOKEN"], h.env["TELEGRAM_API_URL"] = emu.Token(), emu.URL()
	h.start()
	b := emu.NewUser(tgemu.UserOptions{FirstName: "B", LanguageCode: "en"})
	b.Start("")
	h.next(b.Chat(), 0, langs[1].askPhone)
}

// A number shared with the contact button comes without "+"; a number
// typed the local way is read in the shop's region.
func TestPhonesFromContactsAndOtherRegions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, map[string]string{"SHOP_REGION": "DE"})
	h.start()
	l := langs[1]
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "UK", LanguageCode: "en"})
	u.Start("")
	h.next(u.Chat(), 0, l.askPhone)
	if _, err := u.ShareContact("447911123456"); err != nil {
		t.Fatal(err)
	}
	h.next(u.Chat(), last(u.Chat()), l.askName)

	de := h.emu.NewUser(tgemu.UserOptions{FirstName: "DE", LanguageCode: "en"})
	de.Start("")
	h.next(de.Chat(), 0, l.askPhone)
	de.Send("030 12345678")
	h.next(de.Chat(), last(de.Chat()), l.askName)
	h.noRejections()
}

// Confirm on a summary the client has moved away from books nothing: after
// /cancel it is expired, after an edit it is out of date.
func TestOldSummariesBookNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	l := langs[1]
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "O", LanguageCode: "en"})
	c := u.Chat()
	first := h.toSummary(u, l, "+79120000020", "")
	u.Send("/cancel")
	h.next(c, first.ID, "cancelled")
	id := h.press(u, first, l.confirm)
	if a := h.answered(id); !strings.Contains(a.Text, l.expired) {
		t.Errorf("Confirm after /cancel answered %q", a.Text)
	}
	if n := h.count(`SELECT count(*) FROM orders`); n != 0 {
		t.Fatalf("%d orders after /cancel", n)
	}

	second := h.toSummary(u, l, "+79120000020", "")
	h.press(u, second, "Edit")
	menu := h.card(c, second.ID, "What would you like to change")
	h.press(u, menu, "Problem")
	h.next(c, second.ID, l.askProblem)
	u.Send("a different noise")
	third := h.next(c, last(c), l.summary)
	// The second summary's Confirm no longer matches what would be booked.
	id = h.pressData(u, second, buttonData(t, second, l.confirm))
	if a := h.answered(id); !strings.Contains(a.Text, l.outOfDate) {
		t.Errorf("Confirm on an edited-away summary answered %q", a.Text)
	}
	// The pressed summary is redrawn in place as the current one, and no
	// second summary is sent; the one below stays live, so the client's
	// next, right press books.
	second = h.card(c, second.ID, "a different noise")
	if n := last(c); n != third.ID {
		t.Errorf("the stale Confirm sent message %d:\n%s", n, c.Transcript())
	}
	h.press(u, third, l.confirm)
	h.card(c, third.ID, "1001")
	if n := h.count(`SELECT count(*) FROM orders WHERE problem = 'a different noise'`); n != 1 {
		t.Errorf("orders with the edited problem: %d", n)
	}
	if n := h.count(`SELECT count(*) FROM orders`); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	h.noRejections()
}

// A phone linked to another Telegram user is refused at the phone step,
// not at the end of the dialog.
func TestPhoneOfAnotherUserRefusedAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	l := langs[1]
	a := h.emu.NewUser(tgemu.UserOptions{FirstName: "A", LanguageCode: "en"})
	h.book(a, l, "+79120000021", "Ann", "Kia Rio", "noise")
	b := h.emu.NewUser(tgemu.UserOptions{FirstName: "B", LanguageCode: "en"})
	b.Start("")
	h.next(b.Chat(), 0, l.askPhone)
	b.Send("+7 912 000-00-21")
	m := h.next(b.Chat(), last(b.Chat()), "already linked")
	if !strings.Contains(m.Text, l.askPhone) {
		t.Errorf("the phone question is not repeated: %q", m.Text)
	}
	b.Send("+7 912 000-00-22")
	h.next(b.Chat(), last(b.Chat()), l.askName)
}

// Two clients confirming the same slot: the second is asked for another.
func TestSlotCannotBeBookedTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	l := langs[1]
	a := h.emu.NewUser(tgemu.UserOptions{FirstName: "A", LanguageCode: "en"})
	b := h.emu.NewUser(tgemu.UserOptions{FirstName: "B", LanguageCode: "en"})
	sa := h.toSummary(a, l, "+79120000023", "")
	slot, _, _ := strings.Cut(sa.Text[strings.Index(sa.Text, "Time: ")+len("Time: "):], "\n") // the consent line follows
	sb := h.toSummary(b, l, "+79120000024", slot)
	h.press(a, sa, l.confirm)
	h.card(a.Chat(), sa.ID, "1001")
	h.press(b, sb, l.confirm)
	m := h.next(b.Chat(), sb.ID, "just taken")
	if len(m.Inline) == 0 || strings.Contains(m.Text+buttonsText(m), slot) {
		t.Errorf("the taken slot is offered again or no slots shown: %q %s", m.Text, buttonsText(m))
	}
	if n := h.count(`SELECT count(*) FROM orders`); n != 1 {
		t.Errorf("%d orders", n)
	}
	h.noRejections()
}

func buttonsText(m tgemu.Message) string {
	var b strings.Builder
	for _, row := range m.Inline {
		for _, btn := range row {
			b.WriteString(btn.Text + "|")
		}
	}
	return b.String()
}

// Staff edge cases: an owner's own id, a mechanic who never opened the bot,
// a forged refresh of an unchanged card.
func TestStaffEdgeCases(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("en")
	h.start()
	oc := owner.Chat()
	owner.Send("/start")
	h.next(oc, 0, "on the shop's team")
	owner.Send("/invite owner") // owners come from the configuration or the CLI only
	h.next(oc, last(oc), "Usage: /invite")
	// A mechanic whose chat the bot does not know (one who joined and then cleared the chat
	// is the same to Telegram): staff rows only come from invites, so the test writes it.
	if _, err := h.pool.Exec(context.Background(), `INSERT INTO staff (telegram_user_id, role, branch_id)
		VALUES (700999, 'mechanic', (SELECT id FROM branches WHERE is_default))`); err != nil {
		t.Fatal(err)
	}

	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "C", LanguageCode: "en"})
	h.book(client, langs[1], "+79120000025", "Cli", "Kia Rio", "noise")
	req := h.next(oc, 0, "1001")
	h.press(owner, req, "Assign")
	menu := h.card(oc, req.ID, "Who takes")
	id := h.press(owner, menu, "#700999")
	if a := h.answered(id); !strings.Contains(a.Text, "has not opened the bot") {
		t.Errorf("assign answered %q", a.Text)
	}
	h.card(oc, req.ID, "Mechanic: #700999")

	owner.Send("/orders")
	card := h.next(oc, last(oc), "1001")
	var ver string
	for _, row := range card.Inline {
		for _, b := range row {
			if parts := strings.Split(b.CallbackData[11:], ":"); len(parts) >= 3 { // after the tag
				ver = parts[1] + ":" + parts[2]
			}
		}
	}
	id, err := owner.PressData(card, sealFor(testCallbackSecret, oc.ID(), "r:"+ver))
	if err != nil {
		t.Fatal(err)
	}
	h.answered(id)
	h.noRejections()
}

func (h *harness) pressData(u *tgemu.User, m tgemu.Message, data string) string {
	h.t.Helper()
	id, err := u.PressData(m, data)
	if err != nil {
		h.t.Fatalf("press %q: %v", data, err)
	}
	return id
}

// A walk-in client's orders open only to a phone Telegram vouches for: a
// typed number is asked to come through the contact button instead.
func TestTypedPhoneDoesNotOpenWalkInOrders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	l := langs[1]
	// A client the shop created without Telegram: a booking by a user who
	// then leaves, made unlinked as an import or /new would leave it.
	a := h.emu.NewUser(tgemu.UserOptions{FirstName: "A", LanguageCode: "en"})
	h.book(a, l, "+79120000030", "Walk-in", "Kia Rio", "noise")
	if _, err := h.pool.Exec(context.Background(), `UPDATE clients SET telegram_user_id = NULL, chat_id = NULL`); err != nil {
		t.Fatal(err)
	}

	eve := h.emu.NewUser(tgemu.UserOptions{FirstName: "Eve", LanguageCode: "en"})
	c := eve.Chat()
	eve.Start("")
	h.next(c, 0, l.askPhone)
	eve.Send("+7 912 000-00-30")
	m := h.next(c, last(c), "share it with the button")
	if strings.Contains(m.Text, "1001") {
		t.Errorf("a typed number showed the walk-in's orders: %q", m.Text)
	}
	if n := h.count(`SELECT count(*) FROM clients WHERE telegram_user_id IS NOT NULL`); n != 0 {
		t.Errorf("a typed number linked the client")
	}
	// The owner of the number shares it and sees the orders.
	if _, err := eve.ShareContact("79120000030"); err != nil {
		t.Fatal(err)
	}
	h.next(c, last(c), "1001")
	h.noRejections()
}
