package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
)

// runAndFire runs one of Kestra's test flows, then fires what its end triggers, as `run`
// does; it returns the execution and the flows its end started.
func runAndFire(t *testing.T, s *Service, n *notes, name string) (*runner.Execution, []string) {
	t.Helper()
	before := len(n.all("fired "))
	x := runKestra(t, s, name, nil)
	s.Fire(context.Background(), x)
	return x, n.all("fired ")[before:]
}

// listenerRuns returns the recorded executions of flow ns.id.
func listenerRuns(t *testing.T, s *Service, ns, id string) []state.ExecRecord {
	t.Helper()
	recs, err := s.Store.Executions(state.ListFilter{Namespace: ns, FlowID: id, Documents: true})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// Kestra's MultipleConditionTriggerCaseTest.trigger: the listener starts once flow-a and
// flow-b both succeeded, not after flow-a alone, and its trigger variables are flow-b's.
func TestKestraMultipleConditionTrigger(t *testing.T) {
	s, n := newService(t)
	applyKestra(t, s, "trigger-multiplecondition-listener.yaml")
	x, fired := runAndFire(t, s, n, "trigger-multiplecondition-flow-a.yaml")
	if x.State.Current != "SUCCESS" || len(x.TaskRunList) != 1 || len(fired) != 0 {
		t.Fatalf("flow-a: %s, %d task runs, fired %q; want SUCCESS, 1, nothing", x.State.Current, len(x.TaskRunList), fired)
	}
	x, fired = runAndFire(t, s, n, "trigger-multiplecondition-flow-b.yaml")
	if len(fired) != 1 || !strings.HasPrefix(fired[0], "fired io.kestra.tests.trigger.trigger-multiplecondition-listener/multiple-listen-flow") {
		t.Fatalf("flow-b fired %q, want the listener", fired)
	}
	recs := listenerRuns(t, s, "io.kestra.tests.trigger", "trigger-multiplecondition-listener")
	if len(recs) != 1 || recs[0].State != "SUCCESS" {
		t.Fatalf("listener executions: %+v", recs)
	}
	doc, err := runner.Decode(recs[0])
	if err != nil {
		t.Fatal(err)
	}
	vars := doc.Trigger.Variables
	if vars["executionId"] != x.ID || vars["namespace"] != "io.kestra.tests.trigger" || vars["flowId"] != "trigger-multiplecondition-flow-b" || len(doc.TaskRunList) != 1 {
		t.Fatalf("trigger variables %v, %d task runs; want flow-b's execution %s, 1", vars, len(doc.TaskRunList), x.ID)
	}
	// resetOnSuccess (the default): flow-b alone does not fire it again.
	if _, fired = runAndFire(t, s, n, "trigger-multiplecondition-flow-b.yaml"); len(fired) != 0 {
		t.Fatalf("flow-b again fired %q, want nothing: the window was reset", fired)
	}
}

// Kestra's MultipleConditionTriggerCaseTest.failed: flow-c FAILED does not count (the
// trigger's ExecutionStatus condition wants SUCCESS), so flow-d alone does not fire it.
func TestKestraMultipleConditionFailed(t *testing.T) {
	s, n := newService(t)
	applyKestra(t, s, "trigger-multiplecondition-failed.yaml")
	x, fired := runAndFire(t, s, n, "trigger-multiplecondition-flow-c.yaml")
	if x.State.Current != "FAILED" || len(fired) != 0 {
		t.Fatalf("flow-c: %s, fired %q", x.State.Current, fired)
	}
	x, fired = runAndFire(t, s, n, "trigger-multiplecondition-flow-d.yaml")
	if x.State.Current != "SUCCESS" || len(fired) != 0 {
		t.Fatalf("flow-d: %s, fired %q; want nothing fired", x.State.Current, fired)
	}
	if recs := listenerRuns(t, s, "io.kestra.tests.trigger", "trigger-multiplecondition-failed"); len(recs) != 0 {
		t.Fatalf("listener ran: %+v", recs)
	}
}

// Kestra's MultipleConditionTriggerCaseTest.flowTriggerPreconditions: flow-a twice, then
// flow-b: the listener runs once, when flow-b ends (flow-a's label some=label meets the
// EXPRESSION filter).
func TestKestraFlowTriggerPreconditions(t *testing.T) {
	s, n := newService(t)
	applyKestra(t, s, "flow-trigger-preconditions-flow-listen.yaml")
	for range 2 {
		if x, fired := runAndFire(t, s, n, "flow-trigger-preconditions-flow-a.yaml"); x.State.Current != "SUCCESS" || len(fired) != 0 {
			t.Fatalf("flow-a: %s, fired %q", x.State.Current, fired)
		}
	}
	if _, fired := runAndFire(t, s, n, "flow-trigger-preconditions-flow-b.yaml"); len(fired) != 1 {
		t.Fatalf("flow-b fired %q, want the listener once", fired)
	}
	recs := listenerRuns(t, s, "io.kestra.tests.trigger.preconditions", "flow-trigger-preconditions-flow-listen")
	if len(recs) != 1 || recs[0].State != "SUCCESS" {
		t.Fatalf("listener executions: %+v", recs)
	}
}

// A precondition on a label the upstream execution lacks is never met.
func TestPreconditionsLabelAndWindowKept(t *testing.T) {
	s, n := newService(t)
	apply(t, s, logFlow("team", "listen", `triggers:
  - id: both
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: both
      flows:
        - namespace: team
          flowId: a
          labels: {env: prod}
        - namespace: team
          flowId: b
          states: [SUCCESS]
`))
	run := func(src string) []string {
		before := len(n.all("fired "))
		x, err := s.Run(context.Background(), parse(t, src), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.Fire(context.Background(), x)
		return n.all("fired ")[before:]
	}
	if fired := run(logFlow("team", "a", "")); len(fired) != 0 {
		t.Fatalf("a fired %q", fired)
	}
	if fired := run(logFlow("team", "b", "")); len(fired) != 0 {
		t.Fatalf("b fired %q although a lacked the label env=prod", fired)
	}
	ws, err := s.Store.Windows()
	if err != nil || len(ws) != 1 || !ws[0].Results["condition_2"] || ws[0].Results["condition_1"] {
		t.Fatalf("windows %+v, %v: want condition_2 met only", ws, err)
	}
	if fired := run(logFlow("team", "a", "labels:\n  env: prod\n")); len(fired) != 1 {
		t.Fatalf("a with env=prod fired %q, want the listener", fired)
	}
	if ws, _ := s.Store.Windows(); len(ws) != 0 {
		t.Fatalf("windows after firing: %+v, want none (resetOnSuccess)", ws)
	}
}

// resetOnSuccess: false keeps the window complete: each later execution meeting a
// condition fires again, until the window ends; a new window starts empty.
func TestPreconditionsNoResetAndWindowEnd(t *testing.T) {
	s, n := newService(t)
	now := t0
	s.Now = func() time.Time { return now }
	apply(t, s, logFlow("team", "listen", `triggers:
  - id: both
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: both
      resetOnSuccess: false
      timeWindow:
        type: DURATION_WINDOW
        window: PT1H
      flows:
        - namespace: team
          flowId: a
        - namespace: team
          flowId: b
`))
	run := func(id string) int {
		before := len(n.all("fired "))
		x, err := s.Run(context.Background(), parse(t, logFlow("team", id, "")), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.Fire(context.Background(), x)
		return len(n.all("fired ")) - before
	}
	now = t0.Add(10 * time.Minute)
	if run("a") != 0 || run("b") != 1 || run("b") != 1 {
		t.Fatal("want: a nothing, b fires, b fires again (no reset)")
	}
	now = t0.Add(70 * time.Minute) // the next hour's window
	if got := run("b"); got != 0 {
		t.Fatalf("b in a new window fired %d times, want 0", got)
	}
}

// A SLIDING_WINDOW opens at the first execution that meets a condition, even on the second,
// and lasts its window from there; a DAILY_TIME_WINDOW counts only executions within it.
func TestPreconditionsSlidingAndDailyWindows(t *testing.T) {
	s, n := newService(t)
	now := t0 // 12:00:00 exactly
	s.Now = func() time.Time { return now }
	apply(t, s, logFlow("team", "slide", `triggers:
  - id: both
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: slide
      timeWindow:
        type: SLIDING_WINDOW
        window: PT30M
      flows:
        - {namespace: team, flowId: a}
        - {namespace: team, flowId: b}
`))
	apply(t, s, logFlow("team", "office", `triggers:
  - id: both
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: office
      timeWindow:
        type: DAILY_TIME_WINDOW
        startTime: "13:00:00"
        endTime: "18:00:00"
      flows:
        - {namespace: team, flowId: a}
        - {namespace: team, flowId: b}
`))
	run := func(id string) []string {
		before := len(n.all("fired "))
		x, err := s.Run(context.Background(), parse(t, logFlow("team", id, "")), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.Fire(context.Background(), x)
		return n.all("fired ")[before:]
	}
	if fired := run("a"); len(fired) != 0 {
		t.Fatalf("a fired %q", fired)
	}
	now = t0.Add(20 * time.Minute)
	if fired := run("b"); len(fired) != 1 || !strings.Contains(fired[0], "team.slide/both") {
		t.Fatalf("b within the sliding window fired %q, want slide only (office is closed before 13:00)", fired)
	}
	now = t0.Add(70 * time.Minute) // 13:10: the office window is open, it counts from now on
	if fired := run("a"); len(fired) != 0 {
		t.Fatalf("a fired %q", fired)
	}
	now = t0.Add(110 * time.Minute)
	if fired := run("b"); len(fired) != 1 || !strings.Contains(fired[0], "team.office/both") {
		t.Fatalf("b at 13:50 fired %q, want office only: the sliding window a opened at 13:10 ended at 13:40", fired)
	}
}
