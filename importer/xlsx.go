package importer

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// xlsxReader walks a sheet with two of excelize's streaming row iterators in step: one gives the
// cells as Excel shows them (dates in the built-in short format as DD.MM.YYYY), the other their
// raw values, so that a phone stored as a float is read as its digits and a date cell with an
// unusual format still as its serial.
type xlsxReader struct {
	f         *excelize.File
	sheet     string   // the sheet read
	sheets    []string // the workbook's, for messages
	shown, rw *excelize.Rows
	line      int
}

// openXLSX opens the named sheet, or without a name the first sheet whose header row has a
// column of kind (a workbook whose first sheet is a cover or notes), else the first.
func openXLSX(r io.Reader, sheet string, kind Kind) (rowReader, int, error) {
	f, err := excelize.OpenReader(r, excelize.Options{ShortDatePattern: "dd.mm.yyyy"})
	if err != nil {
		return nil, 0, fmt.Errorf("read xlsx: %w", err)
	}
	if sheet == "" {
		list := f.GetSheetList()
		if len(list) == 0 {
			f.Close()
			return nil, 0, fmt.Errorf("read xlsx: the workbook has no sheet")
		}
		sheet = list[0]
		for _, name := range list {
			if cells, err := firstRow(f, name); err == nil && HasKnownColumn(kind, cells) {
				sheet = name
				break
			}
		}
	} else if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		f.Close()
		return nil, 0, fmt.Errorf("read xlsx: no sheet %q (sheets: %q)", sheet, f.GetSheetList())
	}
	shown, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("read xlsx sheet %q: %w", sheet, err)
	}
	rw, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("read xlsx sheet %q: %w", sheet, err)
	}
	total := 0
	if dim, err := f.GetSheetDimension(sheet); err == nil {
		if _, last, ok := cutColon(dim); ok {
			if _, row, err := excelize.CellNameToCoordinates(last); err == nil && row > 1 {
				total = row - 1
			}
		}
	}
	return &xlsxReader{f: f, sheet: sheet, sheets: f.GetSheetList(), shown: shown, rw: rw}, total, nil
}

// firstRow is the first non-blank row of a sheet, looking at no more than its first 20 rows.
func firstRow(f *excelize.File, sheet string) ([]string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for i := 0; i < 20 && rows.Next(); i++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		if !blank(cells) {
			return cells, nil
		}
	}
	return nil, rows.Error()
}

// FirstRows are the first non-blank row of each sheet of a workbook, in order (nil for a
// sheet that has none): what the bot looks at to tell what a file holds.
func FirstRows(f *excelize.File) (sheets []string, rows [][]string) {
	for _, name := range f.GetSheetList() {
		cells, _ := firstRow(f, name)
		sheets, rows = append(sheets, name), append(rows, cells)
	}
	return sheets, rows
}

func cutColon(s string) (string, string, bool) {
	for i := range s {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

func (x *xlsxReader) next() (record, error) {
	if !x.shown.Next() {
		if err := x.shown.Error(); err != nil {
			return record{}, fmt.Errorf("read xlsx: %w", err)
		}
		return record{}, io.EOF
	}
	x.rw.Next()
	x.line++
	cells, err := x.shown.Columns()
	if err != nil {
		return record{}, fmt.Errorf("read xlsx row %d: %w", x.line, err)
	}
	raw, err := x.rw.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return record{}, fmt.Errorf("read xlsx row %d: %w", x.line, err)
	}
	return record{line: x.line, cells: cells, raw: raw}, nil
}

func (x *xlsxReader) close() error {
	_ = x.shown.Close()
	_ = x.rw.Close()
	return x.f.Close()
}
