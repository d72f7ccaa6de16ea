package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestInviteCLIRefusesWhatItCannotDo(t *testing.T) {
	t.Parallel()
	env := func(string) string { return "" }
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, `want "owner"`},
		{[]string{"mechanic"}, `want "owner"`},
		{[]string{"owner", "extra"}, "unexpected arguments"},
		{[]string{"owner"}, "TELEGRAM_BOT_TOKEN"}, // no token and no -bot: no link can be made
	} {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"invite"}, tt.args...), env, &out)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("invite %q: err = %v, want %q", tt.args, err, tt.want)
		}
	}
}
