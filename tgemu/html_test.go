package tgemu_test

import (
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/tgemu"
)

func TestHTMLParseMode(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	const prefix = "Bad Request: can't parse entities: "
	tests := []struct {
		name, html string
		wantErr    string
		wantText   string
		wantEnts   []tgemu.Entity
	}{
		{name: "bold and escapes", html: "<b>Ivan &lt;3</b> &amp; &quot;co&quot; &#1046;&#x416;",
			wantText: `Ivan <3 & "co" ЖЖ`, wantEnts: []tgemu.Entity{{Type: "bold", Offset: 0, Length: 7, Text: "Ivan <3"}}},
		{name: "nested and utf16", html: "😀 <i>ok <u>yes</u></i>",
			wantText: "😀 ok yes", wantEnts: []tgemu.Entity{{Type: "italic", Offset: 3, Length: 6, Text: "ok yes"}, {Type: "underline", Offset: 6, Length: 3, Text: "yes"}}},
		{name: "link", html: `<a href="https://example.com/?a=1&amp;b=2">site</a>`,
			wantText: "site", wantEnts: []tgemu.Entity{{Type: "text_link", Offset: 0, Length: 4, Text: "site", URL: "https://example.com/?a=1&b=2"}}},
		{name: "pre with language", html: `<pre><code class="language-go">x := 1</code></pre>`,
			wantText: "x := 1", wantEnts: []tgemu.Entity{{Type: "pre", Offset: 0, Length: 6, Text: "x := 1"}}},
		{name: "spoiler span", html: `<span class="tg-spoiler">secret</span>`,
			wantText: "secret", wantEnts: []tgemu.Entity{{Type: "spoiler", Offset: 0, Length: 6, Text: "secret"}}},
		{name: "bare greater-than is text", html: "a > b", wantText: "a > b"},
		{name: "unknown tag", html: "hello <script>x</script>", wantErr: prefix + `Unsupported start tag "script" at byte offset 6`},
		{name: "bare less-than", html: "5 < 6", wantErr: prefix + `Unsupported start tag "" at byte offset 2`},
		{name: "less-than at end", html: "x <", wantErr: prefix + `Unclosed start tag at byte offset 2`},
		{name: "bare ampersand", html: "AT&T", wantErr: prefix + `Character '&' is reserved and must be escaped with "&amp;" at byte offset 2`},
		{name: "unclosed tag", html: "<b>bold", wantErr: prefix + `Can't find end tag corresponding to start tag "b"`},
		{name: "mismatched end tag", html: "<b><i>x</b></i>", wantErr: prefix + `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{name: "unexpected end tag", html: "x</b>", wantErr: prefix + `Unexpected end tag at byte offset 1`},
		{name: "span without spoiler", html: `<span class="x">y</span>`, wantErr: prefix + `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{name: "attribute without value", html: `<a href>x</a>`, wantErr: prefix + `Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0`},
		{name: "empty after tags", html: "<b> </b>", wantErr: "Bad Request: message text is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tgbotapi.NewMessage(u.ID(), tt.html)
			msg.ParseMode = tgbotapi.ModeHTML
			sent, err := bot.Send(msg)
			if tt.wantErr != "" {
				wantAPIError(t, err, 400, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, _ := u.Chat().Message(sent.MessageID)
			if m.Text != tt.wantText || m.HTML != tt.html {
				t.Fatalf("text %q html %q", m.Text, m.HTML)
			}
			if diff := cmp.Diff(tt.wantEnts, m.Entities); diff != "" {
				t.Fatalf("entities (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHTMLBareAmpersandLikeTdlib(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{AllowBareAmpersand: true})
	u := started(srv, tgemu.UserOptions{})
	msg := tgbotapi.NewMessage(u.ID(), "AT&T &nbsp;")
	msg.ParseMode = "html" // parse_mode is case-insensitive
	sent, err := bot.Send(msg)
	if err != nil || sent.Text != "AT&T &nbsp;" {
		t.Fatalf("sent %q, %v", sent.Text, err)
	}
}

func TestMarkdownParseModes(t *testing.T) {
	srv, bot := newEmu(t, tgemu.Options{NoRateLimits: true})
	u := started(srv, tgemu.UserOptions{})
	tests := []struct {
		mode, text, wantText, wantErr string
	}{
		{tgbotapi.ModeMarkdownV2, `*bold* _it_ __under__ ~s~ ||sp|| [link](https://x.org) \.`, "bold it under s sp link .", ""},
		{tgbotapi.ModeMarkdownV2, "Total: 5.00", "", `Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\'`},
		{tgbotapi.ModeMarkdownV2, "*open", "", "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0"},
		{tgbotapi.ModeMarkdownV2, "```go\nx := 1\n```", "x := 1", ""},
		{tgbotapi.ModeMarkdown, "*bold* and _it_", "bold and it", ""},
		{tgbotapi.ModeMarkdown, "```sql\nselect 1\n```", "select 1", ""},
		{tgbotapi.ModeMarkdown, "snake_case", "", "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 5"},
		{"Markdown3", "x", "", "Bad Request: unsupported parse_mode"},
	}
	for _, tt := range tests {
		msg := tgbotapi.NewMessage(u.ID(), tt.text)
		msg.ParseMode = tt.mode
		sent, err := bot.Send(msg)
		if tt.wantErr != "" {
			wantAPIError(t, err, 400, tt.wantErr)
			continue
		}
		if err != nil || sent.Text != tt.wantText {
			t.Fatalf("%s %q: got %q, %v", tt.mode, tt.text, sent.Text, err)
		}
	}
}
