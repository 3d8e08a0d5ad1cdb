package runner

import (
	"context"

	"github.com/flowctl/flowctl/tasks"
)

// subflowFunc is the Subflow hook lent to a task: Options.Subflow with this execution as the
// parent, or nil when the run has none.
func (e *engine) subflowFunc() func(context.Context, tasks.SubflowRequest) (tasks.SubflowResult, error) {
	if e.opts.Subflow == nil {
		return nil
	}
	return func(ctx context.Context, req tasks.SubflowRequest) (tasks.SubflowResult, error) {
		return e.opts.Subflow(ctx, e.snapshot(), req)
	}
}
