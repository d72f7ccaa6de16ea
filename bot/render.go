package bot

import (
	"strings"
	"unicode/utf8"
)

// maxMessage is Telegram's limit on a message text after entity parsing.
const maxMessage = 4096

// esc makes user-supplied text safe inside an HTML-mode message. It is the
// one place user text meets HTML: names, cars and problems can hold "<b>",
// "&" or "<3", and an unescaped one makes Telegram reject the whole message.
func esc(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// short cuts user text to at most n characters for a card and escapes it.
// The CRM keeps the whole text; cards only show the start of it.
func short(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return esc(s)
	}
	runes := []rune(s)
	return esc(strings.TrimSpace(string(runes[:n]))) + "…"
}

// visibleLen counts the characters Telegram counts: the text with tags
// stripped and entities decoded. Our own messages only use simple tags and
// the four named entities, so this is exact for them.
func visibleLen(html string) int {
	n, inTag := 0, false
	for i := 0; i < len(html); {
		r, size := utf8.DecodeRuneInString(html[i:])
		switch {
		case inTag:
			if r == '>' {
				inTag = false
			}
		case r == '<':
			inTag = true
		case r == '&':
			if end := strings.IndexByte(html[i:], ';'); end > 0 {
				i += end + 1
				n++
				continue
			}
			n++
		default:
			// Telegram counts UTF-16 code units.
			if r >= 0x10000 {
				n += 2
			} else {
				n++
			}
		}
		i += size
	}
	return n
}

// splitMessage cuts a long HTML message at line boundaries into parts within
// Telegram's limit. A single line longer than the limit is cut hard at a
// rune boundary outside tags and entities; our renderers keep user text
// shortened, so that path only guards against a future renderer's mistake.
func splitMessage(html string) []string {
	if visibleLen(html) <= maxMessage {
		return []string{html}
	}
	var parts []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
		}
	}
	for _, line := range strings.SplitAfter(html, "\n") {
		for visibleLen(line) > maxMessage {
			flush()
			head, tail := cutVisible(line, maxMessage)
			parts = append(parts, head)
			line = tail
		}
		if visibleLen(cur.String())+visibleLen(line) > maxMessage {
			flush()
		}
		cur.WriteString(line)
	}
	flush()
	return parts
}

// cutVisible splits s after n visible characters, never inside a tag or entity.
func cutVisible(s string, n int) (string, string) {
	count, inTag := 0, false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case inTag:
			if r == '>' {
				inTag = false
			}
		case r == '<':
			inTag = true
		case r == '&':
			if end := strings.IndexByte(s[i:], ';'); end > 0 {
				size = end + 1
			}
			count++
		default:
			count++
		}
		i += size
		if count >= n && !inTag {
			return s[:i], s[i:]
		}
	}
	return s, ""
}
