package bot

import (
	"testing"
	"time"
)

func TestParseShopHours(t *testing.T) {
	bad := []string{"mon 09:00", "xyz 09:00-10:00", "mon 19:00-09:00", "mon 25:00-26:00", "mon 9-10", "slot=1m", "mon-fri 09:00-19:00; slot=abc", "mon-fri 09:00-09:30; slot=60m"}
	for _, s := range bad {
		if _, err := ParseShopHours(s); err == nil {
			t.Errorf("ParseShopHours(%q): want an error", s)
		}
	}
	h, err := ParseShopHours("mon-fri 09:00-12:00; sat 10:00-11:00; slot=90m")
	if err != nil {
		t.Fatal(err)
	}
	if h.SlotLength != 90*time.Minute {
		t.Errorf("slot length %v", h.SlotLength)
	}
	if h.days[time.Sunday] != (window{}) {
		t.Errorf("sunday should be closed")
	}
	wrap, err := ParseShopHours("sat-mon 10:00-11:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Weekday{time.Saturday, time.Sunday, time.Monday} {
		if wrap.days[d] == (window{}) {
			t.Errorf("%v should be open", d)
		}
	}
	if wrap.days[time.Tuesday] != (window{}) {
		t.Errorf("tuesday should be closed")
	}
}

func TestSlots(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseShopHours("mon-fri 09:00-12:00")
	if err != nil {
		t.Fatal(err)
	}
	// Friday 10:30 local: today's 11:00 slot is taken, so Monday comes next.
	now := time.Date(2026, 12, 4, 10, 30, 0, 0, loc)
	taken := []time.Time{time.Date(2026, 12, 4, 11, 0, 0, 0, loc)}
	got := h.Slots(now, loc, 7, taken, 0, 4)
	want := []time.Time{
		time.Date(2026, 12, 7, 9, 0, 0, 0, loc),
		time.Date(2026, 12, 7, 10, 0, 0, 0, loc),
		time.Date(2026, 12, 7, 11, 0, 0, 0, loc),
		time.Date(2026, 12, 8, 9, 0, 0, 0, loc),
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("slot %d: got %v, want %v", i, got[i], want[i])
		}
	}
}
