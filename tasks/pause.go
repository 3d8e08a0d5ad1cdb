package tasks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowctl/flowctl/internal/duration"
)

// PauseType is the type name of the Pause task, whose onResume the loader reads.
const PauseType = "io.kestra.plugin.core.flow.Pause"

// pauseDef is Kestra's Pause task.
var pauseDef = &Def{
	Type:    PauseType,
	Aliases: []string{"io.kestra.core.tasks.flows.Pause"},
	Doc:     "Pause the execution until it is resumed (flowctl executions resume) or its pause duration passes.",
	New:     func() Task { return &Pause{} },
	// The errors branch of a Pause with child tasks (deprecated in Kestra) is not run here.
	Unsupported: []string{"errors"},
}

// The behaviors of a Pause whose pause duration passed without a resume.
const (
	PauseResume = "RESUME"
	PauseWarn   = "WARN"
	PauseFail   = "FAIL"
	PauseCancel = "CANCEL"
)

// ErrCancelled ends a task run CANCELLED (a Pause with behavior CANCEL): the execution stops
// there, as a failure stops it, and ends CANCELLED.
var ErrCancelled = errors.New("cancelled")

// Pause records its task run and the execution PAUSED and waits: until the execution is
// resumed (`flowctl executions resume`), or until its pause duration passes, which ends it as
// its behavior says. Its `timeout` (the task's) ends the wait FAILED, as in Kestra.
type Pause struct {
	Delay         string `flow:"delay" doc:"how long to pause, ISO-8601 (PT1H), rendered; deprecated name of pauseDuration"`
	PauseDuration string `flow:"pauseDuration" doc:"how long to pause at most, ISO-8601 (PT1H), rendered; then behavior applies"`
	Behavior      string `flow:"behavior" enum:"RESUME,WARN,FAIL,CANCEL" doc:"what the pause duration passing does: RESUME (SUCCESS, the execution goes on), WARN, FAIL or CANCEL"`
}

// PauseWait is the Context.Pause hook: it records the task run and the execution PAUSED,
// waits until a resume or until d passes (d > 0), and records them RUNNING again. resumed
// says a resume ended the wait; values are its onResume values (nil when the task declares
// no onResume). The error is ctx's end, or a failure to record the pause.
type PauseWait func(ctx context.Context, d time.Duration) (resumed bool, values map[string]any, err error)

// errNoResume says why a Pause with neither duration nor timeout cannot run without a state.
var errNoResume = errors.New("a Pause without pauseDuration waits to be resumed with `flowctl executions resume`, which needs a state to record the pause in: run with a state, or give it a pauseDuration, or a timeout to fail at")

// Run pauses, then ends as the resume or the behavior says.
func (t *Pause) Run(ctx context.Context, tc *Context) (Result, error) {
	prop, src := "pauseDuration", t.PauseDuration
	switch {
	case t.Delay != "" && t.PauseDuration != "":
		return Result{}, errors.New("give delay or pauseDuration (its newer name), not both")
	case t.Delay != "":
		prop, src = "delay", t.Delay
	}
	var d time.Duration
	if src != "" {
		s, err := tc.render(prop, src)
		if err != nil {
			return Result{}, err
		}
		if d, err = duration.Parse(s); err != nil {
			return Result{}, &PropError{Prop: prop, Err: err}
		}
		if d < 0 {
			return Result{}, &PropError{Prop: prop, Err: fmt.Errorf("must not be negative, got %s", duration.Format(d))}
		}
	}
	behavior, err := tc.render("behavior", t.Behavior)
	if err != nil {
		return Result{}, err
	}
	switch behavior {
	case "", PauseResume, PauseWarn, PauseFail, PauseCancel:
	default:
		return Result{}, &PropError{Prop: "behavior", Err: fmt.Errorf("%q is not one of RESUME, WARN, FAIL, CANCEL", behavior)}
	}
	if tc.Pause == nil {
		return t.sleep(ctx, tc, d, behavior)
	}
	resumed, values, err := tc.Pause(ctx, d)
	if err != nil {
		return Result{}, err
	}
	if resumed {
		var res Result
		if values != nil {
			res.Outputs = map[string]any{"onResume": values}
		}
		return res, nil
	}
	return elapsed(d, behavior)
}

// sleep is the pause of a run without a state: nothing can resume it, so it waits for its
// duration, or for its timeout to fail it.
func (t *Pause) sleep(ctx context.Context, tc *Context, d time.Duration, behavior string) (Result, error) {
	if d == 0 {
		if _, ok := ctx.Deadline(); !ok {
			return Result{}, errNoResume
		}
		<-ctx.Done()
		return Result{}, context.Cause(ctx)
	}
	if err := tc.sleep(ctx, d); err != nil {
		return Result{}, err
	}
	return elapsed(d, behavior)
}

// elapsed ends a pause whose duration d passed without a resume, as its behavior says.
func elapsed(d time.Duration, behavior string) (Result, error) {
	switch behavior {
	case PauseWarn:
		return Result{Warning: true}, nil
	case PauseFail:
		return Result{}, fmt.Errorf("pause of %s passed without a resume (behavior FAIL)", duration.Format(d))
	case PauseCancel:
		return Result{}, fmt.Errorf("pause of %s passed without a resume (behavior CANCEL): %w", duration.Format(d), ErrCancelled)
	}
	return Result{}, nil
}
