package templating

import (
	"fmt"
	"math"
	"strings"
)

// stmt is one piece of a parsed template: text, a printed expression, or a block tag with
// the pieces inside it. A template renders by walking its pieces once, in order.
type stmt interface {
	render(c *evalCtx, w *strings.Builder) error
}

// textStmt is literal text, written as it is.
type textStmt string

func (s textStmt) render(c *evalCtx, w *strings.Builder) error {
	if err := c.b.grow(len(s)); err != nil {
		return err
	}
	w.WriteString(string(s))
	return nil
}

// printStmt is a {{ }} or << >> tag: its value, written as text.
type printStmt struct{ *tag }

func (s printStmt) render(c *evalCtx, w *strings.Builder) error {
	v, err := c.eval(s.root)
	if err != nil {
		return s.fail(err)
	}
	if v == nil {
		if !s.nullable {
			return s.null()
		}
		return nil
	}
	return s.write(c, w, v)
}

// write writes v as text, charging what it did not charge yet.
func (tg *tag) write(c *evalCtx, w *strings.Builder, v any) error {
	text, err := c.str(v)
	switch v.(type) {
	case []any, map[string]any, *Map:
		// c.json charged the text it made: it is written out as it is.
	default:
		if err == nil {
			err = c.b.grow(len(text))
		}
	}
	if err != nil {
		return tg.fail(err)
	}
	w.WriteString(text)
	return nil
}

// renderBody renders the pieces of a block, one step each.
func (c *evalCtx) renderBody(body []stmt, w *strings.Builder) error {
	for _, s := range body {
		if err := c.b.step(1); err != nil {
			return err
		}
		if err := s.render(c, w); err != nil {
			return err
		}
	}
	return nil
}

// ifStmt is {% if %}...{% elseif %}...{% else %}...{% endif %}.
type ifStmt struct {
	branches []*ifBranch
	els      []stmt
}

// ifBranch is a condition and what renders when it holds.
type ifBranch struct {
	cond *tag
	body []stmt
}

func (s *ifStmt) render(c *evalCtx, w *strings.Builder) error {
	for _, br := range s.branches {
		v, err := c.eval(br.cond.root)
		if err == nil {
			var ok bool
			if ok, err = truth(v, "if statement"); err == nil && ok {
				return c.renderBody(br.body, w)
			}
		}
		if err != nil {
			return br.cond.fail(err)
		}
	}
	return c.renderBody(s.els, w)
}

// forStmt is {% for x in e %}...{% else %}...{% endfor %}.
type forStmt struct {
	at   *tag // the for tag, its expression the iterable
	name string
	body []stmt
	els  []stmt
}

func (s *forStmt) render(c *evalCtx, w *strings.Builder) error {
	v, err := c.eval(s.at.root)
	if err != nil {
		return s.at.fail(err)
	}
	if v == nil {
		// Pebble renders nothing for a null iterable, not even the else block.
		return nil
	}
	items, err := c.iterate(v)
	if err != nil {
		return s.at.fail(err)
	}
	if len(items) == 0 {
		return c.renderBody(s.els, w)
	}
	scope := map[string]any{}
	c.scopes = append(c.scopes, scope)
	defer func() { c.scopes = c.scopes[:len(c.scopes)-1] }()
	for i, item := range items {
		scope[s.name] = item
		scope["loop"] = loopVars{index: i, length: len(items)}
		if err := c.renderBody(s.body, w); err != nil {
			if _, ok := err.(*Error); !ok {
				return s.at.fail(err)
			}
			return err
		}
	}
	return nil
}

// iterate lists what a for loop goes through: a list's elements, or a map's entries (key
// and value) in the map's order: as written for a map literal or fromJson's, sorted for the
// maps a caller gives.
func (c *evalCtx) iterate(v any) ([]any, error) {
	if list, ok := asList(v); ok {
		return list, nil
	}
	if keys, m, ok := AsMap(v); ok {
		if err := c.b.grow(elemBytes * len(keys)); err != nil {
			return nil, err
		}
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = mapEntry{key: k, value: m[k]}
		}
		return out, nil
	}
	return nil, fmt.Errorf("for needs a list or a map, got %s", describe(v))
}

// loopVars is the loop variable of a for loop: loop.index (from 0), loop.revindex,
// loop.first, loop.last and loop.length, as in Pebble.
type loopVars struct{ index, length int }

func (l loopVars) get(name string) (any, bool) {
	switch name {
	case "index":
		return int64(l.index), true
	case "revindex":
		return int64(l.length - l.index - 1), true
	case "first":
		return l.index == 0, true
	case "last":
		return l.index == l.length-1, true
	case "length":
		return int64(l.length), true
	}
	return nil, false
}

