package templating

import (
	"fmt"
	"strings"
	"sync"
)

// tagNames are the block tags flowctl reads, in {% %} and in << >>.
var tagNames = sync.OnceValue(func() map[string]bool {
	names := map[string]bool{}
	for _, n := range []string{"if", "elseif", "else", "endif", "for", "endfor", "set",
		"macro", "endmacro", "filter", "endfilter", "block", "endblock"} {
		names[n] = true
	}
	return names
})

// pebbleOnly are Pebble's tags flowctl does not have: refused where they are written, never
// rendered wrongly. Most of them load other templates, which a flow does not have.
var pebbleOnly = sync.OnceValue(func() map[string]bool {
	names := map[string]bool{}
	for _, n := range []string{"autoescape", "cache", "embed", "extends", "flush",
		"from", "import", "include", "parallel"} {
		names[n] = true
	}
	return names
})

// blockTag reads the block tag name whose tokens are toks, written as text from start to
// end, into the tree: it opens a block, switches to a block's else part, closes a block, or
// adds a piece.
func (s *scanner) blockTag(name string, toks []token, start, end int, text string) *Error {
	fail := func(off int, format string, a ...any) *Error {
		return s.errorAt(off, text, fmt.Sprintf("`%s`: ", text)+fmt.Sprintf(format, a...))
	}
	// expr reads toks as the tag's expression; what says what it is for the message.
	expr := func(toks []token, what string) (*tag, *Error) {
		if len(toks) == 0 {
			return nil, fail(start, "%s needs %s", name, what)
		}
		root, err := s.parse(toks, end-2, text)
		if err != nil {
			return nil, fail(err.pos, "%s", err.msg)
		}
		return s.newTag(start, text, root), nil
	}
	top := func() *frame {
		if len(s.open) == 0 {
			return nil
		}
		return s.open[len(s.open)-1]
	}
	noArgs := func() *Error {
		if len(toks) > 1 {
			return fail(toks[1].pos, "%s takes nothing after it", name)
		}
		return nil
	}
	switch name {
	case "if":
		t, err := expr(toks[1:], "a condition")
		if err != nil {
			return err
		}
		st := &ifStmt{branches: []*ifBranch{{cond: t}}}
		s.emit(st)
		s.open = append(s.open, &frame{name: "if", start: start, text: text, body: &st.branches[0].body, ifs: st})
	case "elseif":
		f := top()
		if f == nil || f.name != "if" || f.inElse {
			return fail(start, "elseif without an `if` before it")
		}
		t, err := expr(toks[1:], "a condition")
		if err != nil {
			return err
		}
		s.flush()
		br := &ifBranch{cond: t}
		f.ifs.branches = append(f.ifs.branches, br)
		f.body = &br.body
	case "else":
		f := top()
		if f == nil || (f.name != "if" && f.name != "for") || f.inElse {
			return fail(start, "else without an `if` or a `for` before it")
		}
		if err := noArgs(); err != nil {
			return err
		}
		s.flush()
		f.inElse = true
		if f.ifs != nil {
			f.body = &f.ifs.els
		} else {
			f.body = &f.fr.els
		}
	case "endblock":
		f := top()
		if f == nil || f.name != "block" {
			if f != nil {
				return fail(start, "endblock where `%s` (line %d) is still open", f.text, s.lineOf(f.start))
			}
			return fail(start, "endblock without a `block` before it")
		}
		// Pebble reads the name after endblock and ignores it.
		if len(toks) > 2 || len(toks) == 2 && toks[1].kind != tokName && toks[1].kind != tokString {
			return fail(toks[1].pos, "endblock takes nothing after it but the block's name")
		}
		s.flush()
		s.open = s.open[:len(s.open)-1]
	case "block":
		if len(toks) != 2 || (toks[1].kind != tokName && toks[1].kind != tokString) {
			return fail(start, "block reads `block name` or `block 'name'`")
		}
		st := &blockStmt{name: toks[1].val}
		if s.blocks[st.name] != nil {
			return fail(toks[1].pos, "block %q is defined twice", st.name)
		}
		if s.blocks == nil {
			s.blocks = map[string]*blockStmt{}
		}
		s.blocks[st.name] = st
		s.emit(st)
		s.open = append(s.open, &frame{name: "block", start: start, text: text, body: &st.body})
	case "endif", "endfor", "endmacro", "endfilter":
		opened := strings.TrimPrefix(name, "end")
		f := top()
		if f == nil || f.name != opened {
			if f != nil {
				return fail(start, "%s where `%s` (line %d) is still open", name, f.text, s.lineOf(f.start))
			}
			return fail(start, "%s without a `%s` before it", name, opened)
		}
		if err := noArgs(); err != nil {
			return err
		}
		s.flush()
		s.open = s.open[:len(s.open)-1]
	case "for":
		if len(toks) < 3 || toks[1].kind != tokName || toks[2].kind != tokName || toks[2].val != "in" {
			return fail(start, "for reads `for item in items`")
		}
		t, err := expr(toks[3:], "a list or a map after `in`")
		if err != nil {
			return err
		}
		st := &forStmt{at: t, name: toks[1].val}
		s.emit(st)
		s.open = append(s.open, &frame{name: "for", start: start, text: text, body: &st.body, fr: st})
	case "set":
		if len(toks) < 3 || toks[1].kind != tokName || toks[2].kind != tokPunct || toks[2].val != "=" {
			return fail(start, "set reads `set name = value`")
		}
		t, err := expr(toks[3:], "a value after `=`")
		if err != nil {
			return err
		}
		s.emit(&setStmt{at: t, name: toks[1].val})
	case "macro":
		def, err := s.macroSignature(toks, end, fail)
		if err != nil {
			return err
		}
		if s.macros[def.name] != nil {
			return fail(toks[1].pos, "macro %q is defined twice", def.name)
		}
		if _, ok := functions()[def.name]; ok {
			return fail(toks[1].pos, "macro %q has the name of a function", def.name)
		}
		if s.macros == nil {
			s.macros = map[string]*macroDef{}
		}
		s.macros[def.name] = def
		s.flush()
		s.open = append(s.open, &frame{name: "macro", start: start, text: text, body: &def.body})
	case "filter":
		if len(toks) < 2 {
			return fail(start, "filter needs the filters to apply, such as `filter upper`")
		}
		p := &parser{src: s.src, toks: toks[1:], calls: &s.calls}
		var chain node = bodyNode{}
		for {
			var err *parseError
			if chain, err = p.filter(chain); err != nil {
				return fail(err.pos, "%s", err.msg)
			}
			if !p.isPunct("|") {
				break
			}
			p.next()
		}
		if t := p.peek(); t.kind != tokEOF {
			return fail(t.pos, "%s", p.unexpected(t, "`|` or the end of the tag").msg)
		}
		st := &filterStmt{at: s.newTag(start, text, chain)}
		s.emit(st)
		s.open = append(s.open, &frame{name: "filter", start: start, text: text, body: &st.body})
	default:
		if name == "" {
			return fail(start, "a tag starts with its name, such as `if` or `for`")
		}
		if pebbleOnly()[name] {
			return fail(start, "the Pebble tag %q is not supported by flowctl", name)
		}
		return fail(start, "%s", unknownName("tag", name, sortedKeys(tagNames())))
	}
	return nil
}

