package flow

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// explained bounds how many problems Explain quotes the source of: past a screenful the
// lines say more than the quotes.
const explained = 20

// snippetWidth bounds a quoted source line, in runes; a longer one is cut around the column.
const snippetWidth = 120

// Explain returns the problems as Error does, each followed by the line of the file it is
// on and a caret under its column, as rustc and terraform show them:
//
//	flow.yml:6:20: invalid YAML: ...
//	    6 |     message: echo a: b
//	      |                    ^
//
// Characters a terminal would act on are shown as "?" (the file may hold anything).
func (e *LoadError) Explain() string {
	var b strings.Builder
	lines := bytes.Split(e.src, []byte("\n"))
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
		if i < explained && p.Line >= 1 && p.Line <= len(lines) {
			b.WriteString(sourceLine(lines[p.Line-1], p.Line, p.Col))
		}
	}
	return b.String()
}

// sourceLine quotes line (number n) with a caret under the 1-based rune column col (none when
// col is 0), each on its own line after a newline.
func sourceLine(raw []byte, n, col int) string {
	text := []rune(strings.TrimRight(string(raw), "\r"))
	start := 0
	if len(text) > snippetWidth {
		// Keep the column in view.
		start = max(0, min(col-1-snippetWidth/2, len(text)-snippetWidth))
		text = text[start : start+snippetWidth]
	}
	for i, r := range text {
		if r == utf8.RuneError || r != '\t' && !unicode.IsPrint(r) {
			text[i] = '?'
		}
	}
	num := fmt.Sprint(n)
	gutter := strings.Repeat(" ", len(num))
	out := fmt.Sprintf("\n  %s | %s", num, string(text))
	if col >= 1 && col-1-start <= len(text) {
		// The caret's padding copies the tabs of the line, so it lands under the column.
		pad := []rune{}
		for _, r := range text[:col-1-start] {
			if r == '\t' {
				pad = append(pad, '\t')
			} else {
				pad = append(pad, ' ')
			}
		}
		out += fmt.Sprintf("\n  %s | %s^", gutter, string(pad))
	}
	return out
}
