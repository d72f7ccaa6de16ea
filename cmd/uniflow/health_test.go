package main

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
)

func TestHealthReportsEachDependency(t *testing.T) {
	pool, _ := pgtest.New(t)
	rdb, _ := redistest.New(t)

	// A port nothing listens on stands for a dependency that is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close()
	deadPool, err := pgxpool.New(t.Context(), "postgres://postgres@"+down+"/x?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer deadPool.Close()
	deadRedis := redis.NewClient(&redis.Options{Addr: down, MaxRetries: -1})
	defer deadRedis.Close()

	tests := []struct {
		name     string
		pool     *pgxpool.Pool
		rdb      *redis.Client
		wantCode int
		want     map[string]string
	}{
		{"all up", pool, rdb, http.StatusOK, map[string]string{"status": "ok", "postgres": "ok", "redis": "ok"}},
		{"postgres down", deadPool, rdb, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "postgres": "unavailable", "redis": "ok"}},
		{"redis down", pool, deadRedis, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "postgres": "ok", "redis": "unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			healthHandler(tt.pool, tt.rdb, slog.New(slog.DiscardHandler)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			var got map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", rec.Body.String(), err)
			}
			if rec.Code != tt.wantCode || len(got) != len(tt.want) {
				t.Errorf("status %d body %v, want %d %v", rec.Code, got, tt.wantCode, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
