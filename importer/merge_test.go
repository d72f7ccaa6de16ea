package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
)

func (e *env) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := e.db.Exec(e.ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow(e.ctx, sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Records get what they lack; a differing value is a conflict and kept, unless overwriting;
// undo restores what the batch changed; a dry run changes nothing.
func TestClientsFillConflictOverwriteUndo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(t, `INSERT INTO clients (phone, name, lead_source) VALUES ('+79123456789', '', 'direct'), ('+79123456790', 'Анна', 'direct')`)
	file := "Телефон;ФИО;Согласие на рассылку\n89123456789;Иван;да\n89123456790;Анна Петрова;\n89123456791;Новый;\n"
	before := e.dump(t, dumpClients)
	dry := e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients, DryRun: true})
	if dry.BatchID != 0 || dry.New != 1 || dry.Updated != 1 || dry.Conflicts != 1 || e.dump(t, dumpClients) != before {
		t.Fatalf("dry run: %s, batch %d; records changed: %v", render(dry), dry.BatchID, e.dump(t, dumpClients) != before)
	}
	rep := e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients})
	if rep.New != 1 || rep.Updated != 1 || rep.Conflicts != 1 || rep.Unchanged != 0 {
		t.Fatalf("import: %s", render(rep))
	}
	p := rep.Problems[0]
	if !p.Conflict || p.Line != 3 || p.Column != "ФИО" || p.Value != "Анна Петрова" || p.Current != "Анна" || p.Code != importer.CodeConflict {
		t.Errorf("conflict = %+v", p)
	}
	want := "+79123456789 | Иван | direct | true | false | true\n+79123456790 | Анна | direct | false | false | true\n+79123456791 | Новый | import | false | false | true\n"
	if got := e.dump(t, dumpClients); got != want {
		t.Errorf("after import:\n%s\nwant:\n%s", got, want)
	}
	over := e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients, Overwrite: true})
	if over.Updated != 1 || over.Unchanged != 2 || over.Conflicts != 0 {
		t.Errorf("overwrite: %s", render(over))
	}
	if got := e.count(t, `SELECT count(*) FROM clients WHERE name = 'Анна Петрова'`); got != 1 {
		t.Error("overwrite did not replace the name")
	}
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, over.BatchID); err != nil {
		t.Fatal(err)
	}
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, rep.BatchID); err != nil {
		t.Fatal(err)
	}
	if got := e.dump(t, dumpClients); got != before {
		t.Errorf("after both undos:\n%s\nwant:\n%s", got, before)
	}
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, rep.BatchID); !errors.Is(err, crm.ErrImportUndone) {
		t.Errorf("second undo: %v", err)
	}
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, 999); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("undo of no batch: %v", err)
	}
}

