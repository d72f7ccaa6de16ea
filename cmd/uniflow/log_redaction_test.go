package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// A whole working day's traffic, with Bot API failures and bad databases at start, leaves no
// secret, whole phone or message text in anything the program prints.
func TestLogsHoldNoSecretsPhonesOrTexts(t *testing.T) {
	t.Parallel()
	const dbPassword = "Db-Pa55word-4-logs"
	h, _ := newWebhookHarness(t, nil)
	// Trust auth ignores the password, so a real one can ride in the URL.
	h.env["DATABASE_URL"] = strings.Replace(h.env["DATABASE_URL"], "postgres@", "postgres:"+dbPassword+"@", 1)
	owner := h.emu.NewUser(tgemu.UserOptions{FirstName: "Owner", LanguageCode: "ru"})
	mech := h.emu.NewUser(tgemu.UserOptions{FirstName: "Mech", LanguageCode: "ru"})
	group := h.emu.NewGroup("Staff", true)
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(owner.ID())
	h.env["STAFF_CHAT_ID"] = itoa64(group.ID())
	h.startWebhook()

	texts := []string{"Секретный Клиент", "Lada Tajna", "TAINA-stuk-v-dvigatele", "ZAPROS-katalog", "PART-SKU-777", "mnogo-shtuk"}
	phone := "+7 912 345-67-89"
	wholePhone := []string{"+79123456789", "79123456789", "9123456789", "912 345-67-89", "345-67-89"}

	token := h.invite(owner, "mechanic")
	texts = append(texts, token) // "/start inv_<token>" is a message text, and a secret
	mech.Start(crm.InvitePrefix + token)
	h.next(mech.Chat(), 0, "/queue")
	owner.Send("/staff")
	h.next(owner.Chat(), last(owner.Chat()), "Mech")
	// Failing Bot API calls: the owner's next reply is lost on the wire, the one after refused.
	h.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: owner.Chat().ID(), Times: 1}, tgemu.Action{Kind: tgemu.FaultDrop})
	h.emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: owner.Chat().ID(), Times: 1},
		tgemu.Action{Kind: tgemu.FaultError, Code: 400, Description: "Bad Request: chat not found"})
	owner.Send("/catalog " + texts[3])
	owner.Send("/receive " + texts[4] + " " + texts[5])
	owner.Send("/orders")
	h.next(owner.Chat(), last(owner.Chat()), "")

	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "C", LanguageCode: "ru", Phone: phone})
	card := h.book(client, langs[0], phone, texts[0], texts[1], texts[2])
	req := h.next(group, 0, "Новая заявка")
	h.press(mech, req, "Взять")
	h.next(client.Chat(), card.ID, "принят")
	mech.Send("/queue")
	h.next(mech.Chat(), last(mech.Chat()), "№1001")
	client.Send(texts[2] + " " + phone) // a text out of any dialog, holding the phone
	h.next(client.Chat(), last(client.Chat()), "")
	h.stop()

	// Bad databases at start: unreachable, and a URL that does not parse.
	var startup bytes.Buffer
	for _, dsn := range []string{
		"postgres://postgres:" + dbPassword + "@127.0.0.1:1/uniflow?sslmode=disable",
		"postgres://postgres:" + dbPassword + "@127.0.0.1:port/uniflow",
		"host=127.0.0.1 port=1 user=postgres password=" + dbPassword,
	} {
		env := map[string]string{"DATABASE_URL": dsn, "HTTP_ADDR": "127.0.0.1:0", "TELEGRAM_BOT_TOKEN": h.emu.Token(), "TELEGRAM_API_URL": h.emu.URL()}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := run(ctx, []string{"run"}, func(k string) string { return env[k] }, &startup)
		cancel()
		if err == nil {
			t.Fatalf("run started with DATABASE_URL %q", dsn)
		}
		startup.WriteString(redactedText(err.Error()) + "\n") // as main prints it
	}

	all := h.logs.String() + startup.String()
	if !strings.Contains(all, `"msg":"update failed"`) || !strings.Contains(all, "not reachable") {
		t.Fatalf("the log is suspiciously empty:\n%s", all)
	}
	_, tokenSecret, _ := strings.Cut(h.emu.Token(), ":")
	for what, s := range map[string]string{"bot token": tokenSecret, "database password": dbPassword, "webhook secret": webhookSecret} {
		if strings.Contains(all, s) {
			t.Errorf("the %s is in the log:\n%s", what, linesWith(all, s))
		}
	}
	for _, p := range wholePhone {
		if strings.Contains(all, p) {
			t.Errorf("the phone (%s) is in the log:\n%s", p, linesWith(all, p))
		}
	}
	for _, s := range texts {
		if strings.Contains(all, s) {
			t.Errorf("message text %q is in the log:\n%s", s, linesWith(all, s))
		}
	}
}

func linesWith(log, s string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
