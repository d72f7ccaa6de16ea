package pgtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// seedLockKey serialises building seeded templates (apart from the migrated one's lock, which
// building a seeded template needs too).
const seedLockKey = templateLockKey + 1

// seedTimeout bounds seeding a template: a million rows take a while on a shared machine.
const seedTimeout = 20 * time.Minute

// NewSeeded is New on a database cloned from a template that seed filled once: the template is
// named after the migrations and name, so it is seeded again only when the schema changes (or
// name does: change it when seed changes). Benchmarks over large data sets use it so that only
// the first run pays for the seeding. Templates are left in place, like New's.
func NewSeeded(tb testing.TB, name string, seed func(ctx context.Context, pool *pgxpool.Pool) error) (*pgxpool.Pool, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), seedTimeout)
	defer cancel()
	admin, adminDSN := connectAdmin(ctx, tb)
	defer admin.Close(context.Background())

	base, err := ensureTemplate(ctx, admin, adminDSN)
	if err != nil {
		tb.Fatalf("pgtest: prepare template database: %v", err)
	}
	hash, err := migrationsHash()
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tmpl := "uniflow_seed_" + hash + "_" + name
	if ok, err := databaseExists(ctx, admin, tmpl); err != nil {
		tb.Fatalf("pgtest: %v", err)
	} else if !ok {
		if err := buildSeeded(ctx, tb, admin, adminDSN, base, tmpl, seed); err != nil {
			tb.Fatalf("pgtest: seed %s: %v", tmpl, err)
		}
	}
	dsn := createDatabase(ctx, tb, admin, adminDSN, tmpl)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		tb.Fatalf("pgtest: connect to the seeded database: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool, dsn
}

func buildSeeded(ctx context.Context, tb testing.TB, admin *pgx.Conn, adminDSN, base, tmpl string, seed func(context.Context, *pgxpool.Pool) error) error {
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", seedLockKey); err != nil {
		return fmt.Errorf("take seed lock: %w", err)
	}
	defer func() { _, _ = admin.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", seedLockKey) }()
	if ok, err := databaseExists(ctx, admin, tmpl); err != nil || ok {
		return err // built by another process meanwhile
	}
	// Built under a temporary name and renamed when complete, as ensureTemplate does.
	building := tmpl + "_b"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(building)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop leftover %s: %w", building, err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident(building)+" TEMPLATE "+ident(base)); err != nil {
		return fmt.Errorf("create %s: %w", building, err)
	}
	dsn, err := withDatabase(adminDSN, building)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", building, err)
	}
	start := time.Now()
	err = seed(ctx, pool)
	if err == nil {
		_, err = pool.Exec(ctx, "VACUUM ANALYZE")
	}
	pool.Close()
	if err != nil {
		return err
	}
	tb.Logf("pgtest: seeded %s in %s", tmpl, time.Since(start).Round(time.Second))
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", building); err != nil {
		return fmt.Errorf("close sessions of %s: %w", building, err)
	}
	if err := renameDatabase(ctx, admin, building, tmpl); err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+ident(tmpl)+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("mark %s as template: %w", tmpl, err)
	}
	return nil
}
