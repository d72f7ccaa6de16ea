package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// clientsCSV is a small file as Russian Excel saves it: a BOM, ";", and phones as people write them.
const clientsCSV = "\uFEFFТелефон;ФИО;Согласие на рассылку\r\n" +
	"8 (912) 345-67-89;Иван Петров;да\r\n" +
	"+7 912 000 11 22;Пётр Сидоров;нет\r\n" +
	"не телефон;Кто-то;да\r\n"

// The owner sends a CSV: the dry-run report and its problems file come first and change
// nothing; Import writes the clients and names the batch; Undo removes them again.
func TestImportFromTheBot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("ru")
	h.start()
	c := owner.Chat()
	sent := owner.SendDocument("clients.csv", []byte(clientsCSV), "")
	report := h.next(c, sent.ID, "Проверка")
	for _, want := range []string{"строк: 3", "новых: 2", "отклонено: 1", "строка 4", "не номер телефона", "Загрузить?"} {
		if !strings.Contains(report.Text, want) {
			t.Errorf("the report lacks %q:\n%s", want, report.Text)
		}
	}
	if n := h.count(`SELECT count(*) FROM clients`); n != 0 {
		t.Errorf("the dry run wrote %d clients", n)
	}
	problems, data := h.awaitDocument(c, sent.ID)
	if problems.FileName != "clients-problems.xlsx" {
		t.Errorf("problems file %q", problems.FileName)
	}
	if f, err := excelize.OpenReader(bytes.NewReader(data)); err != nil {
		t.Errorf("the problems file does not open: %v", err)
	} else {
		rows, _ := f.GetRows(f.GetSheetList()[0])
		if len(rows) != 2 || rows[1][0] != "4" || rows[1][2] != "не телефон" {
			t.Errorf("problems rows %q", rows)
		}
		f.Close()
	}

	apply := buttonData(t, report, "Загрузить")
	h.press(owner, report, "Загрузить")
	done := h.card(c, report.ID, "Загружено")
	// A second press of the old button says the file is in, and which batch (finding 9: it said
	// "no longer current, send the file again").
	id, err := owner.PressData(report, apply)
	if err != nil {
		t.Fatal(err)
	}
	var batch int64
	if err := h.pool.QueryRow(context.Background(), `SELECT max(id) FROM import_batches`).Scan(&batch); err != nil {
		t.Fatal(err)
	}
	if a := h.answered(id); !a.ShowAlert || !strings.Contains(a.Text, "уже загружен") || !strings.Contains(a.Text, "№"+itoa64(batch)) {
		t.Errorf("a second Apply answered %+v, want the file already imported as batch %d", a, batch)
	}
	if n := h.count(`SELECT count(*) FROM clients WHERE phone IN ('+79123456789', '+79120001122')`); n != 2 {
		t.Errorf("%d clients imported, want 2\n%s", n, c.Transcript())
	}
	if n := h.count(`SELECT count(*) FROM clients WHERE phone = '+79123456789' AND name = 'Иван Петров' AND marketing_consent`); n != 1 {
		t.Errorf("Иван is not as the file says")
	}
	if !strings.Contains(done.Text, "пакет №") || !strings.Contains(done.Text, "новых: 2") {
		t.Errorf("the result: %q", done.Text)
	}
	// Undo asks first; "No" puts the button back and removes nothing.
	h.answered(h.press(owner, done, "Отменить пакет"))
	ask := h.button(c, done.ID, "Да, отменить")
	h.answered(h.press(owner, ask, "Нет, оставить"))
	done = h.button(c, done.ID, "Отменить пакет")
	if n := h.count(`SELECT count(*) FROM clients`); n != 2 {
		t.Fatalf("%d clients after No", n)
	}
	// While an order uses an imported client, the batch stays, and the refusal says which
	// client and why; so does a client who started the bot (not "used by orders").
	h.exec(`INSERT INTO vehicles (client_id, make) SELECT id, 'Kia' FROM clients WHERE phone = '+79123456789';
INSERT INTO orders (branch_id, client_id, vehicle_id) SELECT 1, client_id, id FROM vehicles`)
	undo := func() tgemu.CallbackAnswer {
		h.answered(h.press(owner, done, "Отменить пакет"))
		a := h.answered(h.press(owner, h.button(c, done.ID, "Да, отменить"), "Да, отменить"))
		done = h.button(c, done.ID, "Отменить пакет")
		return a
	}
	if a := undo(); !strings.Contains(a.Text, "нельзя отменить: клиент +79123456789 (Иван Петров) уже есть в заказах") || !a.ShowAlert {
		t.Errorf("undo of a batch used by orders: %+v", a)
	}
	h.exec(`DELETE FROM orders; DELETE FROM vehicles; UPDATE clients SET telegram_user_id = 9001 WHERE phone = '+79120001122'`)
	if a := undo(); !strings.Contains(a.Text, "клиент +79120001122 (Пётр Сидоров) уже подключился к боту") {
		t.Errorf("undo of a batch with a linked client: %+v", a)
	}
	h.exec(`UPDATE clients SET telegram_user_id = NULL`)
	h.answered(h.press(owner, done, "Отменить пакет"))
	id = h.press(owner, h.button(c, done.ID, "Да, отменить"), "Да, отменить")
	h.answered(id)
	h.next(c, done.ID, "отменён")
	h.waitCount(0, `SELECT count(*) FROM clients`)
	if _, err := c.Await(awaitTimeout, func(m tgemu.Message) bool { return m.ID == done.ID && len(m.Inline) == 0 }); err != nil {
		t.Errorf("the undone batch keeps its Undo button: %v", err)
	}
	h.noRejections()
}

