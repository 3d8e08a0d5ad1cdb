package templating

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// segment is a piece of a scanned template: literal text, or a tag to evaluate.
type segment struct {
	text string
	tag  *tag
}

// tag is one compiled {{ }} or << >> expression and what its error messages need.
type tag struct {
	root      node
	expr      string // the tag as written, delimiters included
	line, col int
	nullable  bool   // the expression asked for a fallback: a null renders as ""
	path      string // the variable it reads, when it is a plain path
}

// scanner splits a template into text and tags in one pass.
type scanner struct {
	src     string
	lines   *lineIndex // built on first use: most templates never need it
	segs    []segment
	pending strings.Builder // text not yet emitted
}

func (s *scanner) errorAt(off int, expr, msg string) *Error {
	if s.lines == nil {
		s.lines = newLineIndex(s.src)
	}
	return s.lines.errorAt(off, expr, msg)
}

// scan splits src into segments. {{ }} and {% %} that cannot be read are errors; a << >>
// span that is not an expression on one line is text, so heredocs and shifts survive.
func scan(src string) ([]segment, error) {
	s := &scanner{src: src}
	textStart := 0
	i := 0
	for {
		j := strings.IndexAny(src[i:], "{<")
		if j < 0 || i+j+1 >= len(src) {
			break
		}
		i += j
		var (
			end  int
			err  *Error
			done bool
		)
		switch {
		case src[i] == '{' && src[i+1] == '{':
			s.pending.WriteString(src[textStart:i])
			end, err = s.braces(i)
			done = true
		case src[i] == '{' && src[i+1] == '%':
			s.pending.WriteString(src[textStart:i])
			end, err = s.block(i)
			done = true
		case src[i] == '<' && src[i+1] == '<':
			var t *tag
			if t, end, err = s.angles(i); t != nil {
				s.pending.WriteString(src[textStart:i])
				s.emit(t)
				done = true
			}
		}
		if err != nil {
			return nil, err
		}
		if !done {
			i++
			continue
		}
		textStart, i = end, end
	}
	s.pending.WriteString(src[textStart:])
	s.flush()
	return s.segs, nil
}

// flush turns pending text into a segment.
func (s *scanner) flush() {
	if s.pending.Len() > 0 {
		s.segs = append(s.segs, segment{text: s.pending.String()})
		s.pending.Reset()
	}
}

func (s *scanner) emit(t *tag) {
	s.flush()
	s.segs = append(s.segs, segment{tag: t})
}

// trimPending drops white space at the end of pending text, for {{- and {%-.
func (s *scanner) trimPending() {
	text := strings.TrimRight(s.pending.String(), " \t\r\n")
	s.pending.Reset()
	s.pending.WriteString(text)
}

// skipSpace returns the offset of the first non-space byte at or after i, for -}} and -%}.
func (s *scanner) skipSpace(i int) int {
	for i < len(s.src) && isSpace(s.src[i]) {
		i++
	}
	return i
}

// tagText is the tag starting at start as far as it can be told, for an error message: up to
// the first close, else to the end of the line.
func (s *scanner) tagText(start int, close string) string {
	rest := s.src[start:]
	if k := strings.Index(rest, close); k >= 0 {
		return rest[:k+len(close)]
	}
	if k := strings.IndexByte(rest, '\n'); k >= 0 {
		return strings.TrimRight(rest[:k], "\r")
	}
	return rest
}

// braces reads a {{ }} tag at start and returns the offset after it.
func (s *scanner) braces(start int) (int, *Error) {
	from := start + 2
	trimLeft := from < len(s.src) && s.src[from] == '-'
	if trimLeft {
		from++
	}
	res, lerr := lexExpr(s.src, from, len(s.src), closeBraces)
	if lerr != nil {
		text := s.tagText(start, "}}")
		switch {
		case lerr.eof && !strings.Contains(s.src[start+2:], "}}"):
			return 0, s.errorAt(start, text,
				"unclosed `{{`: no `}}` after it (to keep `{{` as text, wrap it in {% raw %}...{% endraw %})")
		case lerr.plain:
			return 0, s.errorAt(start, text,
				"unclosed `{{`: the `}}` after it is read as part of the expression (inside a string, or closing a map literal)")
		}
		return 0, s.errorAt(lerr.pos, text, fmt.Sprintf("invalid expression `%s`: %s", text, lerr.msg))
	}
	text := s.src[start:res.end]
	root, perr := parseTokens(s.src, res.toks, res.end-2)
	if perr != nil {
		return 0, s.errorAt(perr.pos, text, fmt.Sprintf("invalid expression `%s`: %s", text, perr.msg))
	}
	if trimLeft {
		s.trimPending()
	}
	s.emit(s.newTag(start, text, root))
	if res.trimRight {
		return s.skipSpace(res.end), nil
	}
	return res.end, nil
}

