package runner

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// TestKestraWaitFor runs Kestra's WaitFor test flows and checks what its WaitForCaseTest and
// its later LoopUntilCaseTest assert: the state and the iterationCount output. flowctl keeps
// the runs of every iteration (Kestra drops those of the iterations before the last), so
// the runs are 1 + iterations × tasks.
func TestKestraWaitFor(t *testing.T) {
	cases := []struct {
		flow       string
		state      string
		iterations int
		runs       int
	}{
		{"waitfor", StateSuccess, 1, 2},
		{"waitfor-max-iterations", StateFailed, 4, 5},
		{"waitfor-no-success", StateSuccess, 5, 6},
		{"waitfor-multiple-tasks", StateSuccess, 3, 7},
		{"waitfor-multiple-tasks-failed", StateFailed, 1, 3},
	}
	for _, c := range cases {
		t.Run(c.flow, func(t *testing.T) {
			t.Parallel()
			x := runKestraFlow(t, c.flow, nil)
			if x.State.Current != c.state || len(x.TaskRunList) != c.runs {
				t.Fatalf("got %s, %d runs, want %s, %d runs: %s", x.State.Current, len(x.TaskRunList), c.state, c.runs, runs(x))
			}
			if got := x.TaskRunList[0].Outputs["iterationCount"]; got != c.iterations {
				t.Errorf("iterationCount: got %v, want %d", got, c.iterations)
			}
			last := x.TaskRunList[len(x.TaskRunList)-1]
			if len(last.Attempts) != 1 {
				t.Errorf("last run: got %d attempts, want 1", len(last.Attempts))
			}
			if last.Iteration == nil || *last.Iteration != c.iterations {
				t.Errorf("last run's iteration: got %v, want %d", last.Iteration, c.iterations)
			}
		})
	}
}

func TestKestraWaitForMultipleTasksLastValues(t *testing.T) {
	x := runKestraFlow(t, "waitfor-multiple-tasks", nil)
	last := x.TaskRunList[len(x.TaskRunList)-1]
	_, values, _ := templating.AsMap(last.Outputs["values"])
	if last.TaskID != "output_values" || values["count"] != "4" {
		t.Errorf("last run: got %s %v, want output_values with count 4", last.TaskID, last.Outputs)
	}
}

// TestKestraWaitForMaxDuration checks that a WaitFor stops, FAILED with failOnMaxReached,
// once an iteration ends after maxDuration (5s in Kestra's flow, which takes that long).
func TestKestraWaitForMaxDuration(t *testing.T) {
	t.Parallel()
	x := runKestraFlow(t, "waitfor-max-duration", nil)
	loop := x.TaskRunList[0]
	if x.State.Current != StateFailed || loop.State.Current != StateFailed {
		t.Fatalf("got %s, want FAILED: %s", x.State.Current, runs(x))
	}
	if d := loop.State.EndDate.Sub(loop.State.StartDate); d <= 5*time.Second {
		t.Errorf("the WaitFor ended after %s, want more than its maxDuration PT5S", d)
	}
	if !strings.HasPrefix(loop.Error, "Max duration reached: ") {
		t.Errorf("error: got %q, want Max duration reached", loop.Error)
	}
}

// TestKestraWaitForChildTaskWarning is Kestra's later test: a child ending WARNING lets the
// loop go on, until maxDuration fails it.
func TestKestraWaitForChildTaskWarning(t *testing.T) {
	t.Parallel()
	x := runKestraFlow(t, "waitfor-child-task-warning", nil)
	if x.State.Current != StateFailed {
		t.Fatalf("got %s, want FAILED: %s", x.State.Current, runs(x))
	}
	if n, _ := x.TaskRunList[0].Outputs["iterationCount"].(int); n <= 1 {
		t.Errorf("iterationCount: got %v, want more than 1", x.TaskRunList[0].Outputs["iterationCount"])
	}
}

