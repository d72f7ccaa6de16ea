// Package charts draws the owner report's picture (issue 9): orders and revenue by day for the
// last 30 days and the period's funnel, as one PNG for Telegram. It uses gonum.org/v1/plot, with
// the Go Regular font (which has Cyrillic) in its own font cache, so that the labels read the
// same wherever it runs and nothing depends on the plot package's default font.
package charts

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"time"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The picture's size in pixels: wide enough for 30 days' bars, within Telegram's photo limits.
const (
	Width  = 1200
	Height = 1200
	dpi    = 96
)

// Day is one day of the series.
type Day struct {
	Date    time.Time
	Orders  int
	Revenue float64 // in the unit Labels.Revenue names
}

// Step is one bar of the funnel.
type Step struct {
	Label string
	Count int
}

// Labels are the picture's texts, in the reader's language.
type Labels struct {
	Orders, Revenue, Funnel string // the three plots' titles
}

// Input is what the picture shows; without Funnel steps it is the two series alone.
type Input struct {
	Days   []Day
	Funnel []Step
	Labels Labels
}

// Render draws in as a PNG of Width × Height pixels.
func Render(in Input) ([]byte, error) {
	img, _, err := render(in)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode chart: %w", err)
	}
	return buf.Bytes(), nil
}

// face is the one font of the charts, parsed once per Render: a font cache of our own keeps the
// plot package's global one out of it.
func face() (*opentype.Font, error) {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse Go Regular: %w", err)
	}
	return f, nil
}

// Missing returns the runes of s the charts' font has no glyph for (a box on the picture).
func Missing(s string) ([]rune, error) {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse Go Regular: %w", err)
	}
	var buf sfnt.Buffer
	var out []rune
	for _, r := range s {
		if r == ' ' || r == '\n' {
			continue
		}
		if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

// render draws the canvas and returns, for tests, the plots' data areas in image pixels.
func render(in Input) (*vgimg.Canvas, []image.Rectangle, error) {
	fnt, err := face()
	if err != nil {
		return nil, nil, err
	}
	handler := text.Plain{Fonts: font.NewCache(font.Collection{{Font: font.Font{Typeface: "Go"}, Face: fnt}})}
	style := func(p *plot.Plot, title string) {
		p.TextHandler = handler
		p.Title.Text = title
		p.Title.TextStyle.Handler = handler
		p.Title.TextStyle.Font = font.Font{Typeface: "Go", Size: 15}
		// Every text style names our one face, or the cache would look up one it lacks.
		p.Legend.TextStyle.Handler = handler
		p.Legend.TextStyle.Font = font.Font{Typeface: "Go", Size: 11}
		for _, a := range []*plot.Axis{&p.X, &p.Y} {
			a.Label.TextStyle.Handler = handler
			a.Label.TextStyle.Font = font.Font{Typeface: "Go", Size: 12}
			a.Tick.Label.Handler = handler
			a.Tick.Label.Font = font.Font{Typeface: "Go", Size: 11}
		}
		p.Y.Min = 0
	}
	dayNames := make([]string, len(in.Days))
	orders := make(plotter.Values, len(in.Days))
	revenue := make(plotter.Values, len(in.Days))
	for i, d := range in.Days {
		if i%5 == len(in.Days)%5 || i == len(in.Days)-1 { // every fifth day, and the last
			dayNames[i] = d.Date.Format("02.01")
		}
		orders[i] = float64(d.Orders)
		revenue[i] = d.Revenue
	}
	barW := vg.Length(Width) / vg.Length(dpi) * vg.Inch / vg.Length(max(len(in.Days), 1)) * 0.6
	bars := func(title string, vs plotter.Values, c color.Color) (*plot.Plot, error) {
		p := plot.New()
		style(p, title)
		if len(vs) == 0 {
			return p, nil
		}
		b, err := plotter.NewBarChart(vs, barW)
		if err != nil {
			return nil, err
		}
		b.Color, b.LineStyle.Width = c, 0
		p.Add(b)
		p.NominalX(dayNames...)
		return p, nil
	}
	po, err := bars(in.Labels.Orders, orders, color.RGBA{R: 0x2e, G: 0x6f, B: 0xb5, A: 0xff})
	if err != nil {
		return nil, nil, fmt.Errorf("chart orders: %w", err)
	}
	pr, err := bars(in.Labels.Revenue, revenue, color.RGBA{R: 0x2f, G: 0x9e, B: 0x55, A: 0xff})
	if err != nil {
		return nil, nil, fmt.Errorf("chart revenue: %w", err)
	}
	pf := plot.New()
	style(pf, in.Labels.Funnel)
	if len(in.Funnel) > 0 {
		vs := make(plotter.Values, len(in.Funnel))
		names := make([]string, len(in.Funnel))
		for i, s := range in.Funnel { // top to bottom: the first step at the top
			vs[len(vs)-1-i] = float64(s.Count)
			names[len(vs)-1-i] = s.Label
		}
		b, err := plotter.NewBarChart(vs, 28)
		if err != nil {
			return nil, nil, fmt.Errorf("chart funnel: %w", err)
		}
		b.Horizontal, b.Color, b.LineStyle.Width = true, color.RGBA{R: 0xe0, G: 0x8a, B: 0x1e, A: 0xff}, 0
		pf.Add(b)
		pf.NominalY(names...)
		pf.X.Min = 0
		pf.Y.Min, pf.Y.Max = -0.6, float64(len(vs))-0.4
	}
	w, h := vg.Length(Width)/vg.Length(dpi)*vg.Inch, vg.Length(Height)/vg.Length(dpi)*vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	plots := [][]*plot.Plot{{po}, {pr}, {pf}}
	if len(in.Funnel) == 0 { // a report without the funnel (the managers')
		plots = plots[:2]
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: 10, PadBottom: 10, PadLeft: 10, PadRight: 20, PadY: 20}
	canvases := plot.Align(plots, tiles, dc)
	var rects []image.Rectangle
	for i, row := range plots {
		row[0].Draw(canvases[i][0])
		da := row[0].DataCanvas(canvases[i][0])
		// vg's origin is the bottom left, the image's the top left.
		px := func(l vg.Length) int { return int(l / vg.Inch * dpi) }
		rects = append(rects, image.Rect(px(da.Min.X), Height-px(da.Max.Y), px(da.Max.X), Height-px(da.Min.Y)))
	}
	return img, rects, nil
}
