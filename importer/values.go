package importer

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/uniflow-crm/uniflow/crm"
)

// errValue is a value that does not parse; the caller knows which Code it is.
var errValue = errors.New("bad value")

// spaces are what people and Excel put between digit groups.
func dropSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\'' {
			return -1
		}
		return r
	}, s)
}

// integral reads a number an XLSX cell or a spreadsheet's CSV holds as a float ("79123456789",
// "7.9123456789E+10", "79123456789.0") and returns its digits; ok is false for anything else.
func integral(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || !strings.ContainsAny(s, ".eE") {
		return "", false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == 'e' || r == 'E' || r == '+' || r == '-') {
			return "", false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e15 || f != math.Trunc(f) {
		return "", false
	}
	return strconv.FormatFloat(f, 'f', 0, 64), true
}

// errDigitsLost is a number in scientific notation ("8.91235E+10") with fewer digits than the
// number it stands for: a spreadsheet rounded it, and the digits it dropped cannot be recovered.
var errDigitsLost = errors.New("digits lost in scientific notation")

// digitsLost reports whether s is a number in scientific notation (with "." or "," before the
// fraction) whose mantissa has fewer digits than the whole number it stands for: Excel shows
// and saves "8.91235E+10" for 89123456789, and the last five digits are gone.
func digitsLost(s string) bool {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "eE")
	if i <= 0 {
		return false
	}
	mant, exp := s[:i], strings.TrimPrefix(s[i+1:], "+")
	e, err := strconv.Atoi(exp)
	if err != nil || e <= 0 {
		return false
	}
	intPart, frac, _ := strings.Cut(strings.ReplaceAll(mant, ",", "."), ".")
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return false
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	if intPart == "" { // 0.891235E+11: the digits of the fraction are the number's
		return len(strings.TrimLeft(frac, "0")) > 0 && len(frac) < e
	}
	return len(frac) < e // the exponent shifts more places than the fraction has
}

// ParsePhone reads a phone in any usual form ("8 (912) 345-67-89", "+7 912 345 67 89",
// "89123456789", a float from a spreadsheet) and returns it in E.164; numbers without a country
// code are read in region. A number in scientific notation that lost digits
// ("8.91235E+10") is errDigitsLost.
func ParsePhone(s, region string) (string, error) {
	if digitsLost(s) {
		return "", errDigitsLost
	}
	if d, ok := integral(s); ok {
		s = d
	}
	return crm.NormalizePhone(s, region)
}

// ParseMoney reads an amount of rubles: "1 500,50", "1500.50", "1 500 ₽", "1,500.50" (when
// both separators appear, the last one is the decimal point), non-breaking spaces included.
func ParseMoney(s string) (crm.Money, error) {
	t := dropSpaces(s)
	if strings.Contains(t, ",") && strings.Contains(t, ".") {
		if strings.LastIndex(t, ",") > strings.LastIndex(t, ".") {
			t = strings.ReplaceAll(t, ".", "")
		} else {
			t = strings.ReplaceAll(t, ",", "")
		}
	}
	return crm.ParseMoney(t)
}

// parseQty reads a quantity (stock, norm hours) like ParseMoney reads money; "0" is zero.
func parseQty(s string) (crm.Qty, error) {
	t := dropSpaces(s)
	if strings.Contains(t, ",") && strings.Contains(t, ".") {
		t = strings.ReplaceAll(t, ",", "")
	}
	t = strings.TrimRight(strings.ToLower(t), "штлкгм.")
	if strings.Trim(t, "0.,") == "" && t != "" {
		return 0, nil
	}
	return crm.ParseQty(t)
}

