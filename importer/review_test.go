package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
)

// The findings of the fresh tester's review of issue 8: each test reproduces one.

// problemsText renders the problems of a report, one a line, for error messages.
func problemsOf(rep importer.Report, code importer.Code) []importer.Problem {
	var out []importer.Problem
	for _, p := range rep.Problems {
		if p.Code == code {
			out = append(out, p)
		}
	}
	return out
}

// A1: a client who withdrew consent in the bot is never re-subscribed by an import, with or
// without --overwrite; the row is a conflict saying why. An unlinked client's consent still
// fills.
func TestImportNeverTurnsWithdrawnConsentOn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(t, `INSERT INTO clients (phone, name, marketing_consent, telegram_user_id, chat_id) VALUES ('+79123456789', 'Иван', false, 501, 501)`)
	e.exec(t, `INSERT INTO clients (phone, name, marketing_consent) VALUES ('+79123456790', 'Анна', false)`)
	file := "Телефон;ФИО;Согласие на рассылку\n89123456789;Иван;да\n89123456790;Анна;да\n"
	for _, overwrite := range []bool{false, true} {
		rep := e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients, Overwrite: overwrite})
		if got := e.count(t, `SELECT count(*) FROM clients WHERE phone = '+79123456789' AND marketing_consent`); got != 0 {
			t.Fatalf("overwrite %v: the withdrawn consent was turned on: %s", overwrite, render(rep))
		}
		if ps := problemsOf(rep, importer.CodeConsent); len(ps) != 1 || ps[0].Line != 2 || !ps[0].Conflict || rep.Conflicts != 1 {
			t.Errorf("overwrite %v: want one consent conflict on line 2: %s", overwrite, render(rep))
		}
	}
	if got := e.count(t, `SELECT count(*) FROM clients WHERE phone = '+79123456790' AND marketing_consent`); got != 1 {
		t.Error("an unlinked client's consent did not fill")
	}
	// An offer's Unsubscribe button counts as withdrawing too, linked or not.
	e.exec(t, `UPDATE clients SET telegram_user_id = NULL, chat_id = NULL WHERE phone = '+79123456789'`)
	e.exec(t, `INSERT INTO offers (client_id, kind, unsubscribed_at, created_at)
		SELECT id, 'repeat', now(), now() FROM clients WHERE phone = '+79123456789'`)
	rep := e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients})
	if got := e.count(t, `SELECT count(*) FROM clients WHERE phone = '+79123456789' AND marketing_consent`); got != 0 {
		t.Errorf("consent of a client who unsubscribed from an offer turned on: %s", render(rep))
	}
}

// A2: a client who used /forget_me does not come back with an old file: the row is refused
// saying why, and no new client is made.
func TestImportRefusesForgottenPhone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	file := "Телефон;ФИО;Согласие на рассылку\n89123456789;Иван;да\n"
	e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients})
	e.exec(t, `UPDATE clients SET telegram_user_id = 700, chat_id = 700 WHERE phone = '+79123456789'`)
	if err := e.svc.ForgetClient(e.ctx, 700); err != nil {
		t.Fatal(err)
	}
	rep := e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients})
	if rep.New != 0 || rep.Rejected != 1 || len(problemsOf(rep, importer.CodeForgotten)) != 1 {
		t.Errorf("import after forget_me: %s", render(rep))
	}
	if got := e.count(t, `SELECT count(*) FROM clients WHERE phone = '+79123456789' OR name = 'Иван'`); got != 0 {
		t.Errorf("the forgotten client is back: %d rows", got)
	}
	if got := e.count(t, `SELECT count(*) FROM forgotten_phones`); got != 1 {
		t.Errorf("forgotten_phones has %d rows", got)
	}
	// The same person starting the bot again is a client again: imports match them.
	e.exec(t, `INSERT INTO clients (phone, name, telegram_user_id, chat_id) VALUES ('+79123456789', '', 701, 701)`)
	rep = e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients})
	if rep.Updated != 1 || rep.Rejected != 0 {
		t.Errorf("import after the client came back: %s", render(rep))
	}
}

