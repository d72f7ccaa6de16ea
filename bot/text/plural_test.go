package text

import "testing"

func TestPluralRU(t *testing.T) {
	cases := map[int64]string{
		0: "заказов", 1: "заказ", 2: "заказа", 4: "заказа", 5: "заказов", 11: "заказов",
		12: "заказов", 14: "заказов", 21: "заказ", 22: "заказа", 101: "заказ", 111: "заказов", -3: "заказа",
	}
	for n, want := range cases {
		if got := PluralRU(n, "заказ", "заказа", "заказов"); got != want {
			t.Errorf("PluralRU(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPluralEN(t *testing.T) {
	if got := PluralEN(1, "order", "orders"); got != "order" {
		t.Errorf("1: got %q", got)
	}
	if got := PluralEN(2, "order", "orders"); got != "orders" {
		t.Errorf("2: got %q", got)
	}
}

func TestFromCode(t *testing.T) {
	cases := map[string]Lang{"": RU, "ru": RU, "en": EN, "en-US": EN, "EN": EN, "uk": RU, "de": RU}
	for code, want := range cases {
		if got := FromCode(code); got != want {
			t.Errorf("FromCode(%q) = %q, want %q", code, got, want)
		}
	}
}
