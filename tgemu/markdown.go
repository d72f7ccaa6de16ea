package tgemu

import (
	"fmt"
	"strings"
)

// mdOpen is an entity opened and not yet closed while parsing MarkdownV2.
type mdOpen struct {
	typ      string // tdlib type name, used in error messages
	arg      string
	utf16Off int
	byteOff  int // offset in the source, for "Can't find end of ... entity at byte offset N"
	resPos   int // position in the result, for [text] without (url)
}

// parseMarkdownV2 follows tdlib's parse_markdown_v2 so that errors read like Telegram's.
func parseMarkdownV2(text string) (string, []wEntity, error) {
	var out strings.Builder
	var ents []wEntity
	var stack []mdOpen
	utf16Off := 0
	n := len(text)
	at := func(i int) byte {
		if i >= 0 && i < n {
			return text[i]
		}
		return 0
	}
	reservedErr := func(c byte) error {
		return fmt.Errorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
	}
	for i := 0; i < n; i++ {
		c := text[i]
		if c == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
			i++
			utf16Off++
			out.WriteByte(text[i])
			continue
		}
		reserved := "_*[]()~`>#+-=|{}.!"
		if len(stack) > 0 {
			switch stack[len(stack)-1].typ {
			case "Code", "Pre", "PreCode":
				reserved = "`"
			}
		}
		if c == '>' && reserved != "`" && (i == 0 || at(i-1) == '\n') {
			// A quote line: tdlib turns consecutive "> " lines into one blockquote.
			start := utf16Off
			for {
				i++ // skip '>'
				if at(i) == ' ' {
					i++
				}
				for i < n && text[i] != '\n' {
					if text[i] == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
						i++
					}
					ch := text[i]
					if ch < 0x80 || ch >= 0xC0 {
						utf16Off += 1 + b2i(ch >= 0xF0)
					}
					out.WriteByte(ch)
					i++
				}
				if i < n && at(i+1) == '>' {
					out.WriteByte('\n')
					utf16Off++
					i++
					continue
				}
				break
			}
			if utf16Off > start {
				ents = append(ents, wEntity{Type: "blockquote", Offset: start, Length: utf16Off - start})
			}
			if i < n {
				out.WriteByte('\n')
				utf16Off++
			}
			continue
		}
		if !strings.ContainsRune(reserved, rune(c)) {
			if c < 0x80 || c >= 0xC0 {
				utf16Off += 1 + b2i(c >= 0xF0)
			}
			out.WriteByte(c)
			continue
		}
		isEnd := false
		if len(stack) > 0 {
			switch stack[len(stack)-1].typ {
			case "Bold":
				isEnd = c == '*'
			case "Italic":
				isEnd = c == '_' && at(i+1) != '_'
			case "Code":
				isEnd = c == '`'
			case "Pre", "PreCode":
				isEnd = c == '`' && at(i+1) == '`' && at(i+2) == '`'
			case "TextUrl", "CustomEmoji":
				isEnd = c == ']'
			case "Underline":
				isEnd = c == '_' && at(i+1) == '_'
			case "Strikethrough":
				isEnd = c == '~'
			case "Spoiler":
				isEnd = c == '|' && at(i+1) == '|'
			}
		}
		if !isEnd {
			o := mdOpen{utf16Off: utf16Off, byteOff: i, resPos: out.Len()}
			switch c {
			case '_':
				if at(i+1) == '_' {
					o.typ = "Underline"
					i++
				} else {
					o.typ = "Italic"
				}
			case '*':
				o.typ = "Bold"
			case '~':
				o.typ = "Strikethrough"
			case '|':
				if at(i+1) != '|' {
					return "", nil, reservedErr(c)
				}
				i++
				o.typ = "Spoiler"
			case '[':
				o.typ = "TextUrl"
			case '`':
				if at(i+1) == '`' && at(i+2) == '`' {
					o.typ = "Pre"
					lang, next := preStart(text, i+3)
					if lang != "" {
						o.typ, o.arg = "PreCode", lang
					}
					i = next - 1 // the loop's i++ lands on the first byte of the block
				} else {
					o.typ = "Code"
				}
			case '!':
				if at(i+1) != '[' {
					return "", nil, reservedErr(c)
				}
				i++
				o.typ = "CustomEmoji"
			default:
				return "", nil, reservedErr(c)
			}
			stack = append(stack, o)
			continue
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		skip := utf16Off == top.utf16Off
		e := wEntity{Offset: top.utf16Off, Length: utf16Off - top.utf16Off}
		switch top.typ {
		case "Bold":
			e.Type = "bold"
		case "Italic":
			e.Type = "italic"
		case "Code":
			e.Type = "code"
		case "Strikethrough":
			e.Type = "strikethrough"
		case "Underline":
			e.Type = "underline"
			i++
		case "Spoiler":
			e.Type = "spoiler"
			i++
		case "Pre", "PreCode":
			e.Type, e.Language = "pre", top.arg
			i += 2
		case "TextUrl", "CustomEmoji":
			var link string
			if at(i+1) != '(' {
				link = out.String()[top.resPos:]
			} else {
				i += 2
				begin := i
				var b strings.Builder
				for i < n && text[i] != ')' {
					if text[i] == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
						b.WriteByte(text[i+1])
						i += 2
						continue
					}
					b.WriteByte(text[i])
					i++
				}
				if at(i) != ')' {
					return "", nil, fmt.Errorf("Can't find end of a URL at byte offset %d", begin)
				}
				link = b.String()
			}
			if top.typ == "CustomEmoji" {
				id, ok := strings.CutPrefix(link, "tg://emoji?id=")
				if !ok {
					return "", nil, fmt.Errorf("Custom emoji entity must contain a tg://emoji URL")
				}
				e.Type, e.EmojiID = "custom_emoji", id
				break
			}
			if uid, ok := tgUserLink(link); ok {
				e.Type, e.User = "text_mention", &wUser{ID: uid}
				break
			}
			if link == "" || strings.ContainsAny(link, " \n") {
				skip = true
				break
			}
			e.Type, e.URL = "text_link", link
		}
		if !skip {
			ents = append(ents, e)
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return "", nil, fmt.Errorf("Can't find end of %s entity at byte offset %d", top.typ, top.byteOff)
	}
	sortEntities(ents)
	return out.String(), ents, nil
}