// A file whose name does not say what it holds is told by its header row; when that does not
// say either (phones only: clients or vehicles?), the bot asks. Cancel leaves the database as it
// was. English for an English Telegram.
func TestImportAsksKindAndCancels(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("en")
	h.start()
	c := owner.Chat()
	sent := owner.SendDocument("export 2026.csv", []byte("Phone\n+79123456789\n"), "")
	ask := h.next(c, sent.ID, "What is in")
	h.press(owner, ask, "Clients")
	report := h.card(c, ask.ID, "Check of")
	if !strings.Contains(report.Text, "(clients)") || !strings.Contains(report.Text, "new: 1") {
		t.Errorf("report: %q", report.Text)
	}
	h.press(owner, report, "Cancel")
	if m := h.card(c, report.ID, "cancelled"); len(m.Inline) != 0 {
		t.Errorf("the cancelled import keeps buttons: %v", m.Inline)
	}
	if n := h.count(`SELECT count(*) FROM clients`); n != 0 {
		t.Errorf("cancel wrote %d clients", n)
	}

	// An .xlsx named after nothing, with a vehicles header: checked as vehicles without a question.
	h.exec(`INSERT INTO clients (phone, name) VALUES ('+79123456789', 'Ivan')`)
	x := excelize.NewFile()
	for i, row := range [][]any{{"Телефон", "Госномер", "Марка", "Пробег"}, {"+7 912 345-67-89", "a123bc777", "Kia", 61250}} {
		if err := x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	var book bytes.Buffer
	if _, err := x.WriteTo(&book); err != nil {
		t.Fatal(err)
	}
	sent = owner.SendDocument("Book1.xlsx", book.Bytes(), "")
	report = h.next(c, sent.ID, "Check of")
	if !strings.Contains(report.Text, "(vehicles)") || !strings.Contains(report.Text, "new: 1") {
		t.Errorf("the vehicles workbook: %q", report.Text)
	}
	h.press(owner, report, "Import")
	h.card(c, report.ID, "Imported")
	if n := h.count(`SELECT count(*) FROM vehicles WHERE plate = 'А123ВС777' AND make = 'Kia'`); n != 1 {
		t.Errorf("%d vehicles imported from the workbook, want 1", n)
	}
	h.noRejections()
}

// Files that are no table get a clear message and nothing else.
func TestImportRefusesBadFiles(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("ru")
	h.start()
	c := owner.Chat()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"photo.png", []byte("\x89PNG\r\n\x1a\n fake"), "Это не таблица CSV или XLSX"},
		{"old.xls", []byte("\xd0\xcf\x11\xe0 old excel"), "Старый формат .xls"},
		{"clients.csv", nil, "Файл пустой"},
		{"clients.csv", []byte("\x00\x01\x02\xff\xfe junk \x00\x00"), "Это не таблица CSV или XLSX"},
		{"data.csv", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR a picture renamed"), "Это не таблица CSV или XLSX"},
		{"clients.csv", []byte("\xd0\xcf\x11\xe0 old excel renamed"), "Старый формат .xls"},
		{"clients.xlsx", []byte("PK\x03\x04 not really a zip"), "Не могу прочитать"},
		{"clients.csv", make([]byte, 20<<20+1), "больше 20 МБ"},
	} {
		sent := owner.SendDocument(tc.name, tc.data, "")
		h.next(c, sent.ID, tc.want)
	}
	// No phone column: every row is rejected, and the report says which columns are needed.
	sent := owner.SendDocument("clients.csv", []byte("ФИО;Город\nИван;Москва\n"), "")
	report := h.next(c, sent.ID, "Проверка")
	if !strings.Contains(report.Text, "отклонено: 1") || !strings.Contains(report.Text, "нужны столбцы Телефон") ||
		!strings.Contains(report.Text, "Загружать нечего") || len(report.Inline) != 0 {
		t.Errorf("no phone column: %q %v", report.Text, report.Inline)
	}
	if n := h.count(`SELECT count(*) FROM clients`); n != 0 {
		t.Errorf("%d clients from bad files", n)
	}
	h.noRejections()
}

