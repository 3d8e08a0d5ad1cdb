package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/flowctl/flowctl/internal/duration"
)

// pauseDef is Kestra's Pause task, the forms of it that end on their own.
var pauseDef = &Def{
	Type:    "io.kestra.plugin.core.flow.Pause",
	Aliases: []string{"io.kestra.core.tasks.flows.Pause"},
	Doc:     "Pause the execution for a delay, then go on; with only a timeout, fail when it passes.",
	New:     func() Task { return &Pause{} },
	// A pause resumed by hand, its inputs and its child tasks need an execution that waits
	// PAUSED in the state.
	Unsupported: []string{"onResume", "tasks", "errors", "behavior"},
}

// Pause waits for its delay, then succeeds. Without a delay, Kestra waits for a resume or
// for the pause's timeout; its timeout is the task's `timeout`, which ends the wait FAILED.
type Pause struct {
	Delay         string `flow:"delay" doc:"how long to pause, ISO-8601 (PT1H), rendered; then the execution goes on"`
	PauseDuration string `flow:"pauseDuration" doc:"the newer name of delay"`
}

// errNoResume says why a Pause with neither delay nor timeout cannot run here.
var errNoResume = errors.New("a Pause without delay waits to be resumed by hand, which flowctl does not support yet: give it a delay (or pauseDuration), or a timeout to fail at")

// Run waits for the delay; with none, until the task's timeout (or the run's) fails it.
func (t *Pause) Run(ctx context.Context, tc *Context) (Result, error) {
	prop, src := "delay", t.Delay
	switch {
	case t.Delay != "" && t.PauseDuration != "":
		return Result{}, errors.New("give delay or pauseDuration (its newer name), not both")
	case t.PauseDuration != "":
		prop, src = "pauseDuration", t.PauseDuration
	}
	if src == "" {
		if _, ok := ctx.Deadline(); !ok {
			return Result{}, errNoResume
		}
		<-ctx.Done()
		return Result{}, context.Cause(ctx)
	}
	s, err := tc.render(prop, src)
	if err != nil {
		return Result{}, err
	}
	d, err := duration.Parse(s)
	if err != nil {
		return Result{}, &PropError{Prop: prop, Err: err}
	}
	if d < 0 {
		return Result{}, &PropError{Prop: prop, Err: fmt.Errorf("must not be negative, got %s", duration.Format(d))}
	}
	return Result{}, tc.sleep(ctx, d)
}
