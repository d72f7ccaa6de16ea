package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// record is one row of a file: its line (CSV: the physical line it starts on; XLSX: the row
// number), its cells as shown, and for XLSX the cells' raw values (numbers unformatted, dates as
// serials); raw is nil for CSV.
type record struct {
	line  int
	cells []string
	raw   []string
}

// badRow is a row the file format itself breaks (a stray quote): it is rejected, reading goes on.
type badRow struct {
	line int
	err  error
}

func (e *badRow) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }

// rowReader yields a file's rows; io.EOF at the end, *badRow for a row it cannot read.
type rowReader interface {
	next() (record, error)
	close() error
}

// openRows picks the reader by the name's extension, else by the content (a zip is XLSX), and
// estimates how many rows the file has (0 when unknown).
func openRows(name string, r io.Reader, sheet string) (rowReader, int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	ext := strings.ToLower(filepath.Ext(name))
	head, _ := br.Peek(4)
	if ext == ".xlsx" || ext == ".xlsm" || ext != ".csv" && ext != ".txt" && ext != ".tsv" && bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return openXLSX(br, sheet)
	}
	if ext == ".xls" {
		return nil, 0, errors.New("old .xls files are not read: save the sheet as .xlsx or .csv")
	}
	return openCSV(r, br)
}

// csvReader reads CSV with the separator of its header line.
type csvReader struct {
	r *csv.Reader
}

// openCSV detects the encoding (UTF-16 by its BOM; valid UTF-8 with or without a BOM; anything
// else Windows-1251) and the separator, and counts lines for progress when r can seek.
func openCSV(r io.Reader, br *bufio.Reader) (rowReader, int, error) {
	head, _ := br.Peek(3)
	var text io.Reader
	lines := 0
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		// Excel's "Unicode text" is UTF-16 with a BOM, tab separated.
		text = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	default:
		utf, n, err := sniffUTF8(r, br)
		if err != nil {
			return nil, 0, err
		}
		lines = n
		if utf {
			if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
				_, _ = br.Discard(3)
			}
			text = br
		} else {
			text = transform.NewReader(br, charmap.Windows1251.NewDecoder())
		}
	}
	tb := bufio.NewReaderSize(text, 64<<10)
	sep := detectSeparator(tb)
	cr := csv.NewReader(tb)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	total := 0
	if lines > 1 {
		total = lines - 1 // the header; blank lines and line breaks inside fields make it an estimate
	}
	return &csvReader{r: cr}, total, nil
}

// sniffUTF8 tells whether the text is valid UTF-8. When r can seek, the whole file is scanned
// (and its lines counted) and r put back; otherwise the first megabyte decides.
func sniffUTF8(r io.Reader, br *bufio.Reader) (valid bool, lines int, err error) {
	sk, ok := r.(io.Seeker)
	if !ok {
		buf, _ := br.Peek(1 << 20)
		if len(buf) == 0 {
			return true, 0, nil
		}
		// A rune cut at the end of the peeked bytes is not an error.
		for i := 0; i < utf8.UTFMax && len(buf) > 0 && !utf8.FullRune(buf[lastRuneStart(buf):]); i++ {
			buf = buf[:lastRuneStart(buf)]
		}
		return utf8.Valid(buf), 0, nil
	}
	start, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return false, 0, fmt.Errorf("read file: %w", err)
	}
	start -= int64(br.Buffered())
	valid = true
	var carry []byte
	chunk := make([]byte, 256<<10)
	for {
		n, rerr := br.Read(chunk)
		b := append(carry, chunk[:n]...)
		lines += bytes.Count(chunk[:n], []byte{'\n'})
		cut := len(b)
		if rerr == nil {
			cut = lastRuneStart(b) // keep a rune the chunk split for the next one
			if utf8.FullRune(b[cut:]) {
				cut = len(b)
			}
		}
		if valid && !utf8.Valid(b[:cut]) {
			valid = false
		}
		carry = append(carry[:0], b[cut:]...)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return false, 0, fmt.Errorf("read file: %w", rerr)
		}
	}
	if _, err := sk.Seek(start, io.SeekStart); err != nil {
		return false, 0, fmt.Errorf("read file: %w", err)
	}
	br.Reset(r)
	return valid, lines + 1, nil
}

// lastRuneStart is the index where the last (possibly incomplete) rune of b starts.
func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return len(b)
}

// detectSeparator counts , ; and tab outside quotes in the header line (which may span physical
// lines inside quotes) and picks the most frequent; ties go to ";", then tab, then ",". A file of
// one column has none: ",".
func detectSeparator(br *bufio.Reader) rune {
	buf, _ := br.Peek(64 << 10)
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(buf) {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '\n' || r == '\r':
			if len(counts) > 0 {
				return pickSeparator(counts)
			}
		case r == ',' || r == ';' || r == '\t':
			counts[r]++
		}
	}
	return pickSeparator(counts)
}

func pickSeparator(counts map[rune]int) rune {
	best, n := ',', 0
	for _, r := range []rune{';', '\t', ','} {
		if counts[r] > n {
			best, n = r, counts[r]
		}
	}
	return best
}

func (c *csvReader) next() (record, error) {
	cells, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return record{}, &badRow{line: pe.StartLine, err: pe.Err}
		}
		return record{}, err
	}
	line, _ := c.r.FieldPos(0)
	return record{line: line, cells: cells}, nil
}

func (c *csvReader) close() error { return nil }