// angles tries to read a << >> tag at start. It returns no tag, and no error, when the span
// is not a tag: not one line, no white space inside the delimiters, or not an expression.
// An expression that names an unknown filter or function is an error: the user meant a tag.
func (s *scanner) angles(start int) (*tag, int, *Error) {
	src := s.src
	if start > 0 && src[start-1] == '<' {
		return nil, 0, nil
	}
	if start+2 >= len(src) || (src[start+2] != ' ' && src[start+2] != '\t') {
		return nil, 0, nil
	}
	limit := len(src)
	if k := strings.IndexByte(src[start:], '\n'); k >= 0 {
		limit = start + k
	}
	res, lerr := lexExpr(src, start+2, limit, closeAngles)
	if lerr != nil {
		return nil, 0, nil
	}
	text := src[start:res.end]
	root, perr := parseTokens(src, res.toks, res.end-2)
	if perr != nil {
		if perr.syntax {
			return nil, 0, nil
		}
		return nil, 0, s.errorAt(perr.pos, text, fmt.Sprintf("invalid expression `%s`: %s", text, perr.msg))
	}
	return s.newTag(start, text, root), res.end, nil
}

func (s *scanner) newTag(start int, text string, root node) *tag {
	if s.lines == nil {
		s.lines = newLineIndex(s.src)
	}
	line, col := s.lines.position(start)
	return &tag{root: root, expr: text, line: line, col: col, nullable: nullable(root), path: rootPath(root)}
}

// endTags find the end of a raw block in one linear pass; the groups mark white space
// control on either side. Compiled on first use: most templates have no raw block.
var endTags = sync.OnceValue(func() map[string]*regexp.Regexp {
	return map[string]*regexp.Regexp{
		"raw":      regexp.MustCompile(`\{%(-)?[ \t\r\n]*endraw[ \t\r\n]*(-)?%\}`),
		"verbatim": regexp.MustCompile(`\{%(-)?[ \t\r\n]*endverbatim[ \t\r\n]*(-)?%\}`),
	}
})

// blockTag is a {% ... %} tag: its name and whether it asks for white space control.
type blockTag struct {
	start, end          int // offsets of "{%" and just past "%}"
	name                string
	args                int
	trimLeft, trimRight bool
}

// readBlock reads the {% %} tag at start; ok is false when it has no "%}".
func (s *scanner) readBlock(start int) (blockTag, bool) {
	k := strings.Index(s.src[start+2:], "%}")
	if k < 0 {
		return blockTag{}, false
	}
	inner := s.src[start+2 : start+2+k]
	b := blockTag{start: start, end: start + 2 + k + 2}
	b.trimLeft = strings.HasPrefix(inner, "-")
	b.trimRight = strings.HasSuffix(inner, "-")
	words := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(inner, "-"), "-"))
	if len(words) > 0 {
		b.name, b.args = words[0], len(words)-1
	}
	return b, true
}

// block reads a {% %} tag at start. Only {% raw %}...{% endraw %} (and Pebble's
// {% verbatim %}) is supported; its content is kept as text, {{ }} included.
func (s *scanner) block(start int) (int, *Error) {
	b, ok := s.readBlock(start)
	if !ok {
		return 0, s.errorAt(start, s.tagText(start, "%}"),
			"unclosed `{%`: no `%}` after it (to keep `{%` as text, wrap it in {% raw %}...{% endraw %})")
	}
	text := s.src[start:b.end]
	switch b.name {
	case "raw", "verbatim":
	case "endraw", "endverbatim":
		return 0, s.errorAt(start, text, fmt.Sprintf("`%s` without a `{%% %s %%}` before it", text, strings.TrimPrefix(b.name, "end")))
	default:
		name := b.name
		if name == "" {
			name = " "
		} else {
			name = " " + name + " "
		}
		return 0, s.errorAt(start, text, "Pebble block tags ({%"+name+"%}) are not supported by flowctl yet")
	}
	if b.args > 0 {
		return 0, s.errorAt(start, text, fmt.Sprintf("`{%% %s %%}` takes no arguments", b.name))
	}
	endName := "end" + b.name
	loc := endTags()[b.name].FindStringSubmatchIndex(s.src[b.end:])
	if loc == nil {
		return 0, s.errorAt(start, text, fmt.Sprintf("unclosed `{%% %s %%}`: no `{%% %s %%}` after it", b.name, endName))
	}
	endStart, endEnd := b.end+loc[0], b.end+loc[1]
	endTrimLeft, endTrimRight := loc[2] >= 0, loc[4] >= 0
	content := s.src[b.end:endStart]
	if b.trimLeft {
		s.trimPending()
	}
	if b.trimRight {
		content = strings.TrimLeft(content, " \t\r\n")
	}
	if endTrimLeft {
		content = strings.TrimRight(content, " \t\r\n")
	}
	s.pending.WriteString(content)
	if endTrimRight {
		return s.skipSpace(endEnd), nil
	}
	return endEnd, nil
}
