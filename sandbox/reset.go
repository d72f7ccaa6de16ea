package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
)

// keptTables survive a reset: the schema's version and the branch the first migration made.
var keptTables = map[string]bool{"goose_db_version": true, "branches": true}

// Reset empties the sandbox database (every table but keptTables, sequences from their start),
// removes the program's Redis keys (conversations, dedupe), clears every persona's chat, and
// sets the staff up again. It refuses a database whose name lacks Suffix.
func (sb *Sandbox) Reset(ctx context.Context) error {
	if err := emptyDatabase(ctx, sb.opts.Pool); err != nil {
		return err
	}
	if sb.opts.Redis != nil && sb.opts.KeyPrefix != "" {
		iter := sb.opts.Redis.Scan(ctx, 0, sb.opts.KeyPrefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			if err := sb.opts.Redis.Del(ctx, iter.Val()).Err(); err != nil {
				return fmt.Errorf("reset: delete Redis key: %w", err)
			}
		}
		if err := iter.Err(); err != nil {
			return fmt.Errorf("reset: list Redis keys: %w", err)
		}
	}
	for _, p := range sb.Personas() {
		p.chat.ClearHistory()
	}
	sb.dropAddedClients()
	if err := sb.setupStaff(ctx); err != nil {
		return fmt.Errorf("reset: set up the staff again: %w", err)
	}
	return nil
}

// pgxQuerier is what emptyDatabase needs of a pool or a connection.
type pgxQuerier interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// emptyDatabase truncates every table of the public schema but keptTables, in one transaction,
// after checking that db is a sandbox database.
func emptyDatabase(ctx context.Context, db pgxQuerier) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("reset: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var name string
	if err := tx.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		return fmt.Errorf("reset: name the database: %w", err)
	}
	if !strings.HasSuffix(name, Suffix) {
		return fmt.Errorf("reset: database %q: %w (its name does not end in %s)", name, ErrNotSandbox, Suffix)
	}
	rows, _ := tx.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("reset: list tables: %w", err)
	}
	var idents []string
	for _, t := range tables {
		if !keptTables[t] {
			idents = append(idents, pgx.Identifier{"public", t}.Sanitize())
		}
	}
	if len(idents) > 0 {
		if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(idents, ", ")+" RESTART IDENTITY"); err != nil {
			return fmt.Errorf("reset: empty the tables: %w", err)
		}
	}
	rows, _ = tx.Query(ctx, `SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'`)
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("reset: list sequences: %w", err)
	}
	for _, s := range seqs {
		if strings.HasPrefix(s, "branches_") || strings.HasPrefix(s, "goose_") {
			continue
		}
		if _, err := tx.Exec(ctx, "ALTER SEQUENCE "+pgx.Identifier{"public", s}.Sanitize()+" RESTART"); err != nil {
			return fmt.Errorf("reset: restart sequence %s: %w", s, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("reset: commit: %w", err)
	}
	return nil
}

func (sb *Sandbox) serveReset(w http.ResponseWriter, r *http.Request) {
	sb.busyOr(w, func() (any, error) { return true, sb.Reset(r.Context()) })
}

// dropAddedClients takes the clients added with "+ Клиент" off the page: a reset starts from the
// page's first look (one client). Their emulator users stay, unseen; new clients get new ids.
func (sb *Sandbox) dropAddedClients() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	kept := sb.personas[:0]
	first := true
	for _, p := range sb.personas {
		if p.Role == "client" {
			if !first {
				continue
			}
			first = false
		}
		kept = append(kept, p)
	}
	sb.personas = kept
}
