package importer

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/uniflow-crm/uniflow/crm"
)

// The writers of exported tables: CSV the way Russian Excel opens it, and XLSX with real numbers
// and dates. A table is a header and rows of typed cells; each writer renders the types its way.

// cellKind is what a cell holds.
type cellKind int

const (
	cellText cellKind = iota
	cellInt
	cellMoney    // kopecks
	cellQty      // thousandths
	cellDate     // a day in the shop's time zone
	cellDateTime // a moment, shown in the shop's time zone
	cellBool
	cellEmpty
)

// cell is one typed value of a row.
type cell struct {
	kind cellKind
	s    string
	n    int64
	t    time.Time
	b    bool
}

func textCell(s string) cell        { return cell{kind: cellText, s: s} }
func intCell(n int64) cell          { return cell{kind: cellInt, n: n} }
func moneyCell(m crm.Money) cell    { return cell{kind: cellMoney, n: int64(m)} }
func qtyCell(q crm.Qty) cell        { return cell{kind: cellQty, n: int64(q)} }
func dateCell(t time.Time) cell     { return cell{kind: cellDate, t: t} }
func dateTimeCell(t time.Time) cell { return cell{kind: cellDateTime, t: t} }
func boolCell(b bool) cell          { return cell{kind: cellBool, b: b} }
func emptyCell() cell               { return cell{kind: cellEmpty} }

// optInt is an int cell, empty for nil.
func optInt(n *int) cell {
	if n == nil {
		return emptyCell()
	}
	return intCell(int64(*n))
}

// optDate is a date cell, empty for nil.
func optDate(t *time.Time) cell {
	if t == nil {
		return emptyCell()
	}
	return dateCell(*t)
}

// tableWriter writes one table: header first, then rows, then close.
type tableWriter interface {
	header(names []string) error
	row(cells []cell) error
	close() error
}

// csvWriter writes CSV for Russian Excel: a UTF-8 byte-order mark (without it Excel reads the
// file as Windows-1251), the separator it expects (";" where the decimal separator is a comma),
// CRLF line ends, money as 1500,50 and dates as DD.MM.YYYY.
type csvWriter struct {
	buf *bufio.Writer
	w   *csv.Writer
	loc *time.Location
	rec []string
}

func newCSVWriter(w io.Writer, sep rune, loc *time.Location) (*csvWriter, error) {
	buf := bufio.NewWriter(w)
	if _, err := buf.WriteString("\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(buf)
	cw.Comma = sep
	cw.UseCRLF = true
	return &csvWriter{buf: buf, w: cw, loc: loc}, nil
}

func (c *csvWriter) header(names []string) error { return c.w.Write(names) }

func (c *csvWriter) row(cells []cell) error {
	c.rec = c.rec[:0]
	for _, v := range cells {
		c.rec = append(c.rec, csvText(v, c.loc))
	}
	return c.w.Write(c.rec)
}

func (c *csvWriter) close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return c.buf.Flush()
}

// csvText renders a cell as the importer reads it back.
func csvText(v cell, loc *time.Location) string {
	switch v.kind {
	case cellText:
		return csvSafe(v.s)
	case cellInt:
		return strconv.FormatInt(v.n, 10)
	case cellMoney:
		return MoneyText(crm.Money(v.n))
	case cellQty:
		return crm.Qty(v.n).String()
	case cellDate:
		return v.t.In(loc).Format("02.01.2006")
	case cellDateTime:
		return v.t.In(loc).Format("02.01.2006 15:04")
	case cellBool:
		if v.b {
			return "да"
		}
		return "нет"
	}
	return ""
}

// formulaStart are the first characters that make a spreadsheet read a CSV cell as a formula
// (OWASP "CSV injection"): =HYPERLINK(...), +1+2, -1+2, @SUM(...), and tab or CR before them.
const formulaStart = "=+-@\t\r"

// csvSafe neutralises a text cell a spreadsheet would run as a formula by putting an apostrophe
// before it, which Excel shows as nothing and keeps the cell text; the importer takes it off
// again (unformula). A plain number ("+79123456789", "-5") is no formula and stays as it is: a
// phone keeps its plus, a refund its minus.
func csvSafe(s string) string {
	if s == "" || !strings.ContainsRune(formulaStart, rune(s[0])) || plainNumber(s) {
		return s
	}
	return "'" + s
}

