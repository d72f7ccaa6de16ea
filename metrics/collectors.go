package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/IBM/pgxpoolprometheus"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/crm"
)

// PostgresPool collects the pgx pool's connection statistics (pgxpool_* metrics).
func PostgresPool(pool *pgxpool.Pool) prometheus.Collector {
	return pgxpoolprometheus.NewCollector(pool, map[string]string{"db": "uniflow"})
}

// redisPool collects the go-redis client's pool statistics, for its command pool and, when
// go-redis keeps one, its separate pipeline pool (the bot's updates use pipelines).
type redisPool struct {
	rdb                                        *redis.Client
	hits, misses, timeouts, waits, total, idle *prometheus.Desc
}

// RedisPool collects the Redis client's pool statistics (uniflow_redis_pool_* metrics).
func RedisPool(rdb *redis.Client) prometheus.Collector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("uniflow_redis_pool_"+name, help, []string{"pool"}, nil)
	}
	return &redisPool{
		rdb:      rdb,
		hits:     d("hits_total", "Times a free connection was found in the pool."),
		misses:   d("misses_total", "Times no free connection was in the pool and one was dialled."),
		timeouts: d("timeouts_total", "Times a wait for a connection timed out."),
		waits:    d("waits_total", "Times a caller waited for a connection."),
		total:    d("connections", "Connections in the pool."),
		idle:     d("idle_connections", "Idle connections in the pool."),
	}
}

func (c *redisPool) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.hits, c.misses, c.timeouts, c.waits, c.total, c.idle} {
		ch <- d
	}
}

func (c *redisPool) Collect(ch chan<- prometheus.Metric) {
	s := c.rdb.PoolStats()
	c.collect(ch, "commands", s.Hits, s.Misses, s.Timeouts, s.WaitCount, s.TotalConns, s.IdleConns)
	if p := s.PipelineStats; p != nil {
		c.collect(ch, "pipelines", p.Hits, p.Misses, p.Timeouts, p.WaitCount, p.TotalConns, p.IdleConns)
	}
}

func (c *redisPool) collect(ch chan<- prometheus.Metric, pool string, hits, misses, timeouts, waits, total, idle uint32) {
	ch <- prometheus.MustNewConstMetric(c.hits, prometheus.CounterValue, float64(hits), pool)
	ch <- prometheus.MustNewConstMetric(c.misses, prometheus.CounterValue, float64(misses), pool)
	ch <- prometheus.MustNewConstMetric(c.timeouts, prometheus.CounterValue, float64(timeouts), pool)
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(waits), pool)
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(total), pool)
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(idle), pool)
}

// outbox collects the outbox's depth and the age of its oldest due row, per lane, with one
// query at scrape time.
type outbox struct {
	depths        func(ctx context.Context) ([]crm.LaneDepth, error)
	log           *slog.Logger
	rows, oldest  *prometheus.Desc
	scrapeTimeout time.Duration
}

// Outbox collects uniflow_outbox_depth and uniflow_outbox_oldest_age_seconds by lane from depths
// (crm.Service.OutboxDepths). A failed query is logged and the two metrics are left out of that
// scrape, rather than failing /metrics as a whole.
func Outbox(depths func(ctx context.Context) ([]crm.LaneDepth, error), log *slog.Logger) prometheus.Collector {
	return &outbox{
		depths:        depths,
		log:           log,
		rows:          prometheus.NewDesc("uniflow_outbox_depth", "Unsent outbox rows (pending or being sent), due or not, by lane.", []string{"lane"}, nil),
		oldest:        prometheus.NewDesc("uniflow_outbox_oldest_age_seconds", "Age of the oldest unsent outbox row that is due, by lane; 0 when none.", []string{"lane"}, nil),
		scrapeTimeout: 2 * time.Second,
	}
}

func (c *outbox) Describe(ch chan<- *prometheus.Desc) { ch <- c.rows; ch <- c.oldest }

func (c *outbox) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.scrapeTimeout)
	defer cancel()
	ds, err := c.depths(ctx)
	if err != nil {
		c.log.Warn("metrics: read outbox depth", "err", err)
		return
	}
	for _, d := range ds {
		ch <- prometheus.MustNewConstMetric(c.rows, prometheus.GaugeValue, float64(d.Rows), d.Lane)
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, d.Oldest.Seconds(), d.Lane)
	}
}
