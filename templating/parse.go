package templating

import (
	"fmt"
	"strconv"
)

// Pebble's operator precedences (CoreExtension, plus Kestra's ?? and ???). Every binary
// operator is left-associative. The ternary ?: is lower than all of them and only parsed at
// the top of an expression, parentheses or argument, as Pebble does.
var binaryPrec = map[string]int{
	"or":       10,
	"and":      15,
	"is":       20,
	"contains": 20,
	"==":       30,
	"equals":   30,
	"!=":       30,
	"<":        30,
	">":        30,
	"<=":       30,
	">=":       30,
	"+":        40,
	"-":        40,
	"*":        60,
	"/":        60,
	"%":        60,
	"|":        100,
	"~":        110,
	"??":       120,
	"???":      120,
	"..":       120,
}

// unaryPrec is the precedence of not, - and +: their operand is a primary expression only, so
// "not a == b" is "(not a) == b", as in Pebble.
const unaryPrec = 500

// maxParseDepth bounds recursion in the parser: hostile input such as "- - - - x" or deep
// parentheses cannot exhaust the stack.
const maxParseDepth = 100

// parseError is a failure to parse an expression. A syntax error means the text is not an
// expression at all (a << >> span is then left as written); a semantic one (unknown filter,
// wrong number of arguments) means it is one, written wrongly, and is always reported.
type parseError struct {
	pos    int
	msg    string
	syntax bool
}

// parser turns the tokens of one tag into an expression tree.
type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	// calls collects the calls of names that are not functions: they may be macros of the
	// template, defined anywhere in it, so they are resolved once the whole template is read.
	// nil makes such a call an error at once.
	calls *[]*macroCallNode
}

// parseTokens parses a whole expression; every token must be used.
func parseTokens(src string, toks []token, endPos int, calls *[]*macroCallNode) (node, *parseError) {
	p := &parser{src: src, toks: toks, calls: calls}
	if len(toks) == 0 {
		return nil, &parseError{pos: endPos, msg: "empty expression", syntax: true}
	}
	n, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.unexpected(t, "end of expression")
	}
	return n, nil
}

// peek returns the next token without using it; past the last one it returns an EOF token
// placed at the end of the expression, so errors there still have a position.
func (p *parser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	pos := 0
	if len(p.toks) > 0 {
		pos = p.toks[len(p.toks)-1].end
	}
	return token{kind: tokEOF, pos: pos, end: pos}
}

func (p *parser) next() token {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

func (p *parser) isPunct(sym string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.val == sym
}

func (p *parser) expect(sym string) *parseError {
	t := p.peek()
	if t.kind != tokPunct || t.val != sym {
		return p.unexpected(t, "`"+sym+"`")
	}
	p.next()
	return nil
}

func (p *parser) unexpected(t token, want string) *parseError {
	what := "end of expression"
	switch t.kind {
	case tokName:
		what = "`" + t.val + "`"
	case tokInt, tokFloat:
		what = "number " + t.val
	case tokString:
		what = "string " + p.src[t.pos:t.end]
	case tokPunct:
		what = "`" + t.val + "`"
	}
	return &parseError{pos: t.pos, msg: fmt.Sprintf("unexpected %s, expected %s", what, want), syntax: true}
}

// binaryOp reports whether t is a binary operator and its precedence.
func binaryOp(t token) (string, int, bool) {
	if t.kind != tokPunct && t.kind != tokName {
		return "", 0, false
	}
	prec, ok := binaryPrec[t.val]
	return t.val, prec, ok
}

// expression is Pebble's precedence-climbing parseExpression.
func (p *parser) expression(minPrec int) (node, *parseError) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		return nil, &parseError{pos: p.peek().pos, msg: "expression nested too deeply", syntax: true}
	}
	var left node
	var err *parseError
	t := p.peek()
	switch {
	case t.kind == tokName && t.val == "not", t.kind == tokPunct && (t.val == "-" || t.val == "+"):
		p.next()
		x, err := p.expression(unaryPrec)
		if err != nil {
			return nil, err
		}
		left = &unaryNode{op: t.val, x: x}
	default:
		if left, err = p.primary(); err != nil {
			return nil, err
		}
	}
	for {
		t := p.peek()
		op, prec, ok := binaryOp(t)
		if !ok || prec < minPrec {
			break
		}
		p.next()
		switch op {
		case "|":
			if left, err = p.filter(left); err != nil {
				return nil, err
			}
		case "is":
			if left, err = p.test(left); err != nil {
				return nil, err
			}
		default:
			right, err := p.expression(prec + 1)
			if err != nil {
				return nil, err
			}
			if op == "equals" {
				op = "=="
			}
			if op == ".." {
				left = &rangeNode{from: left, to: right}
				continue
			}
			left = &binaryNode{op: op, l: left, r: right}
		}
	}
	if minPrec == 0 && p.isPunct("?") {
		p.next()
		a, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		b, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		left = &condNode{c: left, a: a, b: b}
	}
	return left, nil
}

