package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/migrations"
)

func TestApplyConcurrentlyAndAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewEmpty(t)

	// Three processes starting at once: the session lock lets one migrate, the others find
	// nothing to do.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = migrations.Apply(ctx, dsn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Apply #%d: %v", i, err)
		}
	}
	if err := migrations.Apply(ctx, dsn); err != nil {
		t.Errorf("Apply again: %v", err)
	}

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM branches WHERE is_default`).Scan(&n); err != nil || n != 1 {
		t.Errorf("default branches = %d, %v; want 1", n, err)
	}
	// The schema refuses wrong states.
	for _, q := range []string{
		`INSERT INTO clients (phone) VALUES ('89120000000')`,
		`INSERT INTO staff (telegram_user_id, role, branch_id) VALUES (1, 'boss', 1)`,
		`INSERT INTO branches (name, is_default) VALUES ('second', true)`,
	} {
		_, err := conn.Exec(ctx, q)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "23514" && pgErr.Code != "23505") {
			t.Errorf("%s: err = %v, want a check or unique violation", q, err)
		}
	}
	var next int64
	if err := conn.QueryRow(ctx, `SELECT nextval('order_number_seq')`).Scan(&next); err != nil || next != 1001 {
		t.Errorf("first order number = %d, %v; want 1001", next, err)
	}
}

func TestDownAndUpAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewEmpty(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	if err := migrations.Up(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down: %v", err)
	}
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("%d tables left after down", tables)
	}
	var seq sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('order_number_seq')::text`).Scan(&seq); err != nil || seq.Valid {
		t.Errorf("order_number_seq after down: %v, %v", seq, err)
	}
	if err := migrations.Up(ctx, db, nil); err != nil {
		t.Fatalf("up again: %v", err)
	}
}

// A database that got a later migration before an earlier-numbered one
// (parallel branches landing out of order) is brought up to date.
func TestUpAppliesMissingEarlierMigrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(pgtest.NewEmpty(t))
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int64{1, 3} {
		if _, err := p.ApplyVersion(ctx, v, true); err != nil {
			t.Fatalf("apply %d: %v", v, err)
		}
	}
	if err := migrations.Up(ctx, db, nil); err != nil {
		t.Fatalf("up with 2 missing: %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if sources := len(p.ListSources()); n != sources {
		t.Errorf("%d of %d migrations applied", n, sources)
	}
}
