package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// healthTimeout is short: a load balancer or compose healthcheck calls
// /healthz often, and a slow dependency is an unhealthy one.
const healthTimeout = 2 * time.Second

// healthHandler answers GET /healthz with 200 when PostgreSQL and Redis
// both answer a ping, else 503. The body names the failing dependency; the
// error itself goes to the log only, as it can name hosts and users.
func healthHandler(pool *pgxpool.Pool, rdb *redis.Client, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()

		status := map[string]string{"status": "ok", "postgres": "ok", "redis": "ok"}
		code := http.StatusOK
		if err := pool.Ping(ctx); err != nil {
			log.Warn("health check: postgres", slog.String("error", err.Error()))
			status["postgres"], status["status"], code = "unavailable", "unavailable", http.StatusServiceUnavailable
		}
		if err := rdb.Ping(ctx).Err(); err != nil {
			log.Warn("health check: redis", slog.String("error", err.Error()))
			status["redis"], status["status"], code = "unavailable", "unavailable", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(status) // the client may be gone; nothing to do then
	})
}
