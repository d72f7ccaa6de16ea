package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// msk is the shop's zone in these tests.
var msk = time.FixedZone("MSK", 3*60*60)

// seedShop writes a small shop by SQL: what the exports read, with the awkward cases in it: an
// erased client, a car never read, an order with an invoice and one without, a declined line, a
// refund, and moments just after midnight in Moscow that are still the previous day in UTC.
const seedShop = `
INSERT INTO staff (telegram_user_id, name, role, branch_id) VALUES
  (1, 'Пётр Механик', 'mechanic', 1), (2, 'Ольга', 'owner', 1);
INSERT INTO clients (phone, name, lead_source, marketing_consent, is_company, created_at) VALUES
  ('+79120000001', 'Иван Петров', 'avito', true, false, '2026-11-01 09:00+03'),
  ('+79120000002', 'ООО "Ромашка"; склад', 'import', false, true, '2026-11-02 09:00+03'),
  ('+99900000001', '', 'direct', false, false, '2026-11-03 09:00+03');
UPDATE clients SET forgotten_at = '2026-11-20 10:00+03' WHERE phone = '+99900000001';
INSERT INTO vehicles (client_id, make, model, year, plate, vin) VALUES
  (1, 'Kia', 'Rio', 2017, 'А123ВС777', 'XWEH2515BH0001234'),
  (2, 'Lada', 'Largus', 0, 'О001ОО77', ''),
  (3, 'Ford', 'Focus', 2010, '', '');
INSERT INTO vehicle_mileage (vehicle_id, km, read_at) VALUES
  (1, 50000, '2026-10-01 10:00+03'), (1, 61250, '2026-11-10 10:00+03');
INSERT INTO catalog_items (kind, sku, name, unit, price, norm_milli, on_hand_milli, min_stock_milli, repeat_days, repeat_km) VALUES
  ('part', 'OIL-5W30', 'Масло 5W-30', 'л', 85050, 0, 10500, 2000, NULL, NULL),
  ('service', 'SRV-OIL', 'Замена масла', 'усл', 150000, 500, 0, 0, 365, 10000);
INSERT INTO catalog_items (kind, sku, name, unit, price, active) VALUES ('part', 'OLD', 'Снято', 'шт', 100, false);
INSERT INTO orders (number, branch_id, client_id, vehicle_id, status, mechanic_id, discount_kind, discount_value, created_at) VALUES
  (1001, 1, 1, 1, 'delivered', 1, 'percent', 1000, '2026-11-10 10:00+03'),
  (1002, 1, 2, 2, 'in_progress', NULL, 'amount', 10000, '2026-11-30 23:30+03'),
  (1003, 1, 3, 3, 'cancelled', NULL, 'none', 0, '2026-12-01 00:30+03');
INSERT INTO order_lines (order_id, kind, item_id, name, sku, unit, qty_milli, price, approval, approved_price, approved_qty_milli) VALUES
  (1, 'labour', 2, 'Замена масла', 'SRV-OIL', 'усл', 1000, 150000, 'approved', 150000, 1000),
  (1, 'part', 1, 'Масло 5W-30', 'OIL-5W30', 'л', 4000, 85050, 'approved', 85050, 4000),
  (2, 'labour', NULL, 'Диагностика', '', 'усл', 1000, 200000, 'pending', NULL, NULL),
  (2, 'part', NULL, 'Фильтр', '', 'шт', 1000, 50000, 'declined', NULL, NULL);
INSERT INTO invoices (order_id, issued_at, labour, parts, discount, total, lines, due_at) VALUES
  (1, '2026-11-11 12:00+03', 150000, 340200, 49020, 441180, '[]', '2026-11-12 12:00+03');
INSERT INTO payments (order_id, amount, method, recorded_by, created_at) VALUES
  (1, 400000, 'card', 2, '2026-11-12 11:00+03'),
  (1, 50000, 'cash', 2, '2026-11-12 11:05+03'),
  (1, -8820, 'cash', 2, '2026-11-13 09:00+03'),
  (2, 100000, 'transfer', 2, '2026-12-01 00:10+03');
`

