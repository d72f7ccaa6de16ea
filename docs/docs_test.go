package docs

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/uniflow-crm/uniflow/crm"
)

func sample(lines int) Order {
	msk := time.FixedZone("MSK", 3*3600)
	done := time.Date(2025, 3, 12, 17, 30, 0, 0, msk)
	o := Order{
		Shop:   Shop{Name: "ООО «Автосервис Ромашка»", Address: "г. Пермь, ул. Ленина, 1", INN: "5902123456", OGRN: "1125902000000", Phone: "+7 342 200-00-00"},
		Number: 1001, Date: done, Accepted: time.Date(2025, 3, 10, 9, 15, 0, 0, msk), Completed: &done,
		Client: "Иван Петров <b>&", Phone: "+79123456789", Car: "Kia Rio", Year: 2017, Plate: "А123ВС77",
		Problem: "Стучит подвеска спереди справа",
		Totals:  crm.Totals{Labour: 150000, Parts: 360000, Discount: 10000, Total: 500000},
		Paid:    100000, DueText: "при получении автомобиля",
	}
	o.Lines = append(o.Lines,
		Line{Kind: crm.LineLabour, Name: "Замена масла в двигателе", Unit: "усл", Qty: 1000, Price: 150000, Amount: 150000},
		Line{Kind: crm.LinePart, Name: "Масло моторное 5W-30", SKU: "OIL-5W30", Unit: "л", Qty: 4500, Price: 80000, Amount: 360000})
	for i := range lines {
		o.Lines = append(o.Lines, Line{Kind: crm.LinePart, Name: strings.Repeat("Очень длинное название запчасти ", 5) + strconv.Itoa(i), Unit: "шт", Qty: 1000, Price: 100, Amount: 100})
	}
	return o
}

// The papers open as PDF: a header, an xref where startxref says, the pages, and the Russian
// text readable through the embedded font's Unicode map.
func TestPapersParseBack(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(io.Writer, Order) error
		lines int
		pages int
		want  []string
	}{
		{"work order", WorkOrder, 0, 1, []string{"Заказ-наряд № 1001 от 12.03.2025", "ООО «Автосервис Ромашка»", "ИНН 5902123456", "Иван Петров <b>&", "Масло моторное 5W-30 (OIL-5W30)", "4,5", "Всего к оплате:", "5 000,00 руб.", "Без НДС", "Заказчик"}},
		{"invoice", Invoice, 0, 1, []string{"Счёт № 1001 от 12.03.2025", "Поставщик:", "Плательщик:", "К оплате", "4 000,00 руб.", "при получении автомобиля"}},
		{"long work order", WorkOrder, 60, 5, []string{"Очень длинное название запчасти", "стр. 5 из 5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf, sample(tc.lines)); err != nil {
				t.Fatal(err)
			}
			pages, text, err := parsePDF(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if pages != tc.pages {
				t.Errorf("%d pages, want %d", pages, tc.pages)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in the text:\n%s", w, text)
				}
			}
			// Deterministic: the same order renders to the same bytes.
			var again bytes.Buffer
			if err := tc.write(&again, sample(tc.lines)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Errorf("two renders differ")
			}
		})
	}
}

var (
	reStream  = regexp.MustCompile(`(?s)<<([^>]*(?:>[^>][^>]*)*)>>\s*stream\r?\n`)
	rePage    = regexp.MustCompile(`/Type\s*/Page[^s]`)
	reXref    = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	reTextOps = regexp.MustCompile(`(?s)\((?:\\.|[^\\)])*\)\s*Tj`)
)

// parsePDF is just enough of a PDF reader for fpdf's output: it checks the file's frame, counts
// pages and returns the text of every Tj, decoded from the UTF-16 that fpdf writes for UTF-8
// fonts (their ToUnicode map is the identity).
func parsePDF(b []byte) (pages int, text string, err error) {
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) {
		return 0, "", fmt.Errorf("no PDF header")
	}
	m := reXref.FindSubmatch(b)
	if m == nil {
		return 0, "", fmt.Errorf("no startxref at the end")
	}
	off, _ := strconv.Atoi(string(m[1]))
	if off <= 0 || off >= len(b) || !bytes.HasPrefix(b[off:], []byte("xref")) {
		return 0, "", fmt.Errorf("startxref %d does not point at the xref table", off)
	}
	pages = len(rePage.FindAll(b, -1))
	var sb strings.Builder
	for _, loc := range reStream.FindAllSubmatchIndex(b, -1) {
		dict := string(b[loc[2]:loc[3]])
		start := loc[1]
		end := bytes.Index(b[start:], []byte("endstream"))
		if end < 0 {
			return 0, "", fmt.Errorf("stream without its end")
		}
		data := b[start : start+end]
		if strings.Contains(dict, "/FlateDecode") {
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return 0, "", fmt.Errorf("inflate: %w", err)
			}
			if data, err = io.ReadAll(zr); err != nil && len(data) == 0 {
				return 0, "", fmt.Errorf("inflate: %w", err)
			}
		}
		if strings.Contains(dict, "/Length1") || !bytes.Contains(data, []byte("Tj")) {
			continue // a font file, an image or a map
		}
		for _, op := range reTextOps.FindAll(data, -1) {
			lit := op[1:bytes.LastIndexByte(op, ')')]
			sb.WriteString(utf16Text(unescape(lit)))
			sb.WriteByte('\n')
		}
	}
	return pages, sb.String(), nil
}

func unescape(s []byte) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		default:
			if c >= '0' && c <= '7' {
				n, j := 0, i
				for ; j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7'; j++ {
					n = n*8 + int(s[j]-'0')
				}
				out = append(out, byte(n))
				i = j - 1
				continue
			}
			out = append(out, c)
		}
	}
	return out
}

func utf16Text(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return string(utf16.Decode(u))
}