// A3: --overwrite does not move a car with an open order to another owner; the row is
// refused naming the order. A car whose orders are done moves.
func TestOverwriteKeepsOwnerOfCarWithOpenOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(t, `INSERT INTO clients (phone, name) VALUES ('+79120000300', 'Старый'), ('+79161110001', 'Новый')`)
	e.exec(t, `INSERT INTO vehicles (client_id, plate) SELECT id, 'К300КК77' FROM clients WHERE phone = '+79120000300'`)
	e.exec(t, `INSERT INTO orders (number, branch_id, client_id, vehicle_id, status)
		SELECT 1006, (SELECT id FROM branches WHERE is_default), client_id, id, 'in_progress' FROM vehicles`)
	file := "Телефон;Госномер\n+79161110001;К300КК77\n"
	rep := e.run(t, "steal.csv", file, importer.Options{Kind: importer.KindVehicles, Overwrite: true})
	ps := problemsOf(rep, importer.CodeOpenOrders)
	if rep.Updated != 0 || rep.Rejected != 1 || len(ps) != 1 || !strings.Contains(ps[0].Reason, "1006") {
		t.Fatalf("overwrite of a car with an open order: %s", render(rep))
	}
	if got := e.count(t, `SELECT count(*) FROM vehicles v JOIN clients c ON c.id = v.client_id WHERE c.phone = '+79120000300'`); got != 1 {
		t.Fatal("the car moved")
	}
	e.exec(t, `UPDATE orders SET status = 'closed'`)
	rep = e.run(t, "steal.csv", file, importer.Options{Kind: importer.KindVehicles, Overwrite: true})
	if rep.Updated != 1 {
		t.Errorf("overwrite of a car whose orders are closed: %s", render(rep))
	}
}

// A4: phones in scientific notation that lost digits are rejected with their own reason.
func TestImportRejectsPhonesThatLostDigits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rep := e.run(t, "c.csv", "Телефон;ФИО\n8.91235E+10;А\n9.12346E+09;Б\n\"8,91235E+10\";В\n7.9123456789E+10;Г\n",
		importer.Options{Kind: importer.KindClients})
	if rep.New != 1 || rep.Rejected != 3 || len(problemsOf(rep, importer.CodeDigitsLost)) != 3 {
		t.Errorf("report: %s", render(rep))
	}
	if got := e.dump(t, `SELECT phone FROM clients`); got != "+79123456789\n" {
		t.Errorf("clients: %q", got)
	}
}

// A5: a BOM settles UTF-8, and a mostly-UTF-8 file is read as UTF-8 with the rows that are
// not rejected, whatever language the headers are in.
func TestMostlyUTF8FileRejectsOnlyBadRows(t *testing.T) {
	t.Parallel()
	bad := "\xd1\xec\xe5\xf8\xed\xee\xe9" // "Смешной" in Windows-1251
	for name, text := range map[string]string{
		"latin.csv":    "Phone;Name\n89123456789;Смирнов\n89123456790;" + bad + "\n89123456791;Иванов\n",
		"cyrillic.csv": "Телефон;ФИО\n89123456789;Смирнов\n89123456790;" + bad + "\n89123456791;Иванов\n",
		"bom.csv":      "\ufeffPhone;Name\n89123456789;Smirnov\n89123456790;" + bad + "\n89123456791;Ivanov\n",
	} {
		e := newEnv(t)
		rep := e.run(t, name, text, importer.Options{Kind: importer.KindClients})
		ps := problemsOf(rep, importer.CodeEncoding)
		if rep.New != 2 || rep.Rejected != 1 || len(ps) != 1 || ps[0].Line != 3 || ps[0].Value != "Смешной" || len(rep.UnknownColumns) != 0 {
			t.Errorf("%s: %s", name, render(rep))
		}
		if got := e.count(t, `SELECT count(*) FROM clients WHERE name LIKE '%Р%' OR name LIKE '%Ð%'`); got != 0 {
			t.Errorf("%s: mojibake stored: %s", name, e.dump(t, dumpClients))
		}
	}
	// A Windows-1251 file is still read as one.
	e := newEnv(t)
	rep := e.run(t, "cp.csv", "\xd2\xe5\xeb\xe5\xf4\xee\xed;\xd4\xc8\xce\n89123456789;"+bad+"\n", importer.Options{Kind: importer.KindClients})
	if rep.New != 1 || e.dump(t, `SELECT name FROM clients`) != "Смешной\n" {
		t.Errorf("cp1251: %s", render(rep))
	}
}

