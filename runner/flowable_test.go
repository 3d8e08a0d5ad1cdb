package runner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// runYAML loads a flow written in the test and runs it.
func runYAML(t *testing.T, src string) *Execution {
	t.Helper()
	return runYAMLWith(t, src, tasks.Builtin(), context.Background())
}

func runYAMLWith(t *testing.T, src string, reg tasks.Registry, ctx context.Context) *Execution {
	t.Helper()
	f, err := flow.Parse("flow.yml", []byte("id: f\nnamespace: dev\n"+src), reg)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	x, err := Run(ctx, f, Options{TempDir: t.TempDir(), Environ: []string{}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return x
}

// output returns the output key of the only run of taskID.
func output(t *testing.T, x *Execution, taskID, key string) any {
	t.Helper()
	trs := byTask(x, taskID)
	if len(trs) != 1 {
		t.Fatalf("%s: got %d runs, want 1: %s", taskID, len(trs), runs(x))
	}
	return trs[0].Outputs[key]
}

func TestFlowableTreeLinksChildrenToTheirParent(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: a
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.parentId }}"
      - id: inner
        type: io.kestra.core.tasks.flows.Sequential
        tasks:
          - id: b
            type: io.kestra.plugin.core.debug.Return
            format: b
`)
	if got, want := runs(x), "seq:SUCCESS a:SUCCESS inner:SUCCESS b:SUCCESS"; got != want {
		t.Fatalf("runs: got %s, want %s", got, want)
	}
	seq, a, inner, b := x.TaskRunList[0], x.TaskRunList[1], x.TaskRunList[2], x.TaskRunList[3]
	if seq.ParentTaskRunID != "" || a.ParentTaskRunID != seq.ID || inner.ParentTaskRunID != seq.ID || b.ParentTaskRunID != inner.ID {
		t.Errorf("parents: got %q %q %q %q", seq.ParentTaskRunID, a.ParentTaskRunID, inner.ParentTaskRunID, b.ParentTaskRunID)
	}
	if a.Outputs["value"] != seq.ID {
		t.Errorf("taskrun.parentId: got %v, want %s", a.Outputs["value"], seq.ID)
	}
	if seq.Attempts != nil {
		t.Errorf("a flowable's run has no attempts, got %d", len(seq.Attempts))
	}
}

func TestForEachVariablesAndOutputs(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["x", "y"]
    tasks:
      - id: check
        type: io.kestra.plugin.core.flow.If
        condition: "{{ taskrun.value == 'x' }}"
        then:
          - id: inner
            type: io.kestra.plugin.core.debug.Return
            format: "{{ taskrun.value }}|{{ parent.taskrun.value }}|{{ parent.outputs.evaluationResult }}|{{ parents | length }}"
      - id: after
        type: io.kestra.plugin.core.debug.Return
        format: "{{ outputs.inner[taskrun.value] is defined }}"
  - id: end
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.inner.x.check is defined }}{{ outputs.inner['x'].value }} {{ outputs.check.y.evaluationResult }}"
`)
	if got, want := runs(x), "each:SUCCESS check:SUCCESS inner:SUCCESS after:SUCCESS check:SUCCESS after:SUCCESS end:SUCCESS"; got != want {
		t.Fatalf("runs: got %s, want %s", got, want)
	}
	if got, want := output(t, x, "inner", "value"), "x|x|true|1"; got != want {
		t.Errorf("inner: got %q, want %q", got, want)
	}
	if got := byTask(x, "check"); got[0].Value != "x" || got[1].Value != "y" {
		t.Errorf("values: got %q %q, want x y", got[0].Value, got[1].Value)
	}
	if got := byTask(x, "after"); got[0].Outputs["value"] != "true" || got[1].Outputs["value"] != "false" {
		t.Errorf("after: got %v %v, want true false", got[0].Outputs["value"], got[1].Outputs["value"])
	}
	if got, want := output(t, x, "end", "value"), "falsex|x|true|1 false"; got != want {
		t.Errorf("end: got %q, want %q", got, want)
	}
}

func TestForEachValues(t *testing.T) {
	cases := []struct {
		values string
		want   []string
	}{
		{`'["a", "b", "a"]'`, []string{"a", "b"}},
		{`[1, "{{ 1 + 1 }}", {"k": "{{ flow.id }}"}]`, []string{"1", "2", `{"k":"f"}`}},
		{`'[1, {"k": [true]}]'`, []string{"1", `{"k":[true]}`}},
		{`"{{ [3, 4] | toJson }}"`, []string{"3", "4"}},
		{`'[]'`, nil},
		{`'[12345678901234567890, 1.50]'`, []string{"12345678901234567890", "1.5"}},
	}
	for _, c := range cases {
		x := runYAML(t, `
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: `+c.values+`
    tasks:
      - id: t
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
`)
		var got []string
		for _, tr := range byTask(x, "t") {
			got = append(got, tr.Value)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || x.State.Current != StateSuccess {
			t.Errorf("values %s: got %q %s, want %q SUCCESS", c.values, got, x.State.Current, c.want)
		}
	}
}

func TestForEachValuesThatAreNoListFailTheRun(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ 'not a list' }}"
    tasks:
      - id: t
        type: io.kestra.plugin.core.log.Log
        message: hi
