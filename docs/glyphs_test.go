package docs

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// What clients type besides Russian: an emoji with its variation selector, a ZWJ family, a skin
// tone, a flag, Chinese, Hebrew and Arabic, a right-to-left override, a zero-width space and a
// letter with a combining accent.
const exotic = " 🚗 ❤️ 👨\u200d👩\u200d👧 👍🏽 🇷🇺 中文 שלום مرحبا \u202eevil\u202c a\u200bb e\u0301 "

// An order with exotic text in every field renders both papers, and their text keeps the Russian
// while none of what the font cannot draw reaches the page.
func TestPapersDrawOnlyWhatTheFontHas(t *testing.T) {
	o := sample(0)
	o.Shop = Shop{Name: "ООО «Ромашка»" + exotic, Address: "г. Пермь" + exotic, INN: "5902123456" + exotic,
		OGRN: "1125902000000" + exotic, Phone: "+7 342 200-00-00" + exotic, VAT: "Без НДС" + exotic}
	o.Client, o.Phone = "Иван Петров"+exotic, "+79123456789"+exotic
	o.Car, o.Plate, o.Problem = "Kia Rio"+exotic, "А123ВС77"+exotic, "Тормоза скрипят 🛑\nи стучит"+exotic
	o.DueText = "при получении" + exotic
	for i := range o.Lines {
		o.Lines[i].Name += exotic
		o.Lines[i].SKU += exotic
		o.Lines[i].Unit += exotic
	}
	for _, tc := range []struct {
		name  string
		write func(io.Writer, Order) error
		want  []string
	}{
		{"work order", WorkOrder, []string{"ООО «Ромашка»", "г. Пермь", "Иван Петров", "Kia Rio", "А123ВС77", "Тормоза скрипят", "и стучит", "Замена масла в двигателе", "Масло моторное 5W-30", "é"}},
		{"invoice", Invoice, []string{"ООО «Ромашка»", "Иван Петров", "Масло моторное 5W-30", "при получении"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf, o); err != nil {
				t.Fatal(err)
			}
			_, text, err := parsePDF(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in the text:\n%s", w, text)
				}
			}
			for _, r := range text {
				if r > unicode.MaxLatin1 && !unicode.In(r, unicode.Cyrillic) && !strings.ContainsRune("№—−·«»", r) {
					t.Errorf("%q (%U) reached the page", r, r)
				}
			}
		})
	}
}

func TestCleanKeepsWhatTheFontDraws(t *testing.T) {
	s, err := newSheet(nil, goregular.TTF, gobold.TTF)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"Заказ-наряд № 5, Ёлка «ёж» — 1 000,50 руб.": "Заказ-наряд № 5, Ёлка «ёж» — 1 000,50 руб.",
		"Kia Rio 🚗":               "Kia Rio ",
		"👨\u200d👩\u200d👧 Маша":    " Маша",
		"❤️":                      "",
		"王伟":                      "?",
		"שלום עולם":               "? ?",
		"\u202eevil\u202c":        "evil",
		"a\u200bb":                "ab",
		"и\u0306 e\u0301 x\u0301": "й é x",
		"100 ₽":                   "100 руб.",
		"строка\nвторая\tтаб\x00\x1b": "строка\nвторая таб",
	} {
		if got := s.clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}
