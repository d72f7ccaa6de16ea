package tgemu_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// The user-side views of sim_client.go: the menu a Telegram app shows, clear history, files by
// id, the clock, and the change hook a live view waits on.

func simGet(t *testing.T, srv *tgemu.Server, path string, into any) int {
	t.Helper()
	resp, err := http.Get(srv.URL() + "/__sim/" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env simEnvelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if into != nil && env.OK {
		if err := json.Unmarshal(env.Result, into); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

func TestMenuForResolvesLikeATelegramApp(t *testing.T) {
	srv, _ := newEmu(t, tgemu.Options{})
	ru := started(srv, tgemu.UserOptions{FirstName: "Пётр", LanguageCode: "ru"})
	en := started(srv, tgemu.UserOptions{FirstName: "Ann", LanguageCode: "en"})
	other := started(srv, tgemu.UserOptions{FirstName: "Ivan", LanguageCode: "ru"})
	set := func(scope, lang, cmd string) {
		form := url.Values{"commands": {`[{"command":"` + cmd + `","description":"d"}]`}}
		if scope != "" {
			form.Set("scope", scope)
		}
		if lang != "" {
			form.Set("language_code", lang)
		}
		if r := raw(t, srv, "setMyCommands", form); r.Status != 200 {
			t.Fatalf("setMyCommands %s %s: %s", scope, lang, r.Text)
		}
	}
	set("", "", "start")
	set("", "en", "start_en")
	set(`{"type":"chat","chat_id":`+strconv.FormatInt(ru.ID(), 10)+`}`, "", "queue")
	menu := func(u *tgemu.User) string {
		var got []struct{ Command string }
		if code := simGet(t, srv, "chats/"+strconv.FormatInt(u.Chat().ID(), 10)+"/commands?user_id="+strconv.FormatInt(u.ID(), 10), &got); code != 200 {
			t.Fatalf("commands: %d", code)
		}
		if len(got) == 0 {
			return ""
		}
		return got[0].Command
	}
	for _, c := range []struct {
		u    *tgemu.User
		want string
	}{{ru, "queue"}, {en, "start_en"}, {other, "start"}} {
		if got := menu(c.u); got != c.want {
			t.Errorf("menu of %d = %q, want %q", c.u.ID(), got, c.want)
		}
	}
}

func TestClearHistoryFilesAndClock(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{})
	u := started(srv, tgemu.UserOptions{FirstName: "Ivan"})
	png := pngBytes(t, 10, 10)
	m := u.SendPhoto(png, "")
	resp, err := http.Get(srv.URL() + "/__sim/files/" + url.PathEscape(m.FileID))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !cmp.Equal(body, png) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		t.Errorf("file: %d %s, %d bytes, want the photo's", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	if code := simGet(t, srv, "files/nope", nil); code != 404 {
		t.Errorf("unknown file: %d, want 404", code)
	}

	changed := srv.Changed()
	resp, err = http.Post(srv.URL()+"/__sim/chats/"+strconv.FormatInt(u.Chat().ID(), 10)+"/clear", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := len(u.Chat().Messages()); resp.StatusCode != 200 || n != 0 {
		t.Errorf("clear: %d, %d messages left", resp.StatusCode, n)
	}
	select {
	case <-changed:
	case <-time.After(wait):
		t.Errorf("Changed was not closed by the clear")
	}
	// The bot can no longer edit a message that is gone from the chat; new ones go on numbering.
	if _, err := bot.Send(tgbotapi.NewMessage(u.Chat().ID(), "after")); err != nil {
		t.Fatalf("send after clear: %v", err)
	}
	if ms := u.Chat().Messages(); len(ms) != 1 || ms[0].ID <= m.ID {
		t.Errorf("after clear: %+v, want one new message numbered after %d", ms, m.ID)
	}

	var clock struct{ Now int64 }
	simGet(t, srv, "clock", &clock)
	srv.Advance(time.Hour)
	var later struct{ Now int64 }
	simGet(t, srv, "clock", &later)
	if d := later.Now - clock.Now; d < 3600 || d > 3660 {
		t.Errorf("clock moved %d s on a 1 h advance", d)
	}
}