func seeded(t *testing.T) (*crm.Service, *pgxpool.Pool) {
	t.Helper()
	pool, _ := pgtest.New(t)
	if _, err := pool.Exec(context.Background(), seedShop); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return crm.New(pool, crm.Options{Location: msk}), pool
}

func exportCSV(t *testing.T, svc *crm.Service, opt importer.ExportOptions) []byte {
	t.Helper()
	opt.Format, opt.Location = importer.FormatCSV, msk
	var buf bytes.Buffer
	if _, err := importer.Export(context.Background(), svc, &buf, opt); err != nil {
		t.Fatalf("export %s: %v", opt.Kind, err)
	}
	return buf.Bytes()
}

// readCSV checks the file is what Russian Excel opens as UTF-8 with ";" and returns its records.
func readCSV(t *testing.T, data []byte, sep rune) [][]string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no UTF-8 byte-order mark: %q", data[:min(len(data), 16)])
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Errorf("lines do not end in CRLF")
	}
	r := csv.NewReader(bytes.NewReader(data[3:]))
	r.Comma = sep
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, data)
	}
	return recs
}

func TestExportCSV(t *testing.T) {
	t.Parallel()
	svc, _ := seeded(t)
	ru := func(m map[string]string) func(string) string { return func(s string) string { return m[s] } }
	for _, tc := range []struct {
		opt  importer.ExportOptions
		want [][]string
	}{
		{importer.ExportOptions{Kind: importer.ExportClients}, [][]string{
			{"Телефон", "ФИО", "Источник", "Согласие на рассылку", "Компания"},
			{"+79120000001", "Иван Петров", "avito", "да", "нет"},
			{"+79120000002", `ООО "Ромашка"; склад`, "import", "нет", "да"},
		}},
		{importer.ExportOptions{Kind: importer.ExportVehicles}, [][]string{
			{"Телефон", "Госномер", "VIN", "Марка", "Модель", "Год", "Пробег", "Дата последнего визита"},
			{"+79120000001", "А123ВС777", "XWEH2515BH0001234", "Kia", "Rio", "2017", "61250", "10.11.2026"},
			{"+79120000002", "О001ОО77", "", "Lada", "Largus", "", "", "30.11.2026"},
		}},
		{importer.ExportOptions{Kind: importer.ExportCatalog}, [][]string{
			{"Артикул", "Тип", "Наименование", "Ед.", "Цена", "Остаток", "Мин. остаток", "Нормо-часы", "Повтор дней", "Повтор км"},
			{"SRV-OIL", "услуга", "Замена масла", "усл", "1500,00", "", "", "0,5", "365", "10000"},
			{"OIL-5W30", "товар", "Масло 5W-30", "л", "850,50", "10,5", "2", "", "", ""},
		}},
		{importer.ExportOptions{Kind: importer.ExportOrders, StatusName: ru(map[string]string{"delivered": "выдан", "in_progress": "в работе", "cancelled": "отменён"})}, [][]string{
			{"Номер", "Дата", "Статус", "Телефон", "Клиент", "Госномер", "Механик", "Работы", "Запчасти", "Скидка", "Итого", "Оплачено", "К оплате", "Срок оплаты"},
			// The invoice's totals; paid 4 000 + 500 − 88,20 = 4 411,80: nothing left.
			{"1001", "10.11.2026", "выдан", "+79120000001", "Иван Петров", "А123ВС777", "Пётр Механик", "1500,00", "3402,00", "490,20", "4411,80", "4411,80", "0,00", "12.11.2026"},
			// No invoice yet: the active lines (the declined filter is out) less 100 ₽.
			{"1002", "30.11.2026", "в работе", "+79120000002", `ООО "Ромашка"; склад`, "О001ОО77", "", "2000,00", "0,00", "100,00", "1900,00", "1000,00", "900,00", ""},
			// An erased client's order stays, without their phone and name.
			{"1003", "01.12.2026", "отменён", "", "", "", "", "0,00", "0,00", "0,00", "0,00", "0,00", "0,00", ""},
		}},
		{importer.ExportOptions{Kind: importer.ExportPayments}, [][]string{
			{"Дата", "Заказ", "Сумма", "Способ"},
			{"12.11.2026 11:00", "1001", "4000,00", "card"},
			{"12.11.2026 11:05", "1001", "500,00", "cash"},
			{"13.11.2026 09:00", "1001", "-88,20", "cash"},
			{"01.12.2026 00:10", "1002", "1000,00", "transfer"},
		}},
	} {
		got := readCSV(t, exportCSV(t, svc, tc.opt), ';')
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.opt.Kind, diff)
		}
	}
}

