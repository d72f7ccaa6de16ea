package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// A direct reply that failed on the way (a 5xx, then a dropped connection) is sent again, so the
// user gets the answer instead of silence or an apology.
func TestReplyRetriedAfterFailedCall(t *testing.T) {
	t.Parallel()
	b, emu, _ := newTestBot(t)
	b.start(t)
	u := emu.NewUser(tgemu.UserOptions{FirstName: "R", LanguageCode: "en"})
	emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, tgemu.InternalError())
	emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, tgemu.DropConnection())
	u.Send("/help")
	if _, err := u.Chat().Await(10*time.Second, func(m tgemu.Message) bool { return strings.Contains(m.Text, "/my") }); err != nil {
		t.Fatalf("no help after two failed sends: %v\n%s", err, u.Chat().Transcript())
	}
	if msgs := u.Chat().BotMessages(); len(msgs) != 1 {
		t.Errorf("%d bot messages, want the help once:\n%s", len(msgs), u.Chat().Transcript())
	}
}

// A reply that waited out flood control and then failed on the way is still tried again.
func TestReplyRetriedAfterFloodWait(t *testing.T) {
	t.Parallel()
	b, emu, _ := newTestBot(t)
	b.start(t)
	u := emu.NewUser(tgemu.UserOptions{FirstName: "F", LanguageCode: "en"})
	emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, tgemu.TooManyRequests(1))
	emu.InjectFault(tgemu.Match{Method: "sendMessage", ChatID: u.ID(), Times: 1}, tgemu.InternalError())
	u.Send("/help")
	if _, err := u.Chat().Await(10*time.Second, func(m tgemu.Message) bool { return strings.Contains(m.Text, "/my") }); err != nil {
		t.Fatalf("no help after a 429 and a 500: %v\n%s", err, u.Chat().Transcript())
	}
	if msgs := u.Chat().BotMessages(); len(msgs) != 1 {
		t.Errorf("%d bot messages, want the help once:\n%s", len(msgs), u.Chat().Transcript())
	}
}
