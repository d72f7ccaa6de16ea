package crm

import (
	"fmt"
	"strconv"
	"strings"
)

// Qty is a quantity in thousandths of a unit: 1.5 l of oil is 1500, 2 pcs is 2000, 0.75 h is 750.
// Thousandths keep sums exact and are finer than any shop measures.
type Qty int64

// QtyUnit is one whole unit.
const QtyUnit Qty = 1000

// Limits on what a person may type, so a slip of the finger ("15000000") is refused with a clear
// message instead of becoming an absurd estimate.
const (
	MaxQty   Qty   = 1_000_000 * QtyUnit // a million units
	MaxPrice Money = 1_000_000_000       // 10 000 000 ₽ per unit
)

// Errors of typed numbers; each wraps ErrInvalidInput, and the bot words each one.
var (
	ErrNotANumber  = fmt.Errorf("not a number: %w", ErrInvalidInput)
	ErrNotPositive = fmt.Errorf("must be above zero: %w", ErrInvalidInput)
	ErrNegative    = fmt.Errorf("must not be negative: %w", ErrInvalidInput)
	ErrTooLarge    = fmt.Errorf("too large: %w", ErrInvalidInput)
	ErrTooPrecise  = fmt.Errorf("too many decimal places: %w", ErrInvalidInput)
)

// String formats q the Russian way, with a decimal comma and no trailing zeros: "1,5", "2", "0,125".
func (q Qty) String() string {
	neg := q < 0
	if neg {
		q = -q
	}
	s := strconv.FormatInt(int64(q/QtyUnit), 10)
	if frac := int64(q % QtyUnit); frac != 0 {
		s += "," + strings.TrimRight(fmt.Sprintf("%03d", frac), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseQty reads a quantity a person typed: "2", "1,5" and "1.5" (both decimal separators are
// common in Russia), up to three decimals. Zero and negative quantities are ErrNotPositive, more
// than a million units ErrTooLarge, more decimals ErrTooPrecise, anything else ErrNotANumber.
func ParseQty(s string) (Qty, error) {
	v, err := parseDecimal(s, 3)
	if err != nil {
		return 0, fmt.Errorf("parse quantity %q: %w", s, err)
	}
	switch {
	case v <= 0:
		return 0, fmt.Errorf("parse quantity %q: %w", s, ErrNotPositive)
	case Qty(v) > MaxQty:
		return 0, fmt.Errorf("parse quantity %q: %w", s, ErrTooLarge)
	}
	return Qty(v), nil
}

// ParseMoney reads an amount in rubles a person typed: "1500", "1 500,50", "1500.5 ₽", "1500 руб".
// Negative amounts are ErrNegative, more than MaxPrice ErrTooLarge, kopecks beyond two decimals
// ErrTooPrecise, anything else ErrNotANumber. Zero is allowed (a free service).
func ParseMoney(s string) (Money, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, suffix := range []string{"₽", "руб.", "руб", "р.", "р", "rub"} {
		if strings.HasSuffix(t, suffix) {
			t = strings.TrimSpace(strings.TrimSuffix(t, suffix))
			break
		}
	}
	// Thousands are grouped with spaces, non-breaking or thin ones included.
	t = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' {
			return -1
		}
		return r
	}, t)
	v, err := parseDecimal(t, 2)
	if err != nil {
		return 0, fmt.Errorf("parse amount %q: %w", s, err)
	}
	switch {
	case v < 0:
		return 0, fmt.Errorf("parse amount %q: %w", s, ErrNegative)
	case Money(v) > MaxPrice:
		return 0, fmt.Errorf("parse amount %q: %w", s, ErrTooLarge)
	}
	return Money(v), nil
}

// parseDecimal reads "[-]digits[(.|,)digits]" scaled by 10^places.
func parseDecimal(s string, places int) (int64, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = strings.TrimSpace(s[1:])
	}
	whole, frac, hasFrac := strings.Cut(strings.ReplaceAll(s, ",", "."), ".")
	if whole == "" && frac == "" || !digitsOnly(whole) || !digitsOnly(frac) || (hasFrac && frac == "") {
		return 0, ErrNotANumber
	}
	if len(frac) > places {
		if strings.TrimRight(frac[places:], "0") != "" {
			return 0, ErrTooPrecise
		}
		frac = frac[:places]
	}
	if len(whole) > 13 {
		return 0, ErrTooLarge
	}
	frac += strings.Repeat("0", places-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		if whole+frac == "" {
			return 0, ErrNotANumber
		}
		return 0, ErrTooLarge
	}
	if neg {
		v = -v
	}
	return v, nil
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// lineAmount is price × quantity rounded half up to a kopeck, exactly as the order_lines.amount
// column computes it.
func lineAmount(price Money, q Qty) Money {
	return Money((int64(price)*int64(q) + 500) / 1000)
}
