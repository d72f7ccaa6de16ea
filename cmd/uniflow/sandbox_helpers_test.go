package main

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/uniflow-crm/uniflow/sandbox"
)

// dropSandboxDatabase removes, after the test, the sandbox database a run with no token makes
// next to the test's own database (sandbox.Database).
func dropSandboxDatabase(t *testing.T, dsn string) {
	t.Helper()
	name, err := sandbox.DatabaseName(dsn)
	if err != nil {
		t.Fatalf("sandbox database of %s: %v", dsn, err)
	}
	t.Cleanup(func() {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Errorf("parse %s: %v", dsn, err)
			return
		}
		u.Path = "/postgres"
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, u.String())
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
}
