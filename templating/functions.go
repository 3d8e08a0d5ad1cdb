package templating

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// funcDef describes one function, as filterDef does a filter.
type funcDef struct {
	name     string
	params   []string
	required int
	call     func(c *evalCtx, args []any) (any, error)
}

// functions holds every function flowctl knows, built on first use rather than at start-up.
// render is evaluated by callNode itself (see renderFunc), so no entry leads back to the
// parser, which reads this table.
var functions = sync.OnceValue(func() map[string]*funcDef {
	return byName(append([]*funcDef{
		{name: "secret", params: []string{"key"}, required: 1, call: secretFunc},
		{name: "now", params: []string{"format", "timeZone", "locale"}, call: nowFunc},
		{name: "fromJson", params: []string{"json"}, required: 1, call: fromJSONFunc},
		{name: "json", params: []string{"json"}, required: 1, call: fromJSONFunc},
		{name: "kv", params: []string{"key", "namespace", "errorOnMissing"}, required: 1, call: kvFunc},
		{name: "errorLogs", call: errorLogsFunc},
		// render never reaches call: callNode evaluates it itself.
		{name: "render", params: []string{"template", "recursive"}, required: 1, call: nil},
		{name: "renderOnce", params: []string{"toRender"}, required: 1, call: renderOnceFunc},
		{name: "range", params: []string{"start", "end", "increment"}, required: 2, call: rangeFunc},
		{name: "min", params: variadic(), required: 1, call: extremeFunc(false)},
		{name: "max", params: variadic(), required: 1, call: extremeFunc(true)},
		{name: "uuid", call: uuidFunc},
		{name: "id", call: idFunc},
		{name: "randomInt", params: []string{"lower", "upper"}, required: 2, call: randomIntFunc},
		{name: "randomPort", call: randomPortFunc},
		{name: "printContext", call: printContextFunc},
		{name: "fetchContext", call: printContextFunc},
		{name: "yaml", params: []string{"yaml"}, required: 1, call: yamlFunc},
		{name: "fromIon", params: []string{"ion"}, required: 1, call: fromIonFunc},
		{name: "fileURI", params: []string{"path"}, required: 1, call: fileURIFunc},
		{name: "currentEachOutput", params: []string{"outputs"}, required: 1, call: currentEachOutputFunc},
	}, storageFuncs()...), func(d *funcDef) string { return d.name })
})

func functionNames() []string { return sortedKeys(functions()) }

// errNoSecrets is what secret() says where the caller gave no way to read secrets.
var errNoSecrets = errors.New("secrets are not available here")

func secretFunc(c *evalCtx, args []any) (any, error) {
	name, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("secret: the key must be a string, got %s", describe(args[0]))
	}
	if c.env == nil || c.env.Secret == nil {
		return nil, errNoSecrets
	}
	return c.env.Secret(name)
}

// nowFunc returns the current time as text, as Kestra's NowFunction does (it returns
// AbstractDate.format of ZonedDateTime.now()): in the iso format (6 fractional digits) of the
// local zone unless a format or a time zone says otherwise. Printed, put in JSON or compared,
// it stays that text.
func nowFunc(c *evalCtx, args []any) (any, error) {
	now := time.Now
	if c.env != nil && c.env.Now != nil {
		now = c.env.Now
	}
	t := now()
	s, err := formatDate(t, args[0], args[1], args[2])
	if err != nil {
		return nil, fmt.Errorf("now: %w", err)
	}
	return s, nil
}

// fromJSONFunc parses a JSON string into maps, lists and scalars; whole numbers come back
// as Jackson reads them: an Integer (int32) when they fit, else a Long or a BigInteger.
// What it builds is charged as the size of the text: a lower bound, known before parsing.
func fromJSONFunc(c *evalCtx, args []any) (any, error) {
	switch x := args[0].(type) {
	case nil:
		return nil, nil
	case string:
		if err := c.b.grow(len(x)); err != nil {
			return nil, err
		}
		v, err := parseJSON(x)
		if err != nil {
			return nil, fmt.Errorf("fromJson: Invalid json: %v", err)
		}
		return v, nil
	default:
		// Already structured (an output that was JSON to begin with): nothing to parse.
		return x, nil
	}
}

func parseJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := decodeJSON(dec, jsonNumber)
	if err != nil {
		// The token reader says less than the decoder about what is wrong: ask the decoder.
		var skip any
		if derr := json.NewDecoder(strings.NewReader(s)).Decode(&skip); derr != nil {
			return nil, derr
		}
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// Limits of render(): how deeply render() calls may nest, how many passes a recursive render
// may take before it is declared a loop, and how large its result may grow.
const (
	maxRenderDepth  = 10
	maxRenderPasses = 10
	maxRenderSize   = 1 << 20
)

// errRenderDepth stops a variable that renders itself.
var errRenderDepth = fmt.Errorf("render: nested more than %d deep (does a variable render itself?)", maxRenderDepth)

// renderFunc renders a string as a template with the same variables. As in Kestra it renders
// again until the result stops changing (recursive=false renders once). It parses, and the
// parser reads the functions table: callNode calls it by name, so that the table does not
// refer to it, which would be an initialization cycle.
func renderFunc(c *evalCtx, args []any) (any, error) {
	recursive := true
	if args[1] != nil {
		b, ok := args[1].(bool)
		if !ok {
			return nil, fmt.Errorf("render: recursive must be a boolean, got %s", describe(args[1]))
		}
		recursive = b
	}
	return renderValue(c, args[0], recursive)
}

// renderValue is Kestra's renderObject: a string is rendered, and so is every key and
// value of a map and every element of a list, at any depth; other values stay as they are.
func renderValue(c *evalCtx, v any, recursive bool) (any, error) {
	if err := c.b.step(1); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return renderText(c, x, recursive)
	}
	if list, ok := asList(v); ok {
		out := make([]any, len(list))
		for i, item := range list {
			var err error
			if out[i], err = renderValue(c, item, recursive); err != nil {
				return nil, err
			}
		}
		return out, c.b.grow(sizeOf(out))
	}
	if keys, m, ok := AsMap(v); ok {
		// A Map keeps its order; a Go map's keys come sorted.
		out := NewMap(len(keys))
		for _, k := range keys {
			key, err := renderText(c, k, recursive)
			if err != nil {
				return nil, err
			}
			item, err := renderValue(c, m[k], recursive)
			if err != nil {
				return nil, err
			}
			out.Set(key, item)
		}
		return out, c.b.grow(sizeOf(out))
	}
	return v, nil
}

// renderText renders src, again and again when recursive until it stops changing.
func renderText(c *evalCtx, src string, recursive bool) (string, error) {
	if c.depth >= maxRenderDepth {
		return "", errRenderDepth
	}
	for pass := 0; ; pass++ {
		if pass == maxRenderPasses {
			return "", fmt.Errorf("render: still changing after %d passes (does a variable render itself?)", maxRenderPasses)
		}
		t, err := c.b.parse(src)
		if c.b.stop != nil {
			return "", c.b.stop
		}
		if err != nil {
			return "", fmt.Errorf("render: %w", err)
		}
		if t.Static() {
			return t.text, nil
		}
		out, err := t.render(&evalCtx{env: c.env, depth: c.depth + 1, b: c.b})
		// A loop, an exhausted budget or an interrupt: say so once rather than once per
		// level.
		if c.b.stop != nil {
			return "", c.b.stop
		}
		if errors.Is(err, errRenderDepth) {
			return "", errRenderDepth
		}
		if err != nil {
			return "", fmt.Errorf("render: %w", err)
		}
		if len(out) > maxRenderSize {
			return "", fmt.Errorf("render: result larger than %d bytes", maxRenderSize)
		}
		if !recursive || out == src {
			return out, nil
		}
		src = out
	}
}
