package docs

import (
	"strings"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// Clients type anything: emoji, Chinese, Hebrew, zero-width joiners. fpdf refuses a character
// beyond the embedded font's width table ("character outside the supported range") and draws an
// empty box for one inside it without a glyph, so every string is cleaned on its way to the page,
// in the methods of sheet below, against the glyphs both embedded faces really have.

// sheet is the PDF being drawn: the text-drawing methods of fpdf are shadowed here so that no
// string reaches the page uncleaned.
type sheet struct {
	*fpdf.Fpdf
	faces []*sfnt.Font
	buf   sfnt.Buffer
}

func newSheet(pdf *fpdf.Fpdf, ttfs ...[]byte) (*sheet, error) {
	p := &sheet{Fpdf: pdf}
	for _, ttf := range ttfs {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			return nil, err
		}
		p.faces = append(p.faces, f)
	}
	return p, nil
}

func (p *sheet) CellFormat(w, h float64, s, border string, ln int, align string, fill bool, link int, linkStr string) {
	p.Fpdf.CellFormat(w, h, p.clean(s), border, ln, align, fill, link, linkStr)
}

func (p *sheet) MultiCell(w, h float64, s, border, align string, fill bool) {
	p.Fpdf.MultiCell(w, h, p.clean(s), border, align, fill)
}

func (p *sheet) SplitText(s string, w float64) []string { return p.Fpdf.SplitText(p.clean(s), w) }

func (p *sheet) Cell(w, h float64, s string) { p.Fpdf.Cell(w, h, p.clean(s)) }

func (p *sheet) Write(h float64, s string) { p.Fpdf.Write(h, p.clean(s)) }

func (p *sheet) Text(x, y float64, s string) { p.Fpdf.Text(x, y, p.clean(s)) }

// clean keeps what the font draws. Marks and format characters left over after composition
// (a variation selector, a ZWJ, a bidi override, an accent the font has no precomposed letter
// for) go silently, and so do emoji and other symbols: "Kia Rio 🚗" is "Kia Rio". A run of
// letters or digits of a script the font lacks becomes one "?", so a name in Chinese still shows
// there was a name. The ruble sign, missing from the Go fonts, is spelled "руб.".
func (p *sheet) clean(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	lost := false // the last thing kept was a "?"
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
			lost = false
		case r == '\t':
			b.WriteByte(' ')
			lost = false
		case unicode.IsControl(r):
		case p.has(r):
			b.WriteRune(r)
			lost = false
		case r == '₽':
			b.WriteString("руб.")
			lost = false
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf, unicode.S):
		case !lost:
			b.WriteByte('?')
			lost = true
		}
	}
	return b.String()
}

// has says whether every face has a glyph for r, so it draws in bold as in regular.
func (p *sheet) has(r rune) bool {
	for _, f := range p.faces {
		if g, err := f.GlyphIndex(&p.buf, r); err != nil || g == 0 {
			return false
		}
	}
	return true
}
