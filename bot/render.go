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

// splitMessage cuts a long HTML message into parts within Telegram's limit, in order: at
// paragraph boundaries (a blank line) where it can, else at line boundaries, and a single line
// longer than the limit at its last space (or, without one, at a rune boundary) outside tags and
// entities. Our renderers keep user text shortened and tags within a line, so no part opens a
// tag another one closes.
func splitMessage(html string) []string {
	if visibleLen(html) <= maxMessage {
		return []string{html}
	}
	var parts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if p := strings.TrimRight(cur.String(), "\n"); p != "" {
			parts = append(parts, p)
		}
		cur.Reset()
		curLen = 0
	}
	add := func(piece string) {
		n := visibleLen(piece)
		if curLen+n > maxMessage {
			flush()
		}
		cur.WriteString(piece)
		curLen += n
	}
	for _, para := range strings.SplitAfter(html, "\n\n") {
		if visibleLen(para) <= maxMessage {
			add(para)
			continue
		}
		for _, line := range strings.SplitAfter(para, "\n") {
			for visibleLen(line) > maxMessage {
				// A line longer than a message fills the rest of this part with its start.
				if curLen > maxMessage*3/4 {
					flush()
				}
				head, tail := cutVisible(line, maxMessage-curLen)
				if i := lastSpaceOutsideTags(head); i > len(head)/2 {
					head, tail = head[:i], head[i+1:]+tail
				}
				cur.WriteString(head)
				flush()
				line = tail
			}
			add(line)
		}
	}
	flush()
	return parts
}

// lastSpaceOutsideTags is the byte index of the last space of s that is not inside a tag
// ("<a href=...>"), or -1.
func lastSpaceOutsideTags(s string) int {
	last, inTag := -1, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '<':
			inTag = true
		case s[i] == '>':
			inTag = false
		case s[i] == ' ' && !inTag:
			last = i
		}
	}
	return last
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
		case r >= 0x10000:
			if count+2 > n {
				return s[:i], s[i:] // it would not fit whole
			}
			count += 2 // Telegram counts UTF-16 code units
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
