package main

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// webhookSecret is the secret the webhook tests configure.
const webhookSecret = "s3cret_Webhook-token_0123456789abcdefABCDEF"

// newWebhookHarness is a harness whose program runs in webhook mode: the emulator delivers
// updates by POSTing them to it, and the test can post its own. It returns the webhook URL.
func newWebhookHarness(t *testing.T, extra map[string]string) (*harness, string) {
	t.Helper()
	addr := freeAddr(t)
	url := "http://" + addr + "/tg/hook"
	env := map[string]string{
		"TELEGRAM_WEBHOOK_URL":    url,
		"TELEGRAM_WEBHOOK_SECRET": webhookSecret,
		"WEBHOOK_LISTEN":          addr,
	}
	for k, v := range extra {
		env[k] = v
	}
	return newHarness(t, tgemu.Options{}, env), url
}

// startWebhook starts the program and waits until it registered its webhook.
func (h *harness) startWebhook() {
	h.t.Helper()
	h.start()
	c, err := h.emu.AwaitCall(awaitTimeout, func(c tgemu.Call) bool { return c.Method == "setWebhook" && c.Status == 200 })
	if err != nil {
		h.t.Fatalf("no setWebhook: %v", err)
	}
	if c.Params["secret_token"] != webhookSecret {
		h.t.Fatalf("setWebhook secret_token = %q, want the configured one", c.Params["secret_token"])
	}
}

// freeAddr is a loopback address with a port free a moment ago: the webhook URL has to name
// its port before the program listens on it.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// In webhook mode a booking goes through as with polling, and every delivery carried the
// secret; delivered twice, each update is still handled once.
func TestWebhookBooking(t *testing.T) {
	t.Parallel()
	for _, dup := range []bool{false, true} {
		t.Run("duplicates="+strconv.FormatBool(dup), func(t *testing.T) {
			t.Parallel()
			h, _ := newWebhookHarness(t, nil)
			h.startWebhook()
			h.emu.SetDuplicateDelivery(dup)
			u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Hook", LanguageCode: "en"})
			card := h.book(u, langs[1], "+7 912 000-00-07", "Hook", "Lada Vesta", "knocks")
			if !strings.Contains(card.Text, "1001") {
				t.Fatalf("booked card:\n%s", card.Text)
			}
			h.waitCount(1, `SELECT count(*) FROM orders`)
			if n := h.count(`SELECT count(*) FROM orders`); n != 1 {
				t.Errorf("%d orders, want 1", n)
			}
			if n := h.count(`SELECT count(*) FROM clients`); n != 1 {
				t.Errorf("%d clients, want 1", n)
			}
			ds := h.emu.Deliveries()
			if len(ds) < 9 {
				t.Fatalf("%d webhook deliveries for a whole booking", len(ds))
			}
			for _, c := range h.emu.Calls() {
				if c.Method == "getUpdates" {
					t.Fatalf("the program polled in webhook mode")
				}
			}
			perUpdate := map[int]int{}
			for _, d := range ds {
				if d.Secret != webhookSecret {
					t.Fatalf("delivery of update %d carried secret %q", d.UpdateID, d.Secret)
				}
				if d.Status != 200 {
					t.Errorf("delivery of update %d answered %d", d.UpdateID, d.Status)
				}
				perUpdate[d.UpdateID]++
			}
			if dup {
				twice := 0
				for _, n := range perUpdate {
					if n >= 2 {
						twice++
					}
				}
				if twice == 0 {
					t.Fatalf("no update was delivered twice: %v", perUpdate)
				}
				if !strings.Contains(h.logs.String(), "duplicate update skipped") {
					t.Errorf("no log line for the duplicates")
				}
			}
			// Each bot question once: a duplicate handled twice would ask again.
			asked := 0
			for _, m := range u.Chat().BotMessages() {
				if strings.Contains(m.Text, langs[1].askModel) {
					asked++
				}
			}
			if asked != 1 {
				t.Errorf("the model question came %d times, want 1:\n%s", asked, u.Chat().Transcript())
			}
			h.noRejections()
		})
	}
}

// Back from webhook mode to polling, the webhook left set is deleted and updates flow again,
// the ones that came while the program was down included.
func TestPollingAfterWebhookMode(t *testing.T) {
	t.Parallel()
	h, _ := newWebhookHarness(t, nil)
	h.startWebhook()
	h.stop()
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Back", LanguageCode: "en"})
	u.Send("/help")
	delete(h.env, "TELEGRAM_WEBHOOK_URL")
	h.start()
	h.next(u.Chat(), 0, "/my")
	if !strings.Contains(h.logs.String(), "deleted it") {
		t.Errorf("no log line for the deleted webhook")
	}
}
