package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/migrations"
)

// healthTimeout is short: a load balancer or compose healthcheck calls the probes often, and a
// slow dependency is an unready one.
const healthTimeout = 2 * time.Second

// telegramRecheck is how long a getMe answer stands for readiness: probes come every few
// seconds, and Telegram need not hear from each of them.
const telegramRecheck = 30 * time.Second

// aliveHandler answers GET /healthz: the process is up and serving. It checks nothing else, so
// an orchestrator restarts the process only when the process itself is stuck, never because
// PostgreSQL is restarting (restarting UniFlow would not help then).
func aliveHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProbe(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// readiness answers GET /readyz: 200 when PostgreSQL and Redis answer, every embedded
// migration is applied, and Telegram answered getMe (within telegramRecheck); else 503. The
// body names each check; errors go to the log only, as they can name hosts and users.
type readiness struct {
	pool *pgxpool.Pool
	rdb  *redis.Client
	log  *slog.Logger

	mu       sync.Mutex
	api      *tgbotapi.BotAPI // nil until connected
	tgOK     bool
	tgAsked  time.Time
	tgAsking bool
}

func newReadiness(pool *pgxpool.Pool, rdb *redis.Client, log *slog.Logger) *readiness {
	return &readiness{pool: pool, rdb: rdb, log: log}
}

// connected records the Bot API once getMe first answered.
func (h *readiness) connected(api *tgbotapi.BotAPI) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.api, h.tgOK, h.tgAsked = api, true, time.Now()
}

func (h *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()

	status := map[string]string{"status": "ok"}
	check := func(name string, err error) {
		if err == nil {
			status[name] = "ok"
			return
		}
		h.log.Warn("readiness check failed", slog.String("check", name), slog.String("error", err.Error()))
		status[name], status["status"] = "unavailable", "unavailable"
	}
	pgErr := h.pool.Ping(ctx)
	check("postgres", pgErr)
	check("redis", h.rdb.Ping(ctx).Err())
	if pgErr != nil {
		check("migrations", errors.New("PostgreSQL is not reachable"))
	} else {
		check("migrations", h.migrated(ctx))
	}
	check("telegram", h.telegram(ctx))

	code := http.StatusOK
	if status["status"] != "ok" {
		code = http.StatusServiceUnavailable
	}
	writeProbe(w, code, status)
}

func (h *readiness) migrated(ctx context.Context) error {
	n, err := migrations.Pending(ctx, h.pool)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%d migrations not applied", n)
	}
	return nil
}

// telegram reports the last getMe, asking again when it is older than telegramRecheck. One probe
// asks at a time; the others read the last answer meanwhile.
func (h *readiness) telegram(ctx context.Context) error {
	h.mu.Lock()
	api, ok, fresh, asking := h.api, h.tgOK, time.Since(h.tgAsked) < telegramRecheck, h.tgAsking
	if api == nil {
		h.mu.Unlock()
		return errors.New("not connected to the Bot API yet")
	}
	if fresh || asking {
		h.mu.Unlock()
		if !ok {
			return errors.New("the Bot API did not answer getMe")
		}
		return nil
	}
	h.tgAsking = true
	h.mu.Unlock()

	// A copy of the API whose request dies with the probe's ctx (the library's calls take none).
	probe := *api
	if rc, isOurs := api.Client.(redactingClient); isOurs {
		rc.ctx = ctx
		probe.Client = rc
	}
	_, err := probe.MakeRequest("getMe", nil)

	h.mu.Lock()
	h.tgOK, h.tgAsked, h.tgAsking = err == nil, time.Now(), false
	h.mu.Unlock()
	if err != nil {
		return fmt.Errorf("getMe: %s", redactSecrets(err.Error(), api.Token))
	}
	return nil
}

func writeProbe(w http.ResponseWriter, code int, body map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body) // the client may be gone; nothing to do then
}
