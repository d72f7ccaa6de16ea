package bot

import (
	"math"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
)

// Decision buttons pack a line, a decision, a method and a page into the callback's argument;
// the client controls those bytes, so anything else is refused.
func TestDecisionArg(t *testing.T) {
	maxLine := int64(math.Pow(36, 7)) - 1 // 78 billion lines: the argument stays within 16 bytes
	for _, tc := range []struct {
		line   int64
		code   string
		method string
		page   int
		want   crm.Approval
	}{
		{1, "a", "", 0, crm.ApprovalApproved},
		{0, "a", "", 3, crm.ApprovalApproved},
		{maxLine, "d", "p", 999, crm.ApprovalDeclined},
		{42, "l", "i", 1, crm.ApprovalLater},
	} {
		arg := decisionArg(tc.line, tc.code, tc.method, tc.page)
		c := callback{Action: actRecord, ID: math.MaxInt64, Version: math.MaxInt64, Arg: arg}
		got, err := decodeCallback(c.encode())
		if err != nil {
			t.Fatalf("%q does not decode: %v", arg, err)
		}
		line, a, method, page, err := parseDecisionArg(got.Arg, tc.method != "")
		if err != nil || line != tc.line || a != tc.want || page != tc.page || (tc.method != "") != (method != "") {
			t.Errorf("%q: %d %s %q %d %v", arg, line, a, method, page, err)
		}
	}
	for _, bad := range []struct {
		arg   string
		staff bool
	}{
		{"1_a", false}, {"1_x_0", false}, {"1_a_p_0", false}, {"1_a_0", true}, {"1_a_x_0", true},
		{"_a_0", false}, {"1_a_-1", false}, {"1_a_1001", false}, {"zz!_a_0", false},
	} {
		if _, _, _, _, err := parseDecisionArg(bad.arg, bad.staff); err == nil {
			t.Errorf("%q (staff %t) accepted", bad.arg, bad.staff)
		}
	}
}

func TestParseRepeat(t *testing.T) {
	for _, tc := range []struct {
		in       string
		days, km int
		ok       bool
	}{
		{"365", 365, 0, true}, {"10000 км", 0, 10000, true}, {"180 10000", 180, 10000, true},
		{"180 дней", 180, 0, true}, {"-", 0, 0, true}, {"много", 0, 0, false}, {"1 2 3", 0, 0, false},
	} {
		d, k, err := parseRepeat(tc.in)
		if (err == nil) != tc.ok || d != tc.days || k != tc.km {
			t.Errorf("parseRepeat(%q) = %d, %d, %v", tc.in, d, k, err)
		}
	}
}

// Every work action encodes its longest values within Telegram's 64 bytes.
func TestWorkCallbacksFit(t *testing.T) {
	for _, a := range []action{
		actCatalogPage, actItem, actItemAdd, actItemEdit, actReceiveItem, actWork, actLineAdd, actLinePick,
		actLineSearchPg, actLine, actLineQty, actLinePrice, actLineRemove, actNeedPart, actSendEstimate,
		actRecordMenu, actDiscount, actPayMenu, actPay, actHistory, actDoc, actCorrect, actDecide,
		actRecord, actEstPage, actNewOrder, actQty,
	} {
		c := callback{Action: a, ID: math.MaxInt64, Version: math.MaxInt64, Arg: "zzzzzzzzzzzzzzzz"}
		if _, err := decodeCallback(c.encode()); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
}