// runSource loads and runs a flow written in the test.
func runSource(t *testing.T, src string) *Execution {
	t.Helper()
	f, err := flow.Parse("flow.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x, err := Run(context.Background(), f, Options{TempDir: t.TempDir(), Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestWaitForIterations checks what each iteration sees: taskrun.iteration and
// iterationCount count from 1, and a task's outputs of an iteration are gone in the next,
// as Kestra drops that iteration's runs.
func TestWaitForIterations(t *testing.T) {
	x := runSource(t, `id: loop
namespace: dev
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ outputs.count.value == '3' }}"
    checkFrequency:
      interval: PT0S
    tasks:
      - id: first
        type: io.kestra.plugin.core.flow.If
        condition: "{{ taskrun.iteration == 1 }}"
        then:
          - id: once
            type: io.kestra.plugin.core.debug.Return
            format: only in the first iteration
      - id: seen
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.once.value ?? 'nothing' }}"
      - id: count
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.loop.iterationCount }}"
`)
	if x.State.Current != StateSuccess {
		t.Fatalf("got %s: %s", x.State.Current, runs(x))
	}
	var seen []string
	for i, tr := range byTask(x, "seen") {
		seen = append(seen, tr.Outputs["value"].(string))
		if tr.Iteration == nil || *tr.Iteration != i+1 {
			t.Errorf("seen run %d: iteration %v, want %d", i+1, tr.Iteration, i+1)
		}
	}
	if got, want := strings.Join(seen, "|"), "only in the first iteration|nothing|nothing"; got != want {
		t.Errorf("seen: got %s, want %s", got, want)
	}
	loop := x.TaskRunList[0]
	if loop.Iteration == nil || *loop.Iteration != 3 || loop.Outputs["iterationCount"] != 3 {
		t.Errorf("loop: iteration %v, outputs %v, want 3 and iterationCount 3", loop.Iteration, loop.Outputs)
	}
	for _, tr := range byTask(x, "once") {
		if tr.Iteration != nil {
			t.Errorf("once: iteration %d, want none: only a WaitFor's own children carry it", *tr.Iteration)
		}
	}
}

func TestWaitForMaxIterationsWithoutFailing(t *testing.T) {
	x := runSource(t, `id: loop
namespace: dev
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "false"
    checkFrequency:
      maxIterations: 1
      interval: PT0S
    tasks:
      - id: say
        type: io.kestra.plugin.core.log.Log
        message: "iteration {{ taskrun.iteration }}"
`)
	loop := x.TaskRunList[0]
	if x.State.Current != StateSuccess || len(byTask(x, "say")) != 2 {
		t.Fatalf("got %s: %s, want SUCCESS after 2 iterations (the count above 1)", x.State.Current, runs(x))
	}
	if len(loop.Logs) != 1 || loop.Logs[0].Level != tasks.LevelWarn || loop.Logs[0].Message != "Max iterations reached: iteration 2 is above maxIterations 1" {
		t.Errorf("loop logs: got %+v, want one warning", loop.Logs)
	}
}

func TestWaitForConditionError(t *testing.T) {
	x := runSource(t, `id: loop
namespace: dev
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ outputs.say.nope.deeper }}"
    tasks:
      - id: say
        type: io.kestra.plugin.core.log.Log
        message: hi
    errors:
      - id: handle
        type: io.kestra.plugin.core.log.Log
        message: "handled"
`)
	loop := x.TaskRunList[0]
	if x.State.Current != StateFailed || loop.State.Current != StateFailed || len(byTask(x, "handle")) != 1 {
		t.Fatalf("got %s: %s, want the WaitFor FAILED and its errors run", x.State.Current, runs(x))
	}
	if !strings.HasPrefix(loop.Error, `flow.yml:6:16: task "loop": condition: `) {
		t.Errorf("error: got %q, want it to point at the condition", loop.Error)
	}
}

// TestWaitForUnderALoopForgetsOnlyItsValue checks that a WaitFor under a ForEach value drops
// the outputs of its iterations under that value only: another value's stay.
func TestWaitForUnderALoopForgetsOnlyItsValue(t *testing.T) {
	x := runSource(t, `id: loop
namespace: dev
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: loop
        type: io.kestra.plugin.core.flow.WaitFor
        condition: "{{ outputs.loop[taskrun.value].iterationCount == 2 }}"
        checkFrequency:
          interval: PT0S
        tasks:
          - id: first
            type: io.kestra.plugin.core.flow.If
            condition: "{{ taskrun.iteration == 2 }}"
            then:
              - id: once
                type: io.kestra.plugin.core.debug.Return
                format: "{{ taskrun.value }}"
          - id: seen
            type: io.kestra.plugin.core.debug.Return
            format: "{{ outputs.once[taskrun.value].value ?? 'nothing' }} {{ outputs.once['a'].value ?? 'no a' }}"
`)
	if x.State.Current != StateSuccess {
		t.Fatalf("got %s: %s", x.State.Current, runs(x))
	}
	var seen []string
	for _, tr := range byTask(x, "seen") {
		seen = append(seen, tr.Outputs["value"].(string))
	}
	if got, want := strings.Join(seen, "|"), "nothing no a|a a|nothing a|b a"; got != want {
		t.Errorf("seen: got %s, want %s", got, want)
	}
}

// TestRestartWaitForGoesOnFromTheFailedIteration: a restart of a WaitFor whose second
// iteration failed runs that iteration's failed task again, then the third iteration: no
// iteration runs twice.
func TestRestartWaitForGoesOnFromTheFailedIteration(t *testing.T) {
	f, err := flow.Parse("flow.yml", []byte(`id: f
namespace: dev
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ outputs.loop.iterationCount >= 3 }}"
    checkFrequency:
      interval: PT0.001S
      maxIterations: 5
    tasks:
      - id: log
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.loop.iterationCount }}"
      - id: check
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ outputs.loop.iterationCount == 2 and taskrun.attemptsCount == 0 }}"
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateFailed {
		t.Fatalf("first run: got %s %s, want FAILED", runs(x), x.State.Current)
	}
	y := runRestart(t, context.Background(), f, planRestart(t, f, x), nil)
	var got []string
	for _, tr := range y.TaskRunList {
		if tr.TaskID != "loop" {
			got = append(got, fmt.Sprintf("%s@%d:%s", tr.TaskID, *tr.Iteration, tr.State.Current))
		}
	}
	want := "log@1:SUCCESS check@1:SUCCESS log@2:SUCCESS check@2:SUCCESS log@3:SUCCESS check@3:SUCCESS"
	if y.State.Current != StateSuccess || strings.Join(got, " ") != want {
		t.Fatalf("restart: got %s %s, want SUCCESS %s", y.State.Current, strings.Join(got, " "), want)
	}
	if n := output(t, y, "loop", "iterationCount"); fmt.Sprint(n) != "3" {
		t.Errorf("iterationCount: got %v, want 3", n)
	}
}
