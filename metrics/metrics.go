// Package metrics holds UniFlow's Prometheus metrics. One Metrics is made per process (in
// cmd/uniflow) and handed to the parts that count; a nil *Metrics counts nothing, so tests and
// tools that do not serve /metrics need not make one.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the process's registry and the metrics the bot and the scheduler move.
type Metrics struct {
	reg *prometheus.Registry

	updatesReceived  *prometheus.CounterVec
	updatesProcessed *prometheus.CounterVec
	updatesDuplicate *prometheus.CounterVec
	handlerSeconds   *prometheus.HistogramVec
	userErrors       *prometheus.CounterVec
	sends            *prometheus.CounterVec
	limiterWait      *prometheus.HistogramVec
	jobRuns          *prometheus.CounterVec
	jobSeconds       *prometheus.HistogramVec
	jobEnqueued      *prometheus.CounterVec
}

// New makes a registry with the Go runtime and process collectors and UniFlow's own metrics.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		updatesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "uniflow_updates_received_total",
			Help: "Telegram updates taken from getUpdates or the webhook, by type.",
		}, []string{"type"}),
		updatesProcessed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "uniflow_updates_processed_total",
			Help: "Updates handled to the end (answered, refused or ignored on purpose), by type.",
		}, []string{"type"}),
		updatesDuplicate: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "uniflow_updates_deduplicated_total",
			Help: "Updates skipped because their update_id was already processed (a redelivery), by type.",
		}, []string{"type"}),
		handlerSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "uniflow_handler_duration_seconds",
			Help: "Time from taking an update off its chat's queue to the end of its handler, by route.",
			// Replies are a few ms; the tail that matters is Telegram or the database being slow.
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		userErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "uniflow_user_errors_total",
			Help: "Updates that ended in an error the user was told about, by kind (internal, panic, forbidden, stale, ...).",
		}, []string{"kind"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "uniflow_telegram_calls_total",
			Help: "Bot API calls made (messages, edits, answers, files), by result: ok, 429, 403, 4xx, 5xx, timeout, connection.",
		}, []string{"result"}),
		limiterWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "uniflow_rate_limiter_wait_seconds",
			Help:    "Time a new message waited for the send budget (Telegram's limits), by lane.",
			Buckets: []float64{.001, .01, .05, .1, .25, .5, 1, 2, 5, 10, 30, 60},
		}, []string{"lane"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "uniflow_job_runs_total",
			Help: "Scheduler job runs, by job and result: ok, error, busy (another replica held the lock).",
		}, []string{"job", "result"}),
		jobSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "uniflow_job_duration_seconds",
			Help:    "Duration of a scheduler job run that got its lock, by job.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2, 5, 10, 30, 60, 300},
		}, []string{"job"}),
		jobEnqueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "uniflow_job_rows_enqueued_total",
			Help: "Outbox rows (notices, reminders, offers) enqueued by scheduler jobs, by job.",
		}, []string{"job"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.updatesReceived, m.updatesProcessed, m.updatesDuplicate, m.handlerSeconds, m.userErrors,
		m.sends, m.limiterWait, m.jobRuns, m.jobSeconds, m.jobEnqueued,
	)
	return m
}

// Handler serves the registry in the Prometheus text format, for GET /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: nil})
}

// Register adds a collector of another part (the database pool, the Redis client, the
// outbox): each is read when /metrics is scraped.
func (m *Metrics) Register(c prometheus.Collector) error {
	if m == nil {
		return nil
	}
	return m.reg.Register(c)
}

// UpdateReceived counts an update as it arrives.
func (m *Metrics) UpdateReceived(typ string) {
	if m != nil {
		m.updatesReceived.WithLabelValues(typ).Inc()
	}
}

// UpdateDuplicate counts an update skipped as already processed.
func (m *Metrics) UpdateDuplicate(typ string) {
	if m != nil {
		m.updatesDuplicate.WithLabelValues(typ).Inc()
	}
}

// UpdateProcessed counts a handled update and how long its route took.
func (m *Metrics) UpdateProcessed(typ, route string, took time.Duration) {
	if m != nil {
		m.updatesProcessed.WithLabelValues(typ).Inc()
		m.handlerSeconds.WithLabelValues(route).Observe(took.Seconds())
	}
}

// UserError counts an error a user was told about.
func (m *Metrics) UserError(kind string) {
	if m != nil {
		m.userErrors.WithLabelValues(kind).Inc()
	}
}

// TelegramCall counts one Bot API call by its result.
func (m *Metrics) TelegramCall(result string) {
	if m != nil {
		m.sends.WithLabelValues(result).Inc()
	}
}

// LimiterWait records how long a new message waited for its send budget.
func (m *Metrics) LimiterWait(lane string, waited time.Duration) {
	if m != nil {
		m.limiterWait.WithLabelValues(lane).Observe(waited.Seconds())
	}
}

// JobRun records one scheduler run: result is ok, error or busy; took and enqueued count only
// for runs that got their lock.
func (m *Metrics) JobRun(job, result string, took time.Duration, enqueued int) {
	if m == nil {
		return
	}
	m.jobRuns.WithLabelValues(job, result).Inc()
	if result == "busy" {
		return
	}
	m.jobSeconds.WithLabelValues(job).Observe(took.Seconds())
	m.jobEnqueued.WithLabelValues(job).Add(float64(enqueued))
}