// parseInt reads a whole number ("120 000", "120000 км", "2015.0") in lo..hi.
func parseInt(s string, lo, hi int) (int, error) {
	t := strings.ToLower(dropSpaces(s))
	for _, suffix := range []string{"км", "km", "г.", "г", "дн.", "дн", "days", "d"} {
		t = strings.TrimSuffix(t, suffix)
	}
	if d, ok := integral(t); ok {
		t = d
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < lo || n > hi {
		return 0, errValue
	}
	return n, nil
}

// The dates an import takes: a car's last visit is neither before minDate nor in the future.
var minDate = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// errDateRange is a date that parses but is before minDate (a text read as an Excel serial, a
// two-digit year of the last century) or, in an import, after today.
var errDateRange = errors.New("date out of range")

// ParseDate reads a date: DD.MM.YYYY, DD.MM.YY, D.M.YYYY, DD/MM/YYYY, YYYY-MM-DD (a time of
// day after it is ignored) or an Excel serial number (days since 1899-12-30). Two-digit years
// are this century unless that is more than a year ahead of now. Dates before 1990 and more
// than a year after now are errDateRange: no car-repair record holds them, and they are what
// text misread as a serial ("1" is 1899-12-31) or a mistyped year becomes; the date comes with
// errDateRange, so the caller can tell past from future. Anything else after
// the date ("3 декабря 2026") makes it no date.
func ParseDate(s string, now time.Time) (time.Time, error) {
	t := strings.TrimSpace(s)
	if i := strings.IndexAny(t, " T"); i > 0 {
		if !isTimeOfDay(strings.TrimSpace(t[i+1:])) {
			return time.Time{}, errValue
		}
		t = t[:i]
	}
	if t == "" {
		return time.Time{}, errValue
	}
	max := now.AddDate(1, 0, 0)
	if f, err := strconv.ParseFloat(t, 64); err == nil && !strings.ContainsAny(t, "-/") {
		// Serials from 1 (1900-01-01); the fraction is the time of day.
		if f < 1 || f > 2958465 || math.IsNaN(f) {
			return time.Time{}, errValue
		}
		d := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f))
		if d.Before(minDate) || d.After(max) {
			return d, errDateRange
		}
		return d, nil
	}
	var parts []string
	var ymd bool
	switch {
	case strings.Count(t, "-") == 2:
		parts, ymd = strings.Split(t, "-"), true
	case strings.Count(t, ".") == 2:
		parts = strings.Split(t, ".")
	case strings.Count(t, "/") == 2:
		parts = strings.Split(t, "/")
	default:
		return time.Time{}, errValue
	}
	n := make([]int, 3)
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || p == "" || len(p) > 4 || p[0] == '+' || p[0] == '-' {
			return time.Time{}, errValue
		}
		n[i] = v
	}
	var y, m, d int
	if ymd {
		if len(parts[0]) != 4 {
			return time.Time{}, errValue
		}
		y, m, d = n[0], n[1], n[2]
	} else {
		d, m, y = n[0], n[1], n[2]
		switch len(parts[2]) {
		case 2:
			y += 2000
			if y > now.Year()+1 {
				y -= 100
			}
		case 4:
		default:
			return time.Time{}, errValue
		}
	}
	if y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, errValue
	}
	date := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if date.Day() != d { // 31.02
		return time.Time{}, errValue
	}
	if date.Before(minDate) || date.After(max) {
		return date, errDateRange
	}
	return date, nil
}

// isTimeOfDay reports whether s is what spreadsheets write after a date: 10:15, 10:15:00,
// 10:15:00Z, 10:15:00.000+03:00.
func isTimeOfDay(s string) bool {
	if len(s) < 4 || s[0] < '0' || s[0] > '9' || !strings.Contains(s, ":") {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == ':' || r == '.' || r == 'Z' || r == '+' || r == '-') {
			return false
		}
	}
	return true
}

// ParsePlate normalises a licence plate (crm.NormalizePlate: upper case, Latin look-alikes of
// А В Е К М Н О Р С Т У Х as those Cyrillic letters, no spaces or dashes) and checks it is 2 to
// 12 letters and digits.
func ParsePlate(s string) (string, error) {
	p := crm.NormalizePlate(s)
	n := 0
	for _, r := range p {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return "", errValue
		}
		n++
	}
	if n < 2 || n > 12 {
		return "", errValue
	}
	return p, nil
}

// vinCyrillic maps Cyrillic letters typed in a VIN to the Latin ones they look like.
var vinCyrillic = strings.NewReplacer("А", "A", "В", "B", "Е", "E", "К", "K", "М", "M", "Н", "H",
	"О", "O", "Р", "P", "С", "C", "Т", "T", "У", "Y", "Х", "X")

// ParseVIN upper-cases a VIN, drops spaces and dashes, reads Cyrillic look-alikes as Latin, and
// checks 17 letters and digits without I, O and Q. The check digit is not checked: it is
// mandatory only for North American cars, and Russian and European VINs often fail it.
func ParseVIN(s string) (string, error) {
	v := vinCyrillic.Replace(strings.ToUpper(dropSpaces(strings.ReplaceAll(s, "-", ""))))
	if len(v) != 17 {
		return "", errValue
	}
	for _, r := range v {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') || r == 'I' || r == 'O' || r == 'Q' {
			return "", errValue
		}
	}
	return v, nil
}

// ParseBool reads да/нет, yes/no, 1/0, +/-, true/false (and истина/ложь, д/н, y/n, x, v).
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "да", "д", "yes", "y", "1", "+", "true", "истина", "x", "х", "v", "✓", "✔":
		return true, nil
	case "нет", "н", "no", "n", "0", "-", "false", "ложь", "—":
		return false, nil
	}
	return false, errValue
}

// parseItemKind reads a catalog item's type.
func parseItemKind(s string) (crm.ItemKind, error) {
	switch headerKey(s) {
	case "услуга", "работа", "работы", "услуги", "service", "labour", "labor", "work":
		return crm.ItemService, nil
	case "товар", "запчасть", "запчасти", "деталь", "материал", "товары", "part", "parts", "product", "goods":
		return crm.ItemPart, nil
	}
	return "", errValue
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
