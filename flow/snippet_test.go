package flow

import (
	"errors"
	"strings"
	"testing"
)

func TestExplainQuotesTheLineWithACaret(t *testing.T) {
	src := "id: a\nnamespace: dev\ntasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Log\n    message: echo a: b\n"
	_, err := Parse("f.yml", []byte(src), nil)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a *LoadError", err)
	}
	want := "f.yml:6:20: invalid YAML: mapping values are not allowed in this context: the value of \"message\" holds \": \", which YAML reads as a second key: quote the whole value, 'echo a: b'\n" +
		"  6 |     message: echo a: b\n" +
		"    |                    ^"
	if got := le.Explain(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(le.Error(), "|") {
		t.Errorf("Error() must stay one line per problem, got %q", le.Error())
	}
}

func TestSourceLineKeepsTabsHidesControlsAndCutsLongLines(t *testing.T) {
	for _, c := range []struct {
		name, line string
		col        int
		want       string
	}{
		{"tab before the column", "\tkey: v", 2, "\n  3 | \tkey: v\n    | \t^"},
		{"escape sequence", "a: \x1b[31mred", 4, "\n  3 | a: ?[31mred\n    |    ^"},
		{"no column", "abc", 0, "\n  3 | abc"},
		{"long line cut around the column", strings.Repeat("x", 300) + "!", 301,
			"\n  3 | " + strings.Repeat("x", 119) + "!\n    | " + strings.Repeat(" ", 119) + "^"},
	} {
		if got := sourceLine([]byte(c.line), 3, c.col); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
