package tgemu_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/tgemu"
)

func TestBlockUnblockDeactivate(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := srv.NewUser(tgemu.UserOptions{Username: "vasya"})
	p := &poller{t: t, bot: bot}
	_, err := bot.Send(tgbotapi.NewMessage(u.ID(), "promo"))
	wantAPIError(t, err, 403, "Forbidden: bot can't initiate conversation with a user")
	u.Start("")
	p.next()
	if _, err := bot.Send(tgbotapi.NewMessage(u.ID(), "welcome")); err != nil {
		t.Fatal(err)
	}
	u.Block()
	up := p.next()
	if cm := up.MyChatMember; cm == nil || cm.NewChatMember.Status != "kicked" || cm.OldChatMember.Status != "member" || cm.From.ID != u.ID() {
		t.Fatalf("block update: %+v", up)
	}
	_, err = bot.Send(tgbotapi.NewMessage(u.ID(), "are you there?"))
	wantAPIError(t, err, 403, "Forbidden: bot was blocked by the user")
	_, err = bot.Request(tgbotapi.NewChatAction(u.ID(), tgbotapi.ChatTyping))
	wantAPIError(t, err, 403, "Forbidden: bot was blocked by the user")
	u.Send("messages of a user who blocked the bot do not reach it")
	u.Unblock()
	up = p.next()
	if cm := up.MyChatMember; cm == nil || cm.NewChatMember.Status != "member" {
		t.Fatalf("unblock update: %+v", up)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(u.ID(), "welcome back")); err != nil {
		t.Fatal(err)
	}
	u.Deactivate()
	_, err = bot.Send(tgbotapi.NewMessage(u.ID(), "bye"))
	wantAPIError(t, err, 403, "Forbidden: user is deactivated")
}

func TestGroupsMigrationAndKick(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	admin := srv.NewUser(tgemu.UserOptions{FirstName: "Admin"})
	group := srv.NewGroup("Workshop", false)
	p := &poller{t: t, bot: bot}
	admin.SendIn(group, "/report@uniflow_test_bot today")
	up := p.next()
	if up.Message.Chat.Type != "group" || up.Message.Command() != "report" || up.Message.CommandArguments() != "today" {
		t.Fatalf("group command: %+v", up.Message)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(group.ID(), "ok")); err != nil {
		t.Fatal(err)
	}
	super, err := group.MigrateToSupergroup()
	if err != nil {
		t.Fatal(err)
	}
	up = p.next()
	if up.Message.MigrateToChatID != super.ID() {
		t.Fatalf("migrate_to update: %+v", up.Message)
	}
	up = p.next()
	if up.Message.MigrateFromChatID != group.ID() || up.Message.Chat.ID != super.ID() || up.Message.Chat.Type != "supergroup" {
		t.Fatalf("migrate_from update: %+v", up.Message)
	}
	_, err = bot.Send(tgbotapi.NewMessage(group.ID(), "to the old id"))
	te := wantAPIError(t, err, 400, "Bad Request: group chat was upgraded to a supergroup chat")
	if te.MigrateToChatID != super.ID() {
		t.Fatalf("migrate_to_chat_id %d, want %d", te.MigrateToChatID, super.ID())
	}
	if !strings.HasPrefix(strconv.FormatInt(super.ID(), 10), "-100") {
		t.Fatalf("supergroup id %d", super.ID())
	}
	if _, err := bot.Send(tgbotapi.NewMessage(super.ID(), "to the new id")); err != nil {
		t.Fatal(err)
	}
	super.RemoveBot(admin)
	up = p.next()
	if up.MyChatMember == nil || up.MyChatMember.NewChatMember.Status != "kicked" {
		t.Fatalf("kick update: %+v", up)
	}
	_, err = bot.Send(tgbotapi.NewMessage(super.ID(), "still here?"))
	wantAPIError(t, err, 403, "Forbidden: bot was kicked from the supergroup chat")
	small := srv.NewGroup("Small", false)
	small.RemoveBot(nil)
	_, err = bot.Send(tgbotapi.NewMessage(small.ID(), "x"))
	wantAPIError(t, err, 403, "Forbidden: bot was kicked from the group chat")
}

func TestAwaitAndTranscript(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := started(srv, tgemu.UserOptions{FirstName: "Nina"})
	go func() {
		msg := tgbotapi.NewMessage(u.ID(), "Choose")
		msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData("Yes", "y"), tgbotapi.NewInlineKeyboardButtonData("No", "n")))
		_, _ = bot.Send(msg)
	}()
	m, err := u.Chat().AwaitText(wait, "Choose")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Chat().AwaitNew(50*time.Millisecond, m.ID, nil); err == nil ||
		!strings.Contains(err.Error(), "no matching bot message") || !strings.Contains(err.Error(), "Choose [Yes | No]") {
		t.Fatalf("Await error should list the last bot messages: %v", err)
	}
	want := "Nina: /start\nbot: Choose [Yes | No]\n"
	if tr := u.Chat().Transcript(); tr != want {
		t.Fatalf("transcript:\n%s\nwant:\n%s", tr, want)
	}
}

func TestMentionsAndReset(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := srv.NewUser(tgemu.UserOptions{})
	group := srv.NewGroup("g", false)
	u.SendIn(group, "/help@uniflow_test_bot ask @manager_anna please, mail a@b.cd")
	up := (&poller{t: t, bot: bot}).next()
	es := up.Message.Entities
	if len(es) != 2 || es[0].Type != "bot_command" || es[0].Length != 22 || es[1].Type != "mention" || up.Message.Text[es[1].Offset:es[1].Offset+es[1].Length] != "@manager_anna" {
		t.Fatalf("entities: %+v", es)
	}
	srv.Reset()
	v := srv.NewUser(tgemu.UserOptions{})
	v.Send("after reset")
	ups := poll(t, bot, up.UpdateID+1)
	if len(ups) != 1 || ups[0].UpdateID <= up.UpdateID || len(srv.Calls()) != 1 {
		t.Fatalf("after reset: %+v, %d calls", ups, len(srv.Calls()))
	}
}
