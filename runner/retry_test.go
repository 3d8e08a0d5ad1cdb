package runner

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// stateTrail lists the states a state went through.
func stateTrail(s State) []string {
	var out []string
	for _, h := range s.Histories {
		out = append(out, h.State)
	}
	return out
}

// TestRetryNewExecutionEndsTheExecutionRetried: a failed run whose retry is
// CREATE_NEW_EXECUTION (Kestra's retry-new-execution-task-attempts) ends RETRIED after one
// attempt, with the execution, which says when the next one is due: its interval after.
func TestRetryNewExecutionEndsTheExecutionRetried(t *testing.T) {
	x := runKestraFlow(t, "retry-new-execution-task-attempts", nil)
	if x.State.Current != StateRetried {
		t.Fatalf("state: got %s, want RETRIED: %s", x.State.Current, runs(x))
	}
	tr := x.TaskRunList[0]
	if got, want := stateTrail(tr.State), []string{StateCreated, StateRunning, StateFailed, StateRetried}; !slices.Equal(got, want) {
		t.Errorf("task run histories: got %v, want %v", got, want)
	}
	if len(tr.Attempts) != 1 || tr.Attempts[0].State.Current != StateFailed {
		t.Errorf("attempts: got %d, want 1 FAILED", len(tr.Attempts))
	}
	if x.OriginalID != x.ID || x.ParentID != "" || x.Metadata == nil || x.Metadata.AttemptNumber != 1 {
		t.Errorf("got originalId %q parentId %q metadata %+v, want its own id, none, attempt 1", x.OriginalID, x.ParentID, x.Metadata)
	}
	if wait := x.RetryAt.Sub(tr.State.EndDate); wait < 900*time.Millisecond || wait > time.Second {
		t.Errorf("next execution due %s after the failure, want the interval, 1s", wait)
	}
}

// TestRetryNewExecutionCarriesTheAttempts: the execution that retries another is its
// child (parentId), keeps its original id and creation date, and counts one attempt more;
// at maxAttempt it ends FAILED, and its errors branch runs as for any failure.
func TestRetryNewExecutionCarriesTheAttempts(t *testing.T) {
	f, err := flow.Parse("retry.yml", []byte(`id: retry
namespace: dev
retry:
  type: constant
  interval: PT0.01S
  maxAttempt: 3
  behavior: CREATE_NEW_EXECUTION
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: fail
        type: io.kestra.plugin.core.execution.Fail
errors:
  - id: onError
    type: io.kestra.plugin.core.log.Log
    message: "attempt of {{ execution.originalId }}"
finally:
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: done
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	run := func(prev *Execution) *Execution {
		x, err := Run(context.Background(), f, Options{TempDir: t.TempDir(), Environ: []string{}, Retries: prev})
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	first := run(nil)
	if got, want := runs(first), "seq:RETRIED fail:RETRIED"; got != want || first.State.Current != StateRetried {
		t.Fatalf("first: got %s %s, want %s RETRIED (no errors, no finally)", got, first.State.Current, want)
	}
	second := run(first)
	if second.ID == first.ID || second.ParentID != first.ID || second.OriginalID != first.ID || second.Metadata.AttemptNumber != 2 ||
		!second.Metadata.OriginalCreatedDate.Equal(first.Metadata.OriginalCreatedDate) || second.State.Current != StateRetried {
		t.Errorf("second: got id %s parentId %s originalId %s metadata %+v %s; want a new id, parent and original %s, attempt 2 from the first's date, RETRIED",
			second.ID, second.ParentID, second.OriginalID, second.Metadata, second.State.Current, first.ID)
	}
	third := run(second)
	if got, want := runs(third), "seq:FAILED fail:FAILED onError:SUCCESS last:SUCCESS"; got != want || third.State.Current != StateFailed {
		t.Errorf("third: got %s %s, want %s FAILED", got, third.State.Current, want)
	}
	if third.ParentID != second.ID || third.OriginalID != first.ID || third.Metadata.AttemptNumber != 3 {
		t.Errorf("third: got parentId %s originalId %s attempt %d, want %s %s 3", third.ParentID, third.OriginalID, third.Metadata.AttemptNumber, second.ID, first.ID)
	}
	if got := byTask(third, "onError")[0].Logs[0].Message; got != "attempt of "+first.ID {
		t.Errorf("execution.originalId: got %q, want the first execution's id", got)
	}
}

// TestRetryNearestPolicyWins: a task's own retry beats its flowable's, which beats the
// flow's (Kestra's ExecutorService: task, then parent, then flow); a task with allowFailure
// is retried by its own retry only (Kestra's worker ends it WARNING at once otherwise), and
// warningOnRetry is the task's own retry's.
func TestRetryNearestPolicyWins(t *testing.T) {
	x := runYAML(t, `retry:
  type: constant
  interval: PT0.001S
  maxAttempt: 2
  warningOnRetry: true
tasks:
  - id: top
    type: io.kestra.plugin.core.flow.Sequential
    allowFailure: true
    tasks:
      - id: flowLevel
        type: io.kestra.plugin.core.execution.Fail
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    allowFailure: true
    retry:
      type: constant
      interval: PT0.001S
      maxAttempt: 3
    tasks:
      - id: allowed
        type: io.kestra.plugin.core.execution.Fail
        allowFailure: true
      - id: parentLevel
        type: io.kestra.plugin.core.execution.Fail
  - id: own
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT0.001S
      maxAttempt: 4
`)
	for id, want := range map[string]int{"flowLevel": 2, "allowed": 1, "parentLevel": 3, "own": 4} {
		if n := len(byTask(x, id)[0].Attempts); n != want {
			t.Errorf("%s: got %d attempts, want %d", id, n, want)
		}
	}
	if st := byTask(x, "allowed")[0].State.Current; st != StateWarning {
		t.Errorf("allowed: got %s, want WARNING", st)
	}
}

// TestWarningOnRetryIsTheTasksOwn: a task that succeeds on its second attempt under the
// flow's retry with warningOnRetry ends SUCCESS: Kestra's worker reads warningOnRetry of the
// task's own retry only; with its own, it ends WARNING.
func TestWarningOnRetryIsTheTasksOwn(t *testing.T) {
	policy := &flow.Retry{Type: "constant", Interval: time.Millisecond, MaxAttempt: 3, WarningOnRetry: true}
	inherited := spec("inherited", step{err: errBoom}, step{})
	own := spec("own", step{err: errBoom}, step{})
	own.Retry = policy
	f := testFlow([]*flow.TaskSpec{inherited, own}, nil, nil)
	f.Retry = policy
	x, err := Run(context.Background(), f, Options{TempDir: t.TempDir(), Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := runs(x); got != "inherited:SUCCESS own:WARNING" {
		t.Errorf("got %s, want inherited:SUCCESS own:WARNING", got)
	}
}

// TestRetriedExecutionHasNoOutputs: an execution ended RETRIED renders no flow outputs (its
// tasks did not all run): an output naming a task after the failure does not turn it FAILED.
func TestRetriedExecutionHasNoOutputs(t *testing.T) {
	x := runYAML(t, `tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT1S
      maxAttempt: 2
      behavior: CREATE_NEW_EXECUTION
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: x
outputs:
  - id: out
    type: STRING
    value: "{{ outputs.after.value }}"
`)
	if x.State.Current != StateRetried || x.Outputs != nil {
		t.Errorf("got %s with outputs %v, want RETRIED without", x.State.Current, x.Outputs)
	}
}