`)
	tr := x.TaskRunList[0]
	if len(x.TaskRunList) != 1 || tr.State.Current != StateFailed || x.State.Current != StateFailed {
		t.Fatalf("got %s %s, want each:FAILED FAILED", runs(x), x.State.Current)
	}
	if want := `flow.yml:7:13: task "each": values: expected a JSON array, got "not a list"`; !strings.HasPrefix(tr.Error, want) {
		t.Errorf("error: got %q, want it to start with %q", tr.Error, want)
	}
}

func TestFlowableErrorsRunForTheirSubtree(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: ko
            type: io.kestra.plugin.core.execution.Fail
          - id: never
            type: io.kestra.plugin.core.log.Log
            message: no
        errors:
          - id: local
            type: io.kestra.plugin.core.debug.Return
            format: "{{ parent.taskrun.value is defined }}"
        finally:
          - id: localFinally
            type: io.kestra.plugin.core.log.Log
            message: done
    errors:
      - id: outerError
        type: io.kestra.plugin.core.log.Log
        message: outer
errors:
  - id: flowError
    type: io.kestra.plugin.core.log.Log
    message: flow
`)
	want := "outer:FAILED inner:FAILED ko:FAILED local:SUCCESS localFinally:SUCCESS outerError:SUCCESS flowError:SUCCESS"
	if got := runs(x); got != want || x.State.Current != StateFailed {
		t.Errorf("got %s %s, want %s FAILED", got, x.State.Current, want)
	}
	inner := byTask(x, "inner")[0]
	if l := byTask(x, "local")[0]; l.ParentTaskRunID != inner.ID || l.Branch != BranchErrors {
		t.Errorf("local: parent %q branch %s, want %s errors", l.ParentTaskRunID, l.Branch, inner.ID)
	}
}

func TestFlowableAllowFailureRunIfDisabledAndRetry(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: allowed
    type: io.kestra.plugin.core.flow.Sequential
    allowFailure: true
    tasks:
      - id: ko
        type: io.kestra.plugin.core.execution.Fail
  - id: skipped
    type: io.kestra.plugin.core.flow.Parallel
    runIf: "{{ false }}"
    tasks:
      - id: notRun
        type: io.kestra.plugin.core.log.Log
        message: no
  - id: dropped
    type: io.kestra.plugin.core.flow.Sequential
    disabled: true
    tasks:
      - id: notRunEither
        type: io.kestra.plugin.core.log.Log
        message: no
  - id: retried
    type: io.kestra.plugin.core.flow.Sequential
    allowWarning: true
    retry:
      type: constant
      interval: PT0.001S
      maxAttempt: 3
    tasks:
      - id: flaky
        type: io.kestra.plugin.core.execution.Fail
        allowFailure: true
`)
	want := "allowed:WARNING ko:FAILED skipped:SKIPPED retried:SUCCESS flaky:WARNING"
	if got := runs(x); got != want || x.State.Current != StateWarning {
		t.Errorf("got %s %s, want %s WARNING", got, x.State.Current, want)
	}
	// Kestra's worker ends a failed task with allowFailure WARNING unless its own retry
	// holds another attempt: its flowable's retry never sees it fail.
	if n := len(byTask(x, "flaky")[0].Attempts); n != 1 {
		t.Errorf("flaky: got %d attempts, want 1 (allowFailure without a retry of its own)", n)
	}
}

func TestFlowableTimeoutFailsIt(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: bounded
    type: io.kestra.plugin.core.flow.Sequential
    timeout: PT0.05S
    tasks:
      - id: slow
        type: io.kestra.plugin.scripts.shell.Commands
        commands: ["sleep 30"]
`)
	b := byTask(x, "bounded")[0]
	if b.State.Current != StateFailed || !strings.Contains(b.Error, "Timeout after 00:00:00.050") || x.State.Current != StateFailed {
		t.Errorf("got %s %s %q, want bounded FAILED with its timeout", runs(x), x.State.Current, b.Error)
	}
}

func TestSwitchWithoutMatchFails(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: sw
    type: io.kestra.plugin.core.flow.Switch
    value: nope
    cases:
      yes:
        - id: a
          type: io.kestra.plugin.core.log.Log
          message: a
`)
	tr := x.TaskRunList[0]
	if len(x.TaskRunList) != 1 || tr.State.Current != StateFailed || !strings.Contains(tr.Error, "No task found on flow 'dev.f', task 'sw'") {
		t.Errorf("got %s %q, want sw FAILED with no task found", runs(x), tr.Error)
	}
}

// barrier is a task type whose runs each wait until n of them are running at once.
type barrier struct {
	mu      sync.Mutex
	n, in   int
	all     chan struct{}
	timeout time.Duration
}

func (b *barrier) Run(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
	b.mu.Lock()
	b.in++
	if b.in == b.n {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
		return tasks.Result{}, nil
	case <-ctx.Done():
		return tasks.Result{}, ctx.Err()
	case <-time.After(b.timeout):
		// Only reached when the runs do not run at once: the test fails rather than hangs.
		return tasks.Result{}, fmt.Errorf("only %d of %d runs were running at once", b.in, b.n)
	}
}

func barrierRegistry(b *barrier) tasks.Registry {
	reg := tasks.Builtin()
	reg.Add(&tasks.Def{Type: "test.Barrier", New: func() tasks.Task { return b }})
	return reg
}

func TestParallelAndForEachRunAtOnce(t *testing.T) {
	for name, src := range map[string]string{
		"Parallel": `
tasks:
  - id: p
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - {id: a, type: test.Barrier}
      - {id: b, type: test.Barrier}
      - {id: c, type: test.Barrier}
`,
		"ForEach": `
tasks:
  - id: p
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2, 3]
    concurrencyLimit: 0
    tasks:
      - {id: a, type: test.Barrier}
