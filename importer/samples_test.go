package importer_test

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// -update rewrites the sample files (testdata/*.csv, *.tsv, *.xlsx) and the golden reports.
var update = flag.Bool("update", false, "regenerate testdata samples and golden files")

// clientRows is one set of clients, written in every encoding, separator and format: each quirk
// a shop's file has (quotes, separators and line breaks in fields, phones in every form, an
// in-file duplicate, a bad phone, a missing phone, a bad yes/no, an unknown column).
var clientRows = [][]string{
	{"Телефон", "ФИО", "Согласие на рассылку", "Компания", "Примечание"},
	{"8 (912) 345-67-89", "Иванов Иван Иванович", "да", "нет", "постоянный"},
	{"+7 912 345 67 90", "Петрова; Анна", "нет", "", ""},
	{"89123456791", `ООО "Ромашка", склад`, "+", "да", ""},
	{"79123456792", "Сидоров\nПётр", "1", "0", "две строки"},
	{"8-912-345-67-89", "Иванов И.", "", "", "повтор"},
	{"12345", "Плохой номер", "", "", ""},
	{"", "Без телефона", "да", "", ""},
	{"+7 (912) 345-67-93", "Козлов", "может быть", "", ""},
	{"+7\u00a0912\u00a0345\u00a067\u00a094", "Орлова\u200b Ольга", "yes", "no", ""},
}

// The clients sample variants: the same rows in each.
var clientSamples = []string{
	"clients_utf8_bom_semicolon.csv", "clients_utf8_comma.csv", "clients_cp1251_semicolon.csv",
	"clients_utf8_tab.tsv", "clients.xlsx",
}

func writeCSVSample(t *testing.T, name string, rows [][]string, sep rune, bom, cp1251 bool) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = sep
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if cp1251 {
		enc, err := charmap.Windows1251.NewEncoder().Bytes(bytes.ReplaceAll(data, []byte("\u200b"), nil))
		if err != nil {
			t.Fatal(err)
		}
		data = enc
	}
	if bom {
		data = append([]byte("\ufeff"), data...)
	}
	if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeXLSXSample writes rows to a workbook; cell(col, row, value) may turn a value into a typed
// cell (a number, a date), else it is a string.
func writeXLSXSample(t *testing.T, name string, rows [][]string, cell func(f *excelize.File, ref string, col, row int, v string) bool) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if _, err := f.NewSheet("Справка"); err != nil { // a second sheet: the first is read
		t.Fatal(err)
	}
	if err := f.SetSheetName("Sheet1", "Данные"); err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c, v := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if v == "" || cell != nil && cell(f, ref, c, r, v) {
				continue
			}
			if err := f.SetCellStr("Данные", ref, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = f.SetCellStr("Справка", "A1", "не данные")
	f.SetActiveSheet(1)
	if err := f.SaveAs(filepath.Join("testdata", name)); err != nil {
		t.Fatal(err)
	}
}

var vehicleRows = [][]string{
	{"Телефон", "Гос. номер", "VIN", "Марка", "Модель", "Год", "Пробег", "Дата последнего визита"},
	{"89123456789", "a123bc77", "XTA21099012345678", "Lada", "2109", "2001", "120 000", "03.12.2025"},
	{"+7 912 345 67 90", "А 124 ВС 77", "", "Kia", "Rio", "2015", "95000 км", "03.12.25"},
	{"89123456791", "в125вс777", "wvwzzz1jz3w386752", "Volkswagen", "Golf", "2003", "", "2025-11-30"},
	{"89123456792", "A126BС77", "", "Toyota", "Camry", "", "", "46000"},
	{"89123456789", "А123ВС77", "", "Лада", "", "", "", ""},
	{"89123456790", "", "XTA2109901234567O", "", "", "", "", ""},
	{"89123456790", "Е777КХ99", "SHORTVIN", "", "", "", "", ""},
	{"89123456790", "", "", "Без номера", "", "", "", ""},
	{"89120000000", "Т001ТТ77", "", "Чужой", "", "", "", ""},
	{"89123456790", "О002ОО77", "", "Kia", "Ceed", "2030", "", "31.02.2025"},
}

var catalogRows = [][]string{
	{"Артикул", "Тип", "Наименование", "Ед.", "Цена", "Остаток", "Мин. остаток", "Нормо-часы", "Повтор дней", "Повтор км", "Поставщик"},
	{"OIL-5W30", "товар", "Масло моторное 5W-30", "л", "1 500,50", "10", "2", "", "", "", "Лукойл"},
	{"FLT-1", "запчасть", "Фильтр масляный", "шт.", "450 ₽", "2,5", "", "", "", "", ""},
	{"SRV-OIL", "услуга", "Замена масла", "", "1\u00a0200", "", "", "0,5", "365", "10 000", ""},
	{"SRV-DIAG", "работа", "Диагностика", "", "1500.00", "", "", "1", "", "", ""},
	{"oil-5w30", "товар", "Масло (повтор)", "л", "1", "", "", "", "", "", ""},
	{"", "товар", "Свеча зажигания", "", "350", "8", "", "", "", "", ""},
	{"NO-PRICE", "товар", "Без цены", "", "", "", "", "", "", "", ""},
	{"NO-NAME", "товар", "", "", "100", "", "", "", "", "", ""},
	{"SRV-BAD", "услуга", "Услуга с остатком", "", "100", "5", "", "", "", "", ""},
	{"BAD-TYPE", "подарок", "Непонятное", "", "100", "", "", "", "", "", ""},
	{"BAD-PRICE", "товар", "Дорогое", "", "много", "", "", "", "", "", ""},
}

