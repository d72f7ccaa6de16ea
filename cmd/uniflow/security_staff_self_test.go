package main

import (
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// An admin manages managers and mechanics only, and nobody manages themselves: /staff offers no
// card for another admin, the owner or oneself, and the same presses forged are refused, logged
// and change nothing.
func TestSecurityStaffAdminVsAdmin(t *testing.T) {
	t.Parallel()
	s := newSecShop(t)
	h := s.h
	other := h.emu.NewUser(tgemu.UserOptions{FirstName: "Борис", LanguageCode: "ru"})
	h.hire(s.owner, other, "admin")
	adminID, otherID := s.staffID(s.admin), s.staffID(other)

	list := s.say(s.admin, "/staff", "Сотрудники")
	for _, name := range []string{"Борис", "Антон", "Ольга"} {
		if hasButton(list, name) {
			t.Errorf("the admin's /staff offers %q's card:\n%s", name, s.admin.Chat().Transcript())
		}
	}
	if !hasButton(list, "Мария") || !hasButton(list, "Пётр") {
		t.Errorf("the admin's /staff lacks the manager or the mechanic:\n%s", s.admin.Chat().Transcript())
	}
	press := func(u *tgemu.User, data string) func(*testing.T) string {
		return func(*testing.T) string { return s.pressForged(u, data) }
	}
	const log = "staff change refused"
	s.refuse(t, []attack{
		{name: "an admin deactivates another admin", by: s.admin, do: press(s.admin, forged("sd", otherID, "")), want: "нет прав", log: log},
		{name: "an admin demotes another admin", by: s.admin, do: press(s.admin, forged("sr", otherID, "mechanic")), want: "нет прав", log: log},
		{name: "an admin opens another admin's card", by: s.admin, do: press(s.admin, forged("sh", otherID, "")), want: "нет прав", log: log},
		{name: "an admin makes himself a mechanic", by: s.admin, do: press(s.admin, forged("sr", adminID, "mechanic")), want: "Свою роль менять", log: log},
		{name: "an admin deactivates himself", by: s.admin, do: press(s.admin, forged("sd", adminID, "")), want: "Свою роль менять", log: log},
	})
	// The owner still manages admins.
	if !hasButton(s.say(s.owner, "/staff", "Сотрудники"), "Борис") {
		t.Errorf("the owner's /staff lacks the admin's card:\n%s", s.owner.Chat().Transcript())
	}
	h.noRejections()
}

// An owner from OWNER_TELEGRAM_IDS is configuration: another owner's /staff shows their card
// with no role or deactivate buttons, and the forged presses are refused.
func TestSecurityStaffConfigOwner(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	cfgOwner := h.newOwner("ru")
	second := h.emu.NewUser(tgemu.UserOptions{FirstName: "Вера", LanguageCode: "ru"})
	h.start()
	h.staffHello(cfgOwner)
	h.hire(cfgOwner, second, "admin")
	s := &secShop{h: h, owner: cfgOwner}
	s.memberButton(cfgOwner, "Вера", "Сделать: владелец")
	cfgID := s.staffID(cfgOwner)

	list := s.say(second, "/staff", "Сотрудники")
	h.answered(h.press(second, list, "Owner"))
	card := h.card(second.Chat(), list.ID, "Telegram id")
	for _, label := range []string{"Сделать", "Отключить"} {
		if hasButton(card, label) {
			t.Errorf("the config owner's card offers %q:\n%s", label, second.Chat().Transcript())
		}
	}
	press := func(u *tgemu.User, data string) func(*testing.T) string {
		return func(*testing.T) string { return s.pressForged(u, data) }
	}
	s.refuse(t, []attack{
		{name: "an owner deactivates a config owner", by: second, do: press(second, forged("sd", cfgID, "")), want: "задаётся в настройках", log: "staff change refused"},
		{name: "an owner demotes a config owner", by: second, do: press(second, forged("sr", cfgID, "admin")), want: "задаётся в настройках", log: "staff change refused"},
	})
	h.noRejections()
}