// A6 and A8: text, tiny serials, last century's years and the future are not visit dates, each
// with its reason; a mileage reading that would run the odometer backwards is a conflict and not
// recorded, overwriting or not.
func TestVisitDatesAndMileage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(t, `INSERT INTO clients (phone) VALUES ('+79123456789')`)
	e.exec(t, `INSERT INTO vehicles (client_id, plate) SELECT id, 'А123ВС77' FROM clients`)
	e.exec(t, `INSERT INTO vehicle_mileage (vehicle_id, km, read_at) SELECT id, 45000, now() - interval '1 day' FROM vehicles`)
	today := time.Now()
	tomorrow := today.AddDate(0, 0, 2).Format("02.01.2006") // two days: whatever the zone
	file := "Телефон;Госномер;Пробег;Дата последнего визита\n" +
		"89123456789;А123ВС77;;3 декабря 2026\n" +
		"89123456789;А123ВС77;;1\n" +
		"89123456789;А123ВС77;;03.12.69\n" +
		"89123456789;А123ВС77;;" + tomorrow + "\n" +
		"89123456789;А123ВС77;;01.01.2030\n"
	rep := e.run(t, "v.csv", file, importer.Options{Kind: importer.KindVehicles})
	want := map[int]importer.Code{2: importer.CodeDate, 3: importer.CodeDateRange, 4: importer.CodeDateRange, 5: importer.CodeFuture, 6: importer.CodeFuture}
	if rep.Rejected != 5 || len(rep.Problems) != 5 {
		t.Fatalf("dates: %s", render(rep))
	}
	for _, p := range rep.Problems {
		if want[p.Line] != p.Code {
			t.Errorf("line %d: %s, want %s", p.Line, p.Code, want[p.Line])
		}
	}
	for _, overwrite := range []bool{false, true} {
		rep = e.run(t, "v.csv", "Телефон;Госномер;Пробег;Дата последнего визита\n89123456789;А123ВС77;40000;"+today.Format("02.01.2006")+"\n",
			importer.Options{Kind: importer.KindVehicles, Overwrite: overwrite})
		if ps := problemsOf(rep, importer.CodeMileage); len(ps) != 1 || !ps[0].Conflict || !strings.Contains(ps[0].Reason, "45000") {
			t.Errorf("overwrite %v: mileage backwards: %s", overwrite, render(rep))
		}
		if got := e.count(t, `SELECT count(*) FROM vehicle_mileage WHERE km = 40000`); got != 0 {
			t.Fatalf("overwrite %v: the lower reading was recorded", overwrite)
		}
	}
	rep = e.run(t, "v.csv", "Телефон;Госномер;Пробег\n89123456789;А123ВС77;47000\n", importer.Options{Kind: importer.KindVehicles})
	if rep.Updated != 1 || rep.Conflicts != 0 {
		t.Errorf("a higher reading: %s", render(rep))
	}
}

// A7: a row that fills a field and has a conflict counts as updated and as a conflict, and the
// report lists the field it filled next to the conflict.
func TestConflictingRowShowsWhatItFilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(t, `INSERT INTO clients (phone, name, is_company) VALUES ('+79123456791', 'Имя', false)`)
	file := "Телефон;ФИО;Компания\n+79123456791;Другое Имя;да\n"
	for _, dry := range []bool{true, false} {
		rep := e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients, DryRun: dry})
		filled := problemsOf(rep, importer.CodeFilled)
		if rep.Updated != 1 || rep.Conflicts != 1 || rep.Unchanged != 0 || len(problemsOf(rep, importer.CodeConflict)) != 1 ||
			len(filled) != 1 || filled[0].Column != "Компания" || filled[0].Value != "да" || filled[0].Current != "нет" {
			t.Errorf("dry run %v: %s", dry, render(rep))
		}
	}
}

