package importer

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// problemHeader is the header row of a problems file in lang.
func problemHeader(lang string) []string {
	if en(lang) {
		return []string{"Line", "Column", "Value", "Reason", "In the database"}
	}
	return []string{"Строка", "Столбец", "Значение", "Причина", "В базе"}
}

func en(lang string) bool { return len(lang) >= 2 && (lang[:2] == "en" || lang[:2] == "EN") }

func (p Problem) cells(lang string) []string {
	return []string{strconv.Itoa(p.Line), p.Column, p.Value, p.Text(lang), p.Current}
}

// WriteProblemsCSV writes the problems, one a line, as CSV that Russian Excel opens as it is:
// UTF-8 with a byte-order mark, ";" between fields, CRLF line ends.
func (r Report) WriteProblemsCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("write problems: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	if err := cw.Write(problemHeader(r.Lang)); err != nil {
		return fmt.Errorf("write problems: %w", err)
	}
	for _, p := range r.Problems {
		cells := p.cells(r.Lang)
		for i := range cells {
			cells[i] = csvSafe(cells[i]) // the values are the file's: a name may be a formula
		}
		if err := cw.Write(cells); err != nil {
			return fmt.Errorf("write problems: line %d: %w", p.Line, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write problems: %w", err)
	}
	return nil
}

// WriteProblemsXLSX writes the problems as an XLSX workbook of one sheet, streamed, the line
// numbers as numbers.
func (r Report) WriteProblemsXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Problems"
	if !en(r.Lang) {
		sheet = "Ошибки"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("write problems xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("write problems xlsx: %w", err)
	}
	row := func(n int, cells []any) error {
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, cells)
	}
	var head []any
	for _, h := range problemHeader(r.Lang) {
		head = append(head, h)
	}
	if err := row(1, head); err != nil {
		return fmt.Errorf("write problems xlsx: %w", err)
	}
	for i, p := range r.Problems {
		c := p.cells(r.Lang)
		if err := row(i+2, []any{p.Line, c[1], c[2], c[3], c[4]}); err != nil {
			return fmt.Errorf("write problems xlsx: line %d: %w", p.Line, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write problems xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write problems xlsx: %w", err)
	}
	return nil
}