// --from and --to are the shop's days: 30.11 23:30 Moscow is 30.11, 01.12 00:10 Moscow is
// 01.12 though UTC still says 30.11.
func TestExportPeriodInShopTime(t *testing.T) {
	t.Parallel()
	svc, _ := seeded(t)
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, msk) }
	lastCol := func(kind importer.ExportKind, p crm.ExportPeriod, col int) []string {
		var out []string
		for _, r := range readCSV(t, exportCSV(t, svc, importer.ExportOptions{Kind: kind, Period: p}), ';')[1:] {
			out = append(out, r[col])
		}
		return out
	}
	if got := lastCol(importer.ExportOrders, crm.ExportPeriod{From: day(1), To: day(2)}, 0); !cmp.Equal(got, []string{"1003"}) {
		t.Errorf("orders of 01.12: %q, want 1003 only", got)
	}
	if got := lastCol(importer.ExportOrders, crm.ExportPeriod{To: day(1)}, 0); !cmp.Equal(got, []string{"1001", "1002"}) {
		t.Errorf("orders to 30.11: %q", got)
	}
	if got := lastCol(importer.ExportPayments, crm.ExportPeriod{From: day(1)}, 1); !cmp.Equal(got, []string{"1002"}) {
		t.Errorf("payments from 01.12: %q", got)
	}
}

func TestExportCSVSeparator(t *testing.T) {
	t.Parallel()
	svc, _ := seeded(t)
	data := exportCSV(t, svc, importer.ExportOptions{Kind: importer.ExportClients, Separator: '\t'})
	recs := readCSV(t, data, '\t')
	if len(recs) != 3 || len(recs[0]) != 5 || recs[2][1] != `ООО "Ромашка"; склад` {
		t.Errorf("tab-separated: %q", recs)
	}
	if !strings.HasPrefix(string(data[3:]), "Телефон\tФИО\t") {
		t.Errorf("header line %q", strings.SplitN(string(data[3:]), "\n", 2)[0])
	}
}

