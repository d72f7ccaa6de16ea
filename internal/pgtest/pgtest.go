// Package pgtest gives each test a fresh PostgreSQL database cloned from a migrated template.
//
// The template is named after a hash of the migration files, so it is built (and migrated) once per
// schema version, under an advisory lock because test binaries of several packages run in parallel
// processes. Templates of older schema versions are left in place; drop them by hand if they pile up.
//
// The admin connection string comes from PGTEST_ADMIN_DSN, by default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. When PostgreSQL is unreachable the
// test fails: these tests are never silently skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/migrations"
)

// DefaultAdminDSN is used when PGTEST_ADMIN_DSN is not set.
const DefaultAdminDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// templateLockKey is the pg_advisory_lock key that serialises building templates.
const templateLockKey int64 = 0x756e69666c6f77 // "uniflow"

// setupTimeout bounds creating (and, the first time, migrating) a database.
const setupTimeout = 2 * time.Minute

// New creates a database for this test from the migrated template and returns a pool connected
// to it and its DSN. The database is dropped when the test ends.
func New(tb testing.TB) (pool *pgxpool.Pool, dsn string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()

	admin, adminDSN := connectAdmin(ctx, tb)
	defer admin.Close(context.Background())

	tmpl, err := ensureTemplate(ctx, admin, adminDSN)
	if err != nil {
		tb.Fatalf("pgtest: prepare template database: %v", err)
	}
	dsn = createDatabase(ctx, tb, admin, adminDSN, tmpl)

	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		tb.Fatalf("pgtest: parse DSN of the test database: %v", err)
	}
	// Many tests run in parallel, each with its own pool: keep them small.
	cfg.MaxConns = 6
	pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatalf("pgtest: connect to the test database: %v", err)
	}
	tb.Cleanup(pool.Close) // runs before the drop: cleanups run last-in first-out
	return pool, dsn
}

// NewEmpty creates an empty database (no migrations applied) for this test and returns its DSN.
// The database is dropped when the test ends. It is for testing migrations themselves.
func NewEmpty(tb testing.TB) (dsn string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	admin, adminDSN := connectAdmin(ctx, tb)
	defer admin.Close(context.Background())
	return createDatabase(ctx, tb, admin, adminDSN, "template0")
}

// connectAdmin connects to the admin database or fails the test.
func connectAdmin(ctx context.Context, tb testing.TB) (*pgx.Conn, string) {
	tb.Helper()
	adminDSN := os.Getenv("PGTEST_ADMIN_DSN")
	if adminDSN == "" {
		adminDSN = DefaultAdminDSN
	}
	admin, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		tb.Fatalf("pgtest: cannot connect to PostgreSQL (PGTEST_ADMIN_DSN, default %s): %v; start PostgreSQL or point PGTEST_ADMIN_DSN at it", DefaultAdminDSN, err)
	}
	return admin, adminDSN
}

// createDatabase creates a uniquely named database from template, registers its drop and
// returns its DSN.
func createDatabase(ctx context.Context, tb testing.TB, admin *pgx.Conn, adminDSN, template string) string {
	tb.Helper()
	name := "uniflow_test_" + testSlug(tb.Name()) + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(template)); err != nil {
		tb.Fatalf("pgtest: create database %s from template %s: %v", name, template, err)
	}
	tb.Cleanup(func() { dropDatabase(tb, adminDSN, name) })
	dsn, err := withDatabase(adminDSN, name)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return dsn
}

func dropDatabase(tb testing.TB, adminDSN, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		tb.Errorf("pgtest: drop database %s: connect: %v", name, err)
		return
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
		tb.Errorf("pgtest: drop database %s: %v", name, err)
	}
}

// ensureTemplate returns the name of the template database for the current migrations, building
// it first if no process has done so yet.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, adminDSN string) (string, error) {
	hash, err := migrationsHash()
	if err != nil {
		return "", err
	}
	tmpl := "uniflow_tmpl_" + hash
	ok, err := databaseExists(ctx, admin, tmpl)
	if err != nil || ok {
		return tmpl, err
	}

	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return "", fmt.Errorf("take template lock: %w", err)
	}
	defer func() {
		// The session ends with admin anyway; unlocking early lets others go on sooner.
		_, _ = admin.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLockKey)
	}()
	// Another process may have built it while we waited for the lock.
	if ok, err := databaseExists(ctx, admin, tmpl); err != nil || ok {
		return tmpl, err
	}

	// Build under a temporary name and rename when complete, so a crash half-way never leaves a
	// template that looks ready.
	building := tmpl + "_building"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(building)+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop leftover %s: %w", building, err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident(building)+" TEMPLATE template0"); err != nil {
		return "", fmt.Errorf("create %s: %w", building, err)
	}
	dsn, err := withDatabase(adminDSN, building)
	if err != nil {
		return "", err
	}
	if err := migrations.Apply(ctx, dsn); err != nil {
		return "", fmt.Errorf("migrate %s: %w", building, err)
	}
	// migrations.Apply has closed its connections, but a backend may still be exiting; FORCE-like
	// termination makes the rename (which needs no other sessions) reliable.
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", building); err != nil {
		return "", fmt.Errorf("close sessions of %s: %w", building, err)
	}
	if err := renameDatabase(ctx, admin, building, tmpl); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+ident(tmpl)+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return "", fmt.Errorf("mark %s as template: %w", tmpl, err)
	}
	return tmpl, nil
}

func renameDatabase(ctx context.Context, admin *pgx.Conn, from, to string) error {
	var err error
	for range 50 {
		_, err = admin.Exec(ctx, "ALTER DATABASE "+ident(from)+" RENAME TO "+ident(to))
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" { // object_in_use
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("rename %s to %s: %w", from, to, err)
	}
	return nil
}

func databaseExists(ctx context.Context, admin *pgx.Conn, name string) (bool, error) {
	var ok bool
	err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look up database %s: %w", name, err)
	}
	return ok, nil
}

// migrationsHash is a short hash of the names and contents of the embedded migration files.
func migrationsHash() (string, error) {
	h := sha256.New()
	var names []string
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			names = append(names, path)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("list migration files: %w", err)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", fmt.Errorf("read migration %s: %w", n, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// withDatabase returns dsn pointing at database name; dsn is a URL or a keyword/value string.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("parse PGTEST_ADMIN_DSN as a URL failed") // the error would echo the DSN
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil // a later keyword wins
}

// testSlug keeps a readable piece of the test name in the database name, for whoever finds a
// leftover database after a crash.
func testSlug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if b.Len() >= 24 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	b.WriteByte('_')
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }
