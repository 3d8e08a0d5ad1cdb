package templating

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a template error with its position inside the template source (1-based line, and
// column counted in characters), so a caller that knows where the template sits in a flow
// file can point at the exact spot. Expr is the tag as written, when there is one.
type Error struct {
	Line, Col int
	Expr      string
	Msg       string
	cause     error
}

// Error reads "line L, col C: message", written to follow a caller's own prefix such as
// `flow.yml:7:14: task "x": message: `.
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, col %d: %s", e.Line, e.Col, e.Msg)
}

// Unwrap gives the error a function such as secret() returned, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.cause }

// lineIndex maps byte offsets of a template to lines and columns.
type lineIndex struct {
	src    string
	starts []int // offset of the first byte of each line
}

func newLineIndex(src string) *lineIndex {
	li := &lineIndex{src: src, starts: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

// position returns the 1-based line and character column of offset off.
func (li *lineIndex) position(off int) (line, col int) {
	if off > len(li.src) {
		off = len(li.src)
	}
	lo, hi := 0, len(li.starts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	start := li.starts[lo]
	return lo + 1, len([]rune(li.src[start:off])) + 1
}

// errorAt builds an Error positioned at byte offset off.
func (li *lineIndex) errorAt(off int, expr, msg string) *Error {
	line, col := li.position(off)
	return &Error{Line: line, Col: col, Expr: expr, Msg: msg}
}

// unknownName says a filter, function or test does not exist, suggests a close one, and
// lists those that do.
func unknownName(kind, name string, known []string) string {
	msg := fmt.Sprintf("unknown %s %q", kind, name)
	if s := closest(name, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + fmt.Sprintf("; flowctl knows the %ss %s", kind, strings.Join(known, ", "))
}

// closest returns the known name nearest to name when it is a likely typo (at most two
// edits, case aside, and at most one for each two letters of name), else "".
func closest(name string, known []string) string {
	best, bestD := "", 3
	n := utf8.RuneCountInString(name)
	for _, k := range known {
		// The distance is at least the difference in length: a long name costs nothing.
		if abs(n-utf8.RuneCountInString(k)) >= bestD {
			continue
		}
		// Two edits to a name of two letters make any other name: not a typo.
		if d := distance(strings.ToLower(name), strings.ToLower(k)); d < bestD && 2*d <= n {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
