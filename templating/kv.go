package templating

import (
	"context"
	"errors"
	"fmt"
)

// The kv() function and typed rendering, both for Kestra's KV store: kv(key, namespace?,
// errorOnMissing = false) reads a value through Env.KV, and Value renders kv.Set's value the
// way Kestra's renderTyped does.

// errNoKV is what kv() says where the caller gave no KV store.
var errNoKV = errors.New("the KV store needs a state file, and this run has none")

// kvFunc reads key from the KV store of the namespace given, else of the flow's (Kestra does
// not look in parent namespaces). A missing key is null, or Kestra's error with
// errorOnMissing.
func kvFunc(c *evalCtx, args []any) (any, error) {
	key, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("kv: the key must be a string, got %s", describe(args[0]))
	}
	ns, ok := args[1].(string)
	if args[1] == nil {
		ns, ok = flowNamespace(c)
		if !ok {
			return nil, errors.New("kv: no namespace given, and there is no flow.namespace to default to")
		}
	} else if !ok {
		return nil, fmt.Errorf("kv: the namespace must be a string, got %s", describe(args[1]))
	}
	errorOnMissing := false
	if args[2] != nil {
		if errorOnMissing, ok = args[2].(bool); !ok {
			return nil, fmt.Errorf("kv: errorOnMissing must be true or false, got %s", describe(args[2]))
		}
	}
	if c.env == nil || c.env.KV == nil {
		return nil, errNoKV
	}
	v, found, err := c.env.KV(ns, key)
	switch {
	case err != nil:
		return nil, err
	case !found && errorOnMissing:
		return nil, fmt.Errorf("The key '%s' does not exist in the namespace '%s'.", key, ns)
	case !found:
		return nil, nil
	}
	if s, ok := v.(string); ok {
		if err := c.b.grow(len(s)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// flowNamespace returns flow.namespace from the variables.
func flowNamespace(c *evalCtx) (string, bool) {
	if c.env == nil {
		return "", false
	}
	flow, ok := asMap(c.env.Vars["flow"])
	if !ok {
		return "", false
	}
	ns, ok := flow["namespace"].(string)
	return ns, ok && ns != ""
}

// ValueContext renders a template that is one expression and nothing else (no text, not
// even white space, around it) to the expression's value: a map stays a map, a number a
// number, as Kestra's renderTyped does. Any other template renders to its text, as
// RenderContext does. A null is an error unless the expression asked for one (default, ??).
// Maps come out as map[string]any, whatever order they kept inside the template.
func (t *Template) ValueContext(ctx context.Context, env *Env) (any, error) {
	c := &evalCtx{env: env, b: newBudget(ctx, env)}
	p, ok := t.onlyExpression()
	if !ok {
		return t.render(c)
	}
	v, err := c.eval(p.root)
	if err != nil {
		return nil, p.fail(err)
	}
	if v == nil && !p.nullable {
		return nil, p.null()
	}
	return plainValue(v), nil
}

// onlyExpression returns the one printed expression a template is made of, if it is.
func (t *Template) onlyExpression() (printStmt, bool) {
	if t.static || len(t.body) != 1 {
		return printStmt{}, false
	}
	p, ok := t.body[0].(printStmt)
	return p, ok
}

// plainValue turns the ordered maps inside v into Go maps, for callers outside templating.
func plainValue(v any) any {
	switch x := v.(type) {
	case *Map:
		return plainMap(x.m)
	case map[string]any:
		return plainMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainValue(e)
		}
		return out
	}
	return v
}

func plainMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[k] = plainValue(e)
	}
	return out
}
