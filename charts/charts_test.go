package charts

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"
)

func sample(orders int) Input {
	var in Input
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		in.Days = append(in.Days, Day{Date: start.AddDate(0, 0, i), Orders: orders * (i%7 + 1), Revenue: float64(orders * 10 * (i%5 + 1))})
	}
	in.Funnel = []Step{{"Контакты", 40 * orders}, {"Заявки", 30 * orders}, {"Подтверждены", 25 * orders}, {"Приехали", 20 * orders}, {"Смета одобрена", 15 * orders}, {"Оплачено", 12 * orders}}
	in.Labels = Labels{Orders: "Заказы по дням", Revenue: "Выручка по дням, тыс. руб.", Funnel: "Воронка"}
	return in
}

// nonBackground counts the pixels of r in img that are not the white background, one in nine
// (every third of every third row: bars are far wider, and the race detector slow).
func nonBackground(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			if c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); c.R < 250 || c.G < 250 || c.B < 250 {
				n++
			}
		}
	}
	return n
}

func TestRenderIsAPNGWithBarsInEachPlot(t *testing.T) {
	b, err := Render(sample(3))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if sz := img.Bounds().Size(); sz.X != Width || sz.Y != Height {
		t.Fatalf("size %v, want %dx%d", sz, Width, Height)
	}
	_, rects, err := render(sample(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(rects) != 3 {
		t.Fatalf("%d plot areas", len(rects))
	}
	for i, r := range rects {
		if r.Dx() < Width/2 || r.Dy() < Height/8 || !r.In(img.Bounds()) {
			t.Errorf("plot %d: data area %v", i, r)
			continue
		}
		// Bars fill a good part of each plot's data area.
		if n := nonBackground(img, r); n < r.Dx()*r.Dy()/9/20 {
			t.Errorf("plot %d: %d of %d sampled pixels drawn in its data area", i, n, r.Dx()*r.Dy()/9)
		}
	}
	// With nothing to show, the data areas stay empty: the count above is the bars.
	empty, err := Render(sample(0))
	if err != nil {
		t.Fatal(err)
	}
	eimg, err := png.Decode(bytes.NewReader(empty))
	if err != nil {
		t.Fatal(err)
	}
	_, erects, _ := render(sample(0))
	if len(erects) != 3 {
		t.Fatalf("%d plot areas", len(erects))
	}
	for i, r := range erects {
		inner := r.Inset(3)
		if n := nonBackground(eimg, inner); n > inner.Dx()*inner.Dy()/9/100 {
			t.Errorf("empty plot %d: %d pixels drawn", i, n)
		}
	}
}

func TestTheFontHasCyrillic(t *testing.T) {
	missing, err := Missing("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789.,%")
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("no glyphs for %q", string(missing))
	}
	// And the check can fail: the ruble sign is not in Go Regular.
	if m, _ := Missing("₽"); len(m) != 1 {
		t.Errorf("Missing(₽) = %q, want the sign", string(m))
	}
}

func TestRenderWithoutTheFunnel(t *testing.T) {
	in := sample(2)
	in.Funnel = nil
	b, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != Width || img.Bounds().Dy() != Height {
		t.Fatalf("%v %v", img.Bounds(), err)
	}
	if _, rects, _ := render(in); len(rects) != 2 || rects[1].Dy() < Height/3 {
		t.Errorf("plot areas %v, want two halves", rects)
	}
}
