package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// testCallbackSecret is the harness's CALLBACK_SECRET.
const testCallbackSecret = "test-callback-secret-0123456789abcdef"

// sealFor makes button data as the bot does (bot/callback_seal.go), written out again here so
// that the format is checked, not just reused: an 8-byte HMAC-SHA256 tag of the chat id and
// the payload, in base64url, then the payload.
func sealFor(secret string, chatID int64, payload string) string {
	m := hmac.New(sha256.New, []byte(secret))
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(chatID))
	m.Write(id[:])
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:8]) + payload
}

func b36(n int64) string { return strconv.FormatInt(n, 36) }

// dbTables are what an attack must not change. The outbox is counted rather than compared: the
// sender updates the state of rows written before the attack.
var dbTables = []string{
	"orders", "order_events", "order_lines", "line_decisions", "deferred_work", "payments", "invoices",
	"invoice_corrections", "stock_movements", "catalog_items", "staff", "clients", "vehicles", "order_activity",
}

// snapshot is a digest of every row of dbTables and the outbox's size.
func (h *harness) snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range dbTables {
		var digest string
		q := `SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM ` + table + ` t`
		if err := h.pool.QueryRow(context.Background(), q).Scan(&digest); err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		out[table] = digest
	}
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatalf("count outbox: %v", err)
	}
	out["outbox rows"] = strconv.Itoa(n)
	return out
}

// cbAttack is one attempt that must be refused: a press of data on a message, or a command.
type cbAttack struct {
	name    string
	by      *tgemu.User
	on      tgemu.Message // the message pressed
	data    string        // its callback data
	command string        // or: a command sent in by's private chat
	answer  string        // a piece of the refusal the attacker sees
	log     string        // the log message that records it with the attacker's user id
}

// run makes the attempt and checks that it is refused, logged with the user id, and changes
// nothing in the database.
func (a cbAttack) run(t *testing.T, h *harness) {
	t.Helper()
	before := h.snapshot(t)
	mark := len(h.logs.String())
	if a.command != "" {
		c := a.by.Chat()
		after := last(c)
		a.by.Send(a.command)
		// Other messages (the order's notices) may come meanwhile: wait for the refusal.
		if _, err := c.Await(awaitTimeout, func(m tgemu.Message) bool {
			return m.ID > after && m.FromBot && strings.Contains(m.Text, a.answer)
		}); err != nil {
			t.Errorf("%s: no reply %q: %v\n%s", a.command, a.answer, err, c.Transcript())
		}
	} else {
		id, err := a.by.PressData(a.on, a.data)
		if err != nil {
			t.Fatal(err)
		}
		ans, err := h.emu.AwaitAnswer(awaitTimeout, id)
		if err != nil {
			t.Fatalf("%q: %v", a.data, err)
		}
		if !strings.Contains(ans.Text, a.answer) {
			t.Errorf("%q: answered %q, want %q", a.data, ans.Text, a.answer)
		}
	}
	if !h.logged(mark, a.log, a.by.ID()) {
		t.Errorf("no %q log line with user_id %d:\n%s", a.log, a.by.ID(), h.logs.String()[mark:])
	}
	time.Sleep(20 * time.Millisecond) // a change made after the answer would show now
	after := h.snapshot(t)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed", k)
		}
	}
}

// logged waits briefly for a log line since mark with message msg and the user's id.
func (h *harness) logged(mark int, msg string, userID int64) bool {
	deadline := time.Now().Add(2 * time.Second)
	for {
		for _, line := range strings.Split(h.logs.String()[mark:], "\n") {
			var rec struct {
				Msg    string `json:"msg"`
				UserID int64  `json:"user_id"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == msg && rec.UserID == userID {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
