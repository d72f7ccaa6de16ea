package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/bot"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// startTuned is start with the bot's configuration adjusted through runServe's seam: the soak
// and the broadcast benchmark set the rate limits and retry timing they measure.
func (h *harness) startTuned(tune func(*bot.Config)) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() {
		h.done <- runServe(ctx, func(k string) string { return h.env[k] }, h.logs, tune)
	}()
}

// deliveryDrainUpdates confirms every update so far, so the program starts without the fake
// users' /start (they only need to have started the bot to be written to).
func deliveryDrainUpdates(tb testing.TB, emu *tgemu.Server) {
	tb.Helper()
	get := func(q string) []struct {
		UpdateID int `json:"update_id"`
	} {
		resp, err := http.Get(emu.URL() + "/bot" + emu.Token() + "/getUpdates?" + q)
		if err != nil {
			tb.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Result []struct {
				UpdateID int `json:"update_id"`
			} `json:"result"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			tb.Fatal(err)
		}
		return body.Result
	}
	if last := get("offset=-1"); len(last) > 0 {
		get("offset=" + strconv.Itoa(last[0].UpdateID+1))
	}
}

// deliveryClients makes each user a client (English) with one new order, and returns the order
// numbers in the users' order.
const sqlDeliveryClients = `
WITH c AS (
	INSERT INTO clients (phone, name, telegram_user_id, chat_id, language)
	SELECT '+7900' || lpad(i::text, 7, '0'), 'Client ' || i, u, u, 'en'
	FROM unnest($1::bigint[]) WITH ORDINALITY AS t(u, i)
	RETURNING id, telegram_user_id),
v AS (
	INSERT INTO vehicles (client_id, make, model) SELECT id, 'Kia', 'Rio' FROM c
	RETURNING id, client_id),
o AS (
	INSERT INTO orders (branch_id, client_id, vehicle_id, problem)
	SELECT (SELECT id FROM branches WHERE is_default), v.client_id, v.id, 'soak' FROM v
	RETURNING number, client_id)
SELECT o.number FROM o JOIN c ON c.id = o.client_id
ORDER BY array_position($1::bigint[], c.telegram_user_id)`

func deliveryClients(tb testing.TB, h *harness, users []*tgemu.User) []int64 {
	tb.Helper()
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID()
	}
	rows, err := h.pool.Query(context.Background(), sqlDeliveryClients, ids)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var numbers []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			tb.Fatal(err)
		}
		numbers = append(numbers, n)
	}
	if err := rows.Err(); err != nil || len(numbers) != len(users) {
		tb.Fatalf("clients: %d orders, %v", len(numbers), err)
	}
	return numbers
}

// sqlSoakNotices enqueues, for every order, the notice of its move to $1: one statement per
// status, so that each chat's notices are in the outbox in order.
const sqlSoakNotices = `
INSERT INTO outbox (kind, chat_id, language, order_id, data, dedupe_key)
SELECT 'status_changed', c.chat_id, 'en', o.id,
	jsonb_build_object('number', o.number, 'from', 'new', 'to', $1::text), 'soak:' || o.id || ':' || $1
FROM orders o JOIN clients c ON c.id = o.client_id
ORDER BY o.id`

// deliveryWaitSettled polls the database (it has no change feed) until no row of kind is
// pending or being sent, for at most limit.
func deliveryWaitSettled(tb testing.TB, h *harness, kind string, limit time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for {
		var left int
		if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE kind = $1 AND state IN ('pending', 'sending')`, kind).Scan(&left); err != nil {
			tb.Fatal(err)
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d %s rows still unsent after %v", left, kind, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sqlSoakSummaries enqueues one bulk message (a daily summary) per client chat.
const sqlSoakSummaries = `
INSERT INTO outbox (kind, lane, chat_id, language, data, dedupe_key)
SELECT 'daily_summary', 'bulk', c.chat_id, 'en', jsonb_build_object('day', '2026-12-03T00:00:00Z'), 'soak-summary:' || c.id
FROM clients c ORDER BY c.id`

// 2,000 status notices (interactive) and 500 summaries (bulk) to 500 chats while a fifth of all
// sends fail at random: flood control, server errors, gateway timeouts, hung requests, dropped
// connections, answers cut short after the message was taken, and answers lost after Telegram
// put the message in the chat (AfterCall: the connection dropped or hung once the call ran).
//
// What "exactly once" can honestly mean with that last fault: the sender cannot tell an answer
// lost after the call from one lost before it, so it does what its lane promises. An interactive
// notice is resent (a duplicate beats a lost status), so each send of it that lost its answer
// after the call adds exactly one copy; a bulk message is not resent (uncertain), so it is in the
// chat at most once: once if sent, once if its lost send had run, never if it had not. So:
//   - every interactive notice to a chat that can receive it is in the chat once, plus one copy
//     for each of its sends that hit an after-call fault (the emulator's log says which), and
//     the copies are adjacent, in per-chat order;
//   - every bulk message is in the chat at most once, exactly once when sent;
//   - chats whose users blocked the bot get nothing, and their rows are marked blocked.
func TestDeliverySoak(t *testing.T) {
	t.Parallel()
	// The emulator's own limits are off: the faults stand for them. Our limiter keeps Telegram's
	// per-chat limit (so a 429 for a chat that sent nothing lately reads as global) with a high
	// global rate, so the soak takes seconds.
	h := newHarness(t, tgemu.Options{NoRateLimits: true}, nil)
	const chats, blocked = 500, 10
	statuses := []struct{ code, en string }{
		{"accepted", "accepted"}, {"diagnosing", "diagnosing"}, {"in_progress", "in progress"}, {"ready", "ready for pick-up"},
	}
	users := make([]*tgemu.User, chats)
	for i := range users {
		users[i] = h.emu.NewUser(tgemu.UserOptions{FirstName: "U", LanguageCode: "en"})
		users[i].Start("")
	}
	deliveryDrainUpdates(t, h.emu)
	numbers := deliveryClients(t, h, users)
	for _, u := range users[:blocked] {
		u.Block()
	}
	for _, s := range statuses {
		if _, err := h.pool.Exec(context.Background(), sqlSoakNotices, s.code); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.pool.Exec(context.Background(), sqlSoakSummaries); err != nil {
		t.Fatal(err)
	}
	faults := []struct {
		name string
		p    float64
		a    tgemu.Action
	}{
		{"429", 0.04, tgemu.TooManyRequests(1)},
		{"500", 0.03, tgemu.InternalError()},
		{"504", 0.03, tgemu.GatewayTimeout()},
		{"hang", 0.02, tgemu.Hang()},
		{"drop", 0.03, tgemu.DropConnection()},
		{"truncated", 0.02, tgemu.TruncatedJSON()},
		{"drop after the call", 0.02, tgemu.DropAfterCall()},
		{"hang after the call", 0.01, tgemu.HangAfterCall()},
	}
	rules := make([]*tgemu.FaultRule, len(faults))
	for i, f := range faults {
		rules[i] = h.emu.InjectFault(tgemu.Match{Method: "sendMessage", Probability: f.p}, f.a)
	}

	start := time.Now()
	h.startTuned(func(c *bot.Config) {
		c.SendRate = 10_000
		c.OutboxInterval = 50 * time.Millisecond
		c.Delivery.InteractiveWorkers = 32
		// Long enough that only the injected hangs time out: a send the emulator ran but the
		// bot gave up on (a slow answer under -race on a loaded machine) would leave a copy that
		// no fault accounts for.
		c.Delivery.SendTimeout = time.Second
		c.Delivery.RetryBase = 20 * time.Millisecond
		c.Delivery.RetryMax = 200 * time.Millisecond
		c.Delivery.MaxHold = 100 * time.Millisecond
	})
	deliveryWaitSettled(t, h, "status_changed", 50*time.Second)
	deliveryWaitSettled(t, h, "daily_summary", 20*time.Second)
	t.Logf("%d notices and %d summaries settled in %v", chats*len(statuses), chats, time.Since(start).Round(time.Millisecond))

	// Sends that Telegram ran but whose answer was lost, per chat and text: each may leave a
	// copy the sender cannot know of.
	type sent struct {
		chat string
		text string
	}
	ranLost := map[sent]int{}
	// faultedSummary: chats a send of whose summary met a fault. One that lost the answer (a
	// hang, a dropped connection, after the call or before it) leaves the bot unable to know
	// that a blocked chat refused it: uncertain, and never sent again.
	faultedSummary := map[string]bool{}
	var calls, failed int
	for _, c := range h.emu.Calls() {
		if c.Method == "sendMessage" {
			calls++
			if c.Fault != "" {
				failed++
			}
			if strings.HasSuffix(c.Fault, "_after_call") && c.Status == 200 {
				ranLost[sent{c.Params["chat_id"], c.Params["text"]}]++
			}
			if c.Fault != "" && strings.Contains(c.Params["text"], "Digest for") {
				faultedSummary[c.Params["chat_id"]] = true
			}
		}
	}
	for i, r := range rules {
		if r.Fired() == 0 {
			t.Errorf("the %s fault never fired", faults[i].name)
		}
	}
	t.Logf("%d sends, %d (%.0f%%) faulted", calls, failed, 100*float64(failed)/float64(calls))

	summaryState := map[int64]string{}
	rows, err := h.pool.Query(context.Background(), `SELECT chat_id, state FROM outbox WHERE kind = 'daily_summary'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var chat int64
		var state string
		if err := rows.Scan(&chat, &state); err != nil {
			t.Fatal(err)
		}
		summaryState[chat] = state
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var duplicates, lostRan, uncertain int
	for i, u := range users {
		chat := strconv.FormatInt(u.ID(), 10)
		var got []string
		summaries := 0
		for _, m := range u.Chat().BotMessages() {
			if strings.HasPrefix(m.Text, "📊 Digest for ") {
				summaries++
				continue
			}
			got = append(got, m.Text)
		}
		var want []string
		if i >= blocked {
			for _, s := range statuses {
				notice := fmt.Sprintf("Order No. %d: %s", numbers[i], s.en)
				copies := 1 + ranLost[sent{chat, notice}]
				duplicates += copies - 1
				for range copies {
					want = append(want, notice)
				}
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("chat %d: got %q, want %q", u.ID(), got, want)
		}
		// The bulk message: once when sent; when uncertain, once if its lost send ran, else not.
		state, ran := summaryState[u.ID()], 0
		for k, n := range ranLost {
			if k.chat == chat && strings.Contains(k.text, "Digest for") {
				ran += n
			}
		}
		lostRan += ran
		wantSummaries := 0
		switch {
		case i < blocked:
			if state != "blocked" && (state != "uncertain" || !faultedSummary[chat]) {
				t.Errorf("chat %d blocked the bot: its summary is %s", u.ID(), state)
			}
		case state == "sent":
			wantSummaries = 1
		case state == "uncertain":
			uncertain++
			wantSummaries = min(ran, 1)
		default:
			t.Errorf("chat %d: its summary is %s", u.ID(), state)
		}
		if summaries != wantSummaries || ran > 1 {
			t.Errorf("chat %d: the summary (%s) is in the chat %d times, want %d; Telegram ran %d sends of it whose answer was lost",
				u.ID(), state, summaries, wantSummaries, ran)
		}
	}
	t.Logf("interactive copies from answers lost after the call: %d; bulk rows uncertain: %d, of which %d are in the chat",
		duplicates, uncertain, lostRan)
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'status_changed' AND state = 'sent'`); n != (chats-blocked)*len(statuses) {
		t.Errorf("%d notices sent, want %d", n, (chats-blocked)*len(statuses))
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'status_changed' AND state = 'blocked'`); n != blocked*len(statuses) {
		t.Errorf("%d notices blocked, want %d", n, blocked*len(statuses))
	}
	if n := h.count(`SELECT count(*) FROM clients WHERE unreachable_since IS NOT NULL`); n != blocked {
		t.Errorf("%d clients unreachable, want %d", n, blocked)
	}
}
