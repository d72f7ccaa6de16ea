// Package docs renders an order's papers as PDF in Russian: the work order (заказ-наряд) and the
// invoice (счёт), with the shop's requisites. The font (Go Regular and Bold, which cover
// Cyrillic) is embedded in every file, so the papers read the same on any device.
package docs

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/uniflow-crm/uniflow/crm"
)

// Shop is who does the work, as the papers name it (from the configuration).
type Shop struct {
	Name    string
	Address string
	INN     string
	OGRN    string // ОГРН or ОГРНИП
	Phone   string
	VAT     string // "Без НДС" for the simplified tax system, or the rate's words
}

// Line is a line of work or parts on a paper.
type Line struct {
	Kind   crm.LineKind
	Name   string
	SKU    string
	Unit   string
	Qty    crm.Qty
	Price  crm.Money
	Amount crm.Money
}

// Order is what the papers of one order show.
type Order struct {
	Shop      Shop
	Number    int64
	Date      time.Time // of the paper, in the shop's time zone
	Accepted  time.Time // when the car was accepted
	Completed *time.Time
	Client    string
	Phone     string
	Car       string // make and model
	Year      int
	Plate     string
	Problem   string
	Lines     []Line
	Totals    crm.Totals
	Paid      crm.Money
	DueText   string // when the invoice is due, in words
}

// Margins and column widths in millimetres on A4 (210 × 297).
const (
	margin   = 15.0
	pageW    = 210.0
	lineH    = 5.0
	colNo    = 8.0
	colQty   = 18.0
	colUnit  = 14.0
	colPrice = 28.0
	colSum   = 30.0
)

func newPDF(title string, date time.Time) (*sheet, error) {
	pdf, err := newSheet(fpdf.New("P", "mm", "A4", ""), goregular.TTF, gobold.TTF)
	if err != nil {
		return nil, fmt.Errorf("read the font: %w", err)
	}
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetTitle(title, true)
	pdf.SetCreator("UniFlow", true)
	// The same order renders to the same bytes: no wall-clock dates inside.
	pdf.SetCreationDate(date)
	pdf.SetModificationDate(date)
	pdf.SetCatalogSort(true)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("go", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s · стр. %d из {nb}", title, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	return pdf, nil
}

// WorkOrder writes the work order (заказ-наряд) of o.
func WorkOrder(w io.Writer, o Order) error {
	title := fmt.Sprintf("Заказ-наряд № %d от %s", o.Number, o.Date.Format("02.01.2006"))
	pdf, err := newPDF(title, o.Date)
	if err != nil {
		return err
	}
	heading(pdf, title)
	shopBlock(pdf, "Исполнитель", o.Shop)
	field(pdf, "Заказчик", strings.TrimSpace(o.Client+", "+o.Phone))
	car := o.Car
	if o.Year > 0 {
		car += ", " + strconv.Itoa(o.Year) + " г."
	}
	field(pdf, "Автомобиль", car)
	field(pdf, "Госномер", dash(o.Plate))
	field(pdf, "Причина обращения", dash(o.Problem))
	field(pdf, "Дата приёма", o.Accepted.Format("02.01.2006 15:04"))
	if o.Completed != nil {
		field(pdf, "Дата выполнения", o.Completed.Format("02.01.2006 15:04"))
	}
	var labour, parts []Line
	for _, l := range o.Lines {
		if l.Kind == crm.LineLabour {
			labour = append(labour, l)
		} else {
			parts = append(parts, l)
		}
	}
	pdf.Ln(3)
	table(pdf, "Работы", labour)
	table(pdf, "Запчасти и материалы", parts)
	totals(pdf, o)
	pdf.Ln(10)
	pdf.SetFont("go", "", 10)
	pdf.MultiCell(0, lineH, "Работы выполнены в полном объёме, автомобиль получен. Претензий к объёму, качеству и срокам не имею.", "", "L", false)
	pdf.Ln(8)
	signatures(pdf)
	return output(pdf, w)
}

// Invoice writes the invoice (счёт) of o.
func Invoice(w io.Writer, o Order) error {
	title := fmt.Sprintf("Счёт № %d от %s", o.Number, o.Date.Format("02.01.2006"))
	pdf, err := newPDF(title, o.Date)
	if err != nil {
		return err
	}
	heading(pdf, title)
	shopBlock(pdf, "Поставщик", o.Shop)
	field(pdf, "Плательщик", strings.TrimSpace(o.Client+", "+o.Phone))
	field(pdf, "Основание", fmt.Sprintf("Заказ-наряд № %d", o.Number))
	pdf.Ln(3)
	table(pdf, "", o.Lines)
	totals(pdf, o)
	pdf.SetFont("go", "", 10)
	if o.Paid != 0 {
		field(pdf, "Оплачено", money(o.Paid))
		field(pdf, "К оплате", money(max(o.Totals.Total-o.Paid, 0)))
	}
	if o.DueText != "" {
		field(pdf, "Срок оплаты", o.DueText)
	}
	pdf.Ln(10)
	signatures(pdf)
	return output(pdf, w)
}

func output(pdf *sheet, w io.Writer) error {
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("render PDF: %w", err)
	}
	return nil
}

