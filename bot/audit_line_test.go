package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Audit lines say who did what in words: a join names the inviter, an assignment and an order's
// creation are not status moves, and English writes order numbers "No.".
func TestAuditLineWords(t *testing.T) {
	b := &Bot{cfg: Config{Location: time.UTC}}
	n := int64(1004)
	at := time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC)
	for _, tt := range []struct {
		l    text.Lang
		e    crm.AuditEntry
		want string
	}{
		{text.EN, crm.AuditEntry{At: at, ActorKind: "staff", ActorName: "Anna", Action: crm.AuditInviteRedeemed, TargetName: "Oleg",
			Data: map[string]any{"role": "mechanic"}}, "04.12 09:30 · Anna joined by invite from Oleg: mechanic"},
		{text.RU, crm.AuditEntry{At: at, ActorKind: "staff", ActorName: "Anna", Action: crm.AuditInviteRedeemed, TargetName: "Oleg",
			Data: map[string]any{"role": "mechanic"}}, "Anna вступил(а) по приглашению (пригласил(а) Oleg): механик"},
		{text.EN, crm.AuditEntry{At: at, ActorKind: "staff", ActorName: "Oleg", Action: crm.OrderEventAssigned, TargetName: "Petr", OrderNumber: &n,
			Data: map[string]any{"from": "accepted", "to": "accepted"}}, "Oleg assigned mechanic Petr No. 1004"},
		{text.EN, crm.AuditEntry{At: at, ActorKind: "staff", ActorName: "Oleg", Action: crm.OrderEventCreated, OrderNumber: &n,
			Data: map[string]any{"from": "", "to": "accepted"}}, "Oleg created order No. 1004"},
		{text.RU, crm.AuditEntry{At: at, ActorKind: "staff", ActorName: "Oleg", Action: crm.OrderEventCreated, OrderNumber: &n,
			Data: map[string]any{"from": "", "to": "accepted"}}, "Oleg создал(а) заказ №1004"},
	} {
		got := b.auditLine(tt.l, tt.e)
		if !strings.HasSuffix(got, tt.want) {
			t.Errorf("%s %s: %q, want it to end in %q", tt.l, tt.e.Action, got, tt.want)
		}
		if strings.Contains(got, "→") {
			t.Errorf("%q shows a status move", got)
		}
	}
}
