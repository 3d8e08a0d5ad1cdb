package templating

import (
	"errors"
	"fmt"
	"sync"
)

// evalCtx is the state of one Render call. Templates are shared between goroutines, so
// everything that varies per call lives here, never in the tree.
type evalCtx struct {
	env   *Env
	depth int     // how many render() calls deep this evaluation is
	b     *budget // shared with the render() calls nested in this one
	// scopes hold the variables of {% set %} and of the for loops around, innermost last.
	scopes []map[string]any
	// isolated hides env.Vars: a macro sees only its arguments.
	isolated bool
	macros   int    // how many macro calls deep this evaluation is
	body     string // the rendered body of the {% filter %} block being evaluated
}

// node is one compiled expression. Nodes evaluate their operands through evalCtx.eval, never
// directly, so that every step is counted.
type node interface {
	eval(c *evalCtx) (any, error)
}

// eval evaluates n as one step of the budget; a long string it yields costs the steps of
// scanning it, which covers whatever the operation reading it does with it (compare it,
// count its characters, search it).
func (c *evalCtx) eval(n node) (any, error) {
	if err := c.b.step(1); err != nil {
		return nil, err
	}
	v, err := n.eval(c)
	if s, ok := v.(string); ok && len(s) >= 1<<10 && err == nil {
		err = c.b.scan(len(s))
	}
	return v, err
}

// missingError is a path that leads nowhere: a variable or key that does not exist, an index
// out of range, or an attribute of something that has none. default and ?? catch it.
type missingError struct{ path string }

func (e *missingError) Error() string { return "Unable to find `" + e.path + "`" }

func isMissing(err error) bool {
	var m *missingError
	return errors.As(err, &m)
}

type litNode struct{ v any }

func (n *litNode) eval(*evalCtx) (any, error) { return n.v, nil }

type varNode struct{ name string }

func (n *varNode) eval(c *evalCtx) (any, error) {
	if v, ok := c.lookupVar(n.name); ok {
		return v, nil
	}
	return nil, &missingError{path: n.name}
}

// attrNode is base.key or base[key]; baseText is base as written, to name the path that was
// missing the way the user wrote it.
type attrNode struct {
	base     node
	baseText string
	key      node
}

func (n *attrNode) eval(c *evalCtx) (any, error) {
	base, err := c.eval(n.base)
	if err != nil {
		return nil, err
	}
	key, err := c.key(n.key)
	if err != nil {
		return nil, err
	}
	v, ok := lookup(base, key)
	if !ok {
		return nil, &missingError{path: n.baseText + accessor(key)}
	}
	return v, nil
}

type listNode struct{ items []node }