// parseMarkdownV1 follows tdlib's legacy parse_markdown (parse_mode "Markdown").
func parseMarkdownV1(text string) (string, []wEntity, error) {
	var out strings.Builder
	var ents []wEntity
	utf16Off := 0
	n := len(text)
	at := func(i int) byte {
		if i < n {
			return text[i]
		}
		return 0
	}
	for i := 0; i < n; i++ {
		c := text[i]
		if c == '\\' && (at(i+1) == '_' || at(i+1) == '*' || at(i+1) == '`' || at(i+1) == '[') {
			i++
			out.WriteByte(text[i])
			utf16Off++
			continue
		}
		if c != '_' && c != '*' && c != '`' && c != '[' {
			if c < 0x80 || c >= 0xC0 {
				utf16Off += 1 + b2i(c >= 0xF0)
			}
			out.WriteByte(c)
			continue
		}
		begin := i
		end := c
		if c == '[' {
			end = ']'
		}
		i++
		isPre := false
		lang := ""
		if c == '`' && at(i) == '`' && at(i+1) == '`' {
			isPre = true
			lang, i = preStart(text, i+2)
		}
		start := utf16Off
		resStart := out.Len()
		for i < n && (text[i] != end || (isPre && !(at(i+1) == '`' && at(i+2) == '`'))) {
			if ch := text[i]; ch < 0x80 || ch >= 0xC0 {
				utf16Off += 1 + b2i(ch >= 0xF0)
			}
			out.WriteByte(text[i])
			i++
		}
		if i >= n {
			return "", nil, fmt.Errorf("Can't find end of the entity starting at byte offset %d", begin)
		}
		if utf16Off != start {
			e := wEntity{Offset: start, Length: utf16Off - start}
			switch c {
			case '_':
				e.Type = "italic"
			case '*':
				e.Type = "bold"
			case '`':
				e.Type = "code"
				if isPre {
					e.Type, e.Language = "pre", lang
				}
			case '[':
				link := out.String()[resStart:]
				if at(i+1) == '(' {
					i += 2
					var b strings.Builder
					for i < n && text[i] != ')' {
						b.WriteByte(text[i])
						i++
					}
					link = b.String()
				}
				if uid, ok := tgUserLink(link); ok {
					e.Type, e.User = "text_mention", &wUser{ID: uid}
				} else if link != "" && !strings.ContainsAny(link, " \n") {
					e.Type, e.URL = "text_link", link
				}
			}
			if e.Type != "" {
				ents = append(ents, e)
			}
		}
		if isPre {
			i += 2
		}
	}
	sortEntities(ents)
	return out.String(), ents, nil
}

// preStart reads what follows an opening ``` the way tdlib does: a language up to the first
// white space (only when the block goes on after it), then one line break is skipped. i is the
// index just after the backticks; it returns the language and the index of the block's text.
func preStart(text string, i int) (string, int) {
	n := len(text)
	at := func(k int) byte {
		if k < n {
			return text[k]
		}
		return 0
	}
	lang := ""
	langEnd := i
	for langEnd < n && !isSpaceByte(text[langEnd]) && text[langEnd] != '`' {
		langEnd++
	}
	if i != langEnd && langEnd < n && text[langEnd] != '`' {
		lang, i = text[i:langEnd], langEnd
	}
	if at(i) == '\n' || at(i) == '\r' {
		if (at(i+1) == '\n' || at(i+1) == '\r') && at(i) != at(i+1) {
			i += 2
		} else {
			i++
		}
	}
	return lang, i
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
