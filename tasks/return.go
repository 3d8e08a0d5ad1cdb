package tasks

import (
	"context"
	"fmt"

	"github.com/flowctl/flowctl/internal/units"
)

// returnDef is Kestra's Return task.
var returnDef = &Def{
	Type:    "io.kestra.plugin.core.debug.Return",
	Aliases: []string{"io.kestra.core.tasks.debugs.Return"},
	Doc:     "Render a template and expose the result as the output value.",
	New:     func() Task { return &Return{} },
}

// Return renders its format and returns it, so later tasks can use outputs.<id>.value.
type Return struct {
	Format string `flow:"format" doc:"the template to render; its result is the output value"`
}

// Run renders the format into the output value.
func (t *Return) Run(ctx context.Context, tc *Context) (Result, error) {
	v, err := tc.render("format", t.Format)
	if err != nil {
		return Result{}, err
	}
	if len(v) > maxOutput {
		return Result{}, &PropError{Prop: "format", Err: fmt.Errorf("renders to %d bytes, over the %s an output may hold", len(v), units.Bytes(maxOutput))}
	}
	return Result{Outputs: map[string]any{"value": v}}, nil
}
