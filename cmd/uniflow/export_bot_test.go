package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// awaitDocument waits for a document from the bot in c, newer than after, and returns it with
// its bytes as the emulator keeps them.
func (h *harness) awaitDocument(c *tgemu.Chat, after int) (tgemu.Message, []byte) {
	h.t.Helper()
	m, err := c.Await(awaitTimeout, func(m tgemu.Message) bool { return m.ID > after && m.FromBot && m.Kind == "document" })
	if err != nil {
		h.t.Fatalf("waiting for a document in chat %d: %v\ntranscript:\n%s", c.ID(), err, c.Transcript())
	}
	data, ok := h.emu.FileData(m.FileID)
	if !ok {
		h.t.Fatalf("document %s has no data", m.FileID)
	}
	return m, data
}

// The owner's /export: a menu of tables, then the picked one as an XLSX file in the chat, with
// the rows of the database; an admin is refused.
func TestExportFromTheBot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, tgemu.Options{}, nil)
	owner := h.newOwner("ru")
	h.start()
	if _, err := h.pool.Exec(context.Background(), `
INSERT INTO clients (phone, name, marketing_consent) VALUES ('+79120000001', 'Иван <Петров>', true), ('+79120000002', 'Пётр', false);
INSERT INTO catalog_items (kind, sku, name, unit, price) VALUES ('part', 'OIL', 'Масло', 'л', 85050);`); err != nil {
		t.Fatal(err)
	}
	c := owner.Chat()
	owner.Send("/export")
	menu := h.next(c, 0, "Что выгрузить?")
	h.press(owner, menu, "Клиенты")
	doc, data := h.awaitDocument(c, menu.ID)
	if !strings.HasPrefix(doc.FileName, "clients-") || !strings.HasSuffix(doc.FileName, ".xlsx") || !strings.Contains(doc.Caption, "строк: 2") {
		t.Errorf("document %q, caption %q", doc.FileName, doc.Caption)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("excelize cannot open the export: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("Клиенты")
	want := [][]string{
		{"Телефон", "ФИО", "Источник", "Согласие на рассылку", "Компания"},
		{"+79120000001", "Иван <Петров>", "direct", "да", "нет"},
		{"+79120000002", "Пётр", "direct", "нет", "нет"},
	}
	if err != nil || len(rows) != len(want) || strings.Join(rows[1], "|") != strings.Join(want[1], "|") || strings.Join(rows[0], "|") != strings.Join(want[0], "|") {
		t.Errorf("rows %q, %v; want %q", rows, err, want)
	}

	h.press(owner, menu, "Каталог")
	_, data = h.awaitDocument(c, doc.ID)
	cat, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	if v, _ := cat.GetCellValue("Каталог", "E2", excelize.Options{RawCellValue: true}); v != "850.5" {
		t.Errorf("the price cell holds %q, want the number 850.5", v)
	}

	admin := h.emu.NewUser(tgemu.UserOptions{FirstName: "Admin", LanguageCode: "ru"})
	h.hire(owner, admin, "admin")
	after := last(admin.Chat())
	admin.Send("/export")
	h.next(admin.Chat(), after, "только владельцу")
	h.noRejections()
}