// A mechanic's file is not imported, an admin's is checked; a client's document gets what the
// bot always did.
func TestImportOnlyByOwnersAndAdmins(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("ru")
	h.start()
	mech := h.emu.NewUser(tgemu.UserOptions{FirstName: "Mech", LanguageCode: "ru"})
	h.hire(owner, mech, "mechanic")
	sent := mech.SendDocument("clients.csv", []byte(clientsCSV), "")
	h.next(mech.Chat(), sent.ID, "могут владелец и администратор")

	// An admin may: the file is checked.
	admin := h.emu.NewUser(tgemu.UserOptions{FirstName: "Admin", LanguageCode: "ru"})
	h.hire(owner, admin, "admin")
	sent = admin.SendDocument("clients.csv", []byte(clientsCSV), "")
	h.next(admin.Chat(), sent.ID, "новых: 2")

	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "C", LanguageCode: "ru"})
	sent = client.SendDocument("clients.csv", []byte(clientsCSV), "")
	h.next(client.Chat(), sent.ID, langs[0].askPhone) // the booking starts, as for any message
	if n := h.count(`SELECT count(*) FROM clients`); n != 0 {
		t.Errorf("%d clients imported by a mechanic or a client", n)
	}
	h.noRejections()
}

// A large file shows its progress in one message edited in place, and Stop ends the run with
// nothing written.
func TestImportProgressAndStop(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("ru")
	h.start()
	var b strings.Builder
	b.WriteString("Телефон;ФИО\n")
	const rows = 500_000 // ~17 MB: seconds of work even on a fast machine, under the 20 MB limit
	for i := range rows {
		fmt.Fprintf(&b, "+7913%07d;Клиент %d\n", i, i)
	}
	c := owner.Chat()
	sent := owner.SendDocument("clients.csv", []byte(b.String()), "")
	run := h.next(c, sent.ID, "Проверяю")
	progress := h.card(c, run.ID, "Строк прочитано")
	id := h.press(owner, progress, "Остановить")
	h.answered(id)
	h.card(c, run.ID, "Остановлено")
	if n := h.count(`SELECT count(*) FROM clients`); n != 0 {
		t.Errorf("a stopped check wrote %d clients", n)
	}
	h.noRejections()
}

