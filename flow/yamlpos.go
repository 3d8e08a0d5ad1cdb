package flow

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// yaml.v3 reports a syntax error with a line only, and for indentation mistakes often the
// line where the enclosing block started (a key indented one space too far at line 40 is
// "line 3: did not find expected '-' indicator"). The functions here find the place a
// person would fix by reading the lines as blocks, the way YAML nests them: used only once
// yaml.v3 has refused the file, to say where and why.

// structural are the yaml.v3 messages about how lines nest.
var structural = []string{
	"did not find expected key",
	"did not find expected '-' indicator",
	"mapping values are not allowed in this context",
	"block sequence entries are not allowed in this context",
	"did not find expected <document start>",
}

// syntaxPlace finds the position and the explanation of a yaml.v3 syntax error with message
// msg at line (0 when unknown). ok is false when nothing better than yaml.v3's own line is
// known.
func (l *loader) syntaxPlace(line int, msg string) (Pos, string, bool) {
	for _, s := range structural {
		if strings.Contains(msg, s) {
			return l.indentCulprit()
		}
	}
	switch {
	case strings.Contains(msg, "found unexpected end of stream") && line > 0:
		if col, ok := l.openQuote(line); ok {
			return Pos{line, col}, "this quoted string is never closed: end it with the same quote on this line (or escape the quote inside it)", true
		}
	case strings.Contains(msg, "did not find expected ',' or ']'"), strings.Contains(msg, "did not find expected ',' or '}'"):
		if p, ok := l.openBracket(); ok {
			return p, "this list or map in brackets is never closed, or an item in it holds a \",\", \":\" or bracket that must be quoted", true
		}
	}
	return Pos{}, "", false
}

// srcLine is one line of the file as the block reading sees it.
type srcLine struct {
	n      int    // 1-based line number
	indent int    // leading spaces
	text   string // the line without its indentation and without a trailing comment
}

// contentLines returns the lines that hold YAML content: not blank, not comments, not the
// document markers.
func (l *loader) contentLines() []srcLine {
	var out []srcLine
	for i, raw := range bytes.Split(l.src, []byte("\n")) {
		s := strings.TrimRight(string(raw), " \r")
		text := strings.TrimLeft(s, " ")
		if text == "" || text[0] == '#' || text == "---" || text == "..." {
			continue
		}
		out = append(out, srcLine{n: i + 1, indent: len(s) - len(text), text: stripComment(text)})
	}
	return out
}

// unquoted walks s outside quoted strings: it calls fn with the index of each byte that is not
// inside quotes and the bracket depth before it, until fn returns true, and returns where a
// quote still open at the end starts (-1 when none is, or fn stopped the walk). A quote opens
// a string only where a YAML scalar can start: first, or after a space, "-", ",", "[" or "{".
func unquoted(s string, fn func(i, depth int) bool) int {
	var quote byte
	at, depth := -1, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote, at = 0, -1
			}
			continue
		case (c == '\'' || c == '"') && (i == 0 || strings.IndexByte(" -,[{", s[i-1]) >= 0):
			quote, at = c, i
			continue
		}
		if fn(i, depth) {
			return -1
		}
		switch c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		}
	}
	return at
}

// stripComment cuts a trailing " # comment" outside quotes.
func stripComment(s string) string {
	cut := -1
	unquoted(s, func(i, _ int) bool {
		if s[i] == '#' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
			cut = i
			return true
		}
		return false
	})
	if cut < 0 {
		return s
	}
	return strings.TrimRight(s[:cut], " \t")
}

// mappingColon returns the index in s of the first ": " (or final ":") outside quotes and
// brackets after from, or -1.
func mappingColon(s string, from int) int {
	at := -1
	unquoted(s, func(i, depth int) bool {
		if s[i] == ':' && depth == 0 && i >= from && (i+1 == len(s) || s[i+1] == ' ') {
			at = i
			return true
		}
		return false
	})
	return at
}