func (n *listNode) eval(c *evalCtx) (any, error) {
	if err := c.b.grow(elemBytes * len(n.items)); err != nil {
		return nil, err
	}
	out := make([]any, len(n.items))
	for i, x := range n.items {
		v, err := c.eval(x)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

type mapNode struct{ keys, vals []node }

func (n *mapNode) eval(c *evalCtx) (any, error) {
	if err := c.b.grow(elemBytes * len(n.keys)); err != nil {
		return nil, err
	}
	keys := make([]any, len(n.keys))
	vals := make([]any, len(n.keys))
	for i := range n.keys {
		// The key as it is, not as text: its Java hash places it, and a map or a list as a
		// key is named by its Java toString ({3=3}), as Jackson prints it.
		k, err := c.eval(n.keys[i])
		if err != nil {
			return nil, err
		}
		if _, err := c.scalar(k); err != nil {
			// Written as JSON within the budget first: a huge list as a key stops there.
			return nil, err
		}
		v, err := c.eval(n.vals[i])
		if err != nil {
			return nil, err
		}
		keys[i], vals[i] = k, v
	}
	// Entries set in the order of Pebble's HashMap (see hashMapOrder); a key written twice
	// keeps the place of its first writing and the value of its last, as there.
	out := NewMap(len(n.keys))
	for _, i := range hashMapOrder(keys) {
		k := keyString(keys[i])
		if err := c.b.grow(len(k)); err != nil {
			return nil, err
		}
		out.Set(k, vals[i])
	}
	return out, nil
}

type unaryNode struct {
	op string
	x  node
}

func (n *unaryNode) eval(c *evalCtx) (any, error) {
	v, err := c.eval(n.x)
	if err != nil {
		return nil, err
	}
	if n.op == "not" {
		b, err := truth(v, "not")
		return !b, err
	}
	i, f, isInt, ok := toNumber(v)
	if !ok {
		return nil, fmt.Errorf("unary %s needs a number, got %s", n.op, describe(v))
	}
	switch {
	case n.op == "+" && isInt:
		return i, nil
	case n.op == "+":
		return f, nil
	case isInt:
		return -i, nil
	}
	return -f, nil
}

type condNode struct{ c, a, b node }

func (n *condNode) eval(c *evalCtx) (any, error) {
	v, err := c.eval(n.c)
	if err != nil {
		return nil, err
	}
	// Pebble's ternary takes a null condition as false, where if, and, or and not fail.
	ok := false
	if v != nil {
		if ok, err = truth(v, "?:"); err != nil {
			return nil, err
		}
	}
	if ok {
		return c.eval(n.a)
	}
	return c.eval(n.b)
}

type binaryNode struct {
	op   string
	l, r node
}

func (n *binaryNode) eval(c *evalCtx) (any, error) {
	l, err := c.eval(n.l)
	switch n.op {
	case "??":
		if (err == nil && l == nil) || isMissing(err) {
			return c.eval(n.r)
		}
		return l, err
	case "???":
		if isMissing(err) {
			return c.eval(n.r)
		}
		return l, err
	}
	if err != nil {
		return nil, err
	}
	// and/or short-circuit: the right side may name something that only exists when the
	// left side allows it.
	switch n.op {
	case "and", "or":
		what := n.op + " operator"
		lb, err := truth(l, what)
		if err != nil || lb == (n.op == "or") {
			return lb, err
		}
		r, err := c.eval(n.r)
		if err != nil {
			return nil, err
		}
		return truth(r, what)
	}
	r, err := c.eval(n.r)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "==", "!=":
		eq, err := c.equal(l, r)
		return eq == (n.op == "=="), err
	case "<", ">", "<=", ">=":
		if l == nil || r == nil {
			// Pebble's OperatorUtils: a comparison with null is false, not an error.
			return false, nil
		}
		if !isNumber(l) || !isNumber(r) {
			// Pebble compares numbers only (OperatorUtils.wideningConversionBinaryComparison).
			return nil, fmt.Errorf("invalid operands for mathematical comparison: %s %s %s (compare numbers, or dates through | timestamp)", describe(l), n.op, describe(r))
		}
		d, err := compare(l, r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.op, err)
		}
		switch n.op {
		case "<":
			return d < 0, nil
		case ">":
			return d > 0, nil
		case "<=":
			return d <= 0, nil
		}
		return d >= 0, nil
	case "contains":
		return c.contains(l, r)
	case "~":
		return c.concat(l, r)
	case "+":
		return c.add(l, r)
	case "-":
		if list, ok := asList(l); ok {
			return c.subtractFromList(list, r)
		}
	}
	return arith(n.op, l, r)
}

// testNode is "x is [not] name".
type testNode struct {
	x      node
	name   string
	negate bool
}

func (n *testNode) eval(c *evalCtx) (any, error) {
	v, err := c.eval(n.x)
	var ok bool
	if n.name == "defined" {
		if err != nil && !isMissing(err) {
			return nil, err
		}
		ok = err == nil
	} else {
		if err != nil {
			return nil, err
		}
		if ok, err = tests()[n.name](v); err != nil {
			return nil, fmt.Errorf("is %s: %w", n.name, err)
		}
	}
	return ok != n.negate, nil
}

