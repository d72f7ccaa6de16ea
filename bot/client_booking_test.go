package bot

import (
	"math"
	"testing"
)

// Booking buttons carry the step and the number of the question they were
// shown with, and stay within Telegram's 64 bytes at the largest values.
func TestQuestionTag(t *testing.T) {
	for _, c := range []struct {
		code byte
		seq  int64
		arg  string
	}{
		{'y', 1, ""},
		{'c', 12345, "1a2b3c4d"},
		{'c', math.MaxInt32, "problem"},
		{'u', 0, ""},
	} {
		tag := questionTag(c.code, c.seq, c.arg)
		code, seq, arg, ok := parseQuestionTag(tag)
		if !ok || code != c.code || seq != c.seq || arg != c.arg {
			t.Errorf("%q: got %c %d %q %v", tag, code, seq, arg, ok)
		}
		// The longest button: a slot (ID a Unix time) or a Confirm (the tag).
		cb := callback{Action: actConfirm, ID: 1 << 40, Version: 2_000_000_000_000, Arg: tag}
		if !validArg(tag) || len(cb.encode()) > maxCallbackData {
			t.Errorf("%q does not fit callback data", tag)
		}
		if _, err := decodeCallback(cb.encode()); err != nil {
			t.Errorf("%q: %v", cb.encode(), err)
		}
	}
	for _, bad := range []string{"", "y", "y-1", "y!_x", "yzzzzzzzzzzzzzzz"} {
		if _, _, _, ok := parseQuestionTag(bad); ok {
			t.Errorf("parseQuestionTag(%q) accepted", bad)
		}
	}
	for s, code := range stepCodes {
		for s2, code2 := range stepCodes {
			if s != s2 && code == code2 {
				t.Errorf("steps %s and %s share code %c", s, s2, code)
			}
		}
	}
}

func TestLooksLikePhone(t *testing.T) {
	for s, want := range map[string]bool{
		"89123456789": true, "8 (912) 345-67-80": true, "+7 912 345-67-89": true, "912.345.67.89": true,
		"Анна": false, "Kia Rio": false, "Lada 2107": false, "ВАЗ-2107": false, "-": false, " ": false, "": false,
	} {
		if got := looksLikePhone(s); got != want {
			t.Errorf("looksLikePhone(%q) = %v", s, got)
		}
	}
}
