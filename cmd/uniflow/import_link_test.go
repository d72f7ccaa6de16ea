package main

import (
	"context"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// A client imported from a file (no Telegram) who later shares the same phone with the bot is
// linked to that row: no second client, their imported name greets them.
func TestImportedClientLinkedBySharedPhone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	svc := crm.New(h.pool, crm.Options{})
	rep, err := importer.Run(context.Background(), svc, "clients.csv",
		strings.NewReader("Телефон;ФИО\n8 (912) 000-00-40;Импортов Иван\n"), importer.Options{Kind: importer.KindClients})
	if err != nil || rep.New != 1 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Ivan", LanguageCode: "en"})
	c := u.Chat()
	u.Start("")
	h.next(c, 0, langs[1].askPhone)
	if _, err := u.ShareContact("79120000040"); err != nil {
		t.Fatal(err)
	}
	hello := h.next(c, last(c), "Welcome back, Импортов Иван")
	// They have no orders yet: not told the bot found some.
	if strings.Contains(hello.Text, "found your orders") || !strings.Contains(hello.Text, "I found you among the shop's clients") {
		t.Errorf("greeting of an imported client with no orders: %q", hello.Text)
	}
	if n := h.count(`SELECT count(*) FROM clients`); n != 1 {
		t.Errorf("%d clients after the shared phone, want the imported one only", n)
	}
	if n := h.count(`SELECT count(*) FROM clients WHERE phone = '+79120000040' AND telegram_user_id IS NOT NULL AND lead_source = 'import'`); n != 1 {
		t.Errorf("the imported client is not linked to the Telegram user")
	}
	h.noRejections()
}
