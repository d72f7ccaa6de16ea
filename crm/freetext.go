package crm

import (
	"strings"
	"unicode"
)

// CleanText is what free text typed by a user (a name, a car, a plate, a problem, a note, a
// catalog name) keeps before anyone sees or stores it. It drops what cannot be seen but changes
// what is seen: format characters (Unicode Cf: zero-width spaces and joiners, the soft hyphen,
// the BOM, bidi marks, embeddings, overrides and isolates, tag characters), the blank "letters"
// used for empty-looking nicknames (Hangul fillers, the blank Braille pattern) and control
// characters. A newline stays (multi-line fields keep their lines, one-line fields refuse or
// flatten them as before), a tab and the Unicode line and paragraph separators become a space
// and a newline.
//
// The zero-width joiner alone is kept where it glues one emoji to the next (👨‍👩‍👧): there it is
// part of a picture everyone sees, while anywhere else it is invisible. Tag characters go even
// after a flag: they can carry whole hidden sentences, and a subdivision flag degrades to 🏴.
//
// Text with no letter, digit, punctuation or symbol left (only spaces and marks) is "", so the
// usual "type your name" answers refuse it.
func CleanText(s string) string {
	if isPlain(s) {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	seen := false
	for i, r := range rs {
		switch {
		case r == '\n':
		case r == '\t':
			r = ' '
		case r == '\u2028', r == '\u2029':
			r = '\n'
		case r == '\u200d':
			if i == 0 || i == len(rs)-1 || !emojiPart(rs[i-1]) || !emojiPart(rs[i+1]) {
				continue
			}
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), invisibleLetter(r):
			continue
		case unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
			seen = true
		}
		b.WriteRune(r)
	}
	if !seen {
		return ""
	}
	return b.String()
}

// isPlain is the common case, printable ASCII and Cyrillic, which needs no work.
func isPlain(s string) bool {
	seen := false
	for _, r := range s {
		switch {
		case r == ' ':
		case r > ' ' && r < 0x7f, r >= 0x400 && r <= 0x4ff:
			seen = true
		default:
			return false
		}
	}
	return seen
}

// emojiPart is what may stand on either side of a joiner in an emoji sequence: a pictograph, a
// skin tone, the emoji variation selector.
func emojiPart(r rune) bool {
	return unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || r == '\ufe0f'
}

// invisibleLetter reports the letters and symbols that draw nothing.
func invisibleLetter(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800':
		return true
	}
	return false
}
