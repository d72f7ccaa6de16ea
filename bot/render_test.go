package bot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// splitMessage ends each part at its last paragraph break, else a line break, else a space
// (passing over breaks in the first quarter of a part), and cuts at the limit only where there is
// none; the cases pin where each part ends, not only its length.
func TestSplitMessage(t *testing.T) {
	t.Parallel()
	rep := strings.Repeat
	lines := func(n, width int, ch string) string { // n lines of width characters
		ls := make([]string, n)
		for i := range ls {
			ls[i] = rep(ch, width)
		}
		return strings.Join(ls, "\n")
	}
	words := func(n int) []string { // n words of 9 letters
		ws := make([]string, n)
		for i := range ws {
			ws[i] = "abcdefghi"
		}
		return ws
	}
	ws := words(1000) // 409 words and their spaces fill 4,089 of a part's 4,096
	tests := []struct {
		name string
		in   string
		want []string
	}{{
		name: "short: one part as it is",
		in:   "a\n\nb\n",
		want: []string{"a\n\nb\n"},
	}, {
		name: "at paragraph breaks, as many paragraphs per part as fit",
		in:   strings.Join([]string{rep("a", 1500), rep("b", 1500), rep("c", 1500), rep("d", 1500)}, "\n\n"),
		want: []string{rep("a", 1500) + "\n\n" + rep("b", 1500), rep("c", 1500) + "\n\n" + rep("d", 1500)},
	}, {
		name: "a paragraph break beats a later line break",
		in:   lines(5, 599, "a") + "\n\n" + lines(5, 599, "b"),
		want: []string{lines(5, 599, "a"), lines(5, 599, "b")},
	}, {
		name: "at line breaks inside one long paragraph",
		in:   lines(10, 999, "x"),
		want: []string{lines(4, 999, "x"), lines(4, 999, "x"), lines(2, 999, "x")},
	}, {
		name: "a line break beats a later space: a long line is not started at the end of a part",
		in:   rep("a", 1500) + "\n" + strings.Join(ws, " "),
		want: []string{rep("a", 1500), strings.Join(ws[:409], " "), strings.Join(ws[409:818], " "), strings.Join(ws[818:], " ")},
	}, {
		name: "an early paragraph break gives way to a line break in the second half",
		in:   "Title\n\n" + lines(10, 999, "x"),
		want: []string{"Title\n\n" + lines(4, 999, "x"), lines(4, 999, "x"), lines(2, 999, "x")},
	}, {
		name: "at spaces inside one long line, never inside a word",
		in:   strings.Join(ws, " "),
		want: []string{strings.Join(ws[:409], " "), strings.Join(ws[409:818], " "), strings.Join(ws[818:], " ")},
	}, {
		name: "a break inside an element gives way to one outside",
		in:   "<b>" + rep("x", 3000) + "\n\n" + rep("y", 500) + "</b> " + rep("z", 1000),
		want: []string{"<b>" + rep("x", 3000) + "\n\n" + rep("y", 500) + "</b>", rep("z", 1000)},
	}, {
		name: "a space inside a tag is no break",
		in:   rep("x", 3000) + `<a href="https://example.com/a b">` + rep("y", 2000) + "</a>",
		want: []string{rep("x", 3000) + `<a href="https://example.com/a b">` + rep("y", 1096), rep("y", 904) + "</a>"},
	}, {
		name: "no break at all: at the limit, never inside an entity",
		in:   rep("&amp;", 5000),
		want: []string{rep("&amp;", 4096), rep("&amp;", 904)},
	}, {
		name: "no break at all: a character counted twice does not straddle the limit",
		in:   rep("x", 4095) + "😀" + rep("y", 10),
		want: []string{rep("x", 4095), "😀" + rep("y", 10)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitMessage(tt.in)
			for i, p := range got {
				if n := visibleLen(p); n > maxMessage || n == 0 {
					t.Errorf("part %d: %d visible characters", i, n)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				var ends []string
				for _, p := range got {
					ends = append(ends, fmt.Sprintf("%d chars ending %q", visibleLen(p), p[max(0, len(p)-12):]))
				}
				t.Errorf("parts (-want +got):\n%s\nparts: %s", diff, strings.Join(ends, "; "))
			}
		})
	}
}
