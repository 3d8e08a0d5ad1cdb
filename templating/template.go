package templating

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// Template is a parsed template; Render may be called many times, concurrently.
type Template struct {
	text   string // the output of a static template
	static bool
	body   []stmt // the pieces, walked once per render
	// size is how long the last output was (at first, the text plus a few bytes a tag): the
	// output is given that room at once rather than grown a few times over.
	size atomic.Int64
}

// Env is what expressions see, and how much work they may do.
type Env struct {
	// Vars are the top-level names: flow, execution, task, taskrun, inputs, vars, outputs,
	// labels, trigger, envs... Values are map[string]any, []any, string, bool, int, int64,
	// float64, json.Number, time.Time or nil.
	Vars map[string]any
	// Secret resolves secret('NAME'); nil makes secret() fail with "secrets are not
	// available here".
	Secret func(name string) (string, error)
	// Now is the clock of now(); nil means time.Now.
	Now func() time.Time
	// Files is the internal storage read(), fileSize(), fileExists() and isFileEmpty()
	// read; nil makes them fail with "the internal storage is not available here".
	Files Files
	// Limits bound each Render; the zero value takes the defaults.
	Limits Limits
	// KV reads a value of Kestra's KV store for kv(): found is false when the key is
	// missing. Nil makes kv() fail saying the KV store needs a state file (see kv.go).
	KV func(namespace, key string) (v any, found bool, err error)
	// ErrorLogs returns the execution's ERROR log lines for errorLogs() (see errorlogs.go).
	// Nil makes errorLogs() fail saying it is only available in a task.
	ErrorLogs func() []any
}

// Parse parses src once into the tree of its pieces: text, {{ }} and << >> tags, block tags,
// {% raw %} blocks. Errors are *Error.
func Parse(src string) (*Template, error) {
	body, err := scan(src)
	if err != nil {
		return nil, err
	}
	t := &Template{body: body, static: true}
	size := 0
	for _, st := range body {
		text, ok := st.(textStmt)
		if !ok {
			t.static = false
			size += 16
			continue
		}
		size += len(text)
	}
	if t.static {
		var b strings.Builder
		b.Grow(size)
		for _, st := range body {
			b.WriteString(string(st.(textStmt)))
		}
		t.text = b.String()
	}
	t.size.Store(int64(size))
	return t, nil
}

// Static reports whether the template has no expression at all: Render then returns the
// source unchanged, minus the {% raw %} markers.
func (t *Template) Static() bool { return t.static }

// Render evaluates the template against env, within env.Limits. Errors are *Error.
func (t *Template) Render(env *Env) (string, error) {
	return t.RenderContext(context.Background(), env)
}

// RenderContext is Render that stops when ctx ends: its error then wraps ctx.Err(), so a
// caller tells an interrupt or a timeout from a template that failed. A render that goes over
// env.Limits fails with an error wrapping a *BudgetError. Errors are *Error.
func (t *Template) RenderContext(ctx context.Context, env *Env) (string, error) {
	if t.static {
		return t.text, nil
	}
	return t.render(&evalCtx{env: env, b: newBudget(ctx, env)})
}

// render walks the pieces of the template, writing each as it goes.
func (t *Template) render(c *evalCtx) (string, error) {
	if t.static {
		return t.text, nil
	}
	var w strings.Builder
	w.Grow(int(t.size.Load()))
	if err := c.renderBody(t.body, &w); err != nil {
		var te *Error
		if !errors.As(err, &te) {
			// The budget or the context stopped the walk between two pieces.
			return "", &Error{Line: 1, Col: 1, Msg: err.Error(), cause: err}
		}
		return "", err
	}
	t.size.Store(int64(w.Len()))
	return w.String(), nil
}

// fail turns an evaluation error into an *Error at the tag, in Kestra's words for a missing
// variable.
func (tg *tag) fail(err error) *Error {
	if te, ok := err.(*Error); ok {
		// Already located, inside a macro's body: the place to look at is there.
		return te
	}
	e := &Error{Line: tg.line, Col: tg.col, Expr: tg.expr}
	var m *missingError
	if errors.As(err, &m) {
		e.Msg = fmt.Sprintf("Unable to find `%s` used in the expression `%s` at line %d", m.path, tg.expr, tg.line)
		return e
	}
	e.Msg = fmt.Sprintf("Unable to render the expression `%s` at line %d: %s", tg.expr, tg.line, err)
	e.cause = err
	return e
}

// null reports a tag whose value is null: nothing renders silently as an empty string.
func (tg *tag) null() *Error {
	what := "The expression"
	if tg.path != "" {
		what = "The value of `" + tg.path + "` used in the expression"
	}
	return &Error{Line: tg.line, Col: tg.col, Expr: tg.expr, Msg: fmt.Sprintf(
		"%s `%s` at line %d is null: add | default('') to render it as an empty string", what, tg.expr, tg.line)}
}
