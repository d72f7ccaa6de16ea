package tgemu

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// isHTMLTag reports whether tag is a start tag the reference server (tdlib's parse_html) accepts.
func isHTMLTag(tag string) bool {
	switch tag {
	case "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji",
		"span", "pre", "code", "blockquote":
		return true
	}
	return false
}

type htmlOpen struct {
	tag      string
	arg      string
	utf16Off int
	bytePos  int // position in the result, for <a> without href
}

// parseHTML follows tdlib's do_parse_html byte for byte where errors are concerned, so that
// error messages and their byte offsets match what Telegram sends. One deliberate difference,
// on by default: a bare '&' that starts no entity is refused (tdlib keeps it literally), because
// an unescaped '&' means user text reached the message unescaped, and the next user will type
// "&lt;". Options.AllowBareAmpersand restores tdlib's leniency.
func parseHTML(text string, allowBareAmp bool) (string, []wEntity, error) {
	var out strings.Builder
	var entities []wEntity
	var stack []htmlOpen
	utf16Off := 0
	n := len(text)
	at := func(i int) byte {
		if i < n {
			return text[i]
		}
		return 0
	}
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' }
	for i := 0; i < n; i++ {
		c := text[i]
		if c == '&' {
			if r, next, ok := decodeHTMLEntity(text, i); ok {
				out.WriteRune(r)
				utf16Off += utf16Len(r)
				i = next - 1
				continue
			}
			if !allowBareAmp {
				return "", nil, fmt.Errorf("Character '&' is reserved and must be escaped with \"&amp;\" at byte offset %d", i)
			}
		}
		if c != '<' {
			if c < 0x80 || c >= 0xC0 { // first byte of a UTF-8 sequence
				if c >= 0xF0 {
					utf16Off += 2
				} else {
					utf16Off++
				}
			}
			out.WriteByte(c)
			continue
		}
		begin := i
		i++
		if at(i) != '/' {
			for i < n && !isSpace(at(i)) && at(i) != '>' {
				i++
			}
			if i >= n {
				return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
			}
			tag := strings.ToLower(text[begin+1 : i])
			if !isHTMLTag(tag) {
				return "", nil, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", tag, begin)
			}
			arg := ""
			for at(i) != '>' {
				for i < n && isSpace(at(i)) {
					i++
				}
				if at(i) == '>' {
					break
				}
				attrBegin := i
				for i < n && !isSpace(at(i)) && at(i) != '=' {
					i++
				}
				attrName := text[attrBegin:i]
				if attrName == "" {
					return "", nil, fmt.Errorf("Empty attribute name in the tag \"%s\" at byte offset %d", tag, begin)
				}
				for i < n && isSpace(at(i)) {
					i++
				}
				if at(i) != '=' {
					// tdlib accepts a bare "expandable" on blockquote.
					if tag == "blockquote" && attrName == "expandable" {
						arg = "1"
						continue
					}
					return "", nil, fmt.Errorf("Expected equal sign in declaration of an attribute of the tag \"%s\" at byte offset %d", tag, begin)
				}
				i++
				for i < n && isSpace(at(i)) {
					i++
				}
				if i >= n {
					return "", nil, fmt.Errorf("Unclosed start tag \"%s\" at byte offset %d", tag, begin)
				}
				var val strings.Builder
				if q := at(i); q != '\'' && q != '"' {
					tokBegin := i
					for i < n && (isAlnum(at(i)) || at(i) == '.' || at(i) == '-') {
						i++
					}
					val.WriteString(strings.ToLower(text[tokBegin:i]))
					if !isSpace(at(i)) && at(i) != '>' {
						return "", nil, fmt.Errorf("Unexpected end of name token at byte offset %d", tokBegin)
					}
				} else {
					i++
					for i < n && at(i) != q {
						if at(i) == '&' {
							if r, next, ok := decodeHTMLEntity(text, i); ok {
								val.WriteRune(r)
								i = next
								continue
							}
						}
						val.WriteByte(at(i))
						i++
					}
					if at(i) == q {
						i++
					}
				}
				if i >= n {
					return "", nil, fmt.Errorf("Unclosed start tag at byte offset %d", begin)
				}
				v := val.String()
				switch {
				case tag == "a" && attrName == "href":
					arg = v
				case tag == "code" && attrName == "class" && strings.HasPrefix(v, "language-"):
					arg = v[len("language-"):]
				case tag == "span" && attrName == "class" && strings.HasPrefix(v, "tg-"):
					arg = v[len("tg-"):]
				case tag == "tg-emoji" && attrName == "emoji-id":
					arg = v
				case tag == "blockquote" && attrName == "expandable":
					arg = "1"
				}
			}
			if tag == "span" && arg != "spoiler" {
				return "", nil, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
			stack = append(stack, htmlOpen{tag: tag, arg: arg, utf16Off: utf16Off, bytePos: out.Len()})
			continue
		}
		// An end tag.
		if len(stack) == 0 {
			return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", begin)
		}
		for i < n && !isSpace(at(i)) && at(i) != '>' {
			i++
		}
		endName := strings.ToLower(text[begin+2 : i])
		for i < n && isSpace(at(i)) {
			i++
		}
		if at(i) != '>' {
			return "", nil, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
		}
		top := stack[len(stack)-1]
		if endName != "" && endName != top.tag {
			return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.tag, endName)
		}
		stack = stack[:len(stack)-1]
		if utf16Off > top.utf16Off {
			if e, ok := htmlEntity(top, utf16Off-top.utf16Off, out.String()[top.bytePos:], entities); ok {
				entities = append(entities, e)
			}
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].tag)
	}
	entities = mergePreCode(entities)
	sortEntities(entities)
	return out.String(), entities, nil
}

