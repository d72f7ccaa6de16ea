package importer

import (
	"strings"

	"github.com/uniflow-crm/uniflow/crm"
)

// phones normalises the phones of one file. phonenumbers' parse is a few microseconds of
// regular expressions per number, most of an import's CPU: so numbers written in the plain
// shapes (digits, a leading + or a national 8, spaces, dashes, brackets) are put into E.164 here
// and phonenumbers is asked once per number range, the number less its last four digits and its
// length, whether that range is valid (numbering plans do not split ranges finer than that).
// Everything else goes to crm.NormalizePhone as it is.
type phones struct {
	region string
	valid  map[string]bool
}

// maxRanges bounds the memo; a file of random numbers asks phonenumbers for each.
const maxRanges = 100_000

func newPhones(region string) *phones {
	return &phones{region: strings.ToUpper(region), valid: map[string]bool{}}
}

func (p *phones) parse(s string) (string, error) {
	if digitsLost(s) {
		return "", errDigitsLost
	}
	if d, ok := integral(s); ok {
		s = d
	}
	e164, ok := p.plain(s)
	if !ok {
		return crm.NormalizePhone(s, p.region)
	}
	key := e164[:len(e164)-4] + string(rune('0'+len(e164)-8))
	if v, seen := p.valid[key]; seen {
		if !v {
			return "", crm.ErrInvalidPhone
		}
		return e164, nil
	}
	got, err := crm.NormalizePhone(e164, p.region)
	if got != e164 && err == nil {
		return got, nil // not a plain number after all: no memo
	}
	if len(p.valid) < maxRanges {
		p.valid[key] = err == nil
	}
	return got, err
}

// plain returns s in E.164 when it is digits with separators and a +7 / 8 / 7 prefix (a
// Russian or Kazakh number), or + and 8 to 15 digits (any country).
func (p *phones) plain(s string) (string, bool) {
	var b [16]byte
	n := 0
	plus := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(b) {
				return "", false
			}
			b[n] = c
			n++
		case c == '+' && n == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	d := string(b[:n])
	switch {
	case plus && n >= 8 && n <= 15 && d[0] != '0':
		return "+" + d, true
	case plus:
		return "", false
	case (p.region == "RU" || p.region == "KZ") && n == 11 && (d[0] == '8' || d[0] == '7'):
		return "+7" + d[1:], true
	case (p.region == "RU" || p.region == "KZ") && n == 10 && d[0] == '9':
		return "+7" + d, true
	}
	return "", false
}
