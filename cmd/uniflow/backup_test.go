package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// The README's backup and restore, as documented ("Backups"), performed on a scratch database:
// a shop with a booking made through the bot and a closed order is dumped, restored into an
// empty database, and every table holds the same rows.
const (
	readmeDump    = `pg_dump --format=custom --file="$BACKUP" "$DATABASE_URL"`
	readmeRestore = `pg_restore --no-owner --exit-on-error --dbname="$RESTORE_URL" "$BACKUP"`
)

func TestBackupRestoresTheSameRows(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Fatalf("pg_dump not found (.ci/run installs PostgreSQL with its client tools): %v", err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{readmeDump, readmeRestore} {
		if !strings.Contains(string(readme), cmd) {
			t.Errorf("README no longer documents %s", cmd)
		}
	}

	h := newHarness(t, tgemu.Options{}, nil)
	h.start()
	u := h.emu.NewUser(tgemu.UserOptions{FirstName: "Anna", LanguageCode: "ru"})
	h.book(u, langs[0], "+79161234567", "Анна", "Kia Rio", "стучит подвеска")
	h.seedVisit(h.emu.NewUser(tgemu.UserOptions{FirstName: "Ольга"}), 30)
	h.stop()

	restoreURL := pgtest.NewEmpty(t)
	sh := exec.Command("sh", "-ec", readmeDump+"\n"+readmeRestore)
	sh.Env = append(os.Environ(), "BACKUP="+filepath.Join(t.TempDir(), "uniflow.dump"),
		"DATABASE_URL="+h.env["DATABASE_URL"], "RESTORE_URL="+restoreURL)
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("dump and restore: %v\n%s", err, out)
	}

	restored, err := pgxpool.New(t.Context(), restoreURL)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	want, got := tableCounts(t, h.pool), tableCounts(t, restored)
	if len(want) < 10 {
		t.Fatalf("only %d tables in the original: %v", len(want), want)
	}
	var rows int64
	for table, n := range want {
		rows += n
		if got[table] != n {
			t.Errorf("%s: %d rows restored, want %d", table, got[table], n)
		}
	}
	if want["orders"] < 2 || want["clients"] < 2 || want["order_events"] < 2 {
		t.Errorf("the shop was not seeded: %v", want)
	}
	t.Logf("%d tables, %d rows restored", len(want), rows)
}

// tableCounts is the number of rows of every table of the public schema.
func tableCounts(t *testing.T, pool *pgxpool.Pool) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, table := range tables {
		var n int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}