// htmlEntity turns a closed tag into a MessageEntity; an <a> with an unusable URL yields none,
// as in tdlib.
func htmlEntity(o htmlOpen, length int, inner string, _ []wEntity) (wEntity, bool) {
	e := wEntity{Offset: o.utf16Off, Length: length}
	switch o.tag {
	case "b", "strong":
		e.Type = "bold"
	case "i", "em":
		e.Type = "italic"
	case "u", "ins":
		e.Type = "underline"
	case "s", "strike", "del":
		e.Type = "strikethrough"
	case "tg-spoiler", "span":
		e.Type = "spoiler"
	case "code":
		e.Type = "code"
		e.Language = o.arg // resolved against an enclosing <pre> in mergePreCode
	case "pre":
		e.Type = "pre"
	case "blockquote":
		e.Type = "blockquote"
		if o.arg != "" {
			e.Type = "expandable_blockquote"
		}
	case "tg-emoji":
		e.Type = "custom_emoji"
		e.EmojiID = o.arg
	case "a":
		href := o.arg
		if href == "" {
			href = inner
		}
		if id, ok := tgUserLink(href); ok {
			e.Type = "text_mention"
			e.User = &wUser{ID: id}
			return e, true
		}
		u, err := url.Parse(href)
		if err != nil || href == "" || strings.ContainsAny(href, " \n") {
			return e, false
		}
		if u.Scheme == "" {
			href = "http://" + href
		}
		e.Type = "text_link"
		e.URL = href
	default:
		return e, false
	}
	return e, true
}

// mergePreCode folds <pre><code class="language-x"> into one pre entity with a language, and
// drops the language of a standalone <code> (tdlib does both).
func mergePreCode(es []wEntity) []wEntity {
	out := es[:0]
	for _, e := range es {
		if e.Type == "pre" && len(out) > 0 {
			last := &out[len(out)-1]
			if last.Type == "code" && last.Offset == e.Offset && last.Length == e.Length && last.Language != "" {
				last.Type = "pre"
				continue
			}
		}
		out = append(out, e)
	}
	for i := range out {
		if out[i].Type == "code" {
			out[i].Language = ""
		}
	}
	return out
}

func sortEntities(es []wEntity) {
	sort.SliceStable(es, func(a, b int) bool {
		if es[a].Offset != es[b].Offset {
			return es[a].Offset < es[b].Offset
		}
		return es[a].Length > es[b].Length
	})
}

func tgUserLink(href string) (int64, bool) {
	const prefix = "tg://user?id="
	if !strings.HasPrefix(strings.ToLower(href), prefix) {
		return 0, false
	}
	id, err := strconv.ParseInt(href[len(prefix):], 10, 64)
	return id, err == nil && id > 0
}

// decodeHTMLEntity mirrors tdlib's decode_html_entity: numeric references and the four named
// ones (&lt; &gt; &amp; &quot;), the trailing ';' being optional.
func decodeHTMLEntity(text string, pos int) (rune, int, bool) {
	n := len(text)
	at := func(i int) byte {
		if i < n {
			return text[i]
		}
		return 0
	}
	end := pos + 1
	var res rune
	if at(pos+1) == '#' {
		end++
		if at(pos+2) == 'x' {
			end++
			for isHex(at(end)) {
				res = res*16 + rune(hexVal(at(end)))
				end++
				if res > 0x10ffff {
					return 0, 0, false
				}
			}
		} else {
			for at(end) >= '0' && at(end) <= '9' {
				res = res*10 + rune(at(end)-'0')
				end++
				if res > 0x10ffff {
					return 0, 0, false
				}
			}
		}
		if res == 0 || res >= 0x10ffff || end-pos >= 10 {
			return 0, 0, false
		}
	} else {
		for isAlpha(at(end)) {
			end++
		}
		switch text[pos+1 : end] {
		case "lt":
			res = '<'
		case "gt":
			res = '>'
		case "amp":
			res = '&'
		case "quot":
			res = '"'
		default:
			return 0, 0, false
		}
	}
	if at(end) == ';' {
		end++
	}
	return res, end, true
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isAlnum(c byte) bool { return isAlpha(c) || (c >= '0' && c <= '9') }
func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// utf16Length is the length of s in UTF-16 code units, the unit of entity offsets.
func utf16Length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

// trimFormatted strips leading and trailing white space like Telegram does after parsing, and
// moves and clips the entities to match.
func trimFormatted(text string, es []wEntity) (string, []wEntity) {
	trimmed := strings.TrimLeft(text, " \t\r\n")
	lead := utf16Length(text[:len(text)-len(trimmed)])
	trimmed = strings.TrimRight(trimmed, " \t\r\n")
	total := utf16Length(trimmed)
	out := make([]wEntity, 0, len(es))
	for _, e := range es {
		start, end := e.Offset-lead, e.Offset+e.Length-lead
		if start < 0 {
			start = 0
		}
		if end > total {
			end = total
		}
		if end <= start {
			continue
		}
		e.Offset, e.Length = start, end-start
		out = append(out, e)
	}
	return trimmed, out
}

// runeCount counts characters the way the length limits do (Unicode code points).
func runeCount(s string) int { return utf8.RuneCountInString(s) }

// utf16Slice returns the part of s between UTF-16 offsets, for transcripts and tests.
func utf16Slice(s string, off, length int) string {
	u := utf16.Encode([]rune(s))
	if off < 0 || off+length > len(u) {
		return ""
	}
	return string(utf16.Decode(u[off : off+length]))
}
