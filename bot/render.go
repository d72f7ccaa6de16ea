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

// splitMessage cuts a long HTML message into parts within Telegram's limit, in order, losing
// nothing but the break each part ends at. Each part is the longest that fits, ended at its last
// paragraph break (a blank line), else its last line break, else its last space, else cut at the
// limit (at a rune boundary, outside tags and entities). A break in the first quarter of what
// fits is passed over for a lesser one further on, and taken only when there is no other: an
// early blank line (after a title, say) should not leave a part of a few characters and more
// parts in all. Breaks inside a tag, or inside an element (between <b> and </b>), are taken only
// when there is no other: a part should not open a tag the next one closes.
func splitMessage(html string) []string {
	if visibleLen(html) <= maxMessage {
		return []string{html}
	}
	const (
		paragraph = iota
		line
		space
		tiers
	)
	// breakIn is where to end a part whose longest possible text is window: the part is
	// window[:at] and skip bytes (the break) are dropped.
	breakIn := func(window string) (at, skip int) {
		var balanced, any [tiers]int // the last break of each tier, outside tags; -1 none
		for t := range tiers {
			balanced[t], any[t] = -1, -1
		}
		inTag, depth := false, 0
		for i := 0; i < len(window); i++ {
			c := window[i]
			tier := -1
			switch {
			case inTag:
				inTag = c != '>'
			case c == '<':
				inTag = true
				if i+1 < len(window) && window[i+1] == '/' {
					depth = max(0, depth-1)
				} else {
					depth++
				}
			case c == '\n' && i+1 < len(window) && window[i+1] == '\n':
				tier = paragraph
			case c == '\n':
				tier = line
			case c == ' ':
				tier = space
			}
			if tier < 0 || i == 0 {
				continue
			}
			any[tier] = i
			if depth == 0 {
				balanced[tier] = i
			}
		}
		skips := [tiers]int{paragraph: 2, line: 1, space: 1}
		for _, pick := range []func(int) bool{
			func(i int) bool { return i >= len(window)/4 },
			func(i int) bool { return i > 0 },
		} {
			for t := range tiers {
				if pick(balanced[t]) {
					return balanced[t], skips[t]
				}
			}
		}
		for t := range tiers {
			if any[t] > 0 {
				return any[t], skips[t]
			}
		}
		return len(window), 0
	}
	var parts []string
	rest := html
	for visibleLen(rest) > maxMessage {
		window, _ := cutVisible(rest, maxMessage)
		at, skip := breakIn(window)
		if p := strings.TrimRight(rest[:at], "\n"); p != "" {
			parts = append(parts, p)
		}
		rest = strings.TrimLeft(rest[at+skip:], "\n")
	}
	if rest = strings.TrimRight(rest, "\n"); rest != "" {
		parts = append(parts, rest)
	}
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
