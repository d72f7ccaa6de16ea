package main

import (
	"context"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// Invite attacks: links that are expired, used or forged; invites asked by those who may not.
func TestSecurityStaffInvites(t *testing.T) {
	t.Parallel()
	s := newSecShop(t)
	h := s.h
	stranger := h.emu.NewUser(tgemu.UserOptions{FirstName: "Чужой", LanguageCode: "ru"})

	reused := h.invite(s.owner, "manager")
	first := h.emu.NewUser(tgemu.UserOptions{FirstName: "Первый", LanguageCode: "ru"})
	first.Start(crm.InvitePrefix + reused)
	h.next(first.Chat(), 0, "Добро пожаловать")
	forMech := h.invite(s.owner, "manager") // the mechanic will try it: staff cannot re-join

	expired := h.invite(s.admin, "mechanic")
	// 24 hours pass for this invite (the database clock is the bot's).
	if _, err := h.pool.Exec(context.Background(), `UPDATE staff_invites SET expires_at = now() - interval '1 second'
		WHERE token_hash = sha256($1::bytea)`, expired); err != nil {
		t.Fatal(err)
	}
	start := func(u *tgemu.User, token string) func(*testing.T) string {
		return func(*testing.T) string {
			c := u.Chat()
			after := last(c)
			u.Start(crm.InvitePrefix + token)
			return h.next(c, after, "").Text
		}
	}
	command := func(u *tgemu.User, text, expect string) func(*testing.T) string {
		return func(*testing.T) string { return s.say(u, text, expect).Text }
	}
	s.refuse(t, []attack{
		{name: "an expired invite", by: stranger, do: start(stranger, expired), want: "Срок этого приглашения истёк", log: "invite refused"},
		{name: "a reused invite", by: stranger, do: start(stranger, reused), want: "уже использовано", log: "invite refused"},
		{name: "a forged invite token", by: stranger, do: start(stranger, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), want: "Такого приглашения нет", log: "invite refused"},
		{name: "a truncated invite token", by: stranger, do: start(stranger, reused[:20]), want: "Такого приглашения нет", log: "invite refused"},
		{name: "staff redeem an invite to change role", by: s.mech, do: start(s.mech, forMech), want: "Вы уже сотрудник", log: "invite refused"},
		{name: "a mechanic calls /invite", by: s.mech, do: command(s.mech, "/invite mechanic", "только владельцу или администратору"), want: "только владельцу или администратору", log: "staff command refused|permission denied"},
		{name: "a manager calls /invite", by: s.manager, do: command(s.manager, "/invite mechanic", "только владельцу или администратору"), want: "только владельцу или администратору", log: "staff command refused|permission denied"},
		{name: "a client calls /invite", by: s.client, do: command(s.client, "/invite admin", "для сотрудников"), want: "для сотрудников", log: "staff command refused|permission denied"},
		{name: "an admin invites an admin", by: s.admin, do: command(s.admin, "/invite admin", "нет прав"), want: "нет прав", log: "staff command refused|permission denied"},
	})
	if n := h.count(`SELECT count(*) FROM staff WHERE telegram_user_id = $1`, stranger.ID()); n != 0 {
		t.Errorf("the stranger became staff")
	}
	for _, token := range []string{reused, forMech, expired} {
		if strings.Contains(h.logs.String(), token) {
			t.Errorf("the log holds an invite token")
		}
	}
	h.noRejections()
}
