package pgtest_test

import (
	"context"
	"testing"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

func TestNewGivesMigratedIsolatedDatabases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := pgtest.New(t)
	b, dsnB := pgtest.New(t)
	if dsnB == "" {
		t.Fatal("empty DSN")
	}
	var n int
	if err := a.QueryRow(ctx, "SELECT count(*) FROM branches WHERE is_default").Scan(&n); err != nil {
		t.Fatalf("query migrated schema: %v", err)
	}
	if n != 1 {
		t.Fatalf("default branches = %d, want 1", n)
	}
	if _, err := a.Exec(ctx, "INSERT INTO branches (name) VALUES ('only in a')"); err != nil {
		t.Fatalf("insert: %v", err)
	}
	if err := b.QueryRow(ctx, "SELECT count(*) FROM branches").Scan(&n); err != nil {
		t.Fatalf("count in b: %v", err)
	}
	if n != 1 {
		t.Fatalf("database b sees %d branches, want 1: databases are not isolated", n)
	}
}
