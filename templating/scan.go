package templating

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// tag is one compiled expression, of a {{ }} or << >> tag or of a block tag, and what its
// error messages need.
type tag struct {
	root      node
	expr      string // the tag as written, delimiters included
	line, col int
	nullable  bool   // the expression asked for a fallback: a null renders as ""
	path      string // the variable it reads, when it is a plain path
}

// scanner reads a template in one pass into the tree of its pieces.
type scanner struct {
	src     string
	lines   *lineIndex // built on first use: most templates never need it
	root    []stmt
	open    []*frame        // the block tags whose end tag is still to come, innermost last
	pending strings.Builder // text not yet emitted
	macros  map[string]*macroDef
	blocks  map[string]*blockStmt // the {% block %}s, for block("name")
	calls   []*macroCallNode      // calls of names that are not functions: macros, or errors
}

// frame is a block tag whose end tag has not been read yet.
type frame struct {
	name   string // if, for, macro, filter or block
	start  int    // offset of its tag
	text   string // its tag as written
	body   *[]stmt
	ifs    *ifStmt
	fr     *forStmt
	inElse bool
}

func (s *scanner) errorAt(off int, expr, msg string) *Error {
	if s.lines == nil {
		s.lines = newLineIndex(s.src)
	}
	return s.lines.errorAt(off, expr, msg)
}

// scan reads src into its tree of pieces. {{ }}, {% %} and closed {# #} that cannot be read
// are errors; a << >> span that is not an expression on one line is text, so heredocs and
// shifts survive.
func scan(src string) ([]stmt, error) {
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
		case src[i] == '{' && src[i+1] == '#':
			// A comment with no #} after it is text: ${#arr[@]} in a shell script.
			if k := strings.Index(src[i+2:], "#}"); k >= 0 {
				s.pending.WriteString(src[textStart:i])
				end = s.comment(i, i+2+k)
				done = true
			}
		case src[i] == '<' && src[i+1] == '<':
			var ok bool
			if ok, end, err = s.angles(i, textStart); ok {
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
	if len(s.open) > 0 {
		f := s.open[len(s.open)-1]
		return nil, s.errorAt(f.start, f.text, fmt.Sprintf("unclosed `%s`: no `end%s` tag after it", f.text, f.name))
	}
	if err := s.resolveCalls(); err != nil {
		return nil, err
	}
	return s.root, nil
}

// body is where the pieces read now go: the innermost open block, or the template.
func (s *scanner) body() *[]stmt {
	if len(s.open) > 0 {
		return s.open[len(s.open)-1].body
	}
	return &s.root
}

// flush turns pending text into a piece of the current body.
func (s *scanner) flush() {
	if s.pending.Len() > 0 {
		b := s.body()
		*b = append(*b, textStmt(s.pending.String()))
		s.pending.Reset()
	}
}

func (s *scanner) emit(st stmt) {
	s.flush()
	b := s.body()
	*b = append(*b, st)
}

// comment skips the {# #} comment from start to the offset of its #}, with Pebble's white
// space control ({#- and -#}).
func (s *scanner) comment(start, close int) int {
	if s.src[start+2] == '-' {
		s.trimPending()
	}
	end := close + 2
	if close > start+2 && s.src[close-1] == '-' {
		return s.skipSpace(end)
	}
	return end
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
		return 0, s.lexFailure(start, "{{", "}}", lerr)
	}
	text := s.src[start:res.end]
	root, perr := s.parse(res.toks, res.end-2, text)
	if perr != nil {
		return 0, s.errorAt(perr.pos, text, fmt.Sprintf("invalid expression `%s`: %s", text, perr.msg))
	}
	if trimLeft {
		s.trimPending()
	}
	s.emit(printStmt{s.newTag(start, text, root)})
	if res.trimRight {
		return s.skipSpace(res.end), nil
	}
	return res.end, nil
}

// lexFailure explains a {{ }} or {% %} tag that could not be read.
func (s *scanner) lexFailure(start int, open, close string, lerr *lexError) *Error {
	text := s.tagText(start, close)
	switch {
	case lerr.eof && !strings.Contains(s.src[start+2:], close):
		return s.errorAt(start, text, fmt.Sprintf(
			"unclosed `%s`: no `%s` after it (to keep `%s` as text, wrap it in {%% raw %%}...{%% endraw %%})", open, close, open))
	case lerr.plain:
		return s.errorAt(start, text, fmt.Sprintf(
			"unclosed `%s`: the `%s` after it is read as part of the expression (inside a string, or closing a map literal)", open, close))
	}
	return s.errorAt(lerr.pos, text, fmt.Sprintf("invalid expression `%s`: %s", text, lerr.msg))
}

// parse parses the tokens of an expression of the tag text; the calls of macros it makes
// are kept to be resolved at the end, and forgotten when it fails.
func (s *scanner) parse(toks []token, endPos int, text string) (node, *parseError) {
	before := len(s.calls)
	root, err := parseTokens(s.src, toks, endPos, &s.calls)
	if err != nil {
		s.calls = s.calls[:before]
		return nil, err
	}
	for _, c := range s.calls[before:] {
		c.expr = text
	}
	return root, nil
}

