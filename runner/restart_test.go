package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// kestraFlow loads one of Kestra's test flows from testdata/kestra.
func kestraFlow(t *testing.T, name string) *flow.Flow {
	t.Helper()
	f, err := flow.Load(filepath.Join("testdata", "kestra", name+".yaml"), tasks.Builtin())
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return f
}

// recorded returns x as the state gives it back: its document, written and read again.
func recorded(t *testing.T, x *Execution) *Execution {
	t.Helper()
	rec, err := Record(x)
	if err != nil {
		t.Fatal(err)
	}
	y, err := Decode(rec)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// planRestart prepares the restart of x (as recorded) with f.
func planRestart(t *testing.T, f *flow.Flow, x *Execution) *Execution {
	t.Helper()
	y, err := PlanRestart(f, recorded(t, x), time.Now())
	if err != nil {
		t.Fatalf("PlanRestart: %v", err)
	}
	return y
}

// runRestart runs the restart prepared in y.
func runRestart(t *testing.T, ctx context.Context, f *flow.Flow, y *Execution, inputs map[string]any) *Execution {
	t.Helper()
	x, err := Run(ctx, f, Options{Restart: y, Inputs: inputs, TempDir: t.TempDir(), Environ: []string{}})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	return x
}

func runFlow(t *testing.T, ctx context.Context, f *flow.Flow, o Options) *Execution {
	t.Helper()
	o.TempDir, o.Environ = t.TempDir(), []string{}
	x, err := Run(ctx, f, o)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func stateHistory(s State) string {
	var out []string
	for _, h := range s.Histories {
		out = append(out, h.State)
	}
	return strings.Join(out, " ")
}

func countState(x *Execution, st string) int {
	n := 0
	for _, tr := range x.TaskRunList {
		if tr.State.Current == st {
			n++
		}
	}
	return n
}

// Kestra's ExecutionServiceTest.restartSimple and RestartCaseTest.restartFailedThenSuccess:
// c fails on its first attempt (taskrun.attemptsCount is 0) and succeeds on the restart's.
func TestRestartLastFailedThenSuccess(t *testing.T) {
	f := kestraFlow(t, "restart_last_failed")
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateFailed || len(x.TaskRunList) != 3 || x.TaskRunList[2].State.Current != StateFailed {
		t.Fatalf("first run: got %s with %d runs, want FAILED with 3, the third FAILED", x.State.Current, len(x.TaskRunList))
	}
	y := planRestart(t, f, x)
	if y.ID != x.ID || y.State.Current != StateRestarted || len(y.State.Histories) != 4 {
		t.Fatalf("restart: got %s %s (%s), want the same id RESTARTED with 4 histories", y.ID, y.State.Current, stateHistory(y.State))
	}
	if len(y.TaskRunList) != 3 {
		t.Fatalf("restart: got %d runs, want 3", len(y.TaskRunList))
	}
	c := y.TaskRunList[2]
	if c.ID != x.TaskRunList[2].ID || c.State.Current != StateRestarted || len(c.State.Histories) != 4 || !c.State.EndDate.IsZero() {
		t.Fatalf("restart: run c got %s %s (%s), want its id RESTARTED with 4 histories", c.ID, c.State.Current, stateHistory(c.State))
	}
	if y.Metadata == nil || y.Metadata.AttemptNumber != 2 {
		t.Fatalf("restart: metadata %+v, want attemptNumber 2", y.Metadata)
	}

	z := runRestart(t, context.Background(), f, y, nil)
	if z.ID != x.ID || z.State.Current != StateSuccess || len(z.TaskRunList) != 4 {
		t.Fatalf("restarted: got %s %s with %d runs, want %s SUCCESS with 4", z.ID, z.State.Current, len(z.TaskRunList), x.ID)
	}
	for _, tr := range z.TaskRunList {
		if tr.State.Current != StateSuccess {
			t.Errorf("run %s: got %s, want SUCCESS", tr.TaskID, tr.State.Current)
		}
	}
	if n := len(z.TaskRunList[2].Attempts); n != 2 {
		t.Errorf("run c: got %d attempts, want 2", n)
	}
	if got, want := stateHistory(z.State), "CREATED RUNNING FAILED RESTARTED RUNNING SUCCESS"; got != want {
		t.Errorf("execution histories: got %s, want %s", got, want)
	}
	if got, want := stateHistory(z.TaskRunList[2].State), "CREATED RUNNING FAILED RESTARTED RUNNING SUCCESS"; got != want {
		t.Errorf("run c histories: got %s, want %s", got, want)
	}
	// a and b are kept as they ran: one attempt, their first start.
	for i := range 2 {
		if got, was := z.TaskRunList[i], x.TaskRunList[i]; len(got.Attempts) != 1 || !got.State.StartDate.Equal(was.State.StartDate) {
			t.Errorf("run %s: got %d attempts from %s, want 1 from %s", got.TaskID, len(got.Attempts), got.State.StartDate, was.State.StartDate)
		}
	}
	if !z.State.StartDate.Equal(x.State.StartDate) || z.State.EndDate.IsZero() {
		t.Errorf("execution dates: got start %s end %s, want the first start and an end", z.State.StartDate, z.State.EndDate)
	}
}

// Kestra's RestartCaseTest.restartFailedThenFailureWithGlobalErrors: the errors run is removed
// by the restart, and runs again when the task fails again.
func TestRestartAlwaysFailedGlobalErrors(t *testing.T) {
	f := kestraFlow(t, "restart_always_failed")
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateFailed || len(x.TaskRunList) != 2 {
		t.Fatalf("first run: got %s with %d runs, want FAILED with 2", x.State.Current, len(x.TaskRunList))
	}
	y := planRestart(t, f, x)
	if len(y.TaskRunList) != 1 || y.State.Current != StateRestarted {
		t.Fatalf("restart: got %s with %d runs, want RESTARTED with 1", y.State.Current, len(y.TaskRunList))
	}
	z := runRestart(t, context.Background(), f, y, nil)
	if z.State.Current != StateFailed || len(z.TaskRunList) != 2 || len(z.TaskRunList[0].Attempts) != 2 {
		t.Fatalf("restarted: got %s with %d runs, the first with %d attempts; want FAILED, 2, 2", z.State.Current, len(z.TaskRunList), len(z.TaskRunList[0].Attempts))
	}
	if z.TaskRunList[1].TaskID != "errorHandler" || z.TaskRunList[1].ID == x.TaskRunList[1].ID {
		t.Errorf("errors branch: got run %s of %s, want a new run of errorHandler", z.TaskRunList[1].ID, z.TaskRunList[1].TaskID)
	}
}

// Kestra's RestartCaseTest.restartFailedThenFailureWithLocalErrors: a flowable's errors run
// is removed too.
func TestRestartLocalErrors(t *testing.T) {
	f := kestraFlow(t, "restart_local_errors")
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateFailed || len(x.TaskRunList) != 5 || x.TaskRunList[3].State.Current != StateFailed {
		t.Fatalf("first run: got %s with %d runs, want FAILED with 5, the fourth FAILED", x.State.Current, len(x.TaskRunList))
	}
	y := planRestart(t, f, x)
	if len(y.TaskRunList) != 4 || y.State.Current != StateRestarted {
		t.Fatalf("restart: got %s with %d runs, want RESTARTED with 4", y.State.Current, len(y.TaskRunList))
	}
	if seq := byTask(y, "sequential")[0]; seq.State.Current != StateRunning {
		t.Errorf("restart: the sequential got %s, want RUNNING (an ancestor of the failed run)", seq.State.Current)
	}
	z := runRestart(t, context.Background(), f, y, nil)
	if z.State.Current != StateFailed || len(z.TaskRunList) != 5 {
		t.Fatalf("restarted: got %s with %d runs, want FAILED with 5", z.State.Current, len(z.TaskRunList))
	}
	if n := len(byTask(z, "failStep")[0].Attempts); n != 2 {
		t.Errorf("failStep: got %d attempts, want 2", n)
	}
	if n := len(byTask(z, "close")[0].Attempts); n != 1 {
		t.Errorf("close: got %d attempts, want 1 (kept)", n)
	}
}

// Kestra's ExecutionServiceTest.restartFlowable and restartFlowable2: the failed runs inside a
// ForEach of Sequentials of ForEach are restarted, their flowable ancestors RUNNING.
func TestRestartEachFlowable(t *testing.T) {
	for _, failed := range []string{"FIRST", "SECOND"} {
		t.Run(failed, func(t *testing.T) {
			f := kestraFlow(t, "restart-each")
			in := map[string]any{"failed": failed}
			x := runFlow(t, context.Background(), f, Options{Inputs: in})
			if x.State.Current != StateFailed {
				t.Fatalf("first run: got %s, want FAILED", x.State.Current)
			}
			y := planRestart(t, f, x)
			if y.State.Current != StateRestarted || len(y.State.Histories) != 4 {
				t.Fatalf("restart: got %s (%s), want RESTARTED with 4 histories", y.State.Current, stateHistory(y.State))
			}
			// Kestra asserts more than one of each, retrying the test 5 times: how many values
			// started before the first failure stopped the others varies. Every failed run is
			// RESTARTED, and the ForEach and each Sequential above one RUNNING.
			if n, want := countState(y, StateRestarted), countState(x, StateFailed)-countState(y, StateRunning); n < 1 || n != want {
				t.Fatalf("restart: %d runs RESTARTED, want the %d failed runnable ones", n, want)
			}
			if countState(y, StateRunning) < 2 {
				t.Fatalf("restart: %d runs RUNNING, want the ForEach and a Sequential at least", countState(y, StateRunning))
			}
			if y.TaskRunList[0].ID != x.TaskRunList[0].ID {
				t.Errorf("restart: first run %s, want %s", y.TaskRunList[0].ID, x.TaskRunList[0].ID)
			}
			// Same inputs, same failures: each restarted run fails again with a second
			// attempt; the runs kept are as they were; values no run started the first time
			// may run now, once.
			// (A run restarted that the restart did not reach, its branch stopped by an
			// earlier failure, ends as it had, FAILED.)
			type was struct {
				attempts  int
				restarted bool
			}
			before := map[string]was{}
			for _, tr := range y.TaskRunList {
				before[tr.ID] = was{len(tr.Attempts), tr.State.Current == StateRestarted}
			}
			z := runRestart(t, context.Background(), f, y, in)
			if z.State.Current != StateFailed {
				t.Fatalf("restarted: got %s, want FAILED", z.State.Current)
			}
			rerun := 0
			for _, tr := range z.TaskRunList {
				if tr.Attempts == nil {
					continue
				}
				b, ok := before[tr.ID]
				want := 1
				switch {
				case ok && b.restarted && strings.Contains(stateHistory(tr.State), "RESTARTED RUNNING"):
					want = b.attempts + 1
					rerun++
				case ok:
					want = b.attempts
				}
				if len(tr.Attempts) != want || tr.State.Current == StateRestarted {
					t.Errorf("run %s (%s) %s: got %d attempts, want %d", tr.TaskID, tr.LoopValue(), tr.State.Current, len(tr.Attempts), want)
				}
			}
			if rerun == 0 {
				t.Errorf("no failed run ran again")
			}
			for id := range before {
				if !slices.ContainsFunc(z.TaskRunList, func(tr *TaskRun) bool { return tr.ID == id }) {
					t.Errorf("run %s of the restart is gone", id)
				}
			}
			if len(byTask(z, "2_end")) != 0 {
				t.Errorf("2_end ran after a failed ForEach")
			}
		})
	}
}

// Kestra's RestartCaseTest.restartMultiple: an execution restarted twice.
func TestRestartTwice(t *testing.T) {
	f := kestraFlow(t, "failed-first")
	x := runFlow(t, context.Background(), f, Options{})
	for i := 2; i <= 3; i++ {
		y := planRestart(t, f, x)
		x = runRestart(t, context.Background(), f, y, nil)
		if x.State.Current != StateFailed || len(x.TaskRunList) != 1 || len(x.TaskRunList[0].Attempts) != i || x.Metadata.AttemptNumber != i {
			t.Fatalf("restart %d: got %s, %d runs, %d attempts, attempt number %d; want FAILED, 1, %d, %d",
				i-1, x.State.Current, len(x.TaskRunList), len(x.TaskRunList[0].Attempts), x.Metadata.AttemptNumber, i, i)
		}
	}
}

// Kestra's ExecutionServiceTest.restartDynamic: a WorkingDirectory is restarted whole, its
// children (and its errors) removed: the folder they shared is gone.
func TestRestartWorkingDirectory(t *testing.T) {
	f := kestraFlow(t, "working-directory")
	x := runFlow(t, context.Background(), f, Options{Inputs: map[string]any{"failed": "true"}})
	if x.State.Current != StateFailed || len(x.TaskRunList) != 3 {
		t.Fatalf("first run: got %s with %d runs, want FAILED with 3", x.State.Current, len(x.TaskRunList))
	}
	y := planRestart(t, f, x)
	if len(y.TaskRunList) != 1 {
		t.Fatalf("restart: got %d runs, want 1 (the WorkingDirectory's)", len(y.TaskRunList))
	}
	w := y.TaskRunList[0]
	if w.State.Current != StateRestarted || len(w.State.Histories) != 4 {
		t.Fatalf("restart: worker got %s (%s), want RESTARTED with 4 histories", w.State.Current, stateHistory(w.State))
	}
	// With an input that no longer fails (the inputs of a restart are the execution's; a
	// test may change them to see the run go on).
	z := runRestart(t, context.Background(), f, y, map[string]any{"failed": "false"})
	if z.State.Current != StateSuccess {
		t.Fatalf("restarted: got %s, want SUCCESS", z.State.Current)
	}
	first := byTask(z, "first")
	if len(first) != 1 || first[0].ID == x.TaskRunList[1].ID || len(first[0].Attempts) != 1 {
		t.Errorf("first: want one new run with one attempt, got %d runs", len(first))
	}
	if len(byTask(z, "error-t1")) != 0 {
		t.Errorf("error-t1 ran after a successful restart")
	}
}

// Kestra's ExecutionControllerTest.restartFromLastFailedWithPause: the Pause is not paused
// again; its failed child runs again, the next one runs.
func TestRestartPauseChildren(t *testing.T) {
	f := kestraFlow(t, "restart_pause_last_failed")
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateFailed || len(x.TaskRunList) != 4 || x.TaskRunList[3].State.Current != StateFailed {
		t.Fatalf("first run: got %s with %d runs, want FAILED with 4", x.State.Current, len(x.TaskRunList))
	}
	y := planRestart(t, f, x)
	if len(y.TaskRunList) != 4 || y.TaskRunList[2].State.Current != StateRunning || y.TaskRunList[3].State.Current != StateRestarted {
		t.Fatalf("restart: got %d runs, pause %s, c %s; want 4, RUNNING, RESTARTED", len(y.TaskRunList), y.TaskRunList[2].State.Current, y.TaskRunList[3].State.Current)
	}
	start := time.Now()
	z := runRestart(t, context.Background(), f, y, nil)
	if z.State.Current != StateSuccess || len(z.TaskRunList) != 5 {
		t.Fatalf("restarted: got %s with %d runs, want SUCCESS with 5", z.State.Current, len(z.TaskRunList))
	}
	if n := len(z.TaskRunList[2].Attempts); n != 1 {
		t.Errorf("pause: got %d attempts, want 1 (not paused again)", n)
	}
	if d := time.Since(start); d >= time.Second {
		t.Errorf("restart took %s: the pause's PT1S delay ran again", d)
	}
	for i, a := range []int{1, 1, 1, 2, 1} {
		if n := len(z.TaskRunList[i].Attempts); n != a {
			t.Errorf("run %s: got %d attempts, want %d", z.TaskRunList[i].TaskID, n, a)
		}
	}
}

// A restart re-runs the failed run of a concurrent ForEach and of a Parallel mid-way, keeps
// the runs that succeeded with their outputs, then runs the tasks after.
func TestRestartMidFlowable(t *testing.T) {
	src := `id: mid
namespace: dev
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "{{ taskrun.id }}"
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c"]
    concurrencyLimit: 0
    tasks:
      - id: item
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}-{{ taskrun.attemptsCount }}"
      - id: check
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.value == 'b' and taskrun.attemptsCount == 0 }}"
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: p1
        type: io.kestra.plugin.core.debug.Return
        format: p1
      - id: p2
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.attemptsCount == 0 }}"
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.first.value }} {{ outputs.item.a.value }} {{ outputs.item.b.value }} {{ outputs.p1.value }}"
finally:
  - id: cleanup
    type: io.kestra.plugin.core.debug.Return
    format: done
`
	f, err := flow.Parse("mid.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateFailed || len(byTask(x, "par")) != 0 {
		t.Fatalf("first run: got %s, par ran %d times; want FAILED at the ForEach", x.State.Current, len(byTask(x, "par")))
	}
	firstID := byTask(x, "first")[0].ID
	x = runRestart(t, context.Background(), f, planRestart(t, f, x), nil)
	if x.State.Current != StateFailed || len(byTask(x, "par")) != 1 || len(byTask(x, "last")) != 0 {
		t.Fatalf("second run: got %s; want FAILED at the Parallel", x.State.Current)
	}
	x = runRestart(t, context.Background(), f, planRestart(t, f, x), nil)
	if x.State.Current != StateSuccess {
		t.Fatalf("third run: got %s, want SUCCESS", x.State.Current)
	}
	attempts := map[string]int{}
	for _, tr := range x.TaskRunList {
		if tr.Attempts != nil {
			attempts[tr.TaskID+"/"+tr.LoopValue()] = len(tr.Attempts)
		}
	}
	want := map[string]int{"first/": 1, "item/a": 1, "item/b": 1, "item/c": 1, "check/a": 1, "check/b": 2, "check/c": 1,
		"p1/": 1, "p2/": 2, "last/": 1, "cleanup/": 1}
	for k, n := range want {
		if attempts[k] != n {
			t.Errorf("%s: got %d attempts, want %d", k, attempts[k], n)
		}
	}
	if len(attempts) != len(want) {
		t.Errorf("runs: got %v, want %v", attempts, want)
	}
	if got, want := byTask(x, "last")[0].Outputs["value"], firstID+" a-0 b-0 p1"; got != want {
		t.Errorf("last: got %q, want %q (the outputs of the runs kept)", got, want)
	}
	if n := len(byTask(x, "cleanup")); n != 1 {
		t.Errorf("finally: got %d runs, want 1 (the earlier ones removed)", n)
	}
}

// A KILLED execution restarts from the run the interrupt killed.
func TestRestartKilled(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "ready")
	src := `id: killed
namespace: dev
tasks:
  - id: before
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["echo ran >> ` + filepath.Join(dir, "before.log") + `"]
  - id: wait
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ["test -f ` + marker + ` || sleep 30"]
`
	f, err := flow.Parse("killed.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	x := runFlow(t, ctx, f, Options{Sink: &cancelOn{task: "wait", cancel: cancel}})
	if x.State.Current != StateKilled {
		t.Fatalf("first run: got %s, want KILLED", x.State.Current)
	}
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	z := runRestart(t, context.Background(), f, planRestart(t, f, x), nil)
	if z.State.Current != StateSuccess {
		t.Fatalf("restarted: got %s, want SUCCESS", z.State.Current)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "before.log")); string(b) != "ran\n" {
		t.Errorf("before ran %q, want once", b)
	}
	if got, want := stateHistory(byTask(z, "wait")[0].State), "CREATED RUNNING KILLED RESTARTED RUNNING SUCCESS"; got != want {
		t.Errorf("wait: got %s, want %s", got, want)
	}
}

// cancelOn cancels the run once task starts.
type cancelOn struct {
	task   string
	cancel func()
}

func (c *cancelOn) TaskStarted(tr *TaskRun) {
	if tr.TaskID == c.task {
		// Once its process runs: the attempt starts right after this event.
		go func() { time.Sleep(200 * time.Millisecond); c.cancel() }()
	}
}
func (c *cancelOn) Log(*TaskRun, LogLine) {}
func (c *cancelOn) TaskEnded(*TaskRun)    {}

// Only a FAILED or KILLED execution restarts, and only with a flow that has all its tasks.
func TestRestartRefused(t *testing.T) {
	f := kestraFlow(t, "restart_last_failed")
	ok := runFlow(t, context.Background(), kestraFlow(t, "minimal"), Options{})
	var nr *NotRestartableError
	if _, err := PlanRestart(kestraFlow(t, "minimal"), recorded(t, ok), time.Now()); !errors.As(err, &nr) || !strings.Contains(err.Error(), "SUCCESS") {
		t.Errorf("restart of a SUCCESS execution: got %v, want a NotRestartableError naming SUCCESS", err)
	}
	x := runFlow(t, context.Background(), f, Options{})
	other, err := flow.Parse("other.yml", []byte("id: restart_last_failed\nnamespace: io.kestra.tests\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PlanRestart(other, recorded(t, x), time.Now()); !errors.As(err, &nr) || !strings.Contains(err.Error(), `task "b"`) {
		t.Errorf("restart with a flow lacking task b: got %v, want an error naming it", err)
	}
}

// A Dag restarts at its failed task: the tasks that ended are kept, those depending on the
// failed one run after it; trigger.* is the execution's trigger still.
func TestRestartDagKeepsTrigger(t *testing.T) {
	src := `id: dag
namespace: dev
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: a
          type: io.kestra.plugin.core.debug.Return
          format: a
      - task:
          id: b
          type: io.kestra.plugin.core.execution.Fail
          condition: "{{ taskrun.attemptsCount == 0 }}"
        dependsOn: [a]
      - task:
          id: c
          type: io.kestra.plugin.core.debug.Return
          format: "{{ outputs.a.value }} by {{ trigger.executionId }}"
        dependsOn: [b]
`
	f, err := flow.Parse("dag.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	trig := &ExecTrigger{ID: "listen", Type: "io.kestra.plugin.core.trigger.Flow", Variables: map[string]any{"executionId": "parent1"}}
	x := runFlow(t, context.Background(), f, Options{Trigger: trig})
	if x.State.Current != StateFailed || len(byTask(x, "c")) != 0 {
		t.Fatalf("first run: got %s; want FAILED before c", x.State.Current)
	}
	z := runRestart(t, context.Background(), f, planRestart(t, f, x), nil)
	if z.State.Current != StateSuccess {
		t.Fatalf("restarted: got %s, want SUCCESS", z.State.Current)
	}
	if n := len(byTask(z, "a")[0].Attempts); n != 1 {
		t.Errorf("a: got %d attempts, want 1 (kept)", n)
	}
	if n := len(byTask(z, "b")[0].Attempts); n != 2 {
		t.Errorf("b: got %d attempts, want 2", n)
	}
	if got := byTask(z, "c")[0].Outputs["value"]; got != "a by parent1" {
		t.Errorf("c: got %q, want %q", got, "a by parent1")
	}
	if z.Trigger == nil || z.Trigger.ID != "listen" {
		t.Errorf("trigger: got %+v, want the execution's", z.Trigger)
	}
}

// Restartable refuses every state but FAILED and KILLED, saying what to do instead.
func TestRestartableStates(t *testing.T) {
	for st, want := range map[string]string{
		StateFailed: "", StateKilled: "",
		StateSuccess: "No task found to restart execution from! It ended well", StateWarning: "ended well", StateCancelled: "never ran",
		StatePaused: "flowctl executions resume x1", StateRunning: "Execution must be terminated to be restarted, current state is 'RUNNING' !", StateQueued: "current state is 'QUEUED'",
	} {
		err := Restartable(&Execution{ID: "x1", State: State{Current: st}})
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", st, err, want)
		}
	}
}

// BenchmarkRestartKeeps5000Runs restarts an execution whose ForEach of 5,000 values ended
// well before the task after it failed: the record read back, the restart planned and run
// (the 5,000 runs kept, their outputs in scope, the failed task run again). Compare with
// BenchmarkRunForEach5000, the first run.
func BenchmarkRestartKeeps5000Runs(b *testing.B) {
	f := forEachFlow(b, 5000)
	x, err := Run(context.Background(), f, Options{TempDir: b.TempDir(), Environ: []string{}})
	if err != nil || x.State.Current != StateFailed {
		b.Fatalf("first run: %v, %v", x.State.Current, err)
	}
	rec, err := Record(x)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		y, err := Decode(rec)
		if err != nil {
			b.Fatal(err)
		}
		p, err := PlanRestart(f, y, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		z, _ := Run(context.Background(), f, Options{Restart: p, TempDir: b.TempDir(), Environ: []string{}})
		if z.State.Current != StateSuccess || len(z.TaskRunList) != 5002 {
			b.Fatalf("restart: got %s with %d runs", z.State.Current, len(z.TaskRunList))
		}
	}
}

// BenchmarkRunForEach5000 is the first run of BenchmarkRestartKeeps5000Runs's flow.
func BenchmarkRunForEach5000(b *testing.B) {
	f := forEachFlow(b, 5000)
	for b.Loop() {
		if x, _ := Run(context.Background(), f, Options{TempDir: b.TempDir(), Environ: []string{}}); x.State.Current != StateFailed {
			b.Fatal(x.State.Current)
		}
	}
}

// BenchmarkRunForEach5000Limit2 is BenchmarkRunForEach5000 with two values at once: a write
// copies the maps on its path that the other run's render still holds.
func BenchmarkRunForEach5000Limit2(b *testing.B) {
	f := forEachFlow(b, 5000)
	two := 2
	f.Tasks[0].Flowable.(*flow.ForEach).ConcurrencyLimit = &two
	for b.Loop() {
		if x, _ := Run(context.Background(), f, Options{TempDir: b.TempDir(), Environ: []string{}}); x.State.Current != StateFailed {
			b.Fatal(x.State.Current)
		}
	}
}

// forEachFlow is a ForEach of n Return tasks, then a task failing on its first attempt.
func forEachFlow(b testing.TB, n int) *flow.Flow {
	values := make([]string, n)
	for i := range values {
		values[i] = fmt.Sprintf("%q", fmt.Sprint(i))
	}
	src := fmt.Sprintf(`id: big
namespace: bench
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: '[%s]'
    tasks:
      - id: item
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
  - id: check
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount == 0 }}"
`, strings.Join(values, ","))
	f, err := flow.Parse("big.yml", []byte(src), tasks.Builtin())
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// An execution cut off by kill -9 (recorded RUNNING, its run and attempt never ended) is not
// Restartable, but PlanRestart plans it as a KILLED one when the caller says its process is
// gone: the attempt under way ends KILLED, the run goes RESTARTED.
func TestRestartCutOff(t *testing.T) {
	f := kestraFlow(t, "restart_last_failed")
	x := recorded(t, runFlow(t, context.Background(), f, Options{}))
	// As the journal left it when the process died inside c's first attempt.
	x.State = State{Current: StateRunning, StartDate: x.State.StartDate, Histories: x.State.Histories[:2]}
	c := x.TaskRunList[2]
	c.State = State{Current: StateRunning, StartDate: c.State.StartDate, Histories: c.State.Histories[:2]}
	c.Attempts[0].State = State{Current: StateRunning, StartDate: c.Attempts[0].State.StartDate, Histories: c.Attempts[0].State.Histories[:1]}
	if err := Restartable(x); err == nil || !Unfinished(x.State.Current) {
		t.Fatalf("Restartable: got %v, want an error for an unfinished execution", err)
	}
	y, err := PlanRestart(f, x, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stateHistory(y.State), "CREATED RUNNING RESTARTED"; got != want {
		t.Errorf("execution: got %s, want %s", got, want)
	}
	yc := y.TaskRunList[2]
	if yc.State.Current != StateRestarted || yc.Attempts[0].State.Current != StateKilled || yc.Attempts[0].State.EndDate.IsZero() {
		t.Errorf("c: got %s, its attempt %s; want RESTARTED, the attempt ended KILLED", yc.State.Current, yc.Attempts[0].State.Current)
	}
	if c.Attempts[0].State.Current != StateRunning {
		t.Errorf("PlanRestart changed the recorded attempt")
	}
	z := runRestart(t, context.Background(), f, y, nil)
	if z.State.Current != StateSuccess || len(z.TaskRunList[2].Attempts) != 2 {
		t.Fatalf("restarted: got %s, c with %d attempts; want SUCCESS, 2", z.State.Current, len(z.TaskRunList[2].Attempts))
	}
}

// The errors and finally runs of a flowable that ended well stay with it; those of the
// flowable run again, and of the execution, are removed and run again.
func TestRestartKeepsTheFinallyOfWhatEndedWell(t *testing.T) {
	src := `id: fin
namespace: dev
tasks:
  - id: done
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: a
        type: io.kestra.plugin.core.debug.Return
        format: a
    finally:
      - id: done-cleanup
        type: io.kestra.plugin.core.debug.Return
        format: cleaned
  - id: again
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: b
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ taskrun.attemptsCount == 0 }}"
    errors:
      - id: again-error
        type: io.kestra.plugin.core.debug.Return
        format: handled
    finally:
      - id: again-cleanup
        type: io.kestra.plugin.core.debug.Return
        format: cleaned
finally:
  - id: cleanup
    type: io.kestra.plugin.core.debug.Return
    format: cleaned
`
	f, err := flow.Parse("fin.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateFailed {
		t.Fatalf("first run: got %s, want FAILED", x.State.Current)
	}
	kept := byTask(x, "done-cleanup")[0].ID
	y := planRestart(t, f, x)
	for _, id := range []string{"again-error", "again-cleanup", "cleanup"} {
		if n := len(byTask(y, id)); n != 0 {
			t.Errorf("restart: %s has %d runs, want them removed", id, n)
		}
	}
	z := runRestart(t, context.Background(), f, y, nil)
	if z.State.Current != StateSuccess {
		t.Fatalf("restarted: got %s, want SUCCESS", z.State.Current)
	}
	if runs := byTask(z, "done-cleanup"); len(runs) != 1 || runs[0].ID != kept {
		t.Errorf("done-cleanup: want its first run kept, got %d runs", len(runs))
	}
	if n := len(byTask(z, "again-error")); n != 0 {
		t.Errorf("again-error: got %d runs, want none (b succeeded)", n)
	}
	for _, id := range []string{"again-cleanup", "cleanup"} {
		if runs := byTask(z, id); len(runs) != 1 || len(runs[0].Attempts) != 1 {
			t.Errorf("%s: want one new run", id)
		}
	}
}

// A ForEachItem's own runs are runnable tasks to a restart: the failed split runs again
// (RESTARTED) under the ForEachItem's run (RUNNING).
func TestRestartForEachItemSplitAgain(t *testing.T) {
	f, err := flow.Parse("flow.yml", []byte(`id: f
namespace: dev
tasks:
  - id: fe
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "kestra:///nope.txt"
    namespace: dev
    flowId: child
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateFailed || len(x.TaskRunList) != 2 {
		t.Fatalf("run: got %s %s, want FAILED with fe and fe_split", runs(x), x.State.Current)
	}
	y := planRestart(t, f, x)
	if fe, split := y.TaskRunList[0], y.TaskRunList[1]; fe.State.Current != StateRunning || split.TaskID != "fe_split" || split.State.Current != StateRestarted {
		t.Fatalf("plan: got %s, want fe RUNNING, fe_split RESTARTED", runs(y))
	}
	z := runRestart(t, context.Background(), f, y, nil)
	split := z.TaskRunList[1]
	if z.State.Current != StateFailed || split.ID != x.TaskRunList[1].ID || len(split.Attempts) != 2 || !strings.Contains(split.Error, "nope.txt") {
		t.Fatalf("restarted: got %s %s, fe_split %d attempts, error %q; want FAILED again on its second attempt", runs(z), z.State.Current, len(split.Attempts), split.Error)
	}
}

// Kestra's TaskRun.nextRetryDate counts every attempt of the run: a restarted run whose
// maxAttempt is reached makes the restart's one attempt and no more, and warningOnRetry
// sees the attempts made before the restart.
func TestRestartRetryCountsEveryAttempt(t *testing.T) {
	const task = `id: retried
namespace: dev
tasks:
  - id: t
    type: io.kestra.plugin.core.execution.Fail
    condition: "%s"
    retry:
      type: constant
      interval: PT0.001S
      maxAttempt: 2
      warningOnRetry: true
`
	for _, tc := range []struct {
		name, condition string
		want            string
	}{
		// Two attempts, then the restart's one: three in all, not two more.
		{"exhausted", "{{ true }}", StateFailed},
		// The third attempt (the restart's) succeeds after two failed: WARNING.
		{"warningOnRetry", "{{ taskrun.attemptsCount < 2 }}", StateWarning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := flow.Parse("flow.yml", []byte(fmt.Sprintf(task, tc.condition)), tasks.Builtin())
			if err != nil {
				t.Fatal(err)
			}
			x := runFlow(t, context.Background(), f, Options{})
			if x.State.Current != StateFailed || len(x.TaskRunList) != 1 || len(x.TaskRunList[0].Attempts) != 2 {
				t.Fatalf("first run: got %s with %d runs, want FAILED with 1 of 2 attempts", x.State.Current, len(x.TaskRunList))
			}
			z := runRestart(t, context.Background(), f, planRestart(t, f, x), nil)
			tr := z.TaskRunList[0]
			if len(tr.Attempts) != 3 || tr.State.Current != tc.want || z.State.Current != tc.want {
				t.Fatalf("restarted: run %s with %d attempts, execution %s; want %s with 3", tr.State.Current, len(tr.Attempts), z.State.Current, tc.want)
			}
		})
	}
}

// maxDuration runs from the run's first attempt: a restart long after it makes its one
// attempt and no retry.
func TestRestartRetryMaxDurationFromFirstAttempt(t *testing.T) {
	f, err := flow.Parse("flow.yml", []byte(`id: retried
namespace: dev
tasks:
  - id: t
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT0.001S
      maxAttempt: 2
      maxDuration: PT1H
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x := runFlow(t, context.Background(), f, Options{})
	if len(x.TaskRunList[0].Attempts) != 2 {
		t.Fatalf("first run: got %d attempts, want 2", len(x.TaskRunList[0].Attempts))
	}
	// Raise maxAttempt after the fact so only maxDuration can stop the retries.
	f.Tasks[0].Retry.MaxAttempt = 10
	y := planRestart(t, f, x)
	for _, a := range y.TaskRunList[0].Attempts {
		a.State.StartDate = a.State.StartDate.Add(-2 * time.Hour)
	}
	z := runRestart(t, context.Background(), f, y, nil)
	if n := len(z.TaskRunList[0].Attempts); n != 3 || z.State.Current != StateFailed {
		t.Fatalf("restarted: got %s with %d attempts, want FAILED with 3", z.State.Current, n)
	}
}
