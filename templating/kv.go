package templating

import (
	"context"
	"errors"
	"fmt"
	"io"
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
func (t *Template) ValueContext(ctx context.Context, env *Env) (any, error) {
	c := &evalCtx{env: env, b: newBudget(ctx, env)}
	if t.ft == nil || len(t.tags) != 1 || !t.onlyTags() {
		return t.render(c)
	}
	tg := t.tags[0]
	v, err := c.eval(tg.root)
	if err != nil {
		return nil, tg.fail(err)
	}
	if v == nil && !tg.nullable {
		return nil, tg.null()
	}
	return v, nil
}

// onlyTags reports whether the template has no text outside its tags.
func (t *Template) onlyTags() bool {
	text, err := t.ft.ExecuteFuncStringWithErr(func(io.Writer, string) (int, error) { return 0, nil })
	return err == nil && text == ""
}
