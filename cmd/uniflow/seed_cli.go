package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/uniflow-crm/uniflow/internal/benchseed"
	"github.com/uniflow-crm/uniflow/migrations"
)

const seedUsage = `usage:
  uniflow seed [--clients 200000] [--orders 1000000]

Fills an empty database (DATABASE_URL) with a made-up shop for demos and benchmarks: three years of
orders up to now with lead sources, seasonality, repeat clients, mechanics, late payers and offers
(internal/benchseed). It refuses a database that already holds clients, staff or orders.
`

// runSeed fills a fresh database with benchseed's story shop.
func runSeed(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stdout)
	clients := fs.Int("clients", benchseed.Clients, "clients to make")
	orders := fs.Int("orders", benchseed.Orders, "orders to make")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("seed: %w\n\n%s", err, seedUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("seed: unexpected arguments %q\n\n%s", fs.Args(), seedUsage)
	}
	if *clients < 1 || *clients > 10_000_000 || *orders < 1 || *orders > 50_000_000 {
		return fmt.Errorf("seed: want 1 to 10,000,000 clients and 1 to 50,000,000 orders, got %d and %d", *clients, *orders)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if err := migrations.ApplyLogged(ctx, cfg.DatabaseURL, newLogger(io.Discard, cfg)); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	pool, err := connectPostgres(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	// The generator counts on ids from 1 (client i has car i): only a database nothing was ever
	// written to will do.
	var used bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clients) OR EXISTS (SELECT 1 FROM staff)
		OR EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM catalog_items)`).Scan(&used); err != nil {
		return fmt.Errorf("seed: look at the database: %w", err)
	}
	if used {
		return errors.New("seed: the database already holds a shop; seed an empty one (createdb, then uniflow seed)")
	}
	start := time.Now()
	if err := benchseed.Seed(ctx, pool, benchseed.Size{Clients: *clients, Orders: *orders, Now: time.Now(), Story: true}); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	seeded := time.Since(start)
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return fmt.Errorf("seed: vacuum analyze: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "seeded %d clients and %d orders in %s (analyzed in %s more)\n",
		*clients, *orders, seeded.Round(time.Millisecond), (time.Since(start) - seeded).Round(time.Millisecond))
	return err
}
