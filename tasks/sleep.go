package tasks

import (
	"context"
	"fmt"
	"time"

	"github.com/flowctl/flowctl/internal/duration"
)

// sleepDef is Kestra's Sleep task. It has no older name.
var sleepDef = &Def{
	Type: "io.kestra.plugin.core.flow.Sleep",
	Doc:  "Wait for a duration, then succeed.",
	New:  func() Task { return &Sleep{} },
}

// Sleep waits for its duration. A task timeout, --timeout and Ctrl-C end the wait early.
type Sleep struct {
	Duration time.Duration `flow:"duration,required" doc:"how long to wait, ISO-8601 (PT5S); not rendered, as in Kestra"`
}

// Run logs the wait as Kestra does (Waiting for PT5S) and waits.
func (t *Sleep) Run(ctx context.Context, tc *Context) (Result, error) {
	if t.Duration < 0 {
		return Result{}, &PropError{Prop: "duration", Err: fmt.Errorf("must not be negative, got %s", duration.Format(t.Duration))}
	}
	tc.Log.Infof("Waiting for %s", duration.Format(t.Duration))
	if err := tc.sleep(ctx, t.Duration); err != nil {
		return Result{}, err
	}
	return Result{}, nil
}
