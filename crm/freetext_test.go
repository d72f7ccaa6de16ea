package crm

import "testing"

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"Иван Петров":                         "Иван Петров",
		"Kia Rio 🚗":                           "Kia Rio 🚗",
		"\u200b\u200b\u200b":                  "",
		"\u3164 \u115f\u1160\uffa0\u2800":     "",
		" \u0301\u0308 ":                      "",
		"\u00a0":                              "",
		"Ан\u200cна\u200b\ufeff\u00ad":        "Анна",
		"Стучит \u202eспереди\u202c":          "Стучит спереди",
		"\u2066a\u2069\u200e\u200f\u061c":     "a",
		"👨\u200d👩\u200d👧":                     "👨\u200d👩\u200d👧",
		"🏳\ufe0f\u200d🌈 👍🏽\u200d🔥":            "🏳\ufe0f\u200d🌈 👍🏽\u200d🔥",
		"a\u200db \u200d🚗 🚗\u200d":            "ab 🚗 🚗",
		"🏴\U000E0067\U000E0062\U000E007F":     "🏴",
		"строка\nвторая\tтаб\r\x00\x1b\u0085": "строка\nвторая таб",
		"раз\u2028два\u2029три":               "раз\nдва\nтри",
		"e\u0301 中文 שלום":                     "e\u0301 中文 שלום",
		"":                                    "",
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

// The CRM cleans what reaches it by other ways than the bot too: a catalog name of zero-width
// spaces is empty, so refused.
func TestItemNameOfInvisibleCharactersIsEmpty(t *testing.T) {
	if _, err := (ItemInput{Kind: ItemPart, Name: "\u200b\u200b"}).clean(); err == nil {
		t.Errorf("an invisible name was accepted")
	}
	in, err := ItemInput{Kind: ItemPart, Name: "Фильтр\u202e масляный", SKU: "F\u200b-1"}.clean()
	if err != nil || in.Name != "Фильтр масляный" || in.SKU != "F-1" {
		t.Errorf("clean: %+v, %v", in, err)
	}
}
