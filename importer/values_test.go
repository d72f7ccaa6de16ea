package importer

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestParsePhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"8 (912) 345-67-89", "+79123456789"},
		{"+7 912 345 67 89", "+79123456789"},
		{"89123456789", "+79123456789"},
		{"79123456789", "+79123456789"},
		{"9123456789", "+79123456789"},
		{"8-912-345-67-89", "+79123456789"},
		{"+7\u00a0912\u00a0345\u00a067\u00a089", "+79123456789"},
		{"79123456789", "+79123456789"},
		{"7.9123456789E+10", "+79123456789"},
		{"79123456789.0", "+79123456789"},
		{"8 (495) 123-45-67", "+74951234567"},
		{"+44 20 7946 0958", "+442079460958"},
		{"12345", ""},
		{"+7 000 000 00 00", ""},
		{"8 912 ABC 67 89", ""},
		{"", ""},
	} {
		got, err := ParsePhone(tc.in, "RU")
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		fast, ferr := newPhones("RU").parse(tc.in)
		if fast != got || (ferr == nil) != (err == nil) {
			t.Errorf("phones.parse(%q) = %q, %v; ParsePhone gives %q, %v", tc.in, fast, ferr, got, err)
		}
	}
}

// The memo of number ranges answers as phonenumbers does, number by number, over ranges of
// valid and invalid Russian numbers in the shapes files have.
func TestPhonesMemoAgreesWithPhonenumbers(t *testing.T) {
	t.Parallel()
	p := newPhones("RU")
	for _, prefix := range []string{"912", "800", "495", "700", "000", "999", "301", "958"} {
		for i := 0; i < 3000; i += 7 {
			for _, form := range []string{"8%s%07d", "+7 %s %07d", "7%s%07d"} {
				in := fmt.Sprintf(form, prefix, i*3331%10000000)
				want, werr := crm.NormalizePhone(in, "RU")
				got, err := p.parse(in)
				if got != want || (err == nil) != (werr == nil) {
					t.Fatalf("parse(%q) = %q, %v; phonenumbers: %q, %v", in, got, err, want, werr)
				}
			}
		}
	}
	if !errors.Is(func() error { _, err := p.parse("+70001234567"); return err }(), crm.ErrInvalidPhone) {
		t.Error("an invalid number from the memo is not ErrInvalidPhone")
	}
}

func TestParseMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want crm.Money
		ok   bool
	}{
		{"1 500,50", 150050, true},
		{"1500.50", 150050, true},
		{"1 500 ₽", 150000, true},
		{"1\u00a0500,5", 150050, true},
		{"1,500.50", 150050, true},
		{"1.500,50", 150050, true},
		{"0", 0, true},
		{"1500 руб.", 150000, true},
		{"много", 0, false},
		{"-5", 0, false},
		{"1,005", 0, false},
	} {
		got, err := ParseMoney(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"03.12.2026", d(2026, 12, 3)},
		{"03.12.26", d(2026, 12, 3)},
		{"3.2.99", d(1999, 2, 3)},
		{"03.12.28", time.Time{}}, // 1928: before any visit
		{"03.12.69", time.Time{}},
		{"3 декабря 2026", time.Time{}},
		{"03.12.2026 кажется", time.Time{}},
		{"1", time.Time{}},
		{"2", time.Time{}},
		{"01.01.1989", time.Time{}},
		{"01.01.2030", time.Time{}},
		{"03.12.2026 10:15", d(2026, 12, 3)},
		{"2026-12-03", d(2026, 12, 3)},
		{"2026-12-03 10:15:00", d(2026, 12, 3)},
		{"2026-12-03T10:15:00Z", d(2026, 12, 3)},
		{"03/12/2026", d(2026, 12, 3)},
		{"46359", d(2026, 12, 3)},
		{"46359.5", d(2026, 12, 3)},
		{"31.02.2026", time.Time{}},
		{"2026-13-01", time.Time{}},
		{"вчера", time.Time{}},
		{"0", time.Time{}},
		{"", time.Time{}},
	} {
		got, err := ParseDate(tc.in, now)
		if err == nil && !got.Equal(tc.want) || (err == nil) != !tc.want.IsZero() {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// A phone in scientific notation is refused when the notation dropped digits, in either
// decimal separator; all digits kept, it is read.
func TestParsePhoneScientific(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		lost     bool
	}{
		{"8.91235E+10", "", true},
		{"9.12346E+09", "", true},
		{"8,91235E+10", "", true},
		{"8.91235e10", "", true},
		{"7.9123456789E+10", "+79123456789", false},
		{"79123456789.0", "+79123456789", false},
	} {
		for name, parse := range map[string]func(string) (string, error){
			"ParsePhone": func(s string) (string, error) { return ParsePhone(s, "RU") },
			"phones":     newPhones("RU").parse,
		} {
			got, err := parse(tc.in)
			if got != tc.want || errors.Is(err, errDigitsLost) != tc.lost || (err == nil) != (tc.want != "") {
				t.Errorf("%s(%q) = %q, %v; want %q, digits lost %v", name, tc.in, got, err, tc.want, tc.lost)
			}
		}
	}
}

func TestParsePlateAndVIN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"a123bc77", "А123ВС77"},
		{"А 123 ВС 77", "А123ВС77"},
		{"A123ВС-77", "А123ВС77"},
		{"в125вс777", "В125ВС777"},
		{"ЕКХ 123", "ЕКХ123"},
		{"", ""},
		{"А123/ВС", ""},
		{"X", ""},
	} {
		got, err := ParsePlate(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParsePlate(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"XTA21099012345678", "XTA21099012345678"},
		{"wvwzzz1jz3w386752", "WVWZZZ1JZ3W386752"},
		{"ХТА 21099-012345678", "XTA21099012345678"}, // Cyrillic Х, Т, А
		{"1HGCM82633A004352", "1HGCM82633A004352"},   // a valid North American check digit
		{"1HGCM82634A004352", "1HGCM82634A004352"},   // a wrong one: a warning, never a rejection
		{"XTA2109901234567O", ""},
		{"XTA210990123456I8", ""},
		{"SHORT", ""},
	} {
		got, err := ParseVIN(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("ParseVIN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseBoolAndKind(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"да": true, "Да": true, "yes": true, "1": true, "+": true, "TRUE": true,
		"нет": false, "no": false, "0": false, "-": false, "false": false} {
		if got, err := ParseBool(in); got != want || err != nil {
			t.Errorf("ParseBool(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseBool("может быть"); err == nil {
		t.Error("ParseBool(может быть) is no error")
	}
	for in, want := range map[string]crm.ItemKind{"услуга": crm.ItemService, "Работа": crm.ItemService, "service": crm.ItemService,
		"товар": crm.ItemPart, "запчасть": crm.ItemPart, "Part": crm.ItemPart} {
		if got, err := parseItemKind(in); got != want || err != nil {
			t.Errorf("parseItemKind(%q) = %v, %v", in, got, err)
		}
	}
}

func TestMapHeader(t *testing.T) {
	t.Parallel()
	fields, unknown := mapHeader(KindVehicles, []string{"тел.", "ГОС. НОМЕР", "vin", "Марка ", "Model", "Odometer", "Last visit", "Цвет", ""})
	want := []field{fPhone, fPlate, fVIN, fMake, fModel, fMileage, fLastVisit, fNone, fNone}
	for i := range want {
		if fields[i] != want[i] {
			t.Errorf("column %d = %v, want %v", i, fields[i], want[i])
		}
	}
	if len(unknown) != 1 || unknown[0] != "Цвет" {
		t.Errorf("unknown = %q", unknown)
	}
	for _, k := range Kinds {
		f, unknown := mapHeader(k, Headers(k))
		if len(unknown) != 0 || len(f) != len(columns[k]) {
			t.Errorf("%s: the canonical headers do not map: %q", k, unknown)
		}
	}
}