// primary parses a literal, a variable, a function call, a list or map literal, or a
// parenthesized expression, followed by any attribute and index accesses.
func (p *parser) primary() (node, *parseError) {
	t := p.next()
	start := t.pos
	var n node
	switch t.kind {
	case tokInt:
		v, err := strconv.ParseInt(t.val, 10, 64)
		if err != nil {
			f, _ := strconv.ParseFloat(t.val, 64)
			n = &litNode{v: f}
		} else {
			n = &litNode{v: v}
		}
	case tokFloat:
		f, _ := strconv.ParseFloat(t.val, 64)
		n = &litNode{v: f}
	case tokString:
		n = &litNode{v: t.val}
	case tokInterp:
		x, err := p.interpolation(t)
		if err != nil {
			return nil, err
		}
		n = x
	case tokName:
		switch t.val {
		case "true":
			n = &litNode{v: true}
		case "false":
			n = &litNode{v: false}
		case "null", "none":
			n = &litNode{v: nil}
		case "and", "or", "is", "contains", "equals":
			return nil, p.unexpected(t, "a value")
		default:
			if p.isPunct("(") {
				call, err := p.call(t)
				if err != nil {
					return nil, err
				}
				n = call
			} else {
				n = &varNode{name: t.val}
			}
		}
	case tokPunct:
		switch t.val {
		case "(":
			x, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			n = x
		case "[":
			list, err := p.list()
			if err != nil {
				return nil, err
			}
			n = list
		case "{":
			m, err := p.mapLit()
			if err != nil {
				return nil, err
			}
			n = m
		default:
			return nil, p.unexpected(t, "a value")
		}
	default:
		return nil, p.unexpected(t, "a value")
	}
	return p.postfix(n, start)
}

// postfix parses .name, .0 and [expr] accesses after a primary expression.
func (p *parser) postfix(n node, start int) (node, *parseError) {
	for {
		switch {
		case p.isPunct("."):
			dot := p.next()
			t := p.next()
			if t.kind != tokName && t.kind != tokInt {
				return nil, p.unexpected(t, "an attribute name after `.`")
			}
			if p.isPunct("(") {
				return nil, &parseError{pos: t.pos, msg: "method calls (`." + t.val + "(...)`) are not supported"}
			}
			var key any = t.val
			if t.kind == tokInt {
				i, err := strconv.ParseInt(t.val, 10, 64)
				if err != nil {
					return nil, &parseError{pos: t.pos, msg: "index " + t.val + " is too large", syntax: true}
				}
				key = i
			}
			n = &attrNode{base: n, baseText: trimRightSpace(p.src[start:dot.pos]), key: &litNode{v: key}}
		case p.isPunct("["):
			open := p.next()
			k, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			n = &attrNode{base: n, baseText: trimRightSpace(p.src[start:open.pos]), key: k}
		default:
			return n, nil
		}
	}
}

func (p *parser) list() (node, *parseError) {
	l := &listNode{}
	if p.isPunct("]") {
		p.next()
		return l, nil
	}
	for {
		x, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, x)
		if p.isPunct(",") {
			p.next()
			continue
		}
		if err := p.expect("]"); err != nil {
			return nil, err
		}
		return l, nil
	}
}

func (p *parser) mapLit() (node, *parseError) {
	m := &mapNode{}
	if p.isPunct("}") {
		p.next()
		return m, nil
	}
	for {
		k, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		v, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		m.keys = append(m.keys, k)
		m.vals = append(m.vals, v)
		if p.isPunct(",") {
			p.next()
			continue
		}
		if err := p.expect("}"); err != nil {
			return nil, err
		}
		return m, nil
	}
}

// arg is one argument of a call, positional or named (name=value).
type arg struct {
	name string
	pos  int
	x    node
}

