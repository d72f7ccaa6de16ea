package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// checkStory plays the demo's story against the real program and checks
// what every user saw, the database rows, the order events and the outbox.
// between runs between steps: a restart, or nothing.
func checkStory(t *testing.T, h *harness, between func() error) {
	c := newCast(h.emu)
	for k, v := range c.env() {
		h.env[k] = v
	}
	h.start()
	svc := crm.New(h.pool, crm.Options{Now: time.Now, Location: mustLocation(t, h.env["SHOP_TIMEZONE"]), Region: "RU"})
	res, err := playStory(h.emu, c, between, func() error {
		_, err := svc.EnqueueDailySummaries(context.Background(), time.Now())
		return err
	})
	defer func() {
		if t.Failed() || testing.Verbose() {
			for _, chat := range c.chats() {
				t.Logf("chat %d:\n%s", chat.ID(), chat.Transcript())
			}
		}
	}()
	if err != nil {
		t.Fatal(err)
	}

	if !strings.Contains(res.summary.Text, "<b>Иван</b> & Co <3") || !strings.Contains(res.summary.HTML, "&lt;b&gt;Иван&lt;/b&gt; &amp; Co &lt;3") {
		t.Errorf("the name is not shown literally: text %q, html %q", res.summary.Text, res.summary.HTML)
	}
	if !strings.Contains(res.booked.Text, "заявка") {
		t.Errorf("the client is not told this is a request: %q", res.booked.Text)
	}
	for _, stale := range []string{"Диагностика", "Отменить", "Взять"} {
		if dataOf(res.groupCardAfterDone, stale) != "" {
			t.Errorf("the group card of a ready order still offers %q: %+v", stale, res.groupCardAfterDone.Inline)
		}
	}
	if dataOf(res.groupCardAfterDone, "Выдан") == "" {
		t.Errorf("the group card of a ready order does not offer the hand-over: %+v", res.groupCardAfterDone.Inline)
	}
	if !strings.Contains(res.doubleTap.Text, "устарела") {
		t.Errorf("second tap answered %q, want the out-of-date note", res.doubleTap.Text)
	}
	for _, want := range []string{"Новых заявок: 1", "Выдано: 1"} {
		if !strings.Contains(res.ownerSummary.Text, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.ownerSummary.Text)
		}
	}

	// The CRM card exists with its lead source.
	if n := h.count(`SELECT count(*) FROM clients WHERE phone = '+79123456789' AND lead_source = 'avito' AND telegram_user_id = $1`, c.client.ID()); n != 1 {
		t.Errorf("client rows: %d", n)
	}
	if n := h.count(`SELECT count(*) FROM vehicles WHERE make = 'Kia' AND model = 'Rio' AND year = 2017 AND plate = 'А123ВС77'`); n != 1 {
		t.Errorf("vehicle rows: %d", n)
	}
	if n := h.count(`SELECT count(*) FROM orders WHERE number = 1001 AND status = 'delivered' AND lead_source = 'avito'`); n != 1 {
		t.Errorf("order rows: %d", n)
	}

	// Every move is an event, each once, with who made it.
	var moves []string
	rows, err := h.pool.Query(context.Background(), `SELECT coalesce(from_status, '') || '>' || to_status || ':' || actor_kind FROM order_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		moves = append(moves, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{">new:client", "new>accepted:staff", "accepted>diagnosing:staff", "diagnosing>in_progress:staff", "in_progress>ready:staff", "ready>delivered:staff"}
	if diff := cmp.Diff(want, moves); diff != "" {
		t.Errorf("order events (-want +got):\n%s", diff)
	}

	// Every notice went out once; the sender records the outcome just
	// after the message is out. A card redraw the press had already drawn sends nothing.
	const undelivered = `SELECT count(*) FROM outbox WHERE state <> 'sent' OR (telegram_message_id IS NULL AND kind <> 'card_redraw')`
	h.waitCount(0, undelivered)
	if n := h.count(undelivered); n != 0 {
		t.Errorf("%d outbox rows not delivered", n)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind = 'status_changed'`); n != 5 {
		t.Errorf("%d status notices, want 5", n)
	}
	var notices int
	for _, m := range c.client.Chat().BotMessages() {
		if strings.HasPrefix(m.Text, "Заказ №1001: ") {
			notices++
		}
	}
	if notices != 5 {
		t.Errorf("the client saw %d status notices, want 5", notices)
	}
	checkGolden(t, "testdata/story.golden", storyTranscript(c))
	h.noRejections()
	if strings.Contains(h.logs.String(), h.emu.Token()) {
		t.Errorf("the log holds the bot token")
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

// storyTranscript is every chat of the story as its people saw it, with
// what changes from run to run (ids, dates, slot times) replaced by names.
func storyTranscript(c cast) string {
	var b strings.Builder
	names := []string{"client", "staff group", "manager", "mechanic", "owner"}
	for i, chat := range c.chats() {
		fmt.Fprintf(&b, "=== %s ===\n%s\n", names[i], chat.Transcript())
	}
	return scrubTranscript(b.String())
}

// scrubTranscript replaces what changes from run to run in a transcript (slots with their
// weekday, dates, times, ids) by names, so golden files hold on any day.
func scrubTranscript(out string) string {
	for _, r := range []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`inv_[A-Za-z0-9_-]{43}`), "inv_<token>"},
		{regexp.MustCompile(`(Пн|Вт|Ср|Чт|Пт|Сб|Вс|Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d\.\d\d \d\d:\d\d`), "<slot>"},
		{regexp.MustCompile(`\d\d\.\d\d\.\d{4} \d\d:\d\d`), "<date> <time>"},
		{regexp.MustCompile(`\d\d\.\d\d\.\d{4}`), "<date>"},
		{regexp.MustCompile(`\d\d\.\d\d \d\d:\d\d`), "<time>"},
		{regexp.MustCompile(`-?\d{9,}`), "<id>"},
	} {
		out = r.re.ReplaceAllString(out, r.with)
	}
	return out
}

// checkGolden compares got with the golden file; -update rewrites it.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestStory$ -update ./cmd/uniflow/ to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("what the users saw differs from %s (-want +got):\n%s", path, diff)
	}
}

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestStory(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	checkStory(t, h, func() error { return nil })
}

func TestStoryWithDuplicateDelivery(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	h.emu.SetDuplicateDelivery(true)
	checkStory(t, h, func() error { return nil })
}

func TestStoryWithRestarts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	checkStory(t, h, func() error { h.restart(); return nil })
}