// macroSignature reads "macro name(a, b = default)".
func (s *scanner) macroSignature(toks []token, end int, fail func(int, string, ...any) *Error) (*macroDef, *Error) {
	if len(toks) < 3 || toks[1].kind != tokName || toks[2].kind != tokPunct || toks[2].val != "(" {
		return nil, fail(toks[0].pos, "macro reads `macro name(arg, other = 'default')`")
	}
	def := &macroDef{name: toks[1].val}
	p := &parser{src: s.src, toks: toks[3:], calls: &s.calls}
	if p.isPunct(")") {
		p.next()
	} else {
		for {
			t := p.next()
			if t.kind != tokName {
				return nil, fail(t.pos, "%s", p.unexpected(t, "a parameter name").msg)
			}
			for _, seen := range def.params {
				if seen == t.val {
					return nil, fail(t.pos, "parameter %q is named twice", t.val)
				}
			}
			var dflt node
			if p.isPunct("=") {
				p.next()
				x, err := p.expression(0)
				if err != nil {
					return nil, fail(err.pos, "%s", err.msg)
				}
				dflt = x
			}
			def.params = append(def.params, t.val)
			def.defaults = append(def.defaults, dflt)
			if p.isPunct(",") {
				p.next()
				continue
			}
			if err := p.expect(")"); err != nil {
				return nil, fail(err.pos, "%s", err.msg)
			}
			break
		}
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fail(t.pos, "%s", p.unexpected(t, "the end of the tag").msg)
	}
	return def, nil
}

// lineOf is the line of an offset, for a message about another tag.
func (s *scanner) lineOf(off int) int {
	if s.lines == nil {
		s.lines = newLineIndex(s.src)
	}
	line, _ := s.lines.position(off)
	return line
}