// String writes the loop variable as Pebble's LoopVariables.toString does.
func (l loopVars) String() string {
	return fmt.Sprintf("{last=%t, length=%d, index=%d, revindex=%d, first=%t}",
		l.index == l.length-1, l.length, l.index, l.length-l.index-1, l.index == 0)
}

// mapEntry is one entry of a map a for loop goes through: entry.key and entry.value.
type mapEntry struct {
	key   string
	value any
}

func (e mapEntry) get(name string) (any, bool) {
	switch name {
	case "key":
		return e.key, true
	case "value":
		return e.value, true
	}
	return nil, false
}

// String writes the entry as Java's Map.Entry does: key=value.
func (e mapEntry) String() string { return e.key + "=" + ToString(e.value) }

// MarshalJSON writes the entry as Jackson writes a Map.Entry: {"key": value}.
func (e mapEntry) MarshalJSON() ([]byte, error) {
	m := NewMap(1)
	m.Set(e.key, e.value)
	return m.MarshalJSON()
}

// setStmt is {% set name = e %}.
type setStmt struct {
	at   *tag
	name string
}

func (s *setStmt) render(c *evalCtx, _ *strings.Builder) error {
	v, err := c.eval(s.at.root)
	if err != nil {
		return s.at.fail(err)
	}
	c.set(s.name, v)
	return nil
}

// filterStmt is {% filter f | g %}...{% endfilter %}: the rendered body goes through the
// filters.
type filterStmt struct {
	at   *tag // its expression is the chain of filters applied to a bodyNode
	body []stmt
}

func (s *filterStmt) render(c *evalCtx, w *strings.Builder) error {
	var inner strings.Builder
	if err := c.renderBody(s.body, &inner); err != nil {
		return err
	}
	saved := c.body
	c.body = inner.String()
	v, err := c.eval(s.at.root)
	c.body = saved
	if err != nil {
		return s.at.fail(err)
	}
	if v == nil {
		return nil
	}
	return s.at.write(c, w, v)
}

// blockStmt is {% block name %}...{% endblock %}: without templates to inherit from, its body
// renders where it is written, and again wherever block("name") is called.
type blockStmt struct {
	name string
	body []stmt
}

func (s *blockStmt) render(c *evalCtx, w *strings.Builder) error { return c.renderBody(s.body, w) }

// bodyNode is the rendered body of the filter block being evaluated.
type bodyNode struct{}

func (bodyNode) eval(c *evalCtx) (any, error) { return c.body, nil }

// macroDef is a {% macro name(a, b='d') %}...{% endmacro %}: a template called like a
// function, which sees only its arguments.
type macroDef struct {
	name     string
	params   []string
	defaults []node // nil where a parameter has no default
	body     []stmt
}

// maxMacroDepth bounds macros calling macros, a macro calling itself included.
const maxMacroDepth = 100

// macroCallNode is a call of a macro of the template. def is set once the whole template is
// read, since a macro may be defined after its first use.
type macroCallNode struct {
	name  string
	pos   int
	args  []arg
	bound []node
	def   *macroDef
	expr  string // the tag the call is in, for an error about it
	// blocks, for a call of block("name"), are the template's blocks.
	blocks map[string]*blockStmt
}

// block renders the block a block("name") call names, as Pebble's block function does.
func (n *macroCallNode) block(c *evalCtx) (any, error) {
	v, err := c.eval(n.bound[0])
	if err != nil {
		return nil, err
	}
	name, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("block: the name must be a string, got %s", describe(v))
	}
	b := n.blocks[name]
	if b == nil {
		return nil, fmt.Errorf("block: the template has no block named %q", name)
	}
	if c.macros >= maxMacroDepth {
		return nil, fmt.Errorf("block %s: nested more than %d deep (does it call itself?)", name, maxMacroDepth)
	}
	c.macros++
	var out strings.Builder
	err = c.renderBody(b.body, &out)
	c.macros--
	if err != nil {
		return nil, err
	}
	return out.String(), c.b.grow(out.Len())
}

func (n *macroCallNode) eval(c *evalCtx) (any, error) {
	if n.blocks != nil {
		return n.block(c)
	}
	def := n.def
	scope := make(map[string]any, len(def.params))
	for i, p := range def.params {
		x := n.bound[i]
		if x == nil {
			x = def.defaults[i]
		}
		if x == nil {
			scope[p] = nil
			continue
		}
		v, err := c.eval(x)
		if err != nil {
			return nil, err
		}
		scope[p] = v
	}
	if c.macros >= maxMacroDepth {
		return nil, fmt.Errorf("macro %s: nested more than %d deep (does it call itself?)", def.name, maxMacroDepth)
	}
	savedScopes, savedIsolated := c.scopes, c.isolated
	c.scopes, c.isolated = []map[string]any{scope}, true
	c.macros++
	var out strings.Builder
	err := c.renderBody(def.body, &out)
	c.macros--
	c.scopes, c.isolated = savedScopes, savedIsolated
	if err != nil {
		return nil, err
	}
	return out.String(), nil
}