// Undo refuses while an order uses a record the batch created, naming it.
func TestUndoRefusedWhenOrdersUsedRecords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cl := e.run(t, "c.csv", "Телефон;ФИО\n89123456789;Иван\n", importer.Options{Kind: importer.KindClients})
	veh := e.run(t, "v.csv", "Телефон;Госномер;Марка\n89123456789;А123ВС77;Lada\n", importer.Options{Kind: importer.KindVehicles})
	cat := e.run(t, "k.csv", "Артикул;Наименование;Цена;Остаток\nOIL;Масло;500;4\n", importer.Options{Kind: importer.KindCatalog})
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, cl.BatchID); !errors.Is(err, crm.ErrImportUsed) || !strings.Contains(err.Error(), "+79123456789") {
		t.Errorf("undo of clients with imported cars: %v", err)
	}
	e.exec(t, `INSERT INTO orders (branch_id, client_id, vehicle_id) SELECT (SELECT id FROM branches WHERE is_default), client_id, id FROM vehicles`)
	e.exec(t, `INSERT INTO order_lines (order_id, kind, item_id, name, unit, qty_milli, price) SELECT o.id, 'part', i.id, i.name, i.unit, 1000, i.price FROM orders o, catalog_items i`)
	for batch, name := range map[int64]string{veh.BatchID: "А123ВС77", cat.BatchID: "OIL"} {
		err := importer.Undo(e.ctx, e.svc, crm.Actor{}, batch)
		if !errors.Is(err, crm.ErrImportUsed) || !strings.Contains(err.Error(), name) {
			t.Errorf("undo of batch %d: %v, want ErrImportUsed naming %s", batch, err, name)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM import_batches WHERE undone_at IS NOT NULL`); n != 0 {
		t.Errorf("%d batches undone", n)
	}
}

// Opening stock is a receipt in the ledger; a differing stock is a conflict, with overwrite a
// correction; undo reverses the movements of existing items and removes created ones, and the
// cached sums equal the ledger throughout.
func TestCatalogStockThroughLedger(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ledgerOK := func(when string) {
		t.Helper()
		if n := e.count(t, `SELECT count(*) FROM catalog_items i WHERE on_hand_milli <> coalesce((SELECT sum(on_hand_delta) FROM stock_movements m WHERE m.item_id = i.id), 0)`); n != 0 {
			t.Errorf("%s: %d items disagree with the ledger", when, n)
		}
	}
	e.exec(t, `INSERT INTO catalog_items (kind, sku, name, unit, price) VALUES ('part', 'OLD', 'Старое', 'шт', 10000)`)
	file := "Артикул;Наименование;Цена;Остаток\nOLD;Старое;100;3\nNEW;Новое;200;5\n"
	rep := e.run(t, "k.csv", file, importer.Options{Kind: importer.KindCatalog})
	if rep.New != 1 || rep.Updated != 1 {
		t.Fatalf("import: %s", render(rep))
	}
	note := fmt.Sprintf("импорт №%d", rep.BatchID)
	if n := e.count(t, `SELECT count(*) FROM stock_movements WHERE kind = 'receipt' AND note = $1`, note); n != 2 {
		t.Errorf("%d receipts noting the batch, want 2", n)
	}
	ledgerOK("after import")
	changed := strings.Replace(file, "OLD;Старое;100;3", "OLD;Старое;100;7", 1)
	conf := e.run(t, "k.csv", changed, importer.Options{Kind: importer.KindCatalog})
	if conf.Conflicts != 1 || conf.Problems[0].Column != "Остаток" || conf.Problems[0].Current != "3" {
		t.Errorf("differing stock: %s", render(conf))
	}
	over := e.run(t, "k.csv", changed, importer.Options{Kind: importer.KindCatalog, Overwrite: true})
	if over.Updated != 1 || e.count(t, `SELECT on_hand_milli FROM catalog_items WHERE sku = 'OLD'`) != 7000 {
		t.Errorf("overwrite: %s", render(over))
	}
	ledgerOK("after overwrite")
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, over.BatchID); err != nil {
		t.Fatal(err)
	}
	if got := e.count(t, `SELECT on_hand_milli FROM catalog_items WHERE sku = 'OLD'`); got != 3000 {
		t.Errorf("after undo of the overwrite: on hand %d, want 3000", got)
	}
	// OLD was changed by a later batch, but that one is undone: allowed.
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, rep.BatchID); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, `SELECT count(*) FROM catalog_items WHERE sku = 'NEW'`); n != 0 {
		t.Errorf("the created item survived undo")
	}
	if got := e.count(t, `SELECT on_hand_milli FROM catalog_items WHERE sku = 'OLD'`); got != 0 {
		t.Errorf("after undo of the first import: on hand %d, want 0", got)
	}
	ledgerOK("after undo")
}

// Staff import only with crm.ActImport (owners and admins); the batch names them.
func TestImportPermission(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var admin, mech int64
	if err := e.db.QueryRow(e.ctx, `INSERT INTO staff (telegram_user_id, role, branch_id) VALUES (1, 'admin', (SELECT id FROM branches WHERE is_default)) RETURNING id`).Scan(&admin); err != nil {
		t.Fatal(err)
	}
	if err := e.db.QueryRow(e.ctx, `INSERT INTO staff (telegram_user_id, role, branch_id) VALUES (2, 'mechanic', (SELECT id FROM branches WHERE is_default)) RETURNING id`).Scan(&mech); err != nil {
		t.Fatal(err)
	}
	file := "Телефон\n89123456789\n"
	_, err := importer.Run(e.ctx, e.svc, "c.csv", strings.NewReader(file), importer.Options{Kind: importer.KindClients, Actor: crm.Actor{StaffID: mech, Role: crm.RoleMechanic}})
	if !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic: %v, want ErrForbidden", err)
	}
	rep := e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients, Actor: crm.Actor{StaffID: admin, Role: crm.RoleAdmin}})
	if n := e.count(t, `SELECT count(*) FROM import_batches WHERE id = $1 AND actor_kind = 'staff' AND actor_id = $2`, rep.BatchID, admin); n != 1 {
		t.Errorf("the batch does not name the admin")
	}
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{StaffID: mech}, rep.BatchID); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic's undo: %v", err)
	}
}

// Cancelling the context mid-file leaves nothing behind; progress is reported with the total.
func TestImportCancelledLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("Телефон;ФИО\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "8912%07d;Клиент %d\n", i, i)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	calls := 0
	_, err := importer.Run(ctx, e.svc, "c.csv", strings.NewReader(b.String()), importer.Options{Kind: importer.KindClients,
		Progress: func(done, total int) {
			calls++
			cancel() // at the first report, a row into the file

		}})
	if !errors.Is(err, context.Canceled) || calls == 0 {
		t.Errorf("cancelled import: %v", err)
	}
	if n := e.count(t, `SELECT count(*) FROM clients`) + e.count(t, `SELECT count(*) FROM import_batches`); n != 0 {
		t.Errorf("%d rows left behind", n)
	}
	var last [2]int
	rep, err := importer.Run(e.ctx, e.svc, "c.csv", strings.NewReader(b.String()), importer.Options{Kind: importer.KindClients,
		Progress: func(done, total int) { last = [2]int{done, total} }})
	if err != nil || rep.New != 20000 || last != [2]int{20000, 20000} {
		t.Errorf("import: %v, %d new, last progress %v", err, rep.New, last)
	}
}

// Files that cannot be read at all are ErrUnreadable, and change nothing.
func TestUnreadableFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, text := range map[string]string{
		"empty.csv":   "",
		"blank.csv":   "\n\n;;\n",
		"unknown.csv": "Цвет;Вкус\nкрасный;сладкий\n",
		"broken.xlsx": "PK\x03\x04 not a zip",
		"old.xls":     "\xd0\xcf\x11\xe0",
		"quoted.csv":  "\"Телефон\n",
	} {
		_, err := importer.Run(e.ctx, e.svc, name, strings.NewReader(text), importer.Options{Kind: importer.KindClients})
		if !errors.Is(err, importer.ErrUnreadable) {
			t.Errorf("%s: %v, want ErrUnreadable", name, err)
		}
	}
	_, err := importer.Run(e.ctx, e.svc, "c.xlsx", mustOpen(t, "testdata/clients.xlsx"), importer.Options{Kind: importer.KindClients, Sheet: "Нет такого"})
	if !errors.Is(err, importer.ErrUnreadable) || !strings.Contains(err.Error(), "Данные") {
		t.Errorf("missing sheet: %v", err)
	}
	if n := e.count(t, `SELECT count(*) FROM import_batches`); n != 0 {
		t.Errorf("%d batches", n)
	}
	rep, err := importer.Run(e.ctx, e.svc, "c.xlsx", mustOpen(t, "testdata/clients.xlsx"), importer.Options{Kind: importer.KindClients, Sheet: "Данные"})
	if err != nil || rep.New != 5 {
		t.Errorf("named sheet: %s, %v", render(rep), err)
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	return fh
}

// Excel's "Unicode text" (UTF-16 with a BOM, tab separated) and a Windows-1251 file from a
// reader that cannot seek (detected from its first megabyte) read as the UTF-8 sample does.
func TestUTF16AndUnseekableReaders(t *testing.T) {
	t.Parallel()
	want := ""
	for _, tc := range []struct {
		name string
		data func() []byte
	}{
		{"clients_utf8_bom_semicolon.csv", func() []byte { b, _ := os.ReadFile("testdata/clients_utf8_bom_semicolon.csv"); return b }},
		{"clients_cp1251_semicolon.csv", func() []byte { b, _ := os.ReadFile("testdata/clients_cp1251_semicolon.csv"); return b }},
		{"clients_utf16.txt", func() []byte {
			b, _ := os.ReadFile("testdata/clients_utf8_tab.tsv")
			u := []byte{0xff, 0xfe}
			for _, r := range string(b) {
				u = append(u, byte(r), byte(r>>8))
			}
			return u
		}},
	} {
		e := newEnv(t)
		// io.MultiReader hides Seek: detection works from the first megabyte.
		rep, err := importer.Run(e.ctx, e.svc, tc.name, io.MultiReader(bytes.NewReader(tc.data())), importer.Options{Kind: importer.KindClients})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := e.dump(t, dumpClients) + fmt.Sprint(rep.New, rep.Duplicate, rep.Rejected)
		if want == "" {
			want = got
		} else if got != want {
			t.Errorf("%s:\n%s\nwant:\n%s", tc.name, got, want)
		}
	}
}

// A car found by VIN or plate under another client is a conflict naming that client; with
// overwrite it moves to the file's owner (a car sold), and undo moves it back. A second reading
// of the same mileage is not added twice.
func TestVehicleOwnerConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, "c.csv", "Телефон\n89123456789\n89123456790\n", importer.Options{Kind: importer.KindClients})
	e.run(t, "v.csv", "Телефон;Госномер;VIN;Пробег\n89123456789;А123ВС77;XTA21099012345678;1000\n", importer.Options{Kind: importer.KindVehicles})
	sold := "Телефон;Госномер;VIN;Пробег\n89123456790;E777KX77;xta21099012345678;1000\n"
	rep := e.run(t, "v.csv", sold, importer.Options{Kind: importer.KindVehicles})
	if rep.Conflicts != 1 || len(rep.Problems) != 2 || rep.Problems[0].Code != importer.CodeOtherOwner || rep.Problems[0].Current != "+79123456789" {
		t.Fatalf("sold car: %s", render(rep))
	}
	before := e.dump(t, dumpVehicles)
	over := e.run(t, "v.csv", sold, importer.Options{Kind: importer.KindVehicles, Overwrite: true})
	after := e.dump(t, dumpVehicles)
	if over.Updated != 1 || !strings.HasPrefix(after, "+79123456790 | Е777КХ77 | XTA21099012345678") || strings.Count(after, "1000@") != 1 {
		t.Errorf("overwrite: %s\n%s", render(over), after)
	}
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, over.BatchID); err != nil {
		t.Fatal(err)
	}
	if got := e.dump(t, dumpVehicles); got != before {
		t.Errorf("after undo:\n%s\nwant:\n%s", got, before)
	}
}
