package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// httpAddr is where the program's HTTP server listens, from its "http server listening" line.
func (h *harness) httpAddr() string {
	h.t.Helper()
	deadline := time.Now().Add(awaitTimeout)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(h.logs.String(), "\n") {
			var e struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "http server listening" {
				return e.Addr
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatalf("no \"http server listening\" line in the log:\n%s", h.logs)
	return ""
}

// scrape reads /metrics with the Prometheus text parser.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value is the sum over the series of family name whose labels include want (a histogram
// counts its observations).
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	var sum float64
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum
}

// The metrics move when the bot works: a client's first steps, a redelivered update, a job run
// from /jobs... each shows up in what /metrics serves.
func TestMetricsMoveWhenTheBotWorks(t *testing.T) {
	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	defer h.stop()
	addr := h.httpAddr()
	if err := h.emu.AwaitPolling(awaitTimeout); err != nil {
		t.Fatal(err)
	}
	before := scrape(t, addr)
	for _, name := range []string{
		"uniflow_outbox_depth", "uniflow_outbox_oldest_age_seconds", "pgxpool_acquire_count",
		"uniflow_redis_pool_connections", "go_goroutines", "process_resident_memory_bytes",
	} {
		if value(before, name, nil) < 0 {
			t.Errorf("%s missing from /metrics", name)
		}
	}
	for _, lane := range []string{"interactive", "bulk"} {
		if value(before, "uniflow_outbox_depth", map[string]string{"lane": lane}) != 0 {
			t.Errorf("outbox depth of %s before any work = %v, want 0", lane, value(before, "uniflow_outbox_depth", map[string]string{"lane": lane}))
		}
	}

	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Anna", LanguageCode: "ru"})
	say := func(send func()) {
		t.Helper()
		n := last(u.Chat())
		send()
		h.next(u.Chat(), n, "")
	}
	say(func() { u.Start("src_avito") })
	h.emu.SetDuplicateDelivery(true) // Telegram delivering the next update twice
	say(func() { u.Send("привет") })
	h.emu.SetDuplicateDelivery(false)
	say(func() { u.Send("/nosuchcommand") })
	// The copy of the duplicated update may be skipped after the replies came.
	awaitMetric(t, addr, "uniflow_updates_deduplicated_total", map[string]string{"type": "message"}, 1)

	after := scrape(t, addr)
	grew := func(name string, labels map[string]string, by float64) {
		t.Helper()
		if d := value(after, name, labels) - max(0, value(before, name, labels)); d < by {
			t.Errorf("%s%v grew by %v, want at least %v", name, labels, d, by)
		}
	}
	grew("uniflow_updates_received_total", map[string]string{"type": "message"}, 4)
	grew("uniflow_updates_processed_total", map[string]string{"type": "message"}, 3)
	grew("uniflow_updates_deduplicated_total", map[string]string{"type": "message"}, 1)
	grew("uniflow_handler_duration_seconds", map[string]string{"route": "/start"}, 1)
	grew("uniflow_handler_duration_seconds", map[string]string{"route": "command:unknown"}, 1)
	grew("uniflow_telegram_calls_total", map[string]string{"result": "ok"}, 3)
	grew("uniflow_rate_limiter_wait_seconds", map[string]string{"lane": "interactive"}, 3)
	grew("pgxpool_acquire_count", nil, 1)
	grew("uniflow_redis_pool_hits_total", nil, 1) // commands and pipelines

	// Jobs whose time passed today are caught up at start: their runs show.
	awaitMetric(t, addr, "uniflow_job_runs_total", map[string]string{"result": "ok"}, 1)
	if value(scrape(t, addr), "uniflow_job_duration_seconds", nil) < 1 {
		t.Errorf("job runs counted but no duration observed")
	}
}

// awaitMetric waits until the series of name with labels reach at least want.
func awaitMetric(t *testing.T, addr, name string, labels map[string]string, want float64) {
	t.Helper()
	deadline := time.Now().Add(awaitTimeout)
	for value(scrape(t, addr), name, labels) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%s%v below %v after %v", name, labels, want, awaitTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
