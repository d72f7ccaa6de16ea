package main

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// The owner's /audit shows staff actions with their actor, newest first, one message within
// Telegram's limit per page, and pages back through older entries.
func TestOwnerReadsTheAuditLog(t *testing.T) {
	t.Parallel()
	s := newSecShop(t)
	h := s.h
	// Many entries with long names: more than a page, and more than 4096 characters in all.
	if _, err := h.pool.Exec(context.Background(), `INSERT INTO audit_log (actor_kind, actor_id, action, data, created_at)
		SELECT 'staff', (SELECT id FROM staff WHERE telegram_user_id = $1), 'invite_created',
			jsonb_build_object('role', 'mechanic'), now() - make_interval(mins => n)
		FROM generate_series(1, 45) n`, s.admin.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pool.Exec(context.Background(), `UPDATE staff SET name = repeat('Антон', 30) WHERE telegram_user_id = $1`, s.admin.ID()); err != nil {
		t.Fatal(err)
	}
	s.deactivate(s.owner, "Пётр")

	page := s.say(s.owner, "/audit", "Журнал действий")
	if utf8.RuneCountInString(page.Text) > 4096 {
		t.Errorf("an audit page is %d characters", utf8.RuneCountInString(page.Text))
	}
	lines := strings.Split(page.Text, "\n")
	if !strings.Contains(lines[1], "Ольга отключил(а) Пётр: механик") {
		t.Errorf("newest entry %q, want the owner deactivating the mechanic", lines[1])
	}
	if !strings.Contains(page.Text, "создал(а) приглашение: механик") {
		t.Errorf("the admin's invites are missing:\n%s", page.Text)
	}
	seen := len(lines) - 1
	for range 10 {
		if !hasButton(page, "Раньше") {
			break
		}
		h.answered(h.press(s.owner, page, "Раньше"))
		next, err := s.owner.Chat().Await(awaitTimeout, func(m tgemu.Message) bool { return m.ID == page.ID && m.Text != page.Text })
		if err != nil {
			t.Fatal(err)
		}
		page = next
		seen += len(strings.Split(page.Text, "\n")) - 1
	}
	// 45 seeded, the 5 invites and joins of the shop's set-up, the deactivation.
	if want := h.count(`SELECT count(*) FROM audit_log`); seen != want {
		t.Errorf("paged through %d entries, the log holds %d", seen, want)
	}
	h.noRejections()
}

func hasButton(m tgemu.Message, label string) bool {
	for _, row := range m.Inline {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return true
			}
		}
	}
	return false
}
