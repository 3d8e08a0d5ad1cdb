package tasks

import (
	"context"
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
	v, err := tc.renderValue("values", t.Values, false)
	if err != nil {
		return Result{}, err
	}
	out, _ := v.(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return Result{Outputs: map[string]any{"values": out}}, nil
}