// A9: CSV exports neutralise cells a spreadsheet would run as formulas, keep numbers (a phone's
// plus, a refund's minus) as they are, and import back to the same text.
func TestExportCSVNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	names := []string{`=HYPERLINK("http://evil";"click")`, "=1+2", "@SUM(1)", "+1+2", "-1+2", "Иван"}
	for i, n := range names {
		e.exec(t, `INSERT INTO clients (phone, name) VALUES ($1, $2)`, "+7912345678"+string(rune('0'+i)), n)
	}
	opt := importer.ExportOptions{Kind: importer.ExportClients, Format: importer.FormatCSV}
	out := exportCSV(t, e.svc, opt)
	rows := readCSV(t, out, ';')
	for _, r := range rows[1:] {
		if strings.ContainsAny(r[1][:1], "=+-@\t\r") || !strings.HasPrefix(r[0], "+7") {
			t.Errorf("row %q: a formula or a changed phone", r)
		}
	}
	to := newEnv(t)
	rep, err := importer.Run(context.Background(), to.svc, "c.csv", bytes.NewReader(out), importer.Options{Kind: importer.KindClients})
	if err != nil || rep.New != len(names) {
		t.Fatalf("import back: %s, %v", render(rep), err)
	}
	if got, want := to.dump(t, `SELECT name FROM clients ORDER BY phone`), strings.Join(names, "\n")+"\n"; got != want {
		t.Errorf("names back:\n%s\nwant:\n%s", got, want)
	}
	var problems bytes.Buffer
	rep = importer.Report{Problems: []importer.Problem{{Line: 2, Value: "=1+2"}}}
	if err := rep.WriteProblemsCSV(&problems); err != nil || strings.Contains(problems.String(), ";=1+2") {
		t.Errorf("problems file: %q, %v", problems.String(), err)
	}
}

// B1: one car twice in a file, by plate and by VIN, is an in-file duplicate (no SQL error), and
// its mileage is applied once.
func TestSameCarByPlateAndVINIsDuplicate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(t, `INSERT INTO clients (phone) VALUES ('+79123456789')`)
	e.exec(t, `INSERT INTO vehicles (client_id, plate, vin) SELECT id, 'А123ВС77', 'XTA21099012345678' FROM clients`)
	d := time.Now().AddDate(0, 0, -1).Format("02.01.2006")
	for _, file := range []string{
		"Телефон;Госномер;VIN;Дата последнего визита\n89123456789;А123ВС77;;" + d + "\n89123456789;;XTA21099012345678;" + d + "\n",
		"Телефон;Госномер;VIN;Пробег\n89123456789;А123ВС77;;50000\n89123456789;;XTA21099012345678;50100\n",
	} {
		for _, dry := range []bool{true, false} {
			rep, err := importer.Run(e.ctx, e.svc, "v.csv", strings.NewReader(file), importer.Options{Kind: importer.KindVehicles, DryRun: dry})
			if err != nil {
				t.Fatalf("dry %v: %v", dry, err)
			}
			dup := problemsOf(rep, importer.CodeDuplicate)
			if rep.Duplicate != 1 || rep.Updated+rep.Unchanged != 1 || len(dup) != 1 || dup[0].Line != 3 || dup[0].Column != "VIN" {
				t.Errorf("dry %v: %s", dry, render(rep))
			}
		}
	}
	if got := e.count(t, `SELECT count(*) FROM vehicle_mileage`); got != 1 {
		t.Errorf("%d readings, want 1", got)
	}
}

// The duplicate lines name the column that repeats: a catalog item's name, a car's VIN.
func TestDuplicateNamesItsColumn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rep := e.run(t, "cat.csv", "Артикул;Наименование;Цена;Тип\n;Диагностика;1000;услуга\n;ДИАГНОСТИКА;1000;услуга\n",
		importer.Options{Kind: importer.KindCatalog})
	if dup := problemsOf(rep, importer.CodeDuplicate); len(dup) != 1 || dup[0].Column != "Наименование" {
		t.Errorf("catalog: %s", render(rep))
	}
	e.exec(t, `INSERT INTO clients (phone) VALUES ('+79123456789')`)
	rep = e.run(t, "v.csv", "Телефон;Госномер;VIN\n89123456789;А123ВС77;XTA21099012345678\n89123456789;В456ОР77;XTA21099012345678\n",
		importer.Options{Kind: importer.KindVehicles})
	if dup := problemsOf(rep, importer.CodeDuplicate); len(dup) != 1 || dup[0].Column != "VIN" || dup[0].Value != "XTA21099012345678" {
		t.Errorf("vehicles: %s", render(rep))
	}
	_ = crm.ErrNotFound
}

// A file without a mandatory column says so once (MissingColumns), with no problem per row;
// progress counts the data rows, not the header.
func TestMissingColumnAndProgressTotal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rep := e.run(t, "c.csv", "ФИО;Город\nИван;Москва\nПётр;Тверь\n", importer.Options{Kind: importer.KindClients})
	if rep.Rejected != 2 || len(rep.Problems) != 0 || len(rep.MissingColumns) != 1 || rep.MissingColumns[0] != "Телефон" {
		t.Errorf("no phone column: %s missing %q", render(rep), rep.MissingColumns)
	}
	rep = e.run(t, "v.csv", "Телефон;Марка\n89123456789;Kia\n", importer.Options{Kind: importer.KindVehicles})
	if len(rep.MissingColumns) != 1 || rep.MissingColumns[0] != "Госномер / VIN" {
		t.Errorf("no plate or VIN column: missing %q", rep.MissingColumns)
	}
	var b strings.Builder
	b.WriteString("Телефон;ФИО\n")
	for i := range 3000 {
		b.WriteString(fmt.Sprintf("+7913%07d;К\n", i))
	}
	path := filepath.Join(t.TempDir(), "p.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	first := -1
	_, err := importer.Run(e.ctx, e.svc, "p.csv", mustOpen(t, path), importer.Options{Kind: importer.KindClients, DryRun: true,
		Progress: func(done, total int) {
			if first < 0 {
				first = total
			}
		}})
	if err != nil || first != 3000 {
		t.Errorf("progress of 3000 rows counts to %d: %v", first, err)
	}
}

// Binary junk is "not a table", an old workbook under another name is told as such, an .xlsx
// renamed .csv is read as the workbook it is, and without --sheet the sheet with a known header
// is read, not a cover sheet before it.
func TestNotATableAndSheetWithData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, data := range map[string]string{
		"junk.csv": "\x00\x01\x02\xff\xfe junk \x00\x00",
		"pic.csv":  "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
	} {
		_, err := importer.Run(e.ctx, e.svc, name, strings.NewReader(data), importer.Options{Kind: importer.KindClients})
		if !errors.Is(err, importer.ErrNotTable) || !errors.Is(err, importer.ErrUnreadable) || !strings.Contains(err.Error(), "not a table") {
			t.Errorf("%s: %v, want ErrNotTable", name, err)
		}
	}
	if _, err := importer.Run(e.ctx, e.svc, "old.csv", strings.NewReader("\xd0\xcf\x11\xe0 old"), importer.Options{Kind: importer.KindClients}); !errors.Is(err, importer.ErrOldExcel) {
		t.Errorf("old workbook renamed .csv: %v", err)
	}
	x := excelize.NewFile()
	x.SetCellValue("Sheet1", "A1", "Клиенты салона, выгрузка 2026")
	x.NewSheet("Данные")
	x.SetSheetRow("Данные", "A1", &[]any{"Телефон", "ФИО"})
	x.SetSheetRow("Данные", "A2", &[]any{"89123456789", "Иван"})
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	x.Close()
	for _, name := range []string{"book.xlsx", "renamed.csv"} {
		rep, err := importer.Run(e.ctx, e.svc, name, bytes.NewReader(buf.Bytes()), importer.Options{Kind: importer.KindClients, DryRun: true})
		if err != nil || rep.New != 1 {
			t.Errorf("%s: %s, %v", name, render(rep), err)
		}
	}
	// A workbook with no known header anywhere names its sheets.
	y := excelize.NewFile()
	y.SetCellValue("Sheet1", "A1", "Цвет")
	y.NewSheet("Прочее")
	buf.Reset()
	y.WriteTo(&buf)
	y.Close()
	if _, err := importer.Run(e.ctx, e.svc, "none.xlsx", bytes.NewReader(buf.Bytes()), importer.Options{Kind: importer.KindClients}); err == nil || !strings.Contains(err.Error(), "Sheet1, Прочее") {
		t.Errorf("no known header: %v", err)
	}
}

// Dry runs use up no batch numbers, and a huge value is shown cut, with its length.
func TestDryRunsKeepBatchNumbersAndLongValuesCut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.run(t, "c.csv", "Телефон;ФИО\n89123456788;Анна\n", importer.Options{Kind: importer.KindClients})
	file := "Телефон;ФИО\n89123456789;Иван\n89123456790;" + strings.Repeat("Я", 2<<20) + "\n"
	for range 3 {
		e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients, DryRun: true})
	}
	rep := e.run(t, "c.csv", file, importer.Options{Kind: importer.KindClients})
	if rep.BatchID != first.BatchID+1 {
		t.Errorf("batch %d after batch %d and three dry runs", rep.BatchID, first.BatchID)
	}
	if len(rep.Problems) != 1 || len(rep.Problems[0].Value) > 1000 || !strings.HasSuffix(rep.Problems[0].Value, "(2097152 characters)") {
		t.Errorf("long value: %d problems, value of %d bytes", len(rep.Problems), len(rep.Problems[0].Value))
	}
}

