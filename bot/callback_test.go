package bot

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCallbackRoundTrip(t *testing.T) {
	cases := []callback{
		{Action: actStatus, ID: 1234, Version: 7, Arg: "waiting_parts"},
		{Action: actAssignTo, ID: math.MaxInt64, Version: math.MaxInt64, Arg: "zzzzzzzzzzzzzzzz"},
		{Action: actMenuBook},
		{Action: actSlot, ID: 1796000000, Version: 99},
	}
	for _, c := range cases {
		data := c.encode()
		if len(data) > maxCallbackData {
			t.Fatalf("%q: %d bytes", data, len(data))
		}
		got, err := decodeCallback(data)
		if err != nil {
			t.Fatalf("decode %q: %v", data, err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("round trip %q (-want +got):\n%s", data, diff)
		}
	}
}

func TestDecodeCallbackRejects(t *testing.T) {
	bad := []string{
		"", "t", "t:1", "?:1:1", "t:-1:1", "t:1:-1", "t:1:1:UPPER", "t:1:1:a:b",
		"t:1:1:" + string(make([]byte, 20)), "s:1:1:waiting_parts_and_more", "t:zz!:1",
		"t:1:1:ключ",
	}
	for _, data := range bad {
		if _, err := decodeCallback(data); err == nil {
			t.Errorf("decodeCallback(%q): want an error", data)
		}
	}
}
