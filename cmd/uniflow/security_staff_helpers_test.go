package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// secShop is a running shop for the staff attack cases: an owner who joined through
// `uniflow invite owner` (so that the last-owner rule, not OWNER_TELEGRAM_IDS, guards them), an
// admin, a manager and a mechanic who joined by invites, and a client.
type secShop struct {
	h                                   *harness
	owner, admin, manager, mech, client *tgemu.User
}

func newSecShop(t *testing.T) *secShop {
	t.Helper()
	h := newHarness(t, tgemu.Options{}, nil)
	s := &secShop{h: h}
	s.owner = h.emu.NewUser(tgemu.UserOptions{FirstName: "Ольга", LanguageCode: "ru"})
	s.admin = h.emu.NewUser(tgemu.UserOptions{FirstName: "Антон", LanguageCode: "ru"})
	s.manager = h.emu.NewUser(tgemu.UserOptions{FirstName: "Мария", LanguageCode: "ru"})
	s.mech = h.emu.NewUser(tgemu.UserOptions{FirstName: "Пётр", LanguageCode: "ru"})
	s.client = h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	h.start()
	s.owner.Start(crm.InvitePrefix + s.ownerInvite(t))
	h.next(s.owner.Chat(), 0, "владелец")
	h.hire(s.owner, s.admin, "admin")
	h.hire(s.admin, s.manager, "manager")
	h.hire(s.admin, s.mech, "mechanic")
	return s
}

// ownerInvite runs `uniflow invite owner` against the shop's database and returns the token.
func (s *secShop) ownerInvite(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), []string{"invite", "owner", "-bot", "uniflow_test_bot"}, func(k string) string { return s.h.env[k] }, &out)
	if err != nil {
		t.Fatalf("uniflow invite owner: %v", err)
	}
	if !strings.Contains(out.String(), "https://t.me/uniflow_test_bot?start="+crm.InvitePrefix) {
		t.Fatalf("uniflow invite owner printed %q", out.String())
	}
	return inviteTokenIn(out.String())
}

// say sends text as u and waits for the bot's answer holding expect.
func (s *secShop) say(u *tgemu.User, text, expect string) tgemu.Message {
	s.h.t.Helper()
	c := u.Chat()
	after := last(c)
	u.Send(text)
	return s.h.next(c, after, expect)
}

// state is what an attack must not change: staff, invites, the audit log, clients, cars and
// orders, as one comparable string.
func (s *secShop) state() string {
	s.h.t.Helper()
	var st string
	err := s.h.pool.QueryRow(context.Background(), `SELECT concat_ws(' | ',
		(SELECT string_agg(id || ':' || role || ':' || active, ',' ORDER BY id) FROM staff),
		(SELECT count(*) FROM staff_invites), (SELECT count(*) FROM staff_invites WHERE redeemed_at IS NOT NULL),
		(SELECT count(*) FROM audit_log),
		(SELECT string_agg(id || ':' || phone || ':' || name || ':' || coalesce(telegram_user_id::text, '-'), ',' ORDER BY id) FROM clients),
		(SELECT string_agg(id || ':' || plate || ':' || vin, ',' ORDER BY id) FROM vehicles),
		(SELECT string_agg(id || ':' || status || ':' || version, ',' ORDER BY id) FROM orders),
		(SELECT count(*) FROM payments), (SELECT count(*) FROM order_events), (SELECT count(*) FROM order_activity))`).Scan(&st)
	if err != nil {
		s.h.t.Fatalf("read state: %v", err)
	}
	return st
}

// attack is one attempt that must be refused.
type attack struct {
	name string
	by   *tgemu.User
	// do makes the attempt and returns what the attacker was told (a reply or a button's answer).
	do func(t *testing.T) string
	// want is in what the attacker was told and log is the log line's msg; "a|b" accepts
	// either (forged buttons may be refused by the callback codec before reaching a handler).
	want string
	log  string
}

// refuse runs each attack in turn and checks that it was refused with a clear message, logged
// with the attacker's user id, and changed nothing in the database.
func (s *secShop) refuse(t *testing.T, attacks []attack) {
	t.Helper()
	for _, a := range attacks {
		before, logsBefore := s.state(), len(s.h.logs.String())
		told := a.do(t)
		if !containsAny(told, a.want) {
			t.Errorf("%s: told %q, want %q", a.name, told, a.want)
		}
		if !s.logged(logsBefore, a.log, a.by.ID()) {
			t.Errorf("%s: no log line %q with user_id %d in:\n%s", a.name, a.log, a.by.ID(), s.h.logs.String()[logsBefore:])
		}
		if after := s.state(); after != before {
			t.Errorf("%s: the database changed:\nbefore %s\nafter  %s", a.name, before, after)
		}
	}
}

// logged waits briefly for a log line written after offset with msg and the user id: the
// answer can reach the emulator a moment before the log line is written.
func (s *secShop) logged(offset int, msg string, userID int64) bool {
	deadline := time.Now().Add(2 * time.Second)
	for {
		for _, line := range strings.Split(s.h.logs.String()[offset:], "\n") {
			for _, m := range strings.Split(msg, "|") {
				if strings.Contains(line, `"msg":"`+m) && strings.Contains(line, `"user_id":`+itoa64(userID)) {
					return true
				}
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pressForged presses callback data the bot never sent, on a message of u's chat.
func (s *secShop) pressForged(u *tgemu.User, data string) string {
	s.h.t.Helper()
	c := u.Chat()
	ms := c.BotMessages()
	if len(ms) == 0 {
		s.h.t.Fatalf("no bot message in chat %d to press on", c.ID())
	}
	// Sealed with the bot's key, as if it leaked: the checks behind the tag are under test.
	id, err := u.PressData(ms[len(ms)-1], sealFor(testCallbackSecret, c.ID(), data))
	if err != nil {
		s.h.t.Fatalf("press %q: %v", data, err)
	}
	return s.h.answered(id).Text
}

// staffID is the staff row id of a Telegram user.
func (s *secShop) staffID(u *tgemu.User) int64 {
	s.h.t.Helper()
	var id int64
	if err := s.h.pool.QueryRow(context.Background(), `SELECT id FROM staff WHERE telegram_user_id = $1`, u.ID()).Scan(&id); err != nil {
		s.h.t.Fatalf("staff id of %d: %v", u.ID(), err)
	}
	return id
}

func containsAny(s, alternatives string) bool {
	for _, a := range strings.Split(alternatives, "|") {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}

// forged is callback data in the bot's codec: action, id and version in base 36, and an arg.
func forged(action string, id int64, arg string) string {
	d := action + ":" + strconv.FormatInt(id, 36) + ":0"
	if arg != "" {
		d += ":" + arg
	}
	return d
}
