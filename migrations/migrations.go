// Package migrations holds the goose SQL migrations of the UniFlow schema, embedded in the binary,
// and applies them under a PostgreSQL session advisory lock so that several processes starting at
// once do not race.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

// Apply connects to dsn with pgx's database/sql driver and applies every pending migration.
// It logs nothing; see ApplyLogged and Up.
func Apply(ctx context.Context, dsn string) error {
	return ApplyLogged(ctx, dsn, nil)
}

// ApplyLogged is Apply with a logger (nil logs nothing). The logger never sees the DSN.
func ApplyLogged(ctx context.Context, dsn string, log *slog.Logger) (err error) {
	if dsn == "" {
		return errors.New("apply migrations: empty database DSN")
	}
	cfg, err := pgx.ParseConfig(dsn) // pgconn redacts the password in its parse errors
	if err != nil {
		return fmt.Errorf("apply migrations: parse database DSN: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close migration connection: %w", cerr)
		}
	}()
	return Up(ctx, db, log)
}

// Up applies every pending migration to db under a session advisory lock. A nil log logs nothing.
func Up(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("create migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, FS,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		// Work lands on main from parallel branches, so a database may have
		// a later migration applied before an earlier-numbered one arrives.
		// Each migration stands on its own; apply the missing ones.
		goose.WithAllowOutofOrder(true),
	)
	if err != nil {
		return fmt.Errorf("create migration provider: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			return fmt.Errorf("apply migrations (%d applied before the failure): %w", len(partial.Applied), err)
		}
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		log.InfoContext(ctx, "migration applied", "version", r.Source.Version, "duration_ms", r.Duration.Milliseconds())
	}
	return nil
}

// Row is what Pending needs of a pgx connection or pool.
type Row interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Pending counts the embedded migrations that db has not applied: a replica running a newer
// binary than its schema is not ready until they are.
func Pending(ctx context.Context, db Row) (int, error) {
	names, err := fs.Glob(FS, "*.sql")
	if err != nil {
		return 0, fmt.Errorf("list embedded migrations: %w", err)
	}
	versions := make([]int64, 0, len(names))
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", name, err)
		}
		versions = append(versions, v)
	}
	var n int
	err = db.QueryRow(ctx, `SELECT count(*) FROM unnest($1::bigint[]) AS v (version)
		WHERE NOT EXISTS (SELECT 1 FROM goose_db_version g WHERE g.version_id = v.version AND g.is_applied)`,
		versions).Scan(&n)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // no goose table: never migrated
		return len(versions), nil
	}
	if err != nil {
		return 0, fmt.Errorf("count pending migrations: %w", err)
	}
	return n, nil
}
