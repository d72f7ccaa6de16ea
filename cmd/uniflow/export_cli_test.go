package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// The operator exports at the shell: a file per table, CSV for Russian Excel or XLSX, orders
// bounded by the shop's days.
func TestExportCLI(t *testing.T) {
	t.Parallel()
	pool, dsn := pgtest.New(t)
	if _, err := pool.Exec(context.Background(), `
INSERT INTO staff (telegram_user_id, name, role, branch_id) VALUES (2, 'Ольга', 'owner', 1);
INSERT INTO clients (phone, name) VALUES ('+79120000001', 'Иван'), ('+79120000002', 'Пётр');
INSERT INTO vehicles (client_id, make, model, plate) VALUES (1, 'Kia', 'Rio', 'А123ВС777'), (2, 'Lada', 'Vesta', 'В002ВВ77');
INSERT INTO orders (branch_id, client_id, vehicle_id, status, created_at) VALUES
  (1, 1, 1, 'new', '2026-11-30 23:59+03'), (1, 2, 2, 'accepted', '2026-12-01 00:01+03');
INSERT INTO payments (order_id, amount, method, recorded_by) VALUES (2, 150050, 'cash', 1);`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := map[string]string{"DATABASE_URL": dsn, "SHOP_TIMEZONE": "Europe/Moscow"}
	cli := func(extra map[string]string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"export"}, args...), func(k string) string {
			if v, ok := extra[k]; ok {
				return v
			}
			return env[k]
		}, &out)
		return out.String(), err
	}

	file := filepath.Join(dir, "clients.csv")
	out, err := cli(nil, "clients", "--out", file)
	if err != nil || !strings.Contains(out, "clients: 2 rows written to "+file) {
		t.Fatalf("export clients: %q, %v", out, err)
	}
	data, _ := os.ReadFile(file)
	if want := "\uFEFFТелефон;ФИО;Источник;Согласие на рассылку;Компания\r\n+79120000001;Иван;direct;нет;нет\r\n"; !strings.HasPrefix(string(data), want) {
		t.Errorf("clients.csv starts %q, want %q", data, want)
	}

	// The shop set tab once; --sep overrides it for one export; stdout with "-".
	out, err = cli(map[string]string{"CSV_SEPARATOR": "tab"}, "payments", "--format", "csv", "--out", "-")
	if err != nil || !strings.Contains(out, "Дата\tЗаказ\tСумма\tСпособ\r\n") || !strings.Contains(out, "\t1002\t1500,50\tналичные\r\n") {
		t.Errorf("payments with CSV_SEPARATOR=tab: %q, %v", out, err)
	}
	out, err = cli(map[string]string{"CSV_SEPARATOR": "tab"}, "payments", "--format", "csv", "--out", "-", "--sep", ",")
	if err != nil || !strings.Contains(out, "Дата,Заказ,Сумма,Способ") {
		t.Errorf("--sep ,: %q, %v", out, err)
	}

	// 01.12 in Moscow: only the order made a minute after midnight.
	xlsx := filepath.Join(dir, "orders.xlsx")
	if out, err := cli(nil, "orders", "--from", "01.12.26", "--to", "2026-12-01", "--out", xlsx); err != nil || !strings.Contains(out, "1 rows") {
		t.Fatalf("export orders: %q, %v", out, err)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatalf("excelize cannot open %s: %v", xlsx, err)
	}
	defer f.Close()
	rows, err := f.GetRows("Заказы")
	if err != nil || len(rows) != 2 || rows[1][0] != "1002" || rows[1][2] != "принят" || rows[1][1] != "01.12.2026" {
		t.Errorf("orders.xlsx rows %q, %v", rows, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the directory holds %d files, want 2 (no temporary leftovers)", len(entries))
	}

	for _, tc := range []struct {
		extra map[string]string
		args  []string
		want  string
	}{
		{nil, nil, "what to export is required"},
		{nil, []string{"staff"}, `unknown table "staff"`},
		{nil, []string{"clients", "--from", "01.12.2026"}, "bound orders and payments only"},
		{nil, []string{"orders", "--from", "2026-13-01"}, "--from: want a day as DD.MM.YYYY"},
		{nil, []string{"orders", "--from", "02.12.2026", "--to", "01.12.2026"}, "is after --to"},
		{nil, []string{"orders", "--format", "ods"}, "--format: want csv or xlsx"},
		{nil, []string{"vehicles", "--format", "csv", "--out", filepath.Join(dir, "v.xlsx")}, "--format csv does not match --out"},
		{nil, []string{"vehicles", "--format", "xlsx", "--out", filepath.Join(dir, "v.csv")}, "--format xlsx does not match --out"},
		{nil, []string{"orders", "--sep", "|"}, `--sep: want ";", "," or "tab"`},
		{map[string]string{"CSV_SEPARATOR": "|"}, []string{"orders"}, "CSV_SEPARATOR: want"},
		{nil, []string{"orders", "--out", filepath.Join(dir, "no", "such", "dir.csv")}, "export orders:"},
	} {
		if _, err := cli(tc.extra, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("export %q: %v, want %q", tc.args, err, tc.want)
		}
	}
}
