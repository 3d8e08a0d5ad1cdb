package templating

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasttemplate"
)

// Template is a parsed template; Render may be called many times, concurrently.
type Template struct {
	text string                 // the output of a static template
	tags []*tag                 // compiled expressions, indexed by placeholder number
	ft   *fasttemplate.Template // nil when the template is static
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

// Placeholders in the string handed to fasttemplate. Control characters cannot be mistaken
// for anything a user wrote: a literal NUL in the text becomes a placeholder of its own, and
// a literal \x01 is harmless outside a placeholder.
const (
	startTag = "\x00"
	endTag   = "\x01"
	nulTag   = "n" // stands for a literal NUL byte of the text
)

var nulByte = []byte{0}

// Parse parses src once: text, {{ }} and << >> tags, {% raw %} blocks. Errors are *Error.
func Parse(src string) (*Template, error) {
	segs, err := scan(src)
	if err != nil {
		return nil, err
	}
	t := &Template{}
	var norm strings.Builder
	for _, seg := range segs {
		if seg.tag == nil {
			norm.WriteString(strings.ReplaceAll(seg.text, startTag, startTag+nulTag+endTag))
			continue
		}
		norm.WriteString(startTag)
		norm.WriteString(strconv.Itoa(len(t.tags)))
		norm.WriteString(endTag)
		t.tags = append(t.tags, seg.tag)
	}
	if len(t.tags) == 0 {
		for _, seg := range segs {
			t.text += seg.text
		}
		return t, nil
	}
	// NewTemplate, not New: New panics on a template whose end tag is missing.
	ft, err := fasttemplate.NewTemplate(norm.String(), startTag, endTag)
	if err != nil {
		return nil, &Error{Line: 1, Col: 1, Msg: "internal error: " + err.Error()}
	}
	t.ft = ft
	return t, nil
}

// Static reports whether the template has no expression at all: Render then returns the
// source unchanged, minus the {% raw %} markers.
func (t *Template) Static() bool { return t.ft == nil }

// Render evaluates the template against env, within env.Limits. Errors are *Error.
func (t *Template) Render(env *Env) (string, error) {
	return t.RenderContext(context.Background(), env)
}

// RenderContext is Render that stops when ctx ends: its error then wraps ctx.Err(), so a
// caller tells an interrupt or a timeout from a template that failed. A render that goes over
// env.Limits fails with an error wrapping a *BudgetError. Errors are *Error.
func (t *Template) RenderContext(ctx context.Context, env *Env) (string, error) {
	if t.ft == nil {
		return t.text, nil
	}
	return t.render(&evalCtx{env: env, b: newBudget(ctx, env)})
}

func (t *Template) render(c *evalCtx) (string, error) {
	if t.ft == nil {
		return t.text, nil
	}
	// ExecuteFuncStringWithErr with our own tag function: the map-based Execute* functions
	// would render an unknown placeholder as "".
	return t.ft.ExecuteFuncStringWithErr(func(w io.Writer, name string) (int, error) {
		return t.renderTag(c, w, name)
	})
}

// renderTag writes the value of placeholder name.
func (t *Template) renderTag(c *evalCtx, w io.Writer, name string) (int, error) {
	if name == nulTag {
		return w.Write(nulByte)
	}
	i, err := strconv.Atoi(name)
	if err != nil || i < 0 || i >= len(t.tags) {
		return 0, &Error{Line: 1, Col: 1, Msg: fmt.Sprintf("internal error: unknown placeholder %q", name)}
	}
	tg := t.tags[i]
	v, err := c.eval(tg.root)
	if err != nil {
		return 0, tg.fail(err)
	}
	if v == nil {
		if !tg.nullable {
			return 0, tg.null()
		}
		return 0, nil
	}
	s, err := c.str(v)
	switch v.(type) {
	case []any, map[string]any:
		// c.json charged the text it made: it is written out as it is.
	default:
		if err == nil {
			err = c.b.grow(len(s))
		}
	}
	if err != nil {
		return 0, tg.fail(err)
	}
	return io.WriteString(w, s)
}

// fail turns an evaluation error into an *Error at the tag, in Kestra's words for a missing
// variable.
func (tg *tag) fail(err error) *Error {
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
