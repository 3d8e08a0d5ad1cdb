package tasks

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestLineReaderAsJavaReadLine(t *testing.T) {
	long := strings.Repeat("x", 100<<10) // past the reader's buffer
	for in, want := range map[string][]string{
		"":               nil,
		"a":              {"a"},
		"a\n":            {"a"},
		"a\n\n":          {"a", ""},
		"a\r\nb\rc\nd":   {"a", "b", "c", "d"},
		"a\r\r\n":        {"a", ""},
		"a\r":            {"a"},
		"\n\r\n":         {"", ""},
		long + "\r\nend": {long, "end"},
	} {
		lr := newLineReader(strings.NewReader(in))
		var got []string
		for {
			l, err := lr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, l)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%.20q: got %.40q, want %.40q", in, got, want)
		}
	}
}
