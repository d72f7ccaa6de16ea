package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestParseQty(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want crm.Qty
		err  error
	}{
		{"1", 1000, nil},
		{"1,5", 1500, nil},
		{"1.5", 1500, nil},
		{" 2 ", 2000, nil},
		{"0,125", 125, nil},
		{".5", 500, nil},
		{"1.500", 1500, nil},
		{"1000000", 1_000_000_000, nil},
		{"0", 0, crm.ErrNotPositive},
		{"0,0", 0, crm.ErrNotPositive},
		{"-1", 0, crm.ErrNotPositive},
		{"1,2345", 0, crm.ErrTooPrecise},
		{"1000001", 0, crm.ErrTooLarge},
		{"99999999999999999999", 0, crm.ErrTooLarge},
		{"", 0, crm.ErrNotANumber},
		{"abc", 0, crm.ErrNotANumber},
		{"1,5,6", 0, crm.ErrNotANumber},
		{"1e3", 0, crm.ErrNotANumber},
		{"5.", 0, crm.ErrNotANumber},
		{"две", 0, crm.ErrNotANumber},
	} {
		got, err := crm.ParseQty(tc.in)
		if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) || got != tc.want {
			t.Errorf("ParseQty(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
		if tc.err != nil && !errors.Is(err, crm.ErrInvalidInput) {
			t.Errorf("ParseQty(%q): %v does not wrap ErrInvalidInput", tc.in, err)
		}
	}
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want crm.Money
		err  error
	}{
		{"1500", 150000, nil},
		{"1 500,50", 150050, nil},
		{"1\u00a0500.5 ₽", 150050, nil},
		{"1500 руб", 150000, nil},
		{"1500р", 150000, nil},
		{"0", 0, nil},
		{"0,01", 1, nil},
		{"10000000", 1_000_000_000, nil},
		{"10000000,01", 0, crm.ErrTooLarge},
		{"-5", 0, crm.ErrNegative},
		{"1,005", 0, crm.ErrTooPrecise},
		{"1,50", 150, nil},
		{"много", 0, crm.ErrNotANumber},
		{"", 0, crm.ErrNotANumber},
	} {
		got, err := crm.ParseMoney(tc.in)
		if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) || got != tc.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseDiscount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want crm.Discount
		err  error
	}{
		{"10%", crm.Discount{Kind: crm.DiscountPercent, Value: 1000}, nil},
		{"10,5 %", crm.Discount{Kind: crm.DiscountPercent, Value: 1050}, nil},
		{"100%", crm.Discount{Kind: crm.DiscountPercent, Value: 10000}, nil},
		{"500", crm.Discount{Kind: crm.DiscountAmount, Value: 50000}, nil},
		{"500 ₽", crm.Discount{Kind: crm.DiscountAmount, Value: 50000}, nil},
		{"0", crm.Discount{Kind: crm.DiscountNone}, nil},
		{"0%", crm.Discount{Kind: crm.DiscountNone}, nil},
		{"101%", crm.Discount{}, crm.ErrDiscountTooBig},
		{"-5%", crm.Discount{}, crm.ErrNegative},
		{"x%", crm.Discount{}, crm.ErrNotANumber},
	} {
		got, err := crm.ParseDiscount(tc.in)
		if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) || got != tc.want {
			t.Errorf("ParseDiscount(%q) = %+v, %v; want %+v, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestQtyString(t *testing.T) {
	for q, want := range map[crm.Qty]string{1000: "1", 1500: "1,5", 125: "0,125", 2050: "2,05", -1500: "-1,5", 0: "0"} {
		if got := q.String(); got != want {
			t.Errorf("Qty(%d) = %q, want %q", int64(q), got, want)
		}
	}
}

func line(kind crm.LineKind, a crm.Approval, price crm.Money, q crm.Qty) crm.OrderLine {
	return crm.OrderLine{Kind: kind, Approval: a, Price: price, Qty: q, Amount: crm.Money((int64(price)*int64(q) + 500) / 1000)}
}

func TestComputeTotals(t *testing.T) {
	lines := []crm.OrderLine{
		line(crm.LineLabour, crm.ApprovalApproved, 200000, 1000), // 2000 ₽
		line(crm.LinePart, crm.ApprovalApproved, 33333, 1500),    // 499,995 → 500,00 ₽
		line(crm.LinePart, crm.ApprovalPending, 10000, 1000),     // 100 ₽, not approved yet
		line(crm.LineLabour, crm.ApprovalDeclined, 90000, 1000),  // never counts
		line(crm.LinePart, crm.ApprovalLater, 90000, 1000),       // never counts
	}
	for _, tc := range []struct {
		name     string
		d        crm.Discount
		approved bool
		want     crm.Totals
	}{
		{"active", crm.Discount{}, false, crm.Totals{Labour: 200000, Parts: 60000, Total: 260000}},
		{"approved", crm.Discount{}, true, crm.Totals{Labour: 200000, Parts: 50000, Total: 250000}},
		{"percent", crm.Discount{Kind: crm.DiscountPercent, Value: 1050}, true, crm.Totals{Labour: 200000, Parts: 50000, Discount: 26250, Total: 223750}},
		{"amount", crm.Discount{Kind: crm.DiscountAmount, Value: 10000}, false, crm.Totals{Labour: 200000, Parts: 60000, Discount: 10000, Total: 250000}},
		{"amount capped", crm.Discount{Kind: crm.DiscountAmount, Value: 999999}, true, crm.Totals{Labour: 200000, Parts: 50000, Discount: 250000, Total: 0}},
		{"empty", crm.Discount{}, true, crm.Totals{}},
	} {
		ls := lines
		if tc.name == "empty" {
			ls = nil
		}
		if got := crm.ComputeTotals(ls, tc.d, tc.approved); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestDerivePaymentState(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	for _, tc := range []struct {
		due, paid crm.Money
		dueAt     *time.Time
		want      crm.PaymentState
	}{
		{1000, 0, nil, crm.PaymentUnpaid},
		{1000, 400, nil, crm.PaymentPartial},
		{1000, 1000, nil, crm.PaymentPaid},
		{0, 0, nil, crm.PaymentPaid},
		{1000, 0, &future, crm.PaymentUnpaid},
		{1000, 400, &future, crm.PaymentPartial},
		{1000, 0, &past, crm.PaymentOverdue},
		{1000, 999, &past, crm.PaymentOverdue},
		{1000, 1000, &past, crm.PaymentPaid},
	} {
		if got := crm.DerivePaymentState(tc.due, tc.paid, tc.dueAt, now); got != tc.want {
			t.Errorf("DerivePaymentState(%d, %d, %v) = %s, want %s", tc.due, tc.paid, tc.dueAt, got, tc.want)
		}
	}
}
