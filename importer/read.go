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
	line    int
	cells   []string
	raw     []string
	badText string // the first cell that is not valid UTF-8 in a UTF-8 file; "" = none
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

// ErrNotTable is a file that is neither CSV text nor an XLSX workbook: a picture, a PDF, binary
// junk. ErrOldExcel is a .xls (Excel 97-2003) workbook, whatever its name.
var (
	ErrNotTable = errors.New("not a table: the file is binary, neither CSV text nor an XLSX workbook")
	ErrOldExcel = errors.New("old .xls files are not read: save the sheet as .xlsx or .csv")
)

// CheckTable tells from a file's first bytes (up to 64 KB) whether it can be a table: nil for
// an XLSX (zip) or text, ErrOldExcel for an OLE workbook, ErrNotTable for anything with NUL
// bytes or many control characters (UTF-16 text, which has NULs, is told by its BOM).
func CheckTable(head []byte) error {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0")):
		return ErrOldExcel
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return nil
	}
	control := 0
	for _, c := range head {
		switch {
		case c == 0:
			return ErrNotTable
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f':
			control++
		}
	}
	if control > len(head)/100+2 {
		return ErrNotTable
	}
	return nil
}

// openRows picks the reader by the content (a zip is XLSX, whatever its name: an .xlsx renamed
// .csv), else by the name's extension, and estimates how many rows the file has (0 when
// unknown). A file that is no table is ErrNotTable.
func openRows(name string, r io.Reader, sheet string, kind Kind) (rowReader, int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	ext := strings.ToLower(filepath.Ext(name))
	head, _ := br.Peek(64 << 10)
	if ext == ".xls" {
		return nil, 0, ErrOldExcel
	}
	if err := CheckTable(head); err != nil {
		return nil, 0, err
	}
	if ext == ".xlsx" || ext == ".xlsm" || bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return openXLSX(br, sheet, kind)
	}
	return openCSV(r, br)
}

// csvReader reads CSV with the separator of its header line.
type csvReader struct {
	r         *csv.Reader
	checkUTF8 bool // the file is UTF-8: a row that is not is marked badText
}

// openCSV detects the encoding (UTF-16 by its BOM; UTF-8 by its BOM, or when more lines are
// valid UTF-8 with letters beyond ASCII than are not; anything else Windows-1251) and the
// separator, and counts lines for progress when r can seek. In a UTF-8 file, a row that is not
// valid UTF-8 (pasted from a Windows-1251 file) is rejected, not the whole file misread.
func openCSV(r io.Reader, br *bufio.Reader) (rowReader, int, error) {
	head, _ := br.Peek(3)
	var text io.Reader
	lines := 0
	utf := false
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		// Excel's "Unicode text" is UTF-16 with a BOM, tab separated.
		text = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder())
	default:
		var n int
		var err error
		utf, n, err = sniffUTF8(r, br)
		if err != nil {
			return nil, 0, err
		}
		lines = n
		if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
			utf = true // a BOM settles it, whatever bad bytes follow
			_, _ = br.Discard(3)
		}
		if utf {
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
	return &csvReader{r: cr, checkUTF8: utf}, total, nil
}

// utf8Votes counts the complete lines of b that are valid UTF-8 with some byte beyond ASCII
// (good) and those that are not valid UTF-8 (bad); ASCII lines say nothing.
func utf8Votes(b []byte) (good, bad int) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		ascii := true
		for _, c := range line {
			if c >= 0x80 {
				ascii = false
				break
			}
		}
		switch {
		case ascii:
		case utf8.Valid(line):
			good++
		default:
			bad++
		}
	}
	return good, bad
}

// sniffUTF8 tells whether the text is UTF-8: no line is invalid, or more lines are valid UTF-8
// beyond ASCII than are invalid (a Windows-1251 file of Cyrillic text has no valid UTF-8 line
// with Cyrillic in it). When r can seek, the whole file is scanned (and its lines counted) and r
// put back; otherwise the first megabyte decides.
func sniffUTF8(r io.Reader, br *bufio.Reader) (valid bool, lines int, err error) {
	sk, ok := r.(io.Seeker)
	if !ok {
		buf, _ := br.Peek(1 << 20)
		if len(buf) == 0 {
			return true, 0, nil
		}
		if len(buf) == 1<<20 { // a line cut at the end of the peeked bytes does not vote
			if i := bytes.LastIndexByte(buf, '\n'); i > 0 {
				buf = buf[:i]
			}
		}
		good, bad := utf8Votes(buf)
		return bad == 0 || good > bad, 0, nil
	}
	start, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return false, 0, fmt.Errorf("read file: %w", err)
	}
	start -= int64(br.Buffered())
	var good, bad int
	var carry []byte
	endsInBreak := false
	chunk := make([]byte, 256<<10)
	for {
		n, rerr := br.Read(chunk)
		lines += bytes.Count(chunk[:n], []byte{'\n'})
		if n > 0 {
			endsInBreak = chunk[n-1] == '\n'
		}
		b := append(carry, chunk[:n]...)
		cut := len(b)
		if rerr == nil {
			cut = bytes.LastIndexByte(b, '\n') + 1 // keep a line the chunk split for the next one
			if cut == 0 && len(b) > 1<<20 {
				// A megabyte with no line break: vote on it as it is, but for a rune the
				// chunk split, which goes on with the next one.
				cut = lastRuneStart(b)
				if utf8.FullRune(b[cut:]) {
					cut = len(b)
				}
			}
		}
		g, x := utf8Votes(b[:cut])
		good, bad = good+g, bad+x
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
	if !endsInBreak {
		lines++ // the last line has no break after it
	}
	return bad == 0 || good > bad, lines, nil
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
	rec := record{line: line, cells: cells}
	if c.checkUTF8 {
		for _, cell := range cells {
			if !utf8.ValidString(cell) {
				rec.badText = cell
				break
			}
		}
	}
	return rec, nil
}

func (c *csvReader) close() error { return nil }
