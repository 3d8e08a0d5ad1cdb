package tasks

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/flowctl/flowctl/internal/units"
)

// outputValuesDef is Kestra's OutputValues task.
var outputValuesDef = &Def{
	Type: "io.kestra.plugin.core.output.OutputValues",
	Doc:  "Render values (strings rendered at any depth) and expose them as the output values.",
	New:  func() Task { return &OutputValues{} },
}

// OutputValues renders its values so later tasks read them as outputs.<id>.values.<key>.
type OutputValues struct {
	Values map[string]any `flow:"values" doc:"the values to expose: strings are rendered, in lists and mappings too; numbers and booleans are kept"`
}

// Run renders every string of the values, keys included, as Kestra's render of a map does.
func (t *OutputValues) Run(ctx context.Context, tc *Context) (Result, error) {
	v, err := tc.renderValue("values", t.Values)
	if err != nil {
		return Result{}, err
	}
	out, _ := v.(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return Result{Outputs: map[string]any{"values": out}}, nil
}

// renderValue renders the strings of a value decoded from the flow (a string, a list, a
// mapping, or a scalar kept as is) at any depth; errors name the path (values.a[2].b).
func (tc *Context) renderValue(path string, v any) (any, error) {
	switch v := v.(type) {
	case string:
		s, err := tc.render(path, v)
		if err != nil {
			return nil, err
		}
		if len(s) > maxOutput {
			return nil, &PropError{Prop: path, Err: fmt.Errorf("renders to %d bytes, over the %s an output may hold", len(s), units.Bytes(maxOutput))}
		}
		return s, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := tc.renderValue(fmt.Sprintf("%s[%d]", path, i), e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			rk, err := tc.render(path+"."+k, k)
			if err != nil {
				return nil, err
			}
			if _, dup := out[rk]; dup {
				return nil, fmt.Errorf("%s: two keys render to %q", path, rk)
			}
			if out[rk], err = tc.renderValue(path+"."+k, v[k]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}
