package service

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// loadKestra loads one of Kestra's test flows kept in runner/testdata/kestra.
func loadKestra(t *testing.T, name string) *flow.Flow {
	t.Helper()
	f, err := flow.Load(filepath.Join("..", "testdata", "kestra", name+".yaml"), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// allRecorded lists the executions of the state, oldest first.
func allRecorded(t *testing.T, s *Service) []*runner.Execution {
	t.Helper()
	recs, err := s.Store.Executions(state.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*runner.Execution
	for _, r := range recs {
		out = append(out, lookup(t, s, r.ID))
	}
	slices.SortFunc(out, func(a, b *runner.Execution) int { return a.Metadata.AttemptNumber - b.Metadata.AttemptNumber })
	return out
}

// TestKestraRetryNewExecution: Kestra's RetryCaseTest.retryNewExecution*: a retry with
// behavior CREATE_NEW_EXECUTION, on the flow or on the task, bounded by maxAttempt or
// maxDuration, ends in three executions, RETRIED, RETRIED, FAILED, each the child of the one
// before, all of the same original.
func TestKestraRetryNewExecution(t *testing.T) {
	for _, name := range []string{"retry-new-execution-task-attempts", "retry-new-execution-task-duration",
		"retry-new-execution-flow-attempts", "retry-new-execution-flow-duration"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, n := newService(t)
			s.Now = time.Now // maxDuration counts real time
			x, err := s.Run(context.Background(), loadKestra(t, name), RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			all := allRecorded(t, s)
			var states []string
			for _, y := range all {
				states = append(states, y.State.Current)
			}
			if want := []string{runner.StateRetried, runner.StateRetried, runner.StateFailed}; !slices.Equal(states, want) {
				t.Fatalf("executions: got %v, want %v", states, want)
			}
			if x.ID != all[2].ID {
				t.Errorf("Run returned %s, want the last execution %s", x.ID, all[2].ID)
			}
			for i, y := range all {
				parent := ""
				if i > 0 {
					parent = all[i-1].ID
				}
				if y.ParentID != parent || y.OriginalID != all[0].ID || y.Metadata.AttemptNumber != i+1 {
					t.Errorf("execution %d: got parentId %q originalId %q attempt %d; want %q %q %d", i, y.ParentID, y.OriginalID, y.Metadata.AttemptNumber, parent, all[0].ID, i+1)
				}
				if i > 0 && y.State.StartDate.Before(all[i-1].State.EndDate.Add(900*time.Millisecond)) {
					t.Errorf("execution %d started %s after the one before ended, want its retry's interval", i, y.State.StartDate.Sub(all[i-1].State.EndDate))
				}
			}
			if notes := n.all("note "); len(notes) != 2 || !strings.Contains(notes[0], "ended RETRIED: a new execution retries it in") {
				t.Errorf("notes: got %q, want one per RETRIED execution", notes)
			}
		})
	}
}

// TestRetryNewExecutionKeepsInputsLabelsAndTrigger: the new execution has the inputs,
// labels (those a Labels task added too), trigger and correlation id of the one it retries.
func TestRetryNewExecutionKeepsInputsLabelsAndTrigger(t *testing.T) {
	s, _ := newService(t)
	f := parse(t, `id: again
namespace: dev
labels:
  team: data
inputs:
  - id: n
    type: INT
tasks:
  - id: mark
    type: io.kestra.plugin.core.execution.Labels
    labels:
      seen: "{{ inputs.n }}"
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT0.01S
      maxAttempt: 2
      behavior: CREATE_NEW_EXECUTION
`)
	trig := &runner.ExecTrigger{ID: "t", Type: "io.kestra.plugin.core.trigger.Flow", Variables: map[string]any{"executionId": "up"}}
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: map[string]any{"n": 7}, Trigger: trig, CorrelationID: "chain"})
	if err != nil {
		t.Fatal(err)
	}
	all := allRecorded(t, s)
	if len(all) != 2 || x.State.Current != runner.StateFailed {
		t.Fatalf("got %d executions ending %s, want 2 ending FAILED", len(all), x.State.Current)
	}
	for _, y := range all {
		if fmt.Sprint(y.Inputs["n"]) != "7" || y.Labels["team"] != "data" || y.Labels["seen"] != "7" ||
			y.Labels[runner.LabelCorrelationID] != "chain" || y.Trigger == nil || y.Trigger.Variables["executionId"] != "up" {
			t.Errorf("execution %d: got inputs %v labels %v trigger %+v", y.Metadata.AttemptNumber, y.Inputs, y.Labels, y.Trigger)
		}
	}
}

// TestKestraRetrySubflow: Kestra's RetryCaseTest.retrySubflow: the flow's retry applies to
// a failed Subflow task, whose run gets 3 attempts, each a child execution.
func TestKestraRetrySubflow(t *testing.T) {
	s, n := newService(t)
	child := loadKestra(t, "failed-first")
	if _, _, err := s.Apply(child, t0); err != nil {
		t.Fatal(err)
	}
	x, err := s.Run(context.Background(), loadKestra(t, "retry-subflow"), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != runner.StateFailed || len(x.TaskRunList[0].Attempts) != 3 {
		t.Errorf("got %s with %d attempts, want FAILED with 3", x.State.Current, len(x.TaskRunList[0].Attempts))
	}
	if got := n.all("subflow ended"); len(got) != 3 {
		t.Errorf("child executions: got %q, want 3", got)
	}
}

// TestRestartThenRetryNewExecution: a restarted execution that ends RETRIED is followed by
// a new execution, of a new id, whose parent it is, and whose attempt number follows the
// restart's; the restarted one is not run again under its own id.
func TestRestartThenRetryNewExecution(t *testing.T) {
	s, _ := newService(t)
	plain := parse(t, `id: again
namespace: dev
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
`)
	x, err := s.Run(context.Background(), plain, RunOptions{})
	if err != nil || x.State.Current != runner.StateFailed {
		t.Fatalf("run: %v, %v; want FAILED", x, err)
	}
	retrying := parse(t, `id: again
namespace: dev
retry:
  type: constant
  interval: PT0.01S
  maxAttempt: 3
  behavior: CREATE_NEW_EXECUTION
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
`)
	r, err := s.PlanRestart(x.ID, RestartOptions{Flow: retrying})
	if err != nil {
		t.Fatal(err)
	}
	y, err := s.Restart(context.Background(), r, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := allRecorded(t, s)
	if len(all) != 2 {
		t.Fatalf("got %d executions, want the restarted one and the one retrying it", len(all))
	}
	if all[0].ID != x.ID || all[0].State.Current != runner.StateRetried || all[0].Metadata.AttemptNumber != 2 {
		t.Errorf("restarted: got %s %s attempt %d, want %s RETRIED attempt 2", all[0].ID, all[0].State.Current, all[0].Metadata.AttemptNumber, x.ID)
	}
	if y.ID == x.ID || y.ID != all[1].ID || y.State.Current != runner.StateFailed || y.ParentID != x.ID ||
		y.OriginalID != x.ID || y.Metadata.AttemptNumber != 3 {
		t.Errorf("retry: got %s %s parent %q original %q attempt %d; want a new id FAILED, parent and original %s, attempt 3",
			y.ID, y.State.Current, y.ParentID, y.OriginalID, y.Metadata.AttemptNumber, x.ID)
	}
}