// indentCulprit reads the lines as YAML nests them (a stack of open block indentations) and
// returns the first line whose indentation cannot be right: one that lines up with no open
// block, or one indented under a key that already has a value while holding a "key:" of its
// own. Block scalars, quoted strings and bracketed collections spanning lines are skipped.
func (l *loader) indentCulprit() (Pos, string, bool) {
	lines := l.contentLines()
	stack := []int{0}
	opened := false   // the previous line opens a block (ends with ":" or is a bare "-")
	valueLine := 0    // the previous line was "key: value" (a plain value): its number
	scalarUnder := -1 // inside a block scalar: the indentation its content must exceed
	for idx, ln := range lines {
		if scalarUnder >= 0 {
			if ln.indent > scalarUnder {
				continue
			}
			scalarUnder = -1
		}
		top := stack[len(stack)-1]
		switch {
		case ln.indent > top && opened:
			stack = append(stack, ln.indent)
		case ln.indent > top:
			// A continuation of the value above: fine for a long plain string, wrong when it
			// holds a key of its own.
			if valueLine > 0 {
				if c := mappingColon(ln.text, 0); c >= 0 && !strings.HasPrefix(ln.text, "- ") {
					return Pos{ln.n, ln.indent + 1}, fmt.Sprintf("this line is indented more than line %d, so YAML reads it as more of the value on line %d, where a \"key:\" cannot go: line it up with the keys above it (%s)", valueLine, valueLine, spaces(top)), true
				}
			}
			continue
		case ln.indent < top:
			open := stack
			for len(stack) > 1 && stack[len(stack)-1] > ln.indent {
				stack = stack[:len(stack)-1]
			}
			if stack[len(stack)-1] != ln.indent {
				return Pos{ln.n, ln.indent + 1}, fmt.Sprintf("this line is indented by %s, which lines up with no block above it (%s): line it up with the key or the \"-\" it belongs beside", spaces(ln.indent), levels(open, lines[:idx])), true
			}
		}
		// "- - key: v": each dash opens a sequence item whose content starts further right.
		text, col := ln.text, ln.indent
		for text == "-" || strings.HasPrefix(text, "- ") {
			rest := strings.TrimLeft(strings.TrimPrefix(text, "-"), " ")
			col += len(text) - len(rest)
			text = rest
			if text != "" {
				stack = append(stack, col)
			}
		}
		opened, valueLine = false, 0
		c := mappingColon(text, 0)
		switch {
		case text == "":
			opened = true // a bare "-": its item is on the lines below
		case c < 0:
			// A plain item, or a key whose value is a flow collection or a quoted string.
		case c == len(text)-1:
			opened = true
		default:
			value := strings.TrimSpace(text[c+1:])
			switch {
			case strings.HasPrefix(value, "|") || strings.HasPrefix(value, ">"):
				scalarUnder = col
			case strings.HasPrefix(value, "&") && !strings.Contains(value, " "):
				opened = true // an anchor on a block value
			case strings.HasPrefix(value, "'") || strings.HasPrefix(value, "\"") ||
				strings.HasPrefix(value, "[") || strings.HasPrefix(value, "{"):
				if !closed(value) {
					// Spans lines: what follows is not blocks; the end of the file is not
					// worth guessing about.
					return Pos{}, "", false
				}
			default:
				if k := mappingColon(value, 0); k >= 0 {
					at := ln.indent + len(ln.text) - len(value) + k
					return Pos{ln.n, at + 1}, fmt.Sprintf("the value of %q holds \": \", which YAML reads as a second key: quote the whole value, '%s'", strings.TrimSpace(text[:c]), strings.ReplaceAll(value, "'", "''")), true
				}
				valueLine = ln.n
			}
		}
	}
	return Pos{}, "", false
}

// closed reports whether a quoted or bracketed value ends on its line.
func closed(v string) bool {
	switch v[0] {
	case '\'', '"':
		return len(v) > 1 && v[len(v)-1] == v[0]
	}
	end := 0
	unquoted(v, func(i, depth int) bool {
		switch v[i] {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		}
		end = depth
		return false
	})
	return end <= 0
}

// spaces says n spaces.
func spaces(n int) string {
	if n == 1 {
		return "1 space"
	}
	return fmt.Sprintf("%d spaces", n)
}

// levels describes the indentations of the blocks open at a line, with a line of each.
func levels(stack []int, before []srcLine) string {
	var parts []string
	for _, in := range stack {
		for i := len(before) - 1; i >= 0; i-- {
			if before[i].indent == in {
				parts = append(parts, fmt.Sprintf("%d at line %d", in, before[i].n))
				break
			}
		}
	}
	if len(parts) == 0 {
		return "none open"
	}
	return "open blocks are indented " + strings.Join(parts, ", ")
}

// openQuote returns the 1-based column of the quote that opens a string on line and is not
// closed on it.
func (l *loader) openQuote(line int) (int, bool) {
	ls := bytes.Split(l.src, []byte("\n"))
	if line < 1 || line > len(ls) {
		return 0, false
	}
	s := string(ls[line-1])
	at := unquoted(s, func(i, _ int) bool { return s[i] == '#' && i > 0 && s[i-1] == ' ' })
	if at < 0 {
		return 0, false
	}
	return len([]rune(s[:at])) + 1, true
}

// openBracket returns the position of the first "[" or "{" value that is not closed on its
// line and not by the lines indented under it.
func (l *loader) openBracket() (Pos, bool) {
	for _, ln := range l.contentLines() {
		text := ln.text
		if strings.HasPrefix(text, "- ") {
			text = strings.TrimLeft(text[1:], " ")
		}
		start := ln.indent + len(ln.text) - len(text)
		if c := mappingColon(text, 0); c >= 0 && c < len(text)-1 {
			v := strings.TrimLeft(text[c+1:], " ")
			start += len(text) - len(v)
			text = v
		}
		if text != "" && (text[0] == '[' || text[0] == '{') && !closed(text) {
			return Pos{ln.n, start + 1}, true
		}
	}
	return Pos{}, false
}

// quoteHint explains a mapping found where a string goes when it came from a plain line
// holding ": " (`- echo a: b`): YAML read a key and a value, the user meant one string.
func (l *loader) quoteHint(n *yaml.Node) string {
	n = resolve(n)
	if n.Kind != yaml.MappingNode || n.Style&yaml.FlowStyle != 0 || len(n.Content) != 2 {
		return ""
	}
	k, v := n.Content[0], n.Content[1]
	if k.Kind != yaml.ScalarNode || k.Style != 0 || v.Kind != yaml.ScalarNode || v.Style != 0 || k.Line != v.Line {
		return ""
	}
	ls := bytes.Split(l.src, []byte("\n"))
	if k.Line < 1 || k.Line > len(ls) {
		return ""
	}
	line := []rune(strings.TrimRight(string(ls[k.Line-1]), " \r"))
	if k.Column < 1 || k.Column > len(line) {
		return ""
	}
	text := stripComment(string(line[k.Column-1:]))
	return fmt.Sprintf(` (YAML reads %q as a key and a value: quote the whole text, '%s')`, text, strings.ReplaceAll(text, "'", "''"))
}
