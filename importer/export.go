package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// Export (issue 8, point 7): every record out again, in files Russian Excel opens, and, for
// clients, vehicles and the catalog, under the very headers the importer reads, so an export
// imported back reproduces the same records.

// ExportKind is a table that can be exported.
type ExportKind string

const (
	ExportClients  ExportKind = "clients"
	ExportVehicles ExportKind = "vehicles"
	ExportOrders   ExportKind = "orders"
	ExportPayments ExportKind = "payments"
	ExportCatalog  ExportKind = "catalog"
)

// ExportKinds are the kinds in the order menus list them.
var ExportKinds = []ExportKind{ExportClients, ExportVehicles, ExportOrders, ExportPayments, ExportCatalog}

// Format is a file format of an export.
type Format string

const (
	FormatCSV  Format = "csv"
	FormatXLSX Format = "xlsx"
)

// DefaultCSVSeparator is what Russian Excel expects: its list separator is ";" because the
// decimal separator is a comma.
const DefaultCSVSeparator = ';'

// ErrUnknownExport is an export kind or format that does not exist.
var ErrUnknownExport = errors.New("unknown export")

// ExportOptions say what to export and how.
type ExportOptions struct {
	Kind   ExportKind
	Format Format // default FormatXLSX
	// Period bounds orders and payments by creation time; other kinds ignore it.
	Period crm.ExportPeriod
	// Separator of CSV fields; 0 = DefaultCSVSeparator.
	Separator rune
	// Location is the shop's time zone, in which dates are written; nil = UTC.
	Location *time.Location
	// StatusName and MethodName word an order status and a payment method for people; nil
	// writes the codes (new, cash, ...).
	StatusName func(status string) string
	MethodName func(method string) string
}

// Headers of the kinds that cannot be imported; the others are the importer's own (Headers).
var (
	orderHeaders = []string{"Номер", "Дата", "Статус", "Телефон", "Клиент", "Госномер", "Механик",
		"Работы", "Запчасти", "Скидка", "Итого", "Оплачено", "К оплате", "Срок оплаты"}
	paymentHeaders = []string{"Дата", "Заказ", "Сумма", "Способ"}
)

// exportHeaders are the columns of kind, in the order its rows are written.
func exportHeaders(k ExportKind) []string {
	switch k {
	case ExportClients:
		return Headers(KindClients)
	case ExportVehicles:
		return Headers(KindVehicles)
	case ExportCatalog:
		return Headers(KindCatalog)
	case ExportOrders:
		return orderHeaders
	case ExportPayments:
		return paymentHeaders
	}
	return nil
}

// sheetNames are the XLSX sheet of each kind.
var sheetNames = map[ExportKind]string{
	ExportClients: "Клиенты", ExportVehicles: "Автомобили", ExportOrders: "Заказы",
	ExportPayments: "Платежи", ExportCatalog: "Каталог",
}

// FileName is the name an export of kind in format is saved as, with the day it was made:
// clients-2026-12-04.xlsx.
func FileName(k ExportKind, f Format, day time.Time) string {
	return string(k) + "-" + day.Format("2006-01-02") + "." + string(f)
}

// Export writes the table of opt.Kind to w and returns how many rows it wrote (the header
// aside). Rows stream from the database to the file one at a time.
func Export(ctx context.Context, svc *crm.Service, w io.Writer, opt ExportOptions) (int, error) {
	headers := exportHeaders(opt.Kind)
	if headers == nil {
		return 0, fmt.Errorf("export %q: %w", opt.Kind, ErrUnknownExport)
	}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	var (
		tw  tableWriter
		err error
	)
	switch opt.Format {
	case FormatXLSX, "":
		tw, err = newXLSXWriter(w, sheetNames[opt.Kind], loc)
	case FormatCSV:
		sep := opt.Separator
		if sep == 0 {
			sep = DefaultCSVSeparator
		}
		tw, err = newCSVWriter(w, sep, loc)
	default:
		return 0, fmt.Errorf("export %s: format %q: %w", opt.Kind, opt.Format, ErrUnknownExport)
	}
	if err != nil {
		return 0, fmt.Errorf("export %s: %w", opt.Kind, err)
	}
	n, err := exportRows(ctx, svc, tw, headers, opt)
	if cerr := tw.close(); err == nil && cerr != nil {
		err = fmt.Errorf("export %s: %w", opt.Kind, cerr)
	}
	return n, err
}

func exportRows(ctx context.Context, svc *crm.Service, tw tableWriter, headers []string, opt ExportOptions) (int, error) {
	if err := tw.header(headers); err != nil {
		return 0, fmt.Errorf("export %s: header: %w", opt.Kind, err)
	}
	n := 0
	put := func(cells ...cell) error {
		n++
		if err := tw.row(cells); err != nil {
			return fmt.Errorf("export %s: row %d: %w", opt.Kind, n, err)
		}
		return nil
	}
	word := func(f func(string) string, s string) string {
		if f == nil {
			return s
		}
		return f(s)
	}
	var err error
	switch opt.Kind {
	case ExportClients:
		// Телефон, ФИО, Источник, Согласие на рассылку, Компания
		err = svc.ExportClients(ctx, func(c crm.ClientExport) error {
			return put(textCell(c.Phone), textCell(c.Name), textCell(c.LeadSource), boolCell(c.MarketingConsent), boolCell(c.IsCompany))
		})
	case ExportVehicles:
		// Телефон, Госномер, VIN, Марка, Модель, Год, Пробег, Дата последнего визита
		err = svc.ExportVehicles(ctx, func(v crm.VehicleExport) error {
			year := emptyCell()
			if v.Year != 0 {
				year = intCell(int64(v.Year))
			}
			return put(textCell(v.Phone), textCell(v.Plate), textCell(v.VIN), textCell(v.Make), textCell(v.Model),
				year, optInt(v.KM), optDate(v.LastVisit))
		})
	case ExportCatalog:
		// Артикул, Тип, Наименование, Ед., Цена, Остаток, Мин. остаток, Нормо-часы, Повтор дней, Повтор км
		err = svc.ExportCatalog(ctx, func(it crm.CatalogItem) error {
			kind, onHand, minStock, norm := "товар", qtyCell(it.OnHand), qtyCell(it.MinStock), emptyCell()
			if it.Kind == crm.ItemService {
				kind, onHand, minStock, norm = "услуга", emptyCell(), emptyCell(), qtyCell(it.Norm)
			}
			return put(textCell(it.SKU), textCell(kind), textCell(it.Name), textCell(it.Unit), moneyCell(it.Price),
				onHand, minStock, norm, optInt(it.RepeatDays), optInt(it.RepeatKm))
		})
	case ExportOrders:
		err = svc.ExportOrders(ctx, opt.Period, func(o crm.OrderExport) error {
			return put(intCell(o.Number), dateCell(o.CreatedAt), textCell(word(opt.StatusName, o.Status)),
				textCell(o.ClientPhone), textCell(o.ClientName), textCell(o.Plate), textCell(o.Mechanic),
				moneyCell(o.Totals.Labour), moneyCell(o.Totals.Parts), moneyCell(o.Totals.Discount), moneyCell(o.Totals.Total),
				moneyCell(o.Paid), moneyCell(o.Left), optDate(o.DueAt))
		})
	case ExportPayments:
		err = svc.ExportPayments(ctx, opt.Period, func(p crm.PaymentExport) error {
			return put(dateTimeCell(p.CreatedAt), intCell(p.OrderNumber), moneyCell(p.Amount), textCell(word(opt.MethodName, p.Method)))
		})
	}
	if err != nil {
		return n, err
	}
	return n, nil
}
