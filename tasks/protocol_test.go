package tasks

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLineWriterCutsLines(t *testing.T) {
	long := strings.Repeat("é", maxLine/2+10) // 2-byte runes across the cut
	cases := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"one write, many lines", []string{"a\nb\n"}, []string{"a", "b"}},
		{"a line over several writes", []string{"he", "llo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"empty lines kept", []string{"\n\nx\n"}, []string{"", "", "x"}},
		{"last line without newline", []string{"a\nlast"}, []string{"a", "last"}},
		{"CRLF", []string{"a\r\nb\r", "\n"}, []string{"a", "b"}},
		{"a lone CR stays", []string{"a\rb\n"}, []string{"a\rb"}},
		{"a long line is cut on a rune boundary", []string{long + "\n"}, []string{long[:maxLine], long[maxLine:]}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			w := &lineWriter{emit: func(s string) { got = append(got, s) }}
			for _, s := range c.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write: got %d, %v; want %d, nil", n, err, len(s))
				}
			}
			w.flush()
			if !slices.Equal(got, c.want) {
				t.Errorf("lines: got %d %q, want %d %q", len(got), abbreviate(got), len(c.want), abbreviate(c.want))
			}
			for _, l := range got {
				if !utf8.ValidString(l) {
					t.Errorf("line %q: got invalid UTF-8, want valid", abbreviate([]string{l}))
				}
			}
		})
	}
}

func TestLineWriterHandsPiecesApart(t *testing.T) {
	var lines, pieces []string
	w := &lineWriter{emit: func(s string) { lines = append(lines, s) }, piece: func(s string) { pieces = append(pieces, s) }}
	long := strings.Repeat("x", 2*maxLine+5)
	if _, err := w.Write([]byte("a\n" + long + "\nb\n")); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", long[2*maxLine:], "b"}; !slices.Equal(lines, want) {
		t.Errorf("lines: got %q, want %q", abbreviate(lines), abbreviate(want))
	}
	if want := []string{long[:maxLine], long[maxLine : 2*maxLine]}; !slices.Equal(pieces, want) {
		t.Errorf("pieces: got %q, want %q", abbreviate(pieces), abbreviate(want))
	}
}

// abbreviate shortens long lines for failure messages.
func abbreviate(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if len(l) > 40 {
			l = l[:20] + "…" + l[len(l)-20:]
		}
		out[i] = l
	}
	return out
}

func TestCompileGlob(t *testing.T) {
	cases := []struct {
		glob  string
		match []string
		miss  []string
	}{
		{"*.txt", []string{"a.txt", ".txt"}, []string{"d/a.txt", "a.txt.bak"}},
		{"d/*", []string{"d/a"}, []string{"d/e/a", "a"}},
		{"**", []string{"a", "d/e/a"}, nil},
		{"**/*.csv", []string{"a.csv", "d/a.csv", "d/e/a.csv"}, []string{"a.txt"}},
		{"d/**/x", []string{"d/x", "d/e/x", "d/e/f/x"}, []string{"x", "e/x"}},
		{"?.log", []string{"a.log"}, []string{"ab.log", "/.log"}},
		{"[ab].txt", []string{"a.txt", "b.txt"}, []string{"c.txt"}},
		{"[!ab].txt", []string{"c.txt"}, []string{"a.txt"}},
		{"*.{csv,json}", []string{"a.csv", "b.json"}, []string{"c.txt"}},
		{"./out.txt", []string{"out.txt"}, nil},
		{`a\*b`, []string{"a*b"}, []string{"axb"}},
		{"a+(b).txt", []string{"a+(b).txt"}, []string{"aab.txt"}},
		{"a,b", []string{"a,b"}, nil},
	}
	for _, c := range cases {
		g, err := compileGlob(c.glob)
		if err != nil {
			t.Errorf("compileGlob(%q): got %v, want no error", c.glob, err)
			continue
		}
		for _, p := range c.match {
			if !g.match(p) {
				t.Errorf("glob %q on %q: got no match, want a match", c.glob, p)
			}
		}
		for _, p := range c.miss {
			if g.match(p) {
				t.Errorf("glob %q on %q: got a match, want none", c.glob, p)
			}
		}
	}
	for _, bad := range []string{"", "[a", "[]", "{a,b", "a}", `a\`} {
		if _, err := compileGlob(bad); err == nil {
			t.Errorf("compileGlob(%q): got no error, want one", bad)
		}
	}
}

// replaceMasking masks fixed values, as the runner's masker does.
type replaceMasking []string

func (m replaceMasking) String(s string) string {
	for _, v := range m {
		s = strings.ReplaceAll(s, v, "******")
	}
	return s
}

func (m replaceMasking) Longest() int {
	n := 0
	for _, v := range m {
		n = max(n, len(v))
	}
	return n
}

func TestLineWriterMasksSecretsAcrossCuts(t *testing.T) {
	const secret = "s3cr3t-t0ken-value"
	// Place the secret across the first cut, in writes that split it too, as a pipe does.
	for _, at := range []int{maxLine - 3, maxLine - len(secret) + 1, maxLine - 1, maxLine} {
		t.Run("", func(t *testing.T) {
			line := strings.Repeat("a", at) + secret + strings.Repeat("b", maxLine)
			var got []string
			w := &lineWriter{emit: func(s string) { got = append(got, s) }, mask: replaceMasking{secret}}
			for rest := line + "\n"; rest != ""; {
				n := min(len(rest), 32<<10+7)
				w.Write([]byte(rest[:n]))
				rest = rest[n:]
			}
			w.flush()
			if len(got) < 2 {
				t.Fatalf("pieces: got %d, want the line cut in 2 or more", len(got))
			}
			for i, p := range got {
				if len(p) > maxLine {
					t.Errorf("piece %d: got %d bytes, want at most %d", i, len(p), maxLine)
				}
				// Each piece is what the engine masks on its own: no part of the secret
				// 4 bytes or longer may be left in any piece.
				for k := len(secret); k >= 4; k-- {
					if strings.HasSuffix(p, secret[:k]) || strings.HasPrefix(p, secret[len(secret)-k:]) {
						t.Fatalf("piece %d ends or starts with part of the secret (%d bytes)", i, k)
					}
				}
			}
			if joined := strings.Join(got, ""); strings.Count(joined, "******") != 1 || len(joined) != len(line)-len(secret)+6 {
				t.Errorf("pieces joined: got %d bytes with %d masks, want the line with the secret masked once",
					len(joined), strings.Count(joined, "******"))
			}
		})
	}
}
