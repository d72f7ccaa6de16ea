package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// menuOf reads the command menu of a scope back from the emulator over HTTP, the way a Telegram
// client would see it: getMyCommands with that scope ("" for the default one).
func (h *harness) menuOf(scope string) []string {
	h.t.Helper()
	form := url.Values{}
	if scope != "" {
		form.Set("scope", scope)
	}
	resp, err := http.PostForm(h.emu.URL()+"/bot"+h.emu.Token()+"/getMyCommands", form)
	if err != nil {
		h.t.Fatalf("getMyCommands: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		OK     bool `json:"ok"`
		Result []struct {
			Command string `json:"command"`
		} `json:"result"`
		Description string `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.OK {
		h.t.Fatalf("getMyCommands %s: %v %s", scope, err, out.Description)
	}
	var cmds []string
	for _, c := range out.Result {
		cmds = append(cmds, c.Command)
	}
	return cmds
}

func chatScope(id int64) string { return fmt.Sprintf(`{"type":"chat","chat_id":%d}`, id) }

// awaitMenu waits for a chat's menu to satisfy ok: the bot sets it after it answered.
func (h *harness) awaitMenu(chatID int64, what string, ok func([]string) bool) []string {
	h.t.Helper()
	deadline := time.Now().Add(awaitTimeout)
	for {
		m := h.menuOf(chatScope(chatID))
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("chat %d menu %v: want %s", chatID, m, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Each staff chat's menu follows its role: set when they join, changed with the role, removed on
// deactivation (the chat falls back to the clients' default menu).
func TestStaffCommandMenusFollowRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.emu.NewUser(tgemu.UserOptions{FirstName: "Ольга", LanguageCode: "ru"})
	mech := h.emu.NewUser(tgemu.UserOptions{FirstName: "Пётр", LanguageCode: "en"})
	h.env["OWNER_TELEGRAM_IDS"] = itoa64(owner.ID())
	h.start()

	def := h.awaitMenuScope("", func(m []string) bool { return slices.Contains(m, "forget_me") })
	if slices.Contains(def, "staff") || slices.Contains(def, "queue") {
		t.Errorf("the clients' menu shows staff commands: %v", def)
	}
	// The owner's chat becomes known when they first write.
	owner.Send("/help")
	h.awaitMenu(owner.Chat().ID(), "the owner's menu", func(m []string) bool {
		return slices.Contains(m, "audit") && slices.Contains(m, "invite") && slices.Contains(m, "staff")
	})

	h.hire(owner, mech, "mechanic")
	got := h.awaitMenu(mech.Chat().ID(), "a mechanic's menu", func(m []string) bool { return slices.Contains(m, "queue") })
	if slices.Contains(got, "invite") || slices.Contains(got, "staff") || slices.Contains(got, "orders") {
		t.Errorf("a mechanic's menu: %v", got)
	}

	s := &secShop{h: h}
	list := s.say(owner, "/staff", "Сотрудники")
	h.answered(h.press(owner, list, "Пётр"))
	h.answered(h.press(owner, s.withButton(owner, list.ID, "Сделать: менеджер"), "Сделать: менеджер"))
	got = h.awaitMenu(mech.Chat().ID(), "a manager's menu", func(m []string) bool { return slices.Contains(m, "orders") })
	if slices.Contains(got, "invite") || slices.Contains(got, "audit") {
		t.Errorf("a manager's menu: %v", got)
	}
	h.answered(h.press(owner, s.withButton(owner, list.ID, "Сделать: администратор"), "Сделать: администратор"))
	h.awaitMenu(mech.Chat().ID(), "an admin's menu", func(m []string) bool {
		return slices.Contains(m, "invite") && slices.Contains(m, "staff") && !slices.Contains(m, "audit")
	})

	s.deactivate(owner, "Пётр")
	h.awaitMenu(mech.Chat().ID(), "no menu of its own", func(m []string) bool { return len(m) == 0 })
	if def := h.menuOf(""); !slices.Contains(def, "forget_me") {
		t.Errorf("the default menu changed: %v", def)
	}
	// The staff menu is in the member's language.
	if !strings.Contains(fmt.Sprint(h.emu.CommandsFor("chat", owner.Chat().ID(), "")), "Журнал действий") {
		t.Errorf("the owner's menu is not in Russian: %v", h.emu.CommandsFor("chat", owner.Chat().ID(), ""))
	}
	h.noRejections()
}

func (h *harness) awaitMenuScope(scope string, ok func([]string) bool) []string {
	h.t.Helper()
	deadline := time.Now().Add(awaitTimeout)
	for {
		m := h.menuOf(scope)
		if ok(m) || time.Now().After(deadline) {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
}
