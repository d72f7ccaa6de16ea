package main

import (
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// invite has by ask the bot for an invite link for role and returns its token.
func (h *harness) invite(by *tgemu.User, role string) string {
	h.t.Helper()
	c := by.Chat()
	after := last(c)
	by.Send("/invite " + role)
	token := inviteTokenIn(h.next(c, after, "start="+crm.InvitePrefix).Text)
	if token == "" {
		h.t.Fatalf("no invite token in chat %d:\n%s", c.ID(), c.Transcript())
	}
	return token
}

// hire makes who staff with role: by invites, who opens the link.
func (h *harness) hire(by, who *tgemu.User, role string) {
	h.t.Helper()
	token := h.invite(by, role)
	c := who.Chat()
	after := last(c)
	who.Start(crm.InvitePrefix + token)
	h.next(c, after, "/queue") // the welcome lists the staff commands
}

// newOwner is the shop's owner "Owner" speaking lang, made one by OWNER_TELEGRAM_IDS: call it
// before start.
func (h *harness) newOwner(lang string) *tgemu.User {
	owner := h.emu.NewUser(tgemu.UserOptions{FirstName: "Owner", LanguageCode: lang})
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(owner.ID())
	return owner
}

// staffHello has staff member u open the bot and waits for the staff help (it lists /queue):
// until then the bot does not know u's chat and sends u no notices.
func (h *harness) staffHello(u *tgemu.User) {
	h.t.Helper()
	u.Send("/help")
	h.next(u.Chat(), 0, "/queue")
}
