package bot

import (
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The library's Command and CommandArguments panic on an entity longer than the text; the
// cleaned text of a request never gives them one (found by FuzzRouter: "/\x1c" cleaned to "/").
func TestFitCommandEntity(t *testing.T) {
	cases := []struct {
		text      string
		length    int
		cmd, args string
	}{
		{"/start src_web", 6, "start", "src_web"},
		{"/help", 5, "help", ""},
		{"/", 2, "", ""},
		{"/km 1001", 40, "km", "1001"},
		{"/start@uniflow_bot x", 18, "start", "x"},
		{"hello", 5, "", ""},
	}
	for _, c := range cases {
		m := &tgbotapi.Message{Text: c.text, Entities: []tgbotapi.MessageEntity{{Type: "bot_command", Offset: 0, Length: c.length}}}
		fitCommandEntity(m)
		if got, args := m.Command(), m.CommandArguments(); got != c.cmd || args != c.args {
			t.Errorf("%q with an entity of %d: command %q, arguments %q; want %q, %q", c.text, c.length, got, args, c.cmd, c.args)
		}
	}
}