func heading(pdf *sheet, title string) {
	pdf.SetFont("go", "B", 14)
	pdf.MultiCell(0, 7, title, "", "C", false)
	pdf.Ln(3)
}

func shopBlock(pdf *sheet, role string, s Shop) {
	parts := []string{s.Name}
	if s.Address != "" {
		parts = append(parts, s.Address)
	}
	if s.INN != "" {
		parts = append(parts, "ИНН "+s.INN)
	}
	if s.OGRN != "" {
		parts = append(parts, "ОГРН "+s.OGRN)
	}
	if s.Phone != "" {
		parts = append(parts, "тел. "+s.Phone)
	}
	field(pdf, role, strings.Join(parts, ", "))
}

// field is "Label: value", the value wrapped under itself.
func field(pdf *sheet, label, value string) {
	pdf.SetFont("go", "B", 10)
	const labelW = 42.0
	pdf.CellFormat(labelW, lineH, label+":", "", 0, "L", false, 0, "")
	pdf.SetFont("go", "", 10)
	pdf.MultiCell(0, lineH, value, "", "L", false)
}

// table draws lines with a header, wrapping long names within their column.
func table(pdf *sheet, caption string, lines []Line) {
	if len(lines) == 0 {
		return
	}
	colName := pageW - 2*margin - colNo - colQty - colUnit - colPrice - colSum
	if caption != "" {
		pdf.SetFont("go", "B", 11)
		pdf.CellFormat(0, 7, caption, "", 1, "L", false, 0, "")
	}
	pdf.SetFont("go", "B", 9)
	pdf.SetFillColor(235, 235, 235)
	for _, h := range []struct {
		w    float64
		text string
	}{{colNo, "№"}, {colName, "Наименование"}, {colQty, "Кол-во"}, {colUnit, "Ед."}, {colPrice, "Цена, руб."}, {colSum, "Сумма, руб."}} {
		pdf.CellFormat(h.w, 6, h.text, "1", 0, "C", true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("go", "", 9)
	var sum crm.Money
	for i, l := range lines {
		name := l.Name
		if l.SKU != "" {
			name += " (" + l.SKU + ")"
		}
		wrapped := pdf.SplitText(name, colName-2)
		h := float64(max(len(wrapped), 1)) * 4.5
		if pdf.GetY()+h > 297-margin-10 {
			pdf.AddPage()
		}
		x, y := pdf.GetXY()
		cells := []struct {
			w     float64
			text  string
			align string
		}{
			{colNo, strconv.Itoa(i + 1), "C"}, {colName, "", "L"}, {colQty, l.Qty.String(), "R"},
			{colUnit, l.Unit, "C"}, {colPrice, number(l.Price), "R"}, {colSum, number(l.Amount), "R"},
		}
		cx := x
		for _, c := range cells {
			pdf.Rect(cx, y, c.w, h, "D")
			if c.text != "" {
				pdf.SetXY(cx, y)
				pdf.CellFormat(c.w, h, c.text, "", 0, c.align, false, 0, "")
			}
			cx += c.w
		}
		for j, part := range wrapped {
			pdf.SetXY(x+colNo+1, y+float64(j)*4.5)
			pdf.CellFormat(colName-2, 4.5, part, "", 0, "L", false, 0, "")
		}
		pdf.SetXY(x, y+h)
		sum += l.Amount
	}
	pdf.SetFont("go", "B", 9)
	pdf.CellFormat(pageW-2*margin-colSum, 6, "Итого:", "", 0, "R", false, 0, "")
	pdf.CellFormat(colSum, 6, number(sum), "1", 1, "R", false, 0, "")
	pdf.Ln(2)
}

func totals(pdf *sheet, o Order) {
	pdf.SetFont("go", "", 10)
	row := func(label, value string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont("go", style, 10)
		pdf.CellFormat(pageW-2*margin-colSum-10, lineH+1, label, "", 0, "R", false, 0, "")
		pdf.CellFormat(colSum+10, lineH+1, value, "", 1, "R", false, 0, "")
	}
	t := o.Totals
	row("Работы:", money(t.Labour), false)
	row("Запчасти и материалы:", money(t.Parts), false)
	if t.Discount > 0 {
		row("Скидка:", "−"+money(t.Discount), false)
	}
	row("Всего к оплате:", money(t.Total), true)
	vat := o.Shop.VAT
	if vat == "" {
		vat = "Без НДС"
	}
	row(vat, "", false)
}

func signatures(pdf *sheet) {
	pdf.SetFont("go", "", 10)
	half := (pageW - 2*margin) / 2
	pdf.CellFormat(half, lineH, "Исполнитель ____________________", "", 0, "L", false, 0, "")
	pdf.CellFormat(half, lineH, "Заказчик ____________________", "", 1, "L", false, 0, "")
}

// money is "1 234,56 руб.": the Go fonts predate the ruble sign (U+20BD), so the papers spell it
// out; number is the amount alone, for table columns headed "руб.".
func money(m crm.Money) string { return number(m) + " руб." }

func number(m crm.Money) string { return strings.TrimSuffix(m.String(), " ₽") }

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
