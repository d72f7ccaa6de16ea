package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The sandbox never writes to the configured database: it uses a database of its own on the
// same server, named after it with the suffix "_sandbox" (uniflow -> uniflow_sandbox), created
// when missing. Reset refuses any database whose name lacks the suffix (ErrNotSandbox), so a
// wiring mistake cannot empty a shop's data.

// Suffix ends the name of every sandbox database.
const Suffix = "_sandbox"

// ErrNotSandbox is a sandbox action refused on a database that is not a sandbox's.
var ErrNotSandbox = errors.New("not a sandbox database")

// ErrUnreachable is a PostgreSQL server that did not answer.
var ErrUnreachable = errors.New("PostgreSQL is not reachable")

// DatabaseName is the sandbox database that goes with the database named in dsn.
func DatabaseName(dsn string) (string, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "", fmt.Errorf("sandbox database: %w", err)
	}
	name := cfg.Database
	if name == "" {
		name = "uniflow"
	}
	if strings.HasSuffix(name, Suffix) {
		return name, nil // already the sandbox's
	}
	return name + Suffix, nil
}

// Database creates the sandbox database that goes with dsn if it is missing and returns its
// DSN. Only URL DSNs (postgres://...) are rewritten; the server, user and options stay.
func Database(ctx context.Context, dsn string) (string, error) {
	name, err := DatabaseName(dsn)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("sandbox database: DATABASE_URL must be a postgres:// URL to derive %q from it", name)
	}
	// The server's maintenance database: the configured one may not exist yet.
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return "", fmt.Errorf("sandbox database: %w: %w", ErrUnreachable, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", fmt.Errorf("sandbox database: look for %s: %w", name, err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42P04" { // created meanwhile by another start
				return "", fmt.Errorf("sandbox database: create %s: %w", name, err)
			}
		}
	}
	u.Path = "/" + name
	return u.String(), nil
}