// A dry run reports what applying does for every kind (its batch has a number no real one has).
func TestDryRunMatchesApplyForEveryKind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(t, `INSERT INTO clients (phone) VALUES ('+79123456789')`)
	for _, tc := range []struct {
		kind importer.Kind
		file string
	}{
		{importer.KindClients, "Телефон;ФИО\n89123456780;Новый\n"},
		{importer.KindVehicles, "Телефон;Госномер;Пробег\n89123456789;А123ВС777;61250\n"},
		{importer.KindCatalog, "Артикул;Наименование;Цена;Остаток\nOIL;Масло;100;5\n"},
	} {
		dry := e.run(t, "f.csv", tc.file, importer.Options{Kind: tc.kind, DryRun: true})
		rep := e.run(t, "f.csv", tc.file, importer.Options{Kind: tc.kind})
		if dry.New != 1 || rep.New != 1 {
			t.Errorf("%s: dry run %s\napply %s", tc.kind, render(dry), render(rep))
		}
	}
}

// --branch puts a catalog's opening stock on that branch's shelf (stock is per branch), and
// undo takes it off the same shelf.
func TestCatalogStockOnTheBatchBranch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	north, err := e.svc.AddBranch(e.ctx, "Северный")
	if err != nil {
		t.Fatal(err)
	}
	e.exec(t, `INSERT INTO catalog_items (kind, sku, name, unit, price) VALUES ('part', 'FLT', 'Фильтр', 'шт', 10000)`)
	file := "Артикул;Наименование;Цена;Остаток\nOIL;Масло;100;5\nFLT;Фильтр;100;3\n"
	rep := e.run(t, "cat.csv", file, importer.Options{Kind: importer.KindCatalog, BranchID: north.ID})
	if rep.New != 1 || rep.Updated != 1 {
		t.Fatalf("import: %s", render(rep))
	}
	if got := e.count(t, `SELECT count(*) FROM stock_movements WHERE branch_id = $1`, north.ID); got != 2 {
		t.Errorf("%d receipts on the batch's branch, want 2: %s", got, e.dump(t, `SELECT item_id, branch_id, on_hand_delta FROM stock_movements`))
	}
	if err := importer.Undo(e.ctx, e.svc, crm.Actor{}, rep.BatchID); err != nil {
		t.Fatal(err)
	}
	if got := e.count(t, `SELECT coalesce(sum(on_hand_delta), 0)::int FROM stock_movements WHERE branch_id = $1`, north.ID); got != 0 {
		t.Errorf("after undo the branch holds %d", got)
	}
	// Each branch's file is its own shelf: the default branch's was empty, so the same file
	// for it is its opening stock, and the north file again changes nothing.
	e = newEnv(t)
	if north, err = e.svc.AddBranch(e.ctx, "Северный"); err != nil {
		t.Fatal(err)
	}
	e.exec(t, `INSERT INTO catalog_items (kind, sku, name, unit, price) VALUES ('part', 'FLT', 'Фильтр', 'шт', 10000)`)
	e.run(t, "cat.csv", file, importer.Options{Kind: importer.KindCatalog, BranchID: north.ID})
	main := e.run(t, "cat.csv", file, importer.Options{Kind: importer.KindCatalog})
	if main.Updated != 2 || main.Conflicts != 0 {
		t.Errorf("import for the default branch: %s", render(main))
	}
	if got := e.count(t, `SELECT coalesce(sum(on_hand_delta), 0)::int / 1000 FROM stock_movements m JOIN branches b ON b.id = m.branch_id WHERE b.is_default`); got != 8 {
		t.Errorf("the default branch holds %d, want 5 + 3", got)
	}
	again := e.run(t, "cat.csv", file, importer.Options{Kind: importer.KindCatalog, BranchID: north.ID})
	if again.Updated != 0 || again.Conflicts != 0 || again.Unchanged != 2 {
		t.Errorf("the north file again: %s", render(again))
	}
}
