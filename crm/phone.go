package crm

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// NormalizePhone returns raw in E.164 ("+79123456789"), reading numbers without a country code in
// region ("RU"): "8 912 345-67-89", "+7 (912) 345-67-89" and "79123456789" are one number. Letters,
// short or impossible numbers give ErrInvalidPhone.
func NormalizePhone(raw, region string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("normalize phone: empty: %w", ErrInvalidPhone)
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '\u00a0':
		default:
			// phonenumbers reads letters as keypad digits (1-800-FLOWERS); a client typing
			// letters made a mistake.
			return "", fmt.Errorf("normalize phone: unexpected character %q: %w", r, ErrInvalidPhone)
		}
	}
	if digits < 7 || digits > 15 {
		return "", fmt.Errorf("normalize phone: %d digits: %w", digits, ErrInvalidPhone)
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(region))
	if err != nil {
		return "", fmt.Errorf("normalize phone: %w: %w", ErrInvalidPhone, err)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", fmt.Errorf("normalize phone: not a valid number: %w", ErrInvalidPhone)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}