// args parses a parenthesized argument list; the opening parenthesis is the next token.
func (p *parser) args() ([]arg, *parseError) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var out []arg
	if p.isPunct(")") {
		p.next()
		return out, nil
	}
	for {
		a := arg{pos: p.peek().pos}
		if t := p.peek(); t.kind == tokName && p.i+1 < len(p.toks) &&
			p.toks[p.i+1].kind == tokPunct && p.toks[p.i+1].val == "=" {
			a.name = t.val
			p.next()
			p.next()
		}
		x, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		a.x = x
		out = append(out, a)
		if p.isPunct(",") {
			p.next()
			continue
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// bind maps parsed arguments onto the parameter list of a filter or function, so that both
// positional and named forms (date('yyyy') and date(format='yyyy')) reach the same slot.
func bind(kind, name string, params []string, required int, args []arg, at int) ([]node, *parseError) {
	out := make([]node, len(params))
	named := false
	for i, a := range args {
		if a.name == "" {
			if named {
				return nil, &parseError{pos: a.pos, msg: fmt.Sprintf("%s %q: a positional argument cannot follow a named one", kind, name)}
			}
			if i >= len(params) {
				return nil, &parseError{pos: a.pos, msg: fmt.Sprintf("%s %q takes %s, got %d", kind, name, describeParams(params, required), len(args))}
			}
			out[i] = a.x
			continue
		}
		named = true
		slot := -1
		for j, p := range params {
			if p == a.name {
				slot = j
			}
		}
		if slot < 0 {
			return nil, &parseError{pos: a.pos, msg: fmt.Sprintf("%s %q has no argument named %q (it takes %s)", kind, name, a.name, describeParams(params, required))}
		}
		if out[slot] != nil {
			return nil, &parseError{pos: a.pos, msg: fmt.Sprintf("%s %q: argument %q given twice", kind, name, a.name)}
		}
		out[slot] = a.x
	}
	for j := 0; j < required; j++ {
		if out[j] == nil {
			return nil, &parseError{pos: at, msg: fmt.Sprintf("%s %q takes %s, got %d", kind, name, describeParams(params, required), len(args))}
		}
	}
	return out, nil
}

// describeParams says how many arguments a filter or function takes, and their names.
func describeParams(params []string, required int) string {
	switch {
	case len(params) == 0:
		return "no arguments"
	case required == len(params) && required == 1:
		return fmt.Sprintf("1 argument (%s)", params[0])
	case required == len(params):
		return fmt.Sprintf("%d arguments (%s)", required, joinNames(params))
	case required == 0:
		return fmt.Sprintf("at most %d argument%s (%s)", len(params), plural(len(params)), joinNames(params))
	default:
		return fmt.Sprintf("%d to %d arguments (%s)", required, len(params), joinNames(params))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// interpolation parses "text #{ expr } text" into the concatenation of its pieces, as
// Pebble's ConcatenateExpression does.
func (p *parser) interpolation(t token) (node, *parseError) {
	var n node
	for _, part := range t.parts {
		var x node = &litNode{v: part.text}
		if part.toks != nil {
			var err *parseError
			if x, err = parseTokens(p.src, part.toks, part.pos, p.calls); err != nil {
				err.syntax = false
				return nil, err
			}
		}
		if n == nil {
			n = x
		} else {
			n = &binaryNode{op: "~", l: n, r: x}
		}
	}
	if n == nil {
		return &litNode{v: ""}, nil
	}
	return n, nil
}

// call parses a function call: a function flowctl knows, or a macro of the template.
func (p *parser) call(name token) (node, *parseError) {
	def, ok := functions()[name.val]
	if !ok {
		if p.calls == nil {
			return nil, &parseError{pos: name.pos, msg: unknownName("function", name.val, functionNames())}
		}
		args, err := p.args()
		if err != nil {
			return nil, err
		}
		call := &macroCallNode{name: name.val, pos: name.pos, args: args}
		*p.calls = append(*p.calls, call)
		return call, nil
	}
	args, err := p.args()
	if err != nil {
		return nil, err
	}
	bound, err := bind("function", name.val, def.params, def.required, args, name.pos)
	if err != nil {
		return nil, err
	}
	return &callNode{def: def, args: bound}, nil
}

// filter parses the filter after a |; the filter must be known.
func (p *parser) filter(input node) (node, *parseError) {
	name := p.next()
	if name.kind != tokName {
		return nil, p.unexpected(name, "a filter name after `|`")
	}
	def, ok := filters()[name.val]
	if !ok {
		return nil, &parseError{pos: name.pos, msg: unknownName("filter", name.val, filterNames())}
	}
	var args []arg
	if p.isPunct("(") {
		var err *parseError
		if args, err = p.args(); err != nil {
			return nil, err
		}
	}
	bound, err := bind("filter", name.val, def.params, def.required, args, name.pos)
	if err != nil {
		return nil, err
	}
	return &filterNode{def: def, input: input, args: bound}, nil
}

// test parses the right side of "is" / "is not".
func (p *parser) test(x node) (node, *parseError) {
	negate := false
	if t := p.peek(); t.kind == tokName && t.val == "not" {
		p.next()
		negate = true
	}
	name := p.next()
	if name.kind != tokName {
		return nil, p.unexpected(name, "a test name after `is`")
	}
	if _, ok := tests()[name.val]; !ok {
		return nil, &parseError{pos: name.pos, msg: unknownName("test", name.val, testNames())}
	}
	// Pebble also reads a test with parentheses: x is empty().
	if p.isPunct("(") {
		args, err := p.args()
		if err != nil {
			return nil, err
		}
		if len(args) > 0 {
			return nil, &parseError{pos: args[0].pos, msg: fmt.Sprintf("test %q takes no arguments, got %d", name.val, len(args))}
		}
	}
	return &testNode{x: x, name: name.val, negate: negate}, nil
}

func trimRightSpace(s string) string {
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
