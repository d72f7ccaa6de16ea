package chaos

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// tap stands in front of the emulator's Bot API and pokes the fake client of a chat whenever the
// bot called a method for that chat, so that a client waits for its chat alone (the emulator's
// Chat.Await wakes every waiter on every change, too costly with hundreds of users).
type tap struct {
	next http.Handler
	mu   sync.RWMutex
	subs map[int64]chan struct{}
}

func newTap(next http.Handler) *tap { return &tap{next: next, subs: map[int64]chan struct{}{}} }

func (t *tap) subscribe(chat int64) chan struct{} {
	ch := make(chan struct{}, 1)
	t.mu.Lock()
	t.subs[chat] = ch
	t.mu.Unlock()
	return ch
}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var chat int64
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if v, err := url.ParseQuery(string(body)); err == nil {
			chat, _ = strconv.ParseInt(v.Get("chat_id"), 10, 64)
		}
	}
	t.next.ServeHTTP(w, r)
	if chat != 0 {
		t.mu.RLock()
		ch := t.subs[chat]
		t.mu.RUnlock()
		if ch != nil {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// What the fake users recognise, in English, from the bot's own catalog.
var (
	en         = text.FromCode("en")
	tags       = regexp.MustCompile(`<[^>]+>`)
	markPhone  = marker(text.AskPhone)
	markName   = marker(text.AskName)
	markModel  = marker(text.AskCarModel)
	markYear   = marker(text.AskCarYear)
	markPlate  = marker(text.AskPlate)
	markIssue  = marker(text.AskProblem)
	markPick   = marker(text.AskCarPick)
	markBooked = strings.SplitN(plain(text.T(en, text.Booked, 0)), "0", 2)[0]
	markSorry  = marker(text.InternalError)
	btnNoSlot  = "No time, call me"
	btnConfirm = "Confirm"
	btnBook    = "Book a repair"
)

func plain(html string) string { return tags.ReplaceAllString(html, "") }

// marker is the first sentence of a question, enough to know it inside a longer message.
func marker(k text.Key) string {
	s := plain(text.T(en, k))
	if i := strings.IndexAny(s, "?.:"); i > 0 {
		s = s[:i+1]
	}
	return s
}

// figures are what the fake users saw, across all of them.
type figures struct {
	updates   atomic.Int64 // updates sent (messages and presses)
	bookings  atomic.Int64 // bookings finished (the order card shown)
	restarts  atomic.Int64 // bookings begun again: the bot apologised or had forgotten the step
	sorry     atomic.Int64 // apologies seen ("Something went wrong")
	unanswers atomic.Int64 // updates no answer came to within answerWait: lost
	odd       atomic.Int64 // answers that were no question of the booking
}

// answerWait is how long a fake client waits for an answer before the update counts as lost. A
// reply may wait out a SIGKILL and restart (seconds), Redis or PostgreSQL coming back, three
// tries of a call that hangs until the bot's 10 s timeout, and 1 s flood waits.
const answerWait = 60 * time.Second

// client is a fake client who books repairs by answering whatever the bot asks.
type client struct {
	h       *harness
	u       *tgemu.User
	n       int
	poke    chan struct{}
	seen    map[int]string // bot message id → its text and buttons, as last looked at
	booked  int            // bookings finished
	first   bool           // the first booking: the client is new to the shop
	odd     int            // answers not understood
	lost    int            // updates without an answer
	pressed string         // the callback id of the last press not answered with a note
	log     []string       // what happened, for a failure's message
}

func (h *harness) newUser(n int) *client {
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Client", LastName: strconv.Itoa(n), LanguageCode: "en"})
	return &client{h: h, u: u, n: n, poke: h.tap.subscribe(u.Chat().ID()), seen: map[int]string{}, first: true}
}

func (u *client) phone() string { return fmt.Sprintf("+7913%07d", u.n) }
func (u *client) name() string  { return "Client " + strconv.Itoa(u.n) }
func (u *client) model() string { return "Kia Rio " + strconv.Itoa(u.n) }
func (u *client) year() string  { return strconv.Itoa(2000 + u.n%20) }
func (u *client) plate() string { return fmt.Sprintf("А%03dВС77", u.n%1000) }
func (u *client) issue(k int) string {
	return fmt.Sprintf("Knocks at the front, booking %d of client %d", k, u.n)
}

func render(m tgemu.Message) string {
	var b strings.Builder
	b.WriteString(m.Text)
	for _, row := range m.Inline {
		for _, btn := range row {
			b.WriteString("\x00" + btn.Text)
		}
	}
	return b.String()
}

// changed is the newest bot message that is new or changed since the last look, skipping copies
// of what the client just answered (a reply sent twice after a crash), and remembers them all.
func (u *client) changed(answered string, skip ...string) (tgemu.Message, bool) {
	var got tgemu.Message
	ok := false
	for _, m := range u.u.Chat().BotMessages() {
		r := render(m)
		if u.seen[m.ID] == r {
			continue
		}
		u.seen[m.ID] = r
		// Copies of what was just answered (a reply sent twice after a crash) and, after two
		// updates sent at once, the answer to the first are no answers to wait for.
		if r == answered || slices.Contains(skip, m.Text) || len(m.Inline) == 0 && m.Edited && isQuestionWithoutButtons(m.Text) {
			continue
		}
		got, ok = m, true
	}
	return got, ok
}

// press presses a button and remembers the callback, whose answer (a toast such as "out of
// date" for a button of a question asked again since) is an answer too.
func (u *client) press(m tgemu.Message, label string) error {
	id, err := u.u.Press(m, label)
	u.pressed = id
	return err
}

// toast is the text the bot answered the last press with, once it answered.
func (u *client) toast() (string, bool) {
	if u.pressed == "" {
		return "", false
	}
	a, ok := u.h.emu.CallbackAnswer(u.pressed)
	// Only "out of date" (a button of a question asked again since) comes without a change;
	// other notes ("Done") come with one.
	return a.Text, ok && a.Text == plain(text.T(en, text.OutOfDate))
}

// await waits for the bot's answer: a bot message new or changed since the update was sent.
func (u *client) await(answered string, skip ...string) (tgemu.Message, bool) {
	deadline := time.NewTimer(answerWait)
	defer deadline.Stop()
	tick := time.NewTicker(time.Second) // a poke may be missed while looking
	defer tick.Stop()
	for {
		if m, ok := u.changed(answered, skip...); ok {
			return m, true
		}
		if t, ok := u.toast(); ok {
			// The press was answered with a note and nothing else changes: the question to
			// answer is the newest one.
			u.pressed = ""
			u.note("press answered %q", t)
			if msgs := u.u.Chat().BotMessages(); len(msgs) > 0 {
				return msgs[len(msgs)-1], true
			}
		}
		select {
		case <-u.poke:
		case <-tick.C:
		case <-deadline.C:
			return tgemu.Message{}, false
		}
	}
}

func (u *client) note(format string, args ...any) {
	u.log = append(u.log, fmt.Sprintf(format, args...))
}

// book runs bookings until the client sent at least budget updates and finished the booking it
// was in; each booking is tried again from /start whenever the bot lost the thread.
func (u *client) book(budget int) {
	f := u.h.figs
	sent := 0
	var answered string // what the last update answered, as shown (render)
	restart := func() {
		// A /start is answered by the current question, maybe the same as the last one.
		answered = ""
		u.pressed = ""
		u.u.Send("/start")
		sent++
		f.updates.Add(1)
	}
	send := func(what string, do func() error) {
		u.pressed = ""
		if err := do(); err != nil {
			u.note("%s: %v", what, err)
		}
		sent++
		f.updates.Add(1)
	}
	_, _ = u.changed("")
	restart()
	mid := false      // inside a booking
	var skip []string // the intermediate answer of two updates sent at once
	for {
		m, ok := u.await(answered, skip...)
		skip = nil
		if !ok {
			f.unanswers.Add(1)
			u.lost++
			u.note("%s: no answer within %v after %q; the chat's calls in that time:\n%s", time.Now().Format("15:04:05.000"), answerWait, answered, u.calls(answerWait+time.Second))
			restart()
			continue
		}
		answered = render(m)
		t := m.Text
		switch {
		case strings.Contains(t, markBooked):
			u.booked++
			f.bookings.Add(1)
			u.first, mid = false, false
			if sent >= budget && u.h.calm.Load() {
				return // the budget is spent and no outage is still to come: every one is mid-load
			}
			restart()
			continue
		case strings.Contains(t, markSorry):
			f.sorry.Add(1)
			f.restarts.Add(1)
			restart()
			continue
		}
		if (strings.Contains(t, markPhone) || hasButton(m, btnBook)) && mid {
			f.restarts.Add(1) // the bot forgot the booking (Redis lost it): begun again
		}
		mid = true
		switch {
		case hasButton(m, btnConfirm):
			send("confirm", func() error { return u.press(m, btnConfirm) })
		case hasButton(m, btnNoSlot):
			send("no slot", func() error { return u.press(m, btnNoSlot) })
		case hasButton(m, btnBook):
			send("book", func() error { return u.press(m, btnBook) })
		case strings.Contains(t, markPick) && hasButton(m, u.model()):
			send("pick car", func() error { return u.press(m, u.model()) })
		case strings.Contains(t, markPhone):
			send("contact", func() error { _, err := u.u.ShareContact(u.phone()); return err })
		case strings.Contains(t, markName):
			send("name", func() error { u.u.Send(u.name()); return nil })
			if u.first {
				// Two updates at once: the name and the car's model must be taken in order.
				send("model", func() error { u.u.Send(u.model()); return nil })
				skip = []string{plain(text.T(en, text.AskCarModel))}
			}
		case strings.Contains(t, markModel):
			send("model", func() error { u.u.Send(u.model()); return nil })
		case strings.Contains(t, markYear):
			send("year", func() error { u.u.Send(u.year()); return nil })
			send("plate", func() error { u.u.Send(u.plate()); return nil })
			skip = []string{plain(text.T(en, text.AskPlate))}
		case strings.Contains(t, markPlate):
			send("plate", func() error { u.u.Send(u.plate()); return nil })
		case strings.Contains(t, markIssue):
			send("problem", func() error { u.u.Send(u.issue(u.booked + 1)); return nil })
		default:
			f.odd.Add(1)
			u.note("odd answer: %q", t)
			if u.odd++; u.odd > 10 {
				return // the harness does not know this flow: check reports the client's log
			}
			f.restarts.Add(1)
			restart()
		}
	}
}

func hasButton(m tgemu.Message, label string) bool {
	for _, row := range m.Inline {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return true
			}
		}
	}
	return false
}

// calls lists the bot's calls for this chat in the last d.
func (u *client) calls(d time.Duration) string {
	var b strings.Builder
	chat := strconv.FormatInt(u.u.Chat().ID(), 10)
	since := time.Now().Add(-d)
	for _, c := range u.h.emu.Calls() {
		if c.Params["chat_id"] == chat && c.At.After(since) {
			fmt.Fprintf(&b, "  %s %s %d %s %s\n", c.At.Format("15:04:05.000"), c.Method, c.Status, c.Fault, c.Description)
		}
	}
	return b.String()
}

// isQuestionWithoutButtons tells an earlier question whose buttons the bot took away when it
// asked again: no answer.
func isQuestionWithoutButtons(t string) bool {
	for _, q := range []string{marker(text.AskSlot), marker(text.AskCarYear), marker(text.AskPlate), marker(text.AskCarPick)} {
		if strings.HasPrefix(t, q) || strings.Contains(t, "\n\n"+q) {
			return true
		}
	}
	menu := strings.SplitN(plain(text.T(en, text.GreetingKnown, "\x00")), "\x00", 2)[0]
	// The summary, its Confirm taken; the menu, its buttons taken.
	return strings.HasPrefix(t, "Please check your request") || strings.HasPrefix(t, menu)
}