// lookupVar finds a variable: in the scopes of the loops and sets around, innermost first,
// then among the template's variables, which a macro does not see.
func (c *evalCtx) lookupVar(name string) (any, bool) {
	for i := len(c.scopes) - 1; i >= 0; i-- {
		if v, ok := c.scopes[i][name]; ok {
			return v, true
		}
	}
	if name == "_context" {
		return c.context(), true
	}
	if c.isolated || c.env == nil {
		return nil, false
	}
	v, ok := c.env.Vars[name]
	return v, ok
}

// context is Pebble's _context: every variable visible here, as one map, so that a macro
// may be handed them all (m(_context)).
func (c *evalCtx) context() map[string]any {
	out := map[string]any{}
	if !c.isolated && c.env != nil {
		for k, v := range c.env.Vars {
			out[k] = v
		}
	}
	for _, scope := range c.scopes {
		for k, v := range scope {
			out[k] = v
		}
	}
	return out
}

// set is Pebble's set: it updates the variable in the innermost scope that has it, else
// creates it in the innermost scope, so a variable first set inside a loop is gone after it.
func (c *evalCtx) set(name string, v any) {
	for i := len(c.scopes) - 1; i >= 0; i-- {
		if _, ok := c.scopes[i][name]; ok {
			c.scopes[i][name] = v
			return
		}
	}
	if len(c.scopes) == 0 {
		c.scopes = append(c.scopes, map[string]any{})
	}
	c.scopes[len(c.scopes)-1][name] = v
}

// rangeNode is a..b: the integers from a to b inclusive (counting down when b < a), or the
// characters from a to b when both are one-character strings, as Pebble's range function.
type rangeNode struct{ from, to node }

// maxRange bounds the length of a range: its elements are charged too, but a range is
// built before the budget sees its size.
const maxRange = 1 << 20

func (n *rangeNode) eval(c *evalCtx) (any, error) {
	a, err := c.eval(n.from)
	if err != nil {
		return nil, err
	}
	b, err := c.eval(n.to)
	if err != nil {
		return nil, err
	}
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr && bStr && len([]rune(as)) == 1 && len([]rune(bs)) == 1 {
		from, to := []rune(as)[0], []rune(bs)[0]
		return c.rangeOf(int64(from), int64(to), func(i int64) any { return string(rune(i)) })
	}
	ai, af, aInt, aok := toNumber(a)
	bi, bf, bInt, bok := toNumber(b)
	if !aok || !bok {
		return nil, fmt.Errorf(".. needs two numbers or two characters, got %s and %s", describe(a), describe(b))
	}
	if !aInt {
		ai = int64(math.Floor(af))
	}
	if !bInt {
		bi = int64(math.Floor(bf))
	}
	return c.rangeOf(ai, bi, func(i int64) any { return i })
}

func (c *evalCtx) rangeOf(from, to int64, elem func(int64) any) (any, error) {
	step := int64(1)
	if to < from {
		step = -1
	}
	n := (to-from)*step + 1
	if n > maxRange || n < 0 {
		return nil, fmt.Errorf("range of more than %d elements", maxRange)
	}
	if err := c.b.grow(elemBytes * int(n)); err != nil {
		return nil, err
	}
	out := make([]any, 0, n)
	for i := from; ; i += step {
		out = append(out, elem(i))
		if i == to {
			return out, nil
		}
	}
}

// truth is Pebble's boolean value of a condition (TypeUtils.compatibleCast): a boolean is
// itself, a number is true unless 0, a string is true unless empty ("false" is true). Null is
// an error, as with Kestra's strict variables, and so is any other type. what names the
// operation for the error.
func truth(v any, what string) (bool, error) {
	switch x := v.(type) {
	case nil:
		return false, fmt.Errorf("null value given to %s", what)
	case bool:
		return x, nil
	case string:
		return x != "", nil
	}
	if i, f, isInt, ok := toNumber(v); ok {
		if isInt {
			return i != 0, nil
		}
		return f != 0 && !math.IsNaN(f), nil
	}
	return false, fmt.Errorf("%s needs a boolean, a number or a string, got %s", what, describe(v))
}
