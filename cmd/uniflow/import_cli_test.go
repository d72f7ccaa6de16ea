package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// The operator imports clients from a file: a dry run changes nothing, the apply prints the
// batch and writes the problems next to the file, a second run changes nothing, and undo takes
// the batch back out.
func TestImportCLI(t *testing.T) {
	t.Parallel()
	pool, dsn := pgtest.New(t)
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": dsn}[k] }
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"import"}, args...), getenv, &out)
		return out.String(), err
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "clients.csv")
	data := "\ufeffТелефон;ФИО\r\n8 (912) 345-67-89;Иванов Иван\r\nне телефон;Кто-то\r\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM clients`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	out, err := cli("clients", file, "--dry-run")
	if err != nil || !strings.Contains(out, "dry run") || !strings.Contains(out, "new 1,") || count() != 0 {
		t.Fatalf("dry run: %q, %v, %d clients", out, err, count())
	}
	out, err = cli("clients", "--branch", "main", file)
	if err != nil || !strings.Contains(out, "new 1,") || !strings.Contains(out, "rejected 1") || count() != 1 {
		t.Fatalf("import: %q, %v, %d clients", out, err, count())
	}
	problems, err := os.ReadFile(filepath.Join(dir, "clients.problems.csv"))
	if err != nil || !strings.HasPrefix(string(problems), "\ufeffСтрока;Столбец") || !strings.Contains(string(problems), "3;Телефон;не телефон;не номер телефона") {
		t.Errorf("problems file: %q, %v", problems, err)
	}
	batch := regexp.MustCompile(`import undo (\d+)`).FindStringSubmatch(out)
	if batch == nil {
		t.Fatalf("no batch in %q", out)
	}
	if out, err := cli("clients", file); err != nil || !strings.Contains(out, "new 0, updated 0, unchanged 1") {
		t.Errorf("second import: %q, %v", out, err)
	}
	// The file fixed, a run without problems leaves no problems file of an earlier run.
	if err := os.WriteFile(file, []byte("Телефон;ФИО\n8 (912) 345-67-89;Иванов Иван\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := cli("clients", file, "--dry-run"); err != nil || strings.Contains(out, "all problems") {
		t.Errorf("run without problems: %q, %v", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "clients.problems.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the earlier problems file is still there: %v", err)
	}
	if out, err := cli("undo", batch[1]); err != nil || !strings.Contains(out, "undone") || count() != 0 {
		t.Errorf("undo: %q, %v, %d clients", out, err, count())
	}
	if _, err := cli("undo", batch[1]); !errors.Is(err, crm.ErrImportUndone) {
		t.Errorf("second undo: %v, want ErrImportUndone", err)
	}
	if _, err := cli("clients", file, "--branch", "nowhere"); !errors.Is(err, crm.ErrNotFound) || !strings.Contains(err.Error(), "the shop's branches are main (add one with `uniflow branch add NAME`") {
		t.Errorf("unknown branch: %v", err)
	}
	if _, err := cli("cars", file); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("unknown kind: %v", err)
	}
}

// An undo refusal names the client in full on stdout (the operator owns the data; only the
// error line is redacted), and a file without the phone column says so once, not per row.
func TestImportCLIUndoNamesClientAndMissingColumn(t *testing.T) {
	t.Parallel()
	pool, dsn := pgtest.New(t)
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": dsn}[k] }
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"import"}, args...), getenv, &out)
		return out.String(), err
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "c1.csv")
	if err := os.WriteFile(file, []byte("Телефон;ФИО\n89123456789;Иван Петров\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := cli("clients", file)
	batch := regexp.MustCompile(`import undo (\d+)`).FindStringSubmatch(out)
	if err != nil || batch == nil {
		t.Fatalf("import: %q, %v", out, err)
	}
	if _, err := pool.Exec(context.Background(), `UPDATE clients SET telegram_user_id = 42`); err != nil {
		t.Fatal(err)
	}
	out, err = cli("undo", batch[1])
	if !errors.Is(err, crm.ErrImportUsed) || !strings.Contains(out, "client +79123456789 (Иван Петров) started the bot") {
		t.Errorf("undo of a batch with a linked client: %q, %v", out, err)
	}
	noPhone := filepath.Join(dir, "c2.csv")
	if err := os.WriteFile(noPhone, []byte("ФИО;Город\nИван;Москва\nПётр;Тверь\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = cli("clients", noPhone, "--dry-run")
	if err != nil || !strings.Contains(out, "the file has no column Телефон") || strings.Contains(out, "required value is empty") ||
		!strings.Contains(out, "rejected 2") {
		t.Errorf("no phone column: %q, %v", out, err)
	}
}