// plainNumber reports whether s is a sign, then digits with at most spaces and one decimal
// separator among them.
func plainNumber(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	digits, seps := 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ',' || r == '.':
			seps++
		case r == ' ':
		default:
			return false
		}
	}
	return digits > 0 && seps <= 1
}

// unformula takes off the apostrophe csvSafe puts before a cell that starts like a formula.
func unformula(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStart, rune(s[1])) {
		return s[1:]
	}
	return s
}

// MoneyText writes an amount as a spreadsheet reads it in Russia: 1500,50, -5,00; no spaces
// between groups, no currency sign.
func MoneyText(m crm.Money) string {
	neg := m < 0
	u := uint64(m)
	if neg {
		u = uint64(-m)
	}
	s := strconv.FormatUint(u/100, 10) + "," + fmt.Sprintf("%02d", u%100)
	if neg {
		s = "-" + s
	}
	return s
}

// xlsxWriter writes one sheet through excelize's StreamWriter, which spills rows to a temporary
// file: memory stays flat however long the table. Numbers are numeric cells, dates date cells,
// each with the format Russian Excel shows them in.
type xlsxWriter struct {
	out   io.Writer
	f     *excelize.File
	sw    *excelize.StreamWriter
	loc   *time.Location
	next  int // the next row number
	style struct{ header, money, qty, date, dateTime int }
	vals  []any
}

func newXLSXWriter(w io.Writer, sheet string, loc *time.Location) (*xlsxWriter, error) {
	f := excelize.NewFile()
	x := &xlsxWriter{out: w, f: f, loc: loc, next: 1}
	fail := func(err error) (*xlsxWriter, error) {
		_ = f.Close()
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fail(err)
	}
	money, qty, date, dateTime := "#,##0.00", "0.###", "dd.mm.yyyy", "dd.mm.yyyy hh:mm"
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&x.style.header, excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&x.style.money, excelize.Style{CustomNumFmt: &money}},
		{&x.style.qty, excelize.Style{CustomNumFmt: &qty}},
		{&x.style.date, excelize.Style{CustomNumFmt: &date}},
		{&x.style.dateTime, excelize.Style{CustomNumFmt: &dateTime}},
	} {
		id, err := f.NewStyle(&s.style)
		if err != nil {
			return fail(err)
		}
		*s.id = id
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fail(err)
	}
	x.sw = sw
	return x, nil
}

func (x *xlsxWriter) header(names []string) error {
	for i, n := range names {
		// Wide enough for the header and a typical value; set before any row, as the stream needs.
		if err := x.sw.SetColWidth(i+1, i+1, float64(max(12, len([]rune(n))+4))); err != nil {
			return err
		}
	}
	x.vals = x.vals[:0]
	for _, n := range names {
		x.vals = append(x.vals, excelize.Cell{StyleID: x.style.header, Value: n})
	}
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return x.put()
}

func (x *xlsxWriter) row(cells []cell) error {
	x.vals = x.vals[:0]
	for _, v := range cells {
		x.vals = append(x.vals, x.value(v))
	}
	return x.put()
}

func (x *xlsxWriter) value(v cell) any {
	switch v.kind {
	case cellText:
		return v.s // a string stays text: phones and plates are not numbers
	case cellInt:
		return v.n
	case cellMoney:
		return excelize.Cell{StyleID: x.style.money, Value: float64(v.n) / 100}
	case cellQty:
		return excelize.Cell{StyleID: x.style.qty, Value: float64(v.n) / 1000}
	case cellDate:
		// excelize writes a time's wall clock: the day as the shop saw it.
		t := v.t.In(x.loc)
		return excelize.Cell{StyleID: x.style.date, Value: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
	case cellDateTime:
		t := v.t.In(x.loc)
		return excelize.Cell{StyleID: x.style.dateTime, Value: time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)}
	case cellBool:
		if v.b {
			return "да"
		}
		return "нет"
	}
	return nil
}

func (x *xlsxWriter) put() error {
	ref, err := excelize.CoordinatesToCellName(1, x.next)
	if err != nil {
		return err
	}
	x.next++
	return x.sw.SetRow(ref, x.vals)
}

func (x *xlsxWriter) close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if _, err := x.f.WriteTo(x.out); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}