var catalogRowsEN = [][]string{
	{"SKU", "Type", "Name", "Unit", "Price", "Stock"},
	{"OIL-5W30", "part", "Масло моторное 5W-30", "л", "1,500.50", "10"},
	{"SRV-DIAG", "service", "Диагностика", "", "1500", ""},
}

// reviewClients are the quirks a fresh tester found (issue 8 review): phones Excel wrote in
// scientific notation (digits lost, or all kept), a name that is a formula neutralised by an
// export, and one row pasted from a Windows-1251 file into a UTF-8 one (written as such below).
var reviewClients = [][]string{
	{"Phone", "Name", "Consent"},
	{"8.91235E+10", "Экспонента", "да"},
	{"8,91235E+10", "Экспонента с запятой", ""},
	{"7.9123456789E+10", "Полная экспонента", ""},
	{"89123456795", `'=HYPERLINK("http://evil";"click")`, ""},
	{"89123456796", "\x00cp1251", ""},
	{"89123456797", "Обычный Клиент", "нет"},
}

// reviewVehicles: text and impossible dates, a future one, and one car twice (by plate and VIN
// in one row, by VIN in the next).
var reviewVehicles = [][]string{
	{"Телефон", "Госномер", "VIN", "Пробег", "Дата последнего визита"},
	{"89123456789", "А123ВС77", "", "", "3 декабря 2026"},
	{"89123456789", "А124ВС77", "", "", "1"},
	{"89123456789", "А125ВС77", "", "", "03.12.69"},
	{"89123456789", "А126ВС77", "", "", "01.01.2030"},
	{"89123456789", "К300КК77", "XTA21099012345678", "1000", "03.12.2025"},
	{"89123456789", "", "XTA21099012345678", "2000", "03.12.2025"},
}

// writeMixedSample writes rows as UTF-8 CSV but for the cell "\x00cp1251", which becomes the
// Windows-1251 bytes of "Смешной": a row pasted from another file.
func writeMixedSample(t *testing.T, name string, rows [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	cp, err := charmap.Windows1251.NewEncoder().Bytes([]byte("Смешной"))
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.ReplaceAll(b.Bytes(), []byte("\x00cp1251"), cp)
	if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGenerateSamples writes the sample files with -update; without it, it checks they exist.
func TestGenerateSamples(t *testing.T) {
	if !*update {
		for _, n := range append(clientSamples, "vehicles.csv", "vehicles.xlsx", "catalog.csv", "catalog_en.csv", "clients_review.csv", "vehicles_review.csv") {
			if _, err := os.Stat(filepath.Join("testdata", n)); err != nil {
				t.Errorf("sample %s: %v (run go test ./importer -run TestGenerateSamples -update)", n, err)
			}
		}
		return
	}
	writeCSVSample(t, "clients_utf8_bom_semicolon.csv", clientRows, ';', true, false)
	writeCSVSample(t, "clients_utf8_comma.csv", clientRows, ',', false, false)
	writeCSVSample(t, "clients_cp1251_semicolon.csv", clientRows, ';', false, true)
	writeCSVSample(t, "clients_utf8_tab.tsv", clientRows, '\t', false, false)
	// In the workbook phones written as digits are number cells (floats to Excel).
	writeXLSXSample(t, "clients.xlsx", clientRows, func(f *excelize.File, ref string, col, row int, v string) bool {
		if row > 0 && col == 0 && (v == "89123456791" || v == "79123456792") {
			n := 0.0
			for _, d := range v {
				n = n*10 + float64(d-'0')
			}
			_ = f.SetCellFloat("Данные", ref, n, -1, 64)
			return true
		}
		return false
	})
	writeCSVSample(t, "vehicles.csv", vehicleRows, ';', true, false)
	// Dates as date cells (the built-in short date format and a custom one), a serial in a
	// general cell, mileage and phones as numbers.
	writeXLSXSample(t, "vehicles.xlsx", vehicleRows, func(f *excelize.File, ref string, col, row int, v string) bool {
		if row == 0 {
			return false
		}
		switch {
		case col == 7 && v == "03.12.2025":
			_ = f.SetCellValue("Данные", ref, time.Date(2025, 12, 3, 0, 0, 0, 0, time.UTC))
			style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
			_ = f.SetCellStyle("Данные", ref, ref, style)
			return true
		case col == 7 && v == "2025-11-30":
			_ = f.SetCellValue("Данные", ref, time.Date(2025, 11, 30, 0, 0, 0, 0, time.UTC))
			format := "yyyy/mm/dd"
			style, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
			_ = f.SetCellStyle("Данные", ref, ref, style)
			return true
		case col == 7 && v == "46000", col == 0 && v == "89123456789", col == 5 && v != "" && v != "2030":
			var n float64
			for _, d := range v {
				n = n*10 + float64(d-'0')
			}
			_ = f.SetCellFloat("Данные", ref, n, -1, 64)
			return true
		case col == 6 && v == "120 000":
			_ = f.SetCellFloat("Данные", ref, 120000, -1, 64)
			return true
		}
		return false
	})
	writeCSVSample(t, "catalog.csv", catalogRows, ';', true, false)
	writeCSVSample(t, "catalog_en.csv", catalogRowsEN, ',', false, false)
	writeMixedSample(t, "clients_review.csv", reviewClients)
	writeCSVSample(t, "vehicles_review.csv", reviewVehicles, ';', false, false)
}
