package main

import (
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// Role attacks: staff commands from those who may not use them, an admin against an owner, the
// last owner leaving, and a deactivated mechanic who still has the chat on his phone.
func TestSecurityStaffRoles(t *testing.T) {
	t.Parallel()
	s := newSecShop(t)
	h := s.h
	ownerID, mechID, managerID := s.staffID(s.owner), s.staffID(s.mech), s.staffID(s.manager)

	// The mechanic gets an order assigned, with its buttons, and is then deactivated.
	h.book(s.client, langs[0], "+79120000031", "Иван", "Kia Rio", "стук")
	req := h.next(s.manager.Chat(), 0, "1001")
	h.press(s.manager, req, "Назначить")
	menu := h.card(s.manager.Chat(), req.ID, "Кому назначить")
	mechLast := last(s.mech.Chat())
	h.press(s.manager, menu, "Пётр")
	assigned := h.next(s.mech.Chat(), mechLast, "1001")
	s.deactivate(s.admin, "Пётр")

	command := func(u *tgemu.User, text, expect string) func(*testing.T) string {
		return func(*testing.T) string { return s.say(u, text, expect).Text }
	}
	press := func(u *tgemu.User, data string) func(*testing.T) string {
		return func(*testing.T) string { return s.pressForged(u, data) }
	}
	const notAllowed = "только владельцу или администратору"
	const ownerOnly = "Эта команда доступна только владельцу." // /audit is the owner's alone
	const forgedRefused = "нет прав|больше не действует"
	const forgedLog = "staff change refused|update refused|malformed callback data|permission denied"
	const notSelf = "Свою роль менять и себя отключать нельзя"
	const accessOff = "доступ сотрудника к боту отключён" // not "для сотрудников": he knows
	s.refuse(t, []attack{
		{name: "a manager calls /staff", by: s.manager, do: command(s.manager, "/staff", notAllowed), want: notAllowed, log: "staff command refused|permission denied"},
		{name: "a client calls /staff", by: s.client, do: command(s.client, "/staff", "для сотрудников"), want: "для сотрудников", log: "staff command refused|permission denied"},
		{name: "a manager calls /audit", by: s.manager, do: command(s.manager, "/audit", ownerOnly), want: ownerOnly, log: "staff command refused|permission denied"},
		{name: "an admin calls /audit", by: s.admin, do: command(s.admin, "/audit", ownerOnly), want: ownerOnly, log: "staff command refused|permission denied"},
		{name: "a client calls /audit", by: s.client, do: command(s.client, "/audit", "для сотрудников"), want: "для сотрудников", log: "staff command refused|permission denied"},
		{name: "a deactivated mechanic calls /queue", by: s.mech, do: command(s.mech, "/queue", accessOff), want: accessOff, log: "staff command refused|permission denied"},
		{name: "a deactivated mechanic calls /staff", by: s.mech, do: command(s.mech, "/staff", accessOff), want: accessOff, log: "staff command refused|permission denied"},
		{name: "a deactivated mechanic presses his old order button", by: s.mech, do: func(*testing.T) string {
			return h.answered(h.press(s.mech, assigned, "Диагностика")).Text
		}, want: accessOff, log: "order button pressed by a non-staff user|permission denied"},
		{name: "an admin deactivates the owner", by: s.admin, do: press(s.admin, forged("sd", ownerID, "")), want: forgedRefused, log: forgedLog},
		{name: "an admin demotes the owner", by: s.admin, do: press(s.admin, forged("sr", ownerID, "mechanic")), want: forgedRefused, log: forgedLog},
		{name: "an admin makes a manager owner", by: s.admin, do: press(s.admin, forged("sr", managerID, "owner")), want: forgedRefused, log: forgedLog},
		{name: "a manager promotes himself", by: s.manager, do: press(s.manager, forged("sr", managerID, "admin")), want: notAllowed + "|больше не действует", log: "staff command refused|malformed callback data|permission denied"},
		{name: "a client deactivates a mechanic", by: s.client, do: press(s.client, forged("sd", mechID, "")), want: "для сотрудников|больше не действует", log: "staff command refused|malformed callback data|permission denied"},
		{name: "the last owner deactivates himself", by: s.owner, do: press(s.owner, forged("sd", ownerID, "")), want: notSelf, log: "staff change refused"},
		{name: "the last owner makes himself admin", by: s.owner, do: press(s.owner, forged("sr", ownerID, "admin")), want: notSelf, log: "staff change refused"},
	})
	h.noRejections()
}

// memberButton opens /staff as u, the card of the member whose button holds name, and presses
// the labels in turn; it returns the answer to the last press.
func (s *secShop) memberButton(u *tgemu.User, name string, labels ...string) string {
	s.h.t.Helper()
	list := s.say(u, "/staff", "Сотрудники")
	s.h.answered(s.h.press(u, list, name))
	var answer string
	for _, l := range labels {
		answer = s.h.answered(s.h.press(u, s.withButton(u, list.ID, l), l)).Text
	}
	return answer
}

// withButton waits until message id of u's chat offers a button labelled label.
func (s *secShop) withButton(u *tgemu.User, id int, label string) tgemu.Message {
	s.h.t.Helper()
	m, err := u.Chat().Await(awaitTimeout, func(m tgemu.Message) bool {
		if m.ID != id {
			return false
		}
		for _, row := range m.Inline {
			for _, b := range row {
				if strings.Contains(b.Text, label) {
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		s.h.t.Fatalf("waiting for button %q on message %d: %v\n%s", label, id, err, u.Chat().Transcript())
	}
	return m
}

// deactivate has by deactivate the member named name through /staff, as a person would.
func (s *secShop) deactivate(by *tgemu.User, name string) {
	s.h.t.Helper()
	list := s.say(by, "/staff", "Сотрудники")
	s.h.answered(s.h.press(by, list, name))
	s.h.answered(s.h.press(by, s.withButton(by, list.ID, "Отключить"), "Отключить"))
	if a := s.h.answered(s.h.press(by, s.withButton(by, list.ID, "Да, отключить"), "Да, отключить")); !containsAny(a.Text, "отключён") {
		s.h.t.Fatalf("deactivate %s: answered %q", name, a.Text)
	}
	s.h.card(by.Chat(), list.ID, "(отключён)")
}
