package runner

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/tasks"
)

// StatePaused is the state of a Pause task's run, and of its execution, while it waits.
const StatePaused = "PAUSED"

// Pauser keeps a paused execution where another process can resume it (the state, through
// the service): the engine records the pause, waits for the resume, and records its end.
type Pauser interface {
	// Pause records x PAUSED, its task run tr waiting; onResume is the YAML text of the
	// Pause's onResume inputs ("" when none), which a resume checks its values against.
	Pause(x *Execution, tr *TaskRun, onResume string) error
	// Wait returns once x was resumed, or ctx ended (with ctx's error).
	Wait(ctx context.Context, x *Execution) error
	// End records x as it now stands, its pause over, and returns whether a resume came
	// first, with its onResume values.
	End(x *Execution) (resumed bool, values map[string]any, err error)
}

// pauseFunc is the Pause hook of one attempt of spec's run tr: nil without a Pauser.
func (e *engine) pauseFunc(spec *flow.TaskSpec, tr *TaskRun) tasks.PauseWait {
	if e.opts.Pauser == nil {
		return nil
	}
	return func(ctx context.Context, d time.Duration) (bool, map[string]any, error) {
		return e.pause(ctx, spec, tr, d)
	}
}

// pause records tr and the execution PAUSED, waits for a resume or d (when d > 0), and
// records them RUNNING again. Runs of parallel branches may pause at once: the execution
// stays PAUSED while any of them is.
func (e *engine) pause(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, d time.Duration) (bool, map[string]any, error) {
	p := e.opts.Pauser
	how := fmt.Sprintf("paused: resume with `flowctl executions resume %s`", e.exec.ID)
	if d > 0 {
		how += ", or wait " + duration.Format(d)
	}
	e.mu.Lock()
	now := e.opts.Now()
	tr.State.Set(StatePaused, now)
	e.paused++
	if e.paused == 1 {
		e.exec.State.Set(StatePaused, now)
	}
	err := p.Pause(e.exec, tr, spec.OnResumeSrc)
	e.mu.Unlock()
	if err != nil {
		e.unpause(tr)
		return false, nil, fmt.Errorf("the pause could not be recorded: %w", err)
	}
	e.log(tr, tasks.LevelInfo, how)

	wctx := ctx
	if d > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	werr := p.Wait(wctx, e.exec)
	resumed, values, err := e.unpause(tr)
	switch {
	case err != nil:
		return false, nil, fmt.Errorf("the end of the pause could not be recorded: %w", err)
	case resumed:
		e.log(tr, tasks.LevelInfo, "resumed")
		if len(spec.OnResume) == 0 {
			return true, nil, nil // Kestra gives the onResume output only to a Pause that has them
		}
		if values == nil {
			values = map[string]any{} // optional inputs without a value: an empty onResume, not none
		}
		for _, in := range spec.OnResume {
			if s, ok := values[in.ID].(string); ok && in.Type == "SECRET" {
				e.opts.Masker.Add(s)
			}
		}
		return true, e.opts.Masker.Value(values).(map[string]any), nil
	case ctx.Err() != nil:
		return false, nil, context.Cause(ctx)
	case werr != nil && wctx.Err() == nil:
		return false, nil, werr
	}
	return false, nil, nil
}

// unpause moves tr, and the execution when no other run is paused, back to RUNNING and
// records the end of the pause.
func (e *engine) unpause(tr *TaskRun) (bool, map[string]any, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	tr.State.Set(StateRunning, now)
	e.paused--
	if e.paused == 0 {
		e.exec.State.Set(StateRunning, now)
	}
	return e.opts.Pauser.End(e.exec)
}

// runChildTasks runs the child tasks of a runnable task (a Pause's deprecated `tasks`) in
// order under its run tr, once its own work ended in state, and returns the run's state:
// the worse of state and its children's, as a Sequential's.
func (e *engine) runChildTasks(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, fr frame, state string) string {
	child := frame{parent: tr, retry: cmp.Or(spec.Retry, fr.retry)}
	sib := e.runList(ctx, spec.Children, BranchTasks, child, newSiblings(true))
	if ctx.Err() != nil && timedOut(ctx) == nil {
		return StateKilled
	}
	switch cs := resolveState(sib.list()); cs {
	case StateSuccess:
		return state
	case StateWarning:
		if state == StateSuccess {
			return StateWarning
		}
		return state
	default:
		return cs
	}
}

// resumeFunc is the Resume of a Resume task's context: the running execution when the task
// names none.
func (e *engine) resumeFunc() func(ctx context.Context, req tasks.ResumeRequest) error {
	if e.opts.Resume == nil {
		return nil
	}
	return func(ctx context.Context, req tasks.ResumeRequest) error {
		if req.ID == "" {
			req.ID = e.exec.ID
		}
		return e.opts.Resume(ctx, req)
	}
}

// toggleFunc is the ToggleTrigger of a Toggle task's context: the running flow when the task
// names none.
func (e *engine) toggleFunc() func(ctx context.Context, req tasks.ToggleRequest) error {
	if e.opts.ToggleTrigger == nil {
		return nil
	}
	return func(ctx context.Context, req tasks.ToggleRequest) error {
		if req.Namespace == "" {
			req.Namespace = e.exec.Namespace
		}
		if req.FlowID == "" {
			req.FlowID = e.exec.FlowID
		}
		return e.opts.ToggleTrigger(ctx, req)
	}
}