// button waits until the message with id has a button labelled with substr.
func (h *harness) button(c *tgemu.Chat, id int, substr string) tgemu.Message {
	h.t.Helper()
	m, err := c.Await(awaitTimeout, func(m tgemu.Message) bool {
		for _, row := range m.Inline {
			for _, b := range row {
				if m.ID == id && strings.Contains(b.Text, substr) {
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("waiting for button %q on message %d: %v\ntranscript:\n%s", substr, id, err, c.Transcript())
	}
	return m
}

func (h *harness) exec(sql string) {
	h.t.Helper()
	if _, err := h.pool.Exec(context.Background(), sql); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
}

// When the database changed between the check and Import, the result lists the new problems
// and sends them as a file; it counts repeated rows too. A large file shows its numbers from
// the start and says when the rows are read and the database part runs.
func TestImportResultAfterDatabaseChangedAndProgress(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("ru")
	h.start()
	c := owner.Chat()
	sent := owner.SendDocument("clients.csv", []byte(clientsCSV+"89123456789;Иван Петров;да\r\n"), "")
	report := h.next(c, sent.ID, "Проверка")
	h.awaitDocument(c, sent.ID)
	h.exec(`INSERT INTO clients (phone, name) VALUES ('+79120001122', 'Другой Человек')`)
	h.press(owner, report, "Загрузить")
	done := h.card(c, report.ID, "Загружено")
	for _, want := range []string{"повторов в файле: 1", "конфликтов: 1", "База изменилась после проверки", "строка 3, ФИО"} {
		if !strings.Contains(done.Text, want) {
			t.Errorf("the result lacks %q:\n%s", want, done.Text)
		}
	}
	if doc, _ := h.awaitDocument(c, done.ID); doc.FileName != "clients-problems.xlsx" {
		t.Errorf("problems file after the import: %q", doc.FileName)
	}

	var b strings.Builder
	b.WriteString("Телефон;ФИО\n")
	for i := range 60_000 {
		fmt.Fprintf(&b, "+7914%07d;Клиент %d\n", i, i)
	}
	sent = owner.SendDocument("big.csv", []byte(b.String()), "клиенты")
	run := h.next(c, sent.ID, "Проверяю")
	h.card(c, run.ID, "из ~60000")
	h.card(c, run.ID, "Строк прочитано: 60000. Сверяю с базой")
	h.card(c, run.ID, "новых: 60000")
	h.noRejections()
}

// A workbook whose first sheet is a cover: the bot finds the sheet with the header, tells what
// it holds from it and checks it.
func TestImportWorkbookWithDataOnSecondSheet(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("ru")
	h.start()
	x := excelize.NewFile()
	_ = x.SetCellStr("Sheet1", "A1", "Выгрузка из старой программы, декабрь")
	if _, err := x.NewSheet("Данные"); err != nil {
		t.Fatal(err)
	}
	for i, row := range [][]any{{"Телефон", "ФИО"}, {"+7 912 345-67-89", "Иван"}} {
		if err := x.SetSheetRow("Данные", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	var book bytes.Buffer
	if _, err := x.WriteTo(&book); err != nil {
		t.Fatal(err)
	}
	c := owner.Chat()
	sent := owner.SendDocument("Book1.xlsx", book.Bytes(), "")
	report := h.next(c, sent.ID, "Проверка")
	if !strings.Contains(report.Text, "(клиенты)") || !strings.Contains(report.Text, "новых: 1") {
		t.Errorf("the workbook with a cover sheet: %q", report.Text)
	}
	h.noRejections()
}