// The XLSX has one sheet with real numbers and dates: Excel sums the money and sorts the days.
func TestExportXLSXTypedCells(t *testing.T) {
	t.Parallel()
	svc, _ := seeded(t)
	open := func(kind importer.ExportKind) *excelize.File {
		var buf bytes.Buffer
		n, err := importer.Export(context.Background(), svc, &buf, importer.ExportOptions{Kind: kind, Format: importer.FormatXLSX, Location: msk})
		if err != nil || n == 0 {
			t.Fatalf("export %s: %d rows, %v", kind, n, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("excelize cannot open the %s export: %v", kind, err)
		}
		t.Cleanup(func() { _ = f.Close() })
		return f
	}
	type want struct {
		cell  string
		typ   excelize.CellType // numbers carry no type attribute: CellTypeUnset
		raw   string            // the stored value
		shown string            // formatted as Excel shows it
	}
	for _, tc := range []struct {
		kind  importer.ExportKind
		sheet string
		rows  int
		cells []want
	}{
		{importer.ExportOrders, "Заказы", 4, []want{
			{"A1", excelize.CellTypeInlineString, "Номер", "Номер"},
			{"A2", excelize.CellTypeUnset, "1001", "1001"}, // a plain number: no type attribute
			{"B2", excelize.CellTypeUnset, "46336", "10.11.2026"},
			{"K2", excelize.CellTypeUnset, "4411.8", "4,411.80"},
			{"D2", excelize.CellTypeInlineString, "+79120000001", "+79120000001"},
			{"N2", excelize.CellTypeUnset, "46338", "12.11.2026"},
		}},
		{importer.ExportPayments, "Платежи", 5, []want{
			{"A2", excelize.CellTypeUnset, "46338.458333333336", "12.11.2026 11:00"},
			{"C4", excelize.CellTypeUnset, "-88.2", "-88.20"},
		}},
		{importer.ExportCatalog, "Каталог", 3, []want{
			{"E3", excelize.CellTypeUnset, "850.5", "850.50"},
			{"F3", excelize.CellTypeUnset, "10.5", "10.5"},
		}},
		{importer.ExportVehicles, "Автомобили", 3, []want{
			{"B2", excelize.CellTypeInlineString, "А123ВС777", "А123ВС777"},
			{"G2", excelize.CellTypeUnset, "61250", "61250"},
			{"H2", excelize.CellTypeUnset, "46336", "10.11.2026"},
		}},
	} {
		f := open(tc.kind)
		if got := f.GetSheetList(); !cmp.Equal(got, []string{tc.sheet}) {
			t.Errorf("%s: sheets %q, want %q", tc.kind, got, tc.sheet)
		}
		rows, err := f.GetRows(tc.sheet)
		if err != nil || len(rows) != tc.rows {
			t.Errorf("%s: %d rows, %v; want %d", tc.kind, len(rows), err, tc.rows)
		}
		for _, w := range tc.cells {
			typ, err := f.GetCellType(tc.sheet, w.cell)
			raw, _ := f.GetCellValue(tc.sheet, w.cell, excelize.Options{RawCellValue: true})
			shown, _ := f.GetCellValue(tc.sheet, w.cell)
			if err != nil || typ != w.typ || raw != w.raw || shown != w.shown {
				t.Errorf("%s %s: type %v raw %q shown %q (%v); want type %v raw %q shown %q", tc.kind, w.cell, typ, raw, shown, err, w.typ, w.raw, w.shown)
			}
		}
	}
}

// An export imported into an empty database reproduces the same records: exporting that
// database again gives the same files, in CSV and in XLSX.
func TestExportImportsBack(t *testing.T) {
	t.Parallel()
	from, _ := seeded(t)
	for _, format := range []importer.Format{importer.FormatCSV, importer.FormatXLSX} {
		pool, _ := pgtest.New(t)
		to := crm.New(pool, crm.Options{Location: msk})
		for _, kind := range []importer.Kind{importer.KindClients, importer.KindVehicles, importer.KindCatalog} {
			opt := importer.ExportOptions{Kind: importer.ExportKind(kind), Format: format, Location: msk}
			var file bytes.Buffer
			if _, err := importer.Export(context.Background(), from, &file, opt); err != nil {
				t.Fatal(err)
			}
			name := string(kind) + "." + string(format)
			rep, err := importer.Run(context.Background(), to, name, bytes.NewReader(file.Bytes()), importer.Options{Kind: kind})
			if err != nil || rep.Rejected+rep.Conflicts+rep.Duplicate != 0 || len(rep.UnknownColumns) != 0 {
				t.Fatalf("import %s back: %+v, %v", name, rep, err)
			}
			again := exportCSV(t, to, opt)
			if want := exportCSV(t, from, opt); !bytes.Equal(again, want) {
				t.Errorf("%s: exported again after the import:\n%s\nwant:\n%s", name, again, want)
			}
		}
	}
}
