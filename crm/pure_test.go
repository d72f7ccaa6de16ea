package crm_test

import (
	"errors"
	"math"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, region, want string
		wantErr           bool
	}{
		{raw: "8 912 345-67-89", region: "RU", want: "+79123456789"},
		{raw: "+7 912 345 67 89", region: "RU", want: "+79123456789"},
		{raw: "+7 (912) 345-67-89", region: "RU", want: "+79123456789"},
		{raw: "79123456789", region: "RU", want: "+79123456789"},
		{raw: "89123456789", region: "RU", want: "+79123456789"},
		{raw: "9123456789", region: "RU", want: "+79123456789"},
		{raw: " +79123456789 ", region: "ru", want: "+79123456789"},
		{raw: "+375 29 123-45-67", region: "RU", want: "+375291234567"},
		{raw: "8 (495) 123-45-67", region: "RU", want: "+74951234567"},
		{raw: "12", region: "RU", wantErr: true},
		{raw: "+7 999", region: "RU", wantErr: true},
		{raw: "", region: "RU", wantErr: true},
		{raw: "   ", region: "RU", wantErr: true},
		{raw: "8 912 ABC-67-89", region: "RU", wantErr: true},
		{raw: "phone", region: "RU", wantErr: true},
		{raw: "+7 912 345 67 89 00 11", region: "RU", wantErr: true},
		{raw: "+7 000 000 00 00", region: "RU", wantErr: true},
		{raw: "9123456789", region: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := crm.NormalizePhone(tt.raw, tt.region)
		if tt.wantErr {
			if !errors.Is(err, crm.ErrInvalidPhone) {
				t.Errorf("NormalizePhone(%q, %q) = %q, %v; want ErrInvalidPhone", tt.raw, tt.region, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tt.raw, tt.region, got, err, tt.want)
		}
	}
}

func TestNormalizePlate(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"А123ВС77", "А123ВС77"},
		{"a 123 bc 77", "А123ВС77"},         // Latin look-alikes
		{"а123вс 777", "А123ВС777"},         // lower-case Cyrillic
		{"A-123-BC-77", "А123ВС77"},         // dashes
		{"o 001 oo 99", "О001ОО99"},         //
		{"mhpctyxke", "МНРСТУХКЕ"},          // every look-alike
		{"  ", ""},                          //
		{"AB 1234-7", "АВ12347"},            // Belarus style, letters still folded
		{"D123", "D123"},                    // non-look-alike Latin kept
		{"ж123", "Ж123"},                    // non-plate Cyrillic kept, upper-cased
		{"x\t777\u00a0xx 197", "Х777ХХ197"}, // tabs and non-breaking spaces
	}
	for _, tt := range tests {
		if got := crm.NormalizePlate(tt.in); got != tt.want {
			t.Errorf("NormalizePlate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeLeadSource(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "direct"},
		{"src_avito", "avito"},
		{"SRC_Avito", "avito"},
		{"src_yandex-maps_2", "yandex-maps_2"},
		{"src_", "other"},
		{"src_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{"src_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "other"}, // 41 characters
		{"src_a b", "other"},
		{"src_авито", "other"},
		{"avito", "other"},
		{"ref_123", "other"},
	}
	for _, tt := range tests {
		if got := crm.NormalizeLeadSource(tt.in); got != tt.want {
			t.Errorf("NormalizeLeadSource(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMoneyString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    crm.Money
		want string
	}{
		{0, "0,00 ₽"},
		{5, "0,05 ₽"},
		{100, "1,00 ₽"},
		{123456, "1 234,56 ₽"},
		{99999, "999,99 ₽"},
		{100000000, "1 000 000,00 ₽"},
		{-500, "-5,00 ₽"},
		{-123456, "-1 234,56 ₽"},
		{math.MaxInt64, "92 233 720 368 547 758,07 ₽"},
		{math.MinInt64, "-92 233 720 368 547 758,08 ₽"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tt.m), got, tt.want)
		}
	}
}