// resolveCalls binds each call of a name that is not a function to the macro of that name.
func (s *scanner) resolveCalls() *Error {
	for _, c := range s.calls {
		def, ok := s.macros[c.name]
		if !ok && c.name == "block" {
			// Pebble's block("name"): the block of that name rendered again.
			bound, err := bind("function", c.name, []string{"name"}, 1, c.args, c.pos)
			if err != nil {
				return s.errorAt(err.pos, c.expr, fmt.Sprintf("invalid expression `%s`: %s", c.expr, err.msg))
			}
			if s.blocks == nil {
				s.blocks = map[string]*blockStmt{}
			}
			c.bound, c.blocks = bound, s.blocks
			continue
		}
		if !ok {
			return s.errorAt(c.pos, c.expr, fmt.Sprintf("invalid expression `%s`: %s", c.expr,
				unknownName("function", c.name, functionNames())))
		}
		bound, err := bind("macro", c.name, def.params, 0, c.args, c.pos)
		if err != nil {
			return s.errorAt(err.pos, c.expr, fmt.Sprintf("invalid expression `%s`: %s", c.expr, err.msg))
		}
		c.def, c.bound = def, bound
	}
	return nil
}

// angles tries to read a << >> tag at start, the text before it starting at textStart. It
// reports no tag, and no error, when the span is not one: not on one line, no white space
// inside the delimiters, or not an expression. A span whose first word is a tag name (if,
// for, set, else, endif...) is that tag. An expression that names an unknown filter or
// function is an error: the user meant a tag.
func (s *scanner) angles(start, textStart int) (bool, int, *Error) {
	src := s.src
	if start > 0 && src[start-1] == '<' {
		return false, 0, nil
	}
	from := start + 2
	trimLeft := from+1 < len(src) && src[from] == '-'
	if trimLeft {
		from++
	}
	if from >= len(src) || (src[from] != ' ' && src[from] != '\t') {
		return false, 0, nil
	}
	limit := len(src)
	if k := strings.IndexByte(src[start:], '\n'); k >= 0 {
		limit = start + k
	}
	res, lerr := lexExpr(src, from, limit, closeAngles)
	if lerr != nil || len(res.toks) == 0 {
		return false, 0, nil
	}
	text := src[start:res.end]
	// A tag name followed by ( is a call, as block('name') is.
	call := len(res.toks) > 1 && res.toks[1].kind == tokPunct && res.toks[1].val == "("
	if t := res.toks[0]; t.kind == tokName && tagNames()[t.val] && !call {
		s.pending.WriteString(src[textStart:start])
		if trimLeft {
			s.trimPending()
		}
		if err := s.blockTag(t.val, res.toks, start, res.end, text); err != nil {
			return false, 0, err
		}
		return true, s.after(res), nil
	}
	root, perr := s.parse(res.toks, res.end-2, text)
	if perr != nil {
		if perr.syntax {
			return false, 0, nil
		}
		return false, 0, s.errorAt(perr.pos, text, fmt.Sprintf("invalid expression `%s`: %s", text, perr.msg))
	}
	s.pending.WriteString(src[textStart:start])
	if trimLeft {
		s.trimPending()
	}
	s.emit(printStmt{s.newTag(start, text, root)})
	return true, s.after(res), nil
}

// after is the offset after a tag, past the white space that follows it when it asked for
// that with -}}, -%} or ->>.
func (s *scanner) after(res lexResult) int {
	if res.trimRight {
		return s.skipSpace(res.end)
	}
	return res.end
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

// tagHead is the start of a {% ... %} tag: its name, its word count and whether it asks for
// white space control, read without lexing it, to tell a raw block from other tags.
type tagHead struct {
	start, end          int // offsets of "{%" and just past "%}"
	name                string
	args                int
	trimLeft, trimRight bool
}

// readBlock reads the {% %} tag at start; ok is false when it has no "%}".
func (s *scanner) readBlock(start int) (tagHead, bool) {
	k := strings.Index(s.src[start+2:], "%}")
	if k < 0 {
		return tagHead{}, false
	}
	inner := s.src[start+2 : start+2+k]
	b := tagHead{start: start, end: start + 2 + k + 2}
	b.trimLeft = strings.HasPrefix(inner, "-")
	b.trimRight = strings.HasSuffix(inner, "-")
	words := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(inner, "-"), "-"))
	if len(words) > 0 {
		b.name, b.args = words[0], len(words)-1
	}
	return b, true
}

// block reads a {% %} tag at start. {% raw %}...{% endraw %} (and Pebble's
// {% verbatim %}) keeps its content as text, {{ }} included; other tags are read by blockTag.
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
		from := start + 2
		if b.trimLeft {
			from++
		}
		res, lerr := lexExpr(s.src, from, len(s.src), closePercent)
		if lerr != nil {
			return 0, s.lexFailure(start, "{%", "%}", lerr)
		}
		text = s.src[start:res.end]
		if b.trimLeft {
			s.trimPending()
		}
		name := ""
		if len(res.toks) > 0 && res.toks[0].kind == tokName {
			name = res.toks[0].val
		}
		if err := s.blockTag(name, res.toks, start, res.end, text); err != nil {
			return 0, err
		}
		return s.after(res), nil
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
	if b.name == "raw" {
		// Kestra takes raw blocks out of the template before Pebble reads it
		// (VariableRenderer's RAW_PATTERN), so a - inside their tags trims nothing.
		b.trimLeft, b.trimRight, endTrimLeft, endTrimRight = false, false, false, false
	}
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
