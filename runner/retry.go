package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// This file is the retry of a failed task run by a new execution (a retry whose behavior
// is CREATE_NEW_EXECUTION, on the task, a flowable ancestor or the flow), as Kestra's
// executor does it: the run, its ancestors and the execution end RETRIED, and a new
// execution of the flow follows (started by runner/service), whose metadata counts the
// attempts. The waits are nextWait's, as for the attempts of a task run.

// StateRetried is an execution, and the failed task run and its ancestors, ended so that a
// new execution of the flow retries it.
const StateRetried = "RETRIED"

// errRetried ends the tasks of an execution that a new execution retries.
var errRetried = errors.New("the execution is retried by a new execution")

// retried reports whether ctx ended because a new execution retries this one.
func retried(ctx context.Context) bool {
	return ctx.Err() != nil && errors.Is(context.Cause(ctx), errRetried)
}

// retryOf is the retry policy of a failed run of spec: its own, else its nearest flowable
// ancestor's, else the flow's.
func (e *engine) retryOf(spec *flow.TaskSpec, fr frame) *flow.Retry {
	return cmp.Or(spec.Retry, fr.retry, e.flow.Retry)
}

// retriable reports whether a failed run of spec may be retried at all. Kestra's worker
// ends a failed attempt of a task with allowFailure WARNING at once unless the task's own
// retry holds another attempt: the retry of a flowable ancestor or of the flow never gets
// to see it fail.
func retriable(spec *flow.TaskSpec) bool {
	return !spec.AllowFailure || spec.Retry != nil
}

// inNewExecution reports whether a failed attempt of a run is retried by a new execution
// rather than by another attempt of the run.
func inNewExecution(r *flow.Retry) bool {
	return r != nil && r.Behavior == flow.RetryNewExecution
}

// retryExecution decides, for tr that failed under r (CREATE_NEW_EXECUTION), whether a new
// execution retries this one: when r's maxAttempt (counting executions) and maxDuration
// (from the original execution's creation) allow one more. It then stops the execution's
// tasks, says when the next one starts, and reports true: tr ends RETRIED. Only the first
// run to fail decides; the others are stopped with the execution.
func (e *engine) retryExecution(ctx context.Context, r *flow.Retry, tr *TaskRun) bool {
	if !inNewExecution(r) || ctx.Err() != nil {
		return false
	}
	md := e.exec.Metadata
	now := e.opts.Now()
	wait, ok := nextWait(r, md.AttemptNumber, now.Sub(md.OriginalCreatedDate))
	if !ok {
		return false
	}
	e.mu.Lock()
	if !e.exec.RetryAt.IsZero() {
		e.mu.Unlock()
		return false
	}
	e.exec.RetryAt = now.Add(wait)
	e.mu.Unlock()
	e.log(tr, tasks.LevelWarn, fmt.Sprintf("execution attempt %d failed; a new execution retries the flow in %s", md.AttemptNumber, wait.Round(time.Millisecond)))
	e.set(tr, StateFailed)
	e.stopTasks(errRetried)
	return true
}

// retryFields sets what an execution that retries opts.Retries keeps of it: its original
// execution and creation date, its attempt number plus one, and itself as parent.
func (x *Execution) retryFields(prev *Execution, created time.Time) {
	x.OriginalID = x.ID
	x.Metadata = &Metadata{AttemptNumber: 1, OriginalCreatedDate: created.UTC()}
	if prev == nil {
		return
	}
	x.ParentID = prev.ID
	x.OriginalID = cmp.Or(prev.OriginalID, prev.ID)
	if md := prev.Metadata; md != nil {
		x.Metadata = &Metadata{AttemptNumber: md.AttemptNumber + 1, OriginalCreatedDate: md.OriginalCreatedDate}
	} else {
		x.Metadata = &Metadata{AttemptNumber: 2, OriginalCreatedDate: prev.State.StartDate.UTC()}
	}
}