`,
		"EachParallel": `
tasks:
  - id: p
    type: io.kestra.core.tasks.flows.EachParallel
    value: [1, 2, 3]
    tasks:
      - {id: a, type: test.Barrier}
`,
		"Dag": `
tasks:
  - id: p
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: a, type: test.Barrier}
      - task: {id: b, type: test.Barrier}
      - task: {id: c, type: test.Barrier}
`,
	} {
		t.Run(name, func(t *testing.T) {
			b := &barrier{n: 3, all: make(chan struct{}), timeout: time.Minute}
			x := runYAMLWith(t, src, barrierRegistry(b), context.Background())
			if x.State.Current != StateSuccess || len(x.TaskRunList) != 4 {
				t.Errorf("got %s %s, want 4 runs SUCCESS", runs(x), x.State.Current)
			}
		})
	}
}

func TestInterruptKillsEveryBranch(t *testing.T) {
	b := &barrier{n: 3, all: make(chan struct{}), timeout: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	reg := tasks.Builtin()
	reg.Add(&tasks.Def{Type: "test.Block", New: func() tasks.Task {
		return &funcTask{func(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
			b.mu.Lock()
			b.in++
			if b.in == b.n {
				cancel() // every branch is running: interrupt
			}
			b.mu.Unlock()
			<-ctx.Done()
			return tasks.Result{}, ctx.Err()
		}}
	}})
	x := runYAMLWith(t, `
tasks:
  - id: p
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - {id: a, type: test.Block}
      - {id: b, type: test.Block}
      - {id: c, type: test.Block}
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: never
`, reg, ctx)
	for _, tr := range x.TaskRunList {
		if tr.State.Current != StateKilled {
			t.Errorf("%s: got %s, want KILLED", tr.TaskID, tr.State.Current)
		}
	}
	if len(x.TaskRunList) != 4 || x.State.Current != StateKilled {
		t.Errorf("got %s %s, want p and its 3 children KILLED, execution KILLED", runs(x), x.State.Current)
	}
}

func TestParallelStopsStartingOnFailure(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: p
    type: io.kestra.plugin.core.flow.Parallel
    concurrent: 1
    tasks:
      - id: ko
        type: io.kestra.plugin.core.execution.Fail
      - id: never
        type: io.kestra.plugin.core.log.Log
        message: no
`)
	if got, want := runs(x), "p:FAILED ko:FAILED"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestDagOrder(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    concurrent: 1
    tasks:
      - task: {id: c, type: io.kestra.plugin.core.debug.Return, format: "{{ outputs.a.value }}{{ outputs.b.value }}"}
        dependsOn: [a, b]
      - task: {id: b, type: io.kestra.plugin.core.debug.Return, format: "{{ outputs.a.value }}b"}
        dependsOn: [a]
      - task: {id: a, type: io.kestra.plugin.core.debug.Return, format: "a"}
`)
	if got, want := runs(x), "dag:SUCCESS a:SUCCESS b:SUCCESS c:SUCCESS"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := output(t, x, "c", "value"); got != "aab" {
		t.Errorf("c: got %v, want aab", got)
	}
}

// funcTask is a task type written as a function, with a struct for the loader to decode into.
type funcTask struct {
	run func(ctx context.Context, tc *tasks.Context) (tasks.Result, error)
}

func (f *funcTask) Run(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
	return f.run(ctx, tc)
}

func TestTriggerContextNestsLoopOutputs(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: t
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}!"
`)
	outputs := TriggerContext(&flow.Flow{ID: "l", Namespace: "dev"}, 1, x)["outputs"].(map[string]any)
	got := fmt.Sprint(outputs["t"])
	if want := "map[a:map[value:a!] b:map[value:b!]]"; got != want {
		t.Errorf("outputs.t: got %s, want %s", got, want)
	}
}

func TestTasksStateVariable(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a"]
    tasks:
      - id: t
        type: io.kestra.plugin.core.execution.Fail
        allowFailure: true
  - id: end
    type: io.kestra.plugin.core.debug.Return
    format: "{{ tasks.each.state }} {{ tasks.t.a.state }}"
`)
	if got, want := output(t, x, "end", "value"), "WARNING WARNING"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