// tests are Pebble's "is" tests; defined is handled by testNode since it must see a missing
// variable rather than a value. Built on first use.
var tests = sync.OnceValue(func() map[string]func(v any) (bool, error) {
	return map[string]func(v any) (bool, error){
		"defined": func(any) (bool, error) { return true, nil },
		"null":    func(v any) (bool, error) { return v == nil, nil },
		"empty":   func(v any) (bool, error) { return isEmpty(v), nil },
		"even":    func(v any) (bool, error) { return parity(v, 0) },
		"odd":     func(v any) (bool, error) { return parity(v, 1) },
		"iterable": func(v any) (bool, error) {
			_, ok := asList(v)
			return ok, nil
		},
		"map": func(v any) (bool, error) {
			_, ok := asMap(v)
			return ok, nil
		},
		// json is Kestra's: a string that reads as JSON.
		"json": func(v any) (bool, error) {
			s, ok := v.(string)
			if !ok {
				return false, fmt.Errorf("needs a string, got %s", describe(v))
			}
			_, err := parseJSON(s)
			return err == nil, nil
		},
	}
})

func parity(v any, want int64) (bool, error) {
	i, _, isInt, ok := toNumber(v)
	if !ok || !isInt {
		return false, fmt.Errorf("needs an integer, got %s", describe(v))
	}
	return i%2 == want || i%2 == -want, nil
}

func testNames() []string { return sortedKeys(tests()) }

// filterNode is "input | name(args)".
type filterNode struct {
	def   *filterDef
	input node
	args  []node
}

func (n *filterNode) eval(c *evalCtx) (any, error) {
	in, err := c.eval(n.input)
	if n.def.name == "default" {
		// Like Pebble, default catches a missing variable anywhere in its input, so that
		// "outputs.x.vars.y | default('n/a')" works before task x has run.
		if err != nil && !isMissing(err) {
			return nil, err
		}
		if err != nil || isEmpty(in) {
			return c.eval(n.args[0])
		}
		return in, nil
	}
	if err != nil {
		return nil, err
	}
	args, err := evalArgs(c, n.args)
	if err != nil {
		return nil, err
	}
	v, err := n.def.apply(c, in, args)
	if err == nil {
		err = c.b.grow(sizeOf(v))
	}
	if err != nil {
		return nil, fmt.Errorf("filter %s: %w", n.def.name, err)
	}
	return v, nil
}

// callNode is "name(args)".
type callNode struct {
	def  *funcDef
	args []node
}

func (n *callNode) eval(c *evalCtx) (any, error) {
	args, err := evalArgs(c, n.args)
	if err != nil {
		return nil, err
	}
	var v any
	if n.def.name == "render" {
		v, err = renderFunc(c, args)
	} else {
		v, err = n.def.call(c, args)
	}
	if err == nil {
		err = c.b.grow(sizeOf(v))
	}
	return v, err
}

// key evaluates a map key or an index: a list or a map used as one stands for its JSON, as
// keyString would write it.
func (c *evalCtx) key(n node) (any, error) {
	k, err := c.eval(n)
	if err != nil {
		return nil, err
	}
	return c.scalar(k)
}

// scalar turns a list or a map into its JSON text, within the budget, and leaves any other
// value as it is.
func (c *evalCtx) scalar(v any) (any, error) {
	switch v.(type) {
	case []any, map[string]any, *Map:
		return c.json(v)
	}
	return v, nil
}

// evalArgs evaluates bound arguments; an argument that was not given stays nil.
func evalArgs(c *evalCtx, nodes []node) ([]any, error) {
	if len(nodes) == 0 {
		return nil, nil
	}
	out := make([]any, len(nodes))
	for i, x := range nodes {
		if x == nil {
			continue
		}
		v, err := c.eval(x)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// nullable reports whether an expression asked for a fallback, the only way a null may
// render (as ""): its outermost operation is default(...), ?? or ???.
func nullable(n node) bool {
	switch x := n.(type) {
	case *filterNode:
		return x.def.name == "default"
	case *binaryNode:
		return x.op == "??" || x.op == "???"
	}
	return false
}

// rootPath names the variable an expression reads when it is a plain path, for the message
// about a null value.
func rootPath(n node) string {
	switch x := n.(type) {
	case *varNode:
		return x.name
	case *attrNode:
		if k, ok := x.key.(*litNode); ok {
			return x.baseText + accessor(k.v)
		}
	}
	return ""
}
