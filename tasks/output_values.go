package tasks

import (
	"context"

	"github.com/flowctl/flowctl/templating"
)

// outputValuesDef is Kestra's OutputValues task.
var outputValuesDef = &Def{
	Type: "io.kestra.plugin.core.output.OutputValues",
	Doc:  "Render values (strings rendered at any depth) and expose them as the output values.",
	New:  func() Task { return &OutputValues{} },
}

// OutputValues renders its values so later tasks read them as outputs.<id>.values.<key>.
type OutputValues struct {
	Values *templating.Map `flow:"values" doc:"the values to expose, in the order they are written: strings are rendered, in lists and mappings too; numbers and booleans are kept"`
}

// Run renders every string of the values, keys included, as Kestra's render of a map does.
func (t *OutputValues) Run(ctx context.Context, tc *Context) (Result, error) {
	if t.Values == nil {
		return Result{Outputs: map[string]any{"values": templating.NewMap(0)}}, nil
	}
	out, err := tc.renderValue("values", t.Values, false)
	if err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"values": out}}, nil
}
