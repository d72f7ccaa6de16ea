package main

import (
	"context"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// English texts of the refusals (bot/text/messages.go).
const (
	refuseInvalid   = "This button no longer works."
	refuseStaffBtn  = "This button is for the shop's staff."
	refuseStaffCmd  = "This command is for the shop's staff."
	refuseForbidden = "You are not allowed to do that."
	refuseOutOfDate = "This card is out of date"
	refuseStaffRun  = "Only an owner or an admin"
	// What the permission table says to a mechanic who presses a manager's button or command.
	refuseManagerBtn = "Only an owner, an admin or a manager can use this button."
	refuseManagerCmd = "Only an owner, an admin or a manager can use this command."
)

// secWorld is a shop with an order 1001 of client, assigned to mechanic mechA; mechB is another
// mechanic, other another client.
type secWorld struct {
	h                                  *harness
	owner, mechA, mechB, client, other *tgemu.User
	orderID, version, mechAStaffID     int64
	ownerCard, clientCard, mechBMsg    tgemu.Message
	otherMsg, newCard                  tgemu.Message
	oldTake, oldAssign, oldCancel      string // the owner's buttons as they were on the new request
}

func newSecWorld(t *testing.T) *secWorld {
	h := newHarness(t, tgemu.Options{}, nil)
	w := &secWorld{h: h}
	user := func(name string) *tgemu.User {
		return h.emu.NewUser(tgemu.UserOptions{FirstName: name, LanguageCode: "en"})
	}
	w.owner, w.mechA, w.mechB, w.client, w.other = user("Owner"), user("MechA"), user("MechB"), user("Cli"), user("Other")
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(w.owner.ID())
	// Each attacker presses dozens of buttons in a row: flood control (flood.go) is another
	// test's subject, and would answer them all with its warning.
	h.env["FLOOD_MAX_UPDATES"] = "100000"
	h.start()
	oc := w.owner.Chat()
	w.owner.Send("/help")
	h.next(oc, 0, "/queue")
	for _, m := range []*tgemu.User{w.mechA, w.mechB} {
		h.hire(w.owner, m, "mechanic")
	}
	w.mechBMsg = h.next(w.mechB.Chat(), 0, "/queue")
	w.other.Send("/help")
	w.otherMsg = h.next(w.other.Chat(), 0, "/my")

	w.clientCard = h.book(w.client, langs[1], "+79120000041", "Cli", "Kia Rio", "noise")
	w.newCard = h.next(oc, 0, "1001")
	w.oldTake, w.oldAssign, w.oldCancel = buttonData(t, w.newCard, "Take"), buttonData(t, w.newCard, "Assign"), buttonData(t, w.newCard, "Cancel")
	h.press(w.owner, w.newCard, "Assign")
	menu := h.card(oc, w.newCard.ID, "Who takes")
	mechLast := last(w.mechA.Chat())
	h.press(w.owner, menu, "MechA")
	h.next(w.mechA.Chat(), mechLast, "1001")
	w.ownerCard = h.card(oc, w.newCard.ID, "MechA")

	ctx := context.Background()
	if err := h.pool.QueryRow(ctx, `SELECT id, version FROM orders WHERE number = 1001`).Scan(&w.orderID, &w.version); err != nil {
		t.Fatal(err)
	}
	if err := h.pool.QueryRow(ctx, `SELECT id FROM staff WHERE telegram_user_id = $1`, w.mechA.ID()).Scan(&w.mechAStaffID); err != nil {
		t.Fatal(err)
	}
	return w
}

// at is the payload of an order button on order 1001 at its current version.
func (w *secWorld) at(a, arg string) string {
	p := a + ":" + b36(w.orderID) + ":" + b36(w.version)
	if arg != "" {
		p += ":" + arg
	}
	return p
}

// staffButtons is every staff action, on order 1001 where it takes an order.
func (w *secWorld) staffButtons() map[string]string {
	return map[string]string{
		"take":            w.at("t", ""),
		"assign menu":     w.at("a", ""),
		"assign to":       w.at("m", b36(w.mechAStaffID)),
		"diagnose":        w.at("s", "diagnosing"),
		"cancel":          w.at("s", "cancelled"),
		"close":           w.at("s", "closed"),
		"refresh":         w.at("r", ""),
		"work view":       w.at("W", ""),
		"add labour":      w.at("A", "l"),
		"add free line":   w.at("A", "f"),
		"pick item":       w.at("I", "1"),
		"search page":     w.at("p", "1"),
		"line menu":       w.at("L", "1"),
		"line qty":        w.at("Q", "1"),
		"line price":      w.at("P", "1"),
		"remove line":     w.at("D", "1"),
		"need part":       w.at("N", "1"),
		"send estimate":   w.at("E", ""),
		"record menu":     w.at("R", "p"),
		"record decision": w.at("g", "0_a_p_0"),
		"discount":        w.at("S", ""),
		"pay menu":        w.at("Y", ""),
		"pay cash":        w.at("y", "c"),
		"history":         w.at("H", ""),
		"papers":          w.at("O", ""),
		"correct invoice": w.at("X", "1"),
		"catalog page":    "C:0:0",
		"catalog item":    "i:1:0",
		"add item":        "K:0:0:s",
		"edit item":       "u:1:0:price",
		"receive goods":   "z:1:0",
		"new order":       "j:0:0:ok",
		"quantity":        "q:3e8:0",
	}
}

// A client presses every staff button: forged data (not made by the bot) is refused before it
// is read; data made for their chat with the server's key (as if it leaked) is refused by the
// permission table.
func TestSecurityClientPressesStaffButtons(t *testing.T) {
	t.Parallel()
	w := newSecWorld(t)
	for name, payload := range w.staffButtons() {
		for _, u := range []struct {
			who string
			by  *tgemu.User
			on  tgemu.Message
		}{{"own client", w.client, w.clientCard}, {"other client", w.other, w.otherMsg}} {
			t.Run(u.who+"/forged/"+name, func(t *testing.T) {
				cbAttack{by: u.by, on: u.on, data: payload, answer: refuseInvalid, log: "callback data refused"}.run(t, w.h)
			})
			t.Run(u.who+"/sealed/"+name, func(t *testing.T) {
				data := sealFor(testCallbackSecret, u.on.ChatID, payload)
				cbAttack{by: u.by, on: u.on, data: data, answer: refuseStaffBtn, log: "permission denied"}.run(t, w.h)
			})
		}
	}
}

// A mechanic presses every staff button of an order assigned to another mechanic, with data
// made for his own chat: each is refused by the table (managers' actions) or by the order's
// owner check (his own scope), and logged.
func TestSecurityMechanicNotAssigned(t *testing.T) {
	t.Parallel()
	w := newSecWorld(t)
	managers := map[string]bool{
		"assign menu": true, "assign to": true, "line price": true, "send estimate": true,
		"record menu": true, "record decision": true, "discount": true, "pay menu": true, "pay cash": true,
		"correct invoice": true, "add item": true, "edit item": true, "receive goods": true, "new order": true,
	}
	orderOwn := map[string]string{ // refused where the order is checked, with its log message
		"take": "order action refused", "diagnose": "order action refused", "cancel": "order action refused",
		"close": "order action refused", "refresh": "order card refused", "work view": "work button refused",
		"add labour": "work button refused", "add free line": "work button refused",
		"line menu": "work button refused", "line qty": "work button refused", "remove line": "work button refused",
		"need part": "work button refused", "history": "work button refused", "papers": "work button refused",
	}
	for name, payload := range w.staffButtons() {
		log, ok := orderOwn[name]
		switch {
		case managers[name]:
			log = "permission denied"
		case !ok:
			continue // catalog search, dialog buttons: a mechanic may press them on his own
		}
		t.Run(name, func(t *testing.T) {
			data := sealFor(testCallbackSecret, w.mechBMsg.ChatID, payload)
			answer := refuseForbidden
			if managers[name] {
				answer = refuseManagerBtn
			}
			cbAttack{by: w.mechB, on: w.mechBMsg, data: data, answer: answer, log: log}.run(t, w.h)
		})
	}
	// The order is still the assigned mechanic's: his own buttons work.
	if n := w.h.count(`SELECT count(*) FROM orders WHERE id = $1 AND mechanic_id = $2`, w.orderID, w.mechAStaffID); n != 1 {
		t.Errorf("the order left its mechanic")
	}
}

// An owner, who may do everything, sends data that was tampered with: another order id,
// another version, another argument, a tag made for another chat or with another key, a
// truncated tag. Each is refused before it is read.
func TestSecurityTamperedData(t *testing.T) {
	t.Parallel()
	w := newSecWorld(t)
	oc := w.ownerCard
	real := buttonData(t, oc, "Cancel") // sealed for the owner's chat, at the current version
	payload := real[11:]
	parts := strings.Split(payload, ":")
	cases := map[string]string{
		"other order id":     real[:11] + parts[0] + ":" + b36(w.orderID+1) + ":" + parts[2] + ":" + parts[3],
		"older version":      real[:11] + parts[0] + ":" + parts[1] + ":" + b36(w.version-1) + ":" + parts[3],
		"newer version":      real[:11] + parts[0] + ":" + parts[1] + ":" + b36(w.version+1) + ":" + parts[3],
		"other argument":     real[:11] + parts[0] + ":" + parts[1] + ":" + parts[2] + ":closed",
		"other action":       real[:11] + "t:" + parts[1] + ":" + parts[2],
		"tag of other chat":  sealFor(testCallbackSecret, w.mechA.Chat().ID(), payload),
		"tag of other key":   sealFor("another shop's secret, 32 chars.", oc.ChatID, payload),
		"tag truncated":      real[1:],
		"tag flipped":        flip(real[:11]) + payload,
		"no tag":             payload,
		"SQL in sealed data": sealFor(testCallbackSecret, oc.ChatID, "s:1:1:x';DROP TABLE orders;--"),
		"HTML in data":       "<b>s:1:1</b>",
		"over 64 bytes":      real + strings.Repeat("z", 64-len(real)+1),
		"non-UTF-8 bytes":    "\xff\xfe" + payload,
		"empty tag, payload": ":" + payload,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			cbAttack{by: w.owner, on: oc, data: data, answer: refuseInvalid, log: "callback data refused"}.run(t, w.h)
		})
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

// Buttons of the new request, pressed after the order moved on (it was assigned): each is
// refused as out of date, the current card is shown, and nothing changes.
func TestSecurityReplayAfterOrderMoved(t *testing.T) {
	t.Parallel()
	w := newSecWorld(t)
	for name, data := range map[string]string{"take": w.oldTake, "assign menu": w.oldAssign, "cancel": w.oldCancel} {
		t.Run(name, func(t *testing.T) {
			cbAttack{by: w.owner, on: w.ownerCard, data: data, answer: refuseOutOfDate, log: "stale order button"}.run(t, w.h)
			if m, _ := w.owner.Chat().Message(w.ownerCard.ID); !strings.Contains(m.Text, "MechA") || strings.Contains(m.Text, "Who takes") {
				t.Errorf("the card does not show the order as it is:\n%s", m.Text)
			}
		})
	}
	// The mechanic's pick from the assign menu, replayed after the order moved once more.
	t.Run("assign pick", func(t *testing.T) {
		pick := sealFor(testCallbackSecret, w.ownerCard.ChatID, w.at("m", b36(w.mechAStaffID)))
		w.h.press(w.owner, w.ownerCard, "Diagnose") // the order moves: version + 1
		w.h.waitCount(1, `SELECT count(*) FROM orders WHERE id = $1 AND version > $2`, w.orderID, w.version)
		cbAttack{by: w.owner, on: w.ownerCard, data: pick, answer: refuseOutOfDate, log: "stale order button"}.run(t, w.h)
	})
}

// A client sends every staff command; a mechanic every manager's command and the order
// commands of an order that is not his.
func TestSecurityStaffCommands(t *testing.T) {
	t.Parallel()
	w := newSecWorld(t)
	commands := []string{
		"/queue", "/orders", "/staff", "/invite mechanic", "/audit", "/notices 1001", "/outbox", "/new", "/catalog масло",
		"/receive OIL-5W30 10 750", "/doc 1001", "/company +79120000041 on",
	}
	for who, u := range map[string]*tgemu.User{"client": w.client, "other client": w.other} {
		for _, cmd := range commands {
			t.Run(who+cmd, func(t *testing.T) {
				cbAttack{by: u, command: cmd, answer: refuseStaffCmd, log: "permission denied"}.run(t, w.h)
			})
		}
	}
	for cmd, log := range map[string]string{
		"/outbox": "permission denied", "/new": "permission denied",
		"/receive OIL-5W30 10 750": "permission denied", "/company +79120000041 on": "permission denied",
		"/doc 1001": "update refused", "/notices 1001": "update refused",
	} {
		t.Run("mechanic"+cmd, func(t *testing.T) {
			answer := refuseForbidden
			if log == "permission denied" {
				answer = refuseManagerCmd
			}
			cbAttack{by: w.mechB, command: cmd, answer: answer, log: log}.run(t, w.h)
		})
	}
	for cmd, answer := range map[string]string{
		"/staff": refuseStaffRun, "/invite mechanic": refuseStaffRun, "/audit": "Only an owner can use this command.",
	} {
		t.Run("mechanic"+cmd, func(t *testing.T) {
			cbAttack{by: w.mechB, command: cmd, answer: answer, log: "permission denied"}.run(t, w.h)
		})
	}
}

// SQL-looking and HTML-looking input is stored as typed and shown as typed, to the client and
// to staff; it never reaches SQL or HTML as code.
func TestSecurityInputStoredLiterally(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("en")
	h.start()
	h.staffHello(owner)

	name := `Robert'); DROP TABLE clients;--`
	model := `Kia" OR "1"="1`
	problem := `<script>alert(1)</script> <b>brakes</b> &amp; 1; DELETE FROM orders WHERE '1'='1`
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "<i>Eve</i>", LanguageCode: "en"})
	card := h.book(client, langs[1], "+79120000042", name, model, problem)
	for _, want := range []string{model, problem} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("the client's card does not show %q literally:\n%s", want, card.Text)
		}
	}
	staff := h.next(owner.Chat(), 0, "1001")
	for _, want := range []string{name, model, problem} {
		if !strings.Contains(staff.Text, want) {
			t.Errorf("the staff card does not show %q literally:\n%s", want, staff.Text)
		}
	}
	if n := h.count(`SELECT count(*) FROM clients WHERE name = $1`, name); n != 1 {
		t.Errorf("name stored %d times as typed", n)
	}
	if n := h.count(`SELECT count(*) FROM orders WHERE problem = $1`, problem); n != 1 {
		t.Errorf("problem stored %d times as typed", n)
	}
	if n := h.count(`SELECT count(*) FROM vehicles WHERE model ILIKE '%' || $1 || '%' OR make ILIKE '%Kia%'`, `OR "1"="1`); n != 1 {
		t.Errorf("car stored %d times", n)
	}

	// SQL in a search and in a command's argument finds nothing and changes nothing.
	before := h.snapshot(t)
	oc := owner.Chat()
	owner.Send(`/catalog %' OR '1'='1`)
	h.next(oc, last(oc), "found: 0")
	owner.Send(`/notices 1001'; DROP TABLE orders;--`)
	h.next(oc, last(oc), "/notices")
	after := h.snapshot(t)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed", k)
		}
	}
	h.noRejections()
}
