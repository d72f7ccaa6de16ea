package bot

import (
	"strings"
	"testing"
)

func TestEsc(t *testing.T) {
	cases := map[string]string{
		"<b>Иван</b>": "&lt;b&gt;Иван&lt;/b&gt;",
		"A&B <3":      "A&amp;B &lt;3",
		`_*[x]"`:      `_*[x]&quot;`,
	}
	for in, want := range cases {
		if got := esc(in); got != want {
			t.Errorf("esc(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShort(t *testing.T) {
	long := strings.Repeat("я", 5000)
	got := short(long, 300)
	if n := visibleLen(got); n != 301 {
		t.Errorf("visible length %d, want 301", n)
	}
	if got := short("<b>", 2); got != "&lt;b…" {
		t.Errorf("got %q", got)
	}
}

func TestVisibleLen(t *testing.T) {
	cases := map[string]int{"<b>ab</b>": 2, "a&amp;b": 3, "😀": 2, "plain": 5}
	for in, want := range cases {
		if got := visibleLen(in); got != want {
			t.Errorf("visibleLen(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestSplitMessage(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		b.WriteString("<b>строка</b> номер &amp; ещё немного текста\n")
	}
	b.WriteString(strings.Repeat("x", 9000))
	parts := splitMessage(b.String())
	if len(parts) < 3 {
		t.Fatalf("got %d parts", len(parts))
	}
	var total int
	for i, p := range parts {
		n := visibleLen(p)
		if n > maxMessage || n == 0 {
			t.Errorf("part %d: %d visible characters", i, n)
		}
		total += n
	}
	if want := visibleLen(b.String()); total < want-len(parts) {
		t.Errorf("lost text: %d of %d", total, want)
	}
}
