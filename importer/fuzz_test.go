package importer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzReadCSV feeds bytes through the whole reading path of every kind (encoding and separator
// detection, CSV parsing, header mapping, value parsing): nothing may panic.
func FuzzReadCSV(f *testing.F) {
	for _, name := range []string{"clients_utf8_bom_semicolon.csv", "clients_cp1251_semicolon.csv", "vehicles.csv", "catalog.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Телефон;ФИО\n\"8 912\n345\";\"a\"\"b\"\n"))
	f.Add([]byte("\xff\xfeT\x00e\x00l\x00\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range Kinds {
			rows, _, err := openRows("f.csv", bytes.NewReader(data), "", KindClients)
			if err != nil {
				continue
			}
			var rep Report
			fl, err := newFile(context.Background(), Options{Kind: k, Region: "RU"}, rows, 0, &rep, time.Now())
			if err != nil {
				continue
			}
			for i := 0; i < 1000; i++ {
				r, ok, err := fl.next()
				if err != nil || !ok {
					if err != nil && !errors.Is(err, io.EOF) {
						break
					}
					break
				}
				switch k {
				case KindClients:
					fl.client(r)
				case KindVehicles:
					fl.vehicle(r)
				case KindCatalog:
					fl.item(r)
				}
			}
		}
	})
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"8 (912) 345-67-89", "+7 912 345 67 89", "7.9123456789E+10", "+", "8", "+0000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, errA := ParsePhone(s, "RU")
		b, errB := newPhones("RU").parse(s)
		if a != b || (errA == nil) != (errB == nil) {
			t.Errorf("ParsePhone(%q) = %q, %v; phones.parse: %q, %v", s, a, errA, b, errB)
		}
	})
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1 500,50", "1,500.50", "₽", "..", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseMoney(s)
		_, _ = parseQty(s)
		_, _ = parseInt(s, 0, 100)
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"03.12.2026", "03.12.26", "2026-12-03", "46359", "1e308", "-1.-1.-1"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDate(s, now); err == nil && (d.Year() < 1899 || d.Year() > 9999) {
			t.Errorf("ParseDate(%q) = %v", s, d)
		}
	})
}

func FuzzParsePlate(f *testing.F) {
	for _, s := range []string{"a123bc77", "А 123 ВС 77", "ХТА21099012345678", "\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := ParsePlate(s); err == nil {
			if again, err := ParsePlate(p); err != nil || again != p {
				t.Errorf("ParsePlate(%q) = %q, not a fixed point: %q, %v", s, p, again, err)
			}
		}
		if v, err := ParseVIN(s); err == nil && len(v) != 17 {
			t.Errorf("ParseVIN(%q) = %q", s, v)
		}
		_, _ = ParseBool(s)
		_, _ = parseItemKind(s)
	})
}
