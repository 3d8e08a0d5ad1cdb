package runner

import (
	"context"
	"github.com/flowctl/flowctl/templating"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// runKestraFlow loads one of Kestra's own test flows (testdata/kestra, copied from Kestra's
// core/src/test/resources/flows/valids) and runs it with inputs.
func runKestraFlow(t *testing.T, name string, inputs map[string]any) *Execution {
	t.Helper()
	f, err := flow.Load(filepath.Join("testdata", "kestra", name+".yaml"), tasks.Builtin())
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	x, err := Run(context.Background(), f, Options{Inputs: inputs, TempDir: t.TempDir(), Environ: []string{}})
	if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	return x
}

// byTask returns the runs of taskID, in order.
func byTask(x *Execution, taskID string) []*TaskRun {
	var out []*TaskRun
	for _, tr := range x.TaskRunList {
		if tr.TaskID == taskID {
			out = append(out, tr)
		}
	}
	return out
}

// TestKestraFlows runs Kestra's own test flows and checks what Kestra's runner tests assert
// of them: the number of task runs and the execution's state.
func TestKestraFlows(t *testing.T) {
	cases := []struct {
		flow   string
		inputs map[string]any
		runs   int
		state  string
	}{
		{"parallel", nil, 8, StateSuccess},
		{"parallel-nested", nil, 11, StateSuccess},
		{"sequential", nil, 11, StateSuccess},
		{"sequential-with-global-errors", nil, 6, StateFailed},
		{"sequential-with-local-errors", nil, 6, StateFailed},
		{"switch", map[string]any{"string": "FIRST"}, 0, StateSuccess},
		{"switch-impossible", map[string]any{"string": "impossible"}, 0, StateFailed},
		{"if", map[string]any{"if1": true, "if2": false, "if3": true}, 12, StateSuccess},
		{"if-condition", map[string]any{"param": true}, 2, StateSuccess},
		{"if-without-else", map[string]any{"param": true}, 2, StateSuccess},
		{"if-without-else", map[string]any{"param": false}, 1, StateSuccess},
		{"if-in-flowable", map[string]any{"param": true}, 8, StateSuccess},
		{"each-sequential", nil, 11, StateWarning},
		{"each-sequential-nested", nil, 23, StateSuccess},
		{"each-empty", nil, 2, StateSuccess},
		{"each-null", nil, 1, StateFailed},
		{"each-switch", nil, 12, StateSuccess},
		{"each-parallel", nil, 8, StateSuccess},
		{"each-parallel-nested", nil, 11, StateSuccess},
		{"each-parallel-Integer", nil, 0, StateSuccess},
		{"dag", nil, 7, StateSuccess},
		{"foreach-non-concurrent", nil, 7, StateSuccess},
		{"foreach-concurrent", nil, 7, StateSuccess},
		{"foreach-concurrent-parallel", nil, 10, StateSuccess},
		{"foreach-concurrent-no-limit", nil, 7, StateSuccess},
		{"allow-failure", nil, 9, StateWarning},
		{"allow-failure", map[string]any{"crash": "1"}, 10, StateFailed},
		{"disable-flowable", nil, 10, StateFailed}, // its Switch case reads taskrun.value outside a loop
		{"task-allow-failure-flowable", nil, 3, StateWarning},
		{"task-allow-warning-flowable", nil, 3, StateSuccess},
		{"variables-invalid", nil, 2, StateFailed},
		{"restart_local_errors", nil, 5, StateFailed},
		{"restart-each", map[string]any{"failed": "FIRST"}, 0, StateFailed},
		{"minimal", nil, 1, StateSuccess}, // its revision: 2 is ignored, as Kestra does on save
		{"each-object", nil, 8, StateSuccess},
		{"each-object-in-list", nil, 8, StateSuccess},
		{"disable-simple", nil, 2, StateSuccess},
		{"disable-error", nil, 3, StateFailed},
		{"errors", nil, 7, StateFailed},
		{"full", nil, 13, StateSuccess},
		{"failed-first", nil, 1, StateFailed},
		{"return", nil, 3, StateSuccess},
		{"execution", nil, 1, StateSuccess},
		{"output-values", nil, 1, StateSuccess},
		{"task-allow-failure-runnable", nil, 2, StateWarning},
		{"task-allow-warning-runnable", nil, 2, StateSuccess},
		{"fail-on-switch", map[string]any{"param": "fail"}, 1, StateFailed},
		{"fail-on-condition", map[string]any{"param": "fail"}, 2, StateFailed},
		{"fail-on-condition", map[string]any{"param": "success"}, 3, StateSuccess},
		{"empty-variables", map[string]any{"emptyKey": map[string]any{"foo": ""},
			"emptySubObject": map[string]any{"json": map[string]any{"someEmptyObject": map[string]any{}}}}, 3, StateSuccess},
		{"current-output", nil, 32, StateSuccess},
		{"logs", nil, 5, StateSuccess},
	}
	for _, c := range cases {
		t.Run(c.flow, func(t *testing.T) {
			x := runKestraFlow(t, c.flow, c.inputs)
			if c.runs > 0 && len(x.TaskRunList) != c.runs {
				t.Errorf("task runs: got %d, want %d: %s", len(x.TaskRunList), c.runs, runs(x))
			}
			if x.State.Current != c.state {
				t.Errorf("state: got %s, want %s: %s", x.State.Current, c.state, runs(x))
			}
		})
	}
}

// byValues finds the run of taskID whose loop values, its ancestors' then its own, are
// values: Kestra's findTaskRunByTaskIdAndValue.
func byValues(t *testing.T, x *Execution, taskID string, values ...string) *TaskRun {
	t.Helper()
	byID := map[string]*TaskRun{}
	for _, tr := range x.TaskRunList {
		byID[tr.ID] = tr
	}
	for _, tr := range x.TaskRunList {
		if tr.TaskID != taskID {
			continue
		}
		var path []string
		for r := tr; r != nil; r = byID[r.ParentTaskRunID] {
			if r.Value != "" {
				path = append([]string{r.Value}, path...)
			}
		}
		if slices.Equal(path, values) {
			return tr
		}
	}
	t.Fatalf("no run of %s with values %q: %s", taskID, values, runs(x))
	return nil
}

func TestKestraSwitch(t *testing.T) {
	cases := []struct {
		input    string
		order    []string // task ids of the runs from the second on
		defaults bool
		state    string
	}{
		{"FIRST", []string{"t1"}, false, StateSuccess},
		{"SECOND", []string{"t2", "t2_sub"}, false, StateSuccess},
		{"THIRD", []string{"t3", "failed", "error-t1"}, false, StateFailed},
		{"DEFAULT", []string{"default"}, true, StateSuccess},
	}
	for _, c := range cases {
		t.Run(c.input, func(t *testing.T) {
			x := runKestraFlow(t, "switch", map[string]any{"string": c.input, "def": "amazing"})
			for i, id := range c.order {
				if got := x.TaskRunList[i+1].TaskID; got != id {
					t.Errorf("run %d: got %s, want %s (%s)", i+1, got, id, runs(x))
				}
			}
			out := byTask(x, "parent-seq")[0].Outputs
			if out["value"] != c.input || out["defaults"] != c.defaults {
				t.Errorf("outputs: got %v, want value %s, defaults %v", out, c.input, c.defaults)
			}
			if x.State.Current != c.state {
				t.Errorf("state: got %s, want %s", x.State.Current, c.state)
			}
		})
	}
}

func TestKestraIfCondition(t *testing.T) {
	for _, c := range []struct {
		param any
		ran   string
	}{
		{true, "when-true"}, {"true", "when-true"}, {1, "when-true"}, {"False", "when-true"},
		{false, "when-false"}, {"false", "when-false"}, {0, "when-false"}, {"-0", "when-false"}, {"", "when-false"},
	} {
		x := runKestraFlow(t, "if-condition", map[string]any{"param": c.param})
		if len(x.TaskRunList) != 2 || x.TaskRunList[1].TaskID != c.ran || x.State.Current != StateSuccess {
			t.Errorf("param %#v: got %s %s, want if:SUCCESS %s:SUCCESS, SUCCESS", c.param, runs(x), x.State.Current, c.ran)
		}
		if got := x.TaskRunList[0].Outputs["evaluationResult"]; got != (c.ran == "when-true") {
			t.Errorf("param %#v: evaluationResult: got %v", c.param, got)
		}
	}
}

func TestKestraEachSequentialNested(t *testing.T) {
	x := runKestraFlow(t, "each-sequential-nested", nil)
	value := func(tr *TaskRun) string { return tr.Outputs["value"].(string) }
	last := byTask(x, "2_return")[0]
	lastWithValue := byValues(t, x, "1-2-1_return", "s1", "a a")
	if !strings.Contains(value(last), value(lastWithValue)) {
		t.Errorf("2_return: got %q, want it to hold %q", value(last), value(lastWithValue))
	}
	evalL1 := byValues(t, x, "1-3_return", "s1")
	evalL1Lookup := byValues(t, x, "1-1_return", "s1")
	if !strings.Contains(value(evalL1), value(evalL1Lookup)) {
		t.Errorf("1-3_return: got %q, want it to hold %q", value(evalL1), value(evalL1Lookup))
	}
	evalL2 := byValues(t, x, "1-2-2_return", "s1", "a a")
	evalL2Lookup := byValues(t, x, "1-2-1_return", "s1", "a a")
	if !strings.Contains(value(evalL2), "get "+value(evalL2Lookup)) {
		t.Errorf("1-2-2_return: got %q, want it to hold %q", value(evalL2), "get "+value(evalL2Lookup))
	}
}

func TestKestraEachSwitch(t *testing.T) {
	x := runKestraFlow(t, "each-switch", nil)
	if got := byValues(t, x, "2-1-1_switch-number-1", "b", "1").Outputs["value"]; got != "1" {
		t.Errorf("switch-number-1: got %v, want 1", got)
	}
	if got := byValues(t, x, "2-1-1_switch-number-2", "b", "2").Outputs["value"]; got != "2 b" {
		t.Errorf("switch-number-2: got %v, want \"2 b\"", got)
	}
}

func TestKestraEachNull(t *testing.T) {
	x := runKestraFlow(t, "each-null", nil)
	want := "Found '1' null values on Each, with values=[1, null, {key=my-key, value=my-value}]"
	if tr := x.TaskRunList[0]; !strings.Contains(tr.Error, want) {
		t.Errorf("error: got %q, want it to hold %q", tr.Error, want)
	}
}

func TestKestraAllowFailure(t *testing.T) {
	control := func(x *Execution) {
		t.Helper()
		for id, want := range map[string]string{"first": StateWarning, "1-1-allow-failure": StateWarning,
			"1-1-1_seq": StateFailed, "1-1-1-1": StateSuccess, "ko": StateFailed, "local-error": StateSuccess,
			"1-2-todo": StateSuccess} {
			if got := byTask(x, id); len(got) != 1 || got[0].State.Current != want {
				t.Errorf("%s: got %s, want one run %s", id, runs(x), want)
			}
		}
	}
	x := runKestraFlow(t, "allow-failure", nil)
	control(x)
	if len(byTask(x, "global-error")) != 0 || byTask(x, "last")[0].State.Current != StateSuccess {
		t.Errorf("got %s, want no global-error and last SUCCESS", runs(x))
	}
	x = runKestraFlow(t, "allow-failure", map[string]any{"crash": "1"})
	control(x)
	for id, want := range map[string]string{"global-error": StateSuccess, "switch": StateFailed, "crash": StateFailed} {
		if got := byTask(x, id); len(got) != 1 || got[0].State.Current != want {
			t.Errorf("%s: got %s, want one run %s", id, runs(x), want)
		}
	}
}

func TestKestraAllowFailureOnFlowable(t *testing.T) {
	x := runKestraFlow(t, "task-allow-failure-flowable", nil)
	if len(x.TaskRunList) != 3 || x.State.Current != StateWarning {
		t.Errorf("got %s %s, want 3 runs, WARNING", runs(x), x.State.Current)
	}
}

// TestKestraRetryFlowable: a flowable's retry applies to the failing tasks under it, as
// Kestra's RetryCaseTest checks (the number of attempts of a child run).
func TestKestraRetryFlowable(t *testing.T) {
	cases := []struct {
		flow string
		runs []int // indexes of runs with 3 attempts
	}{
		{"retry-flowable", []int{1}},
		{"retry-flowable-child", []int{1}},
		{"retry-flowable-nested-child", []int{2}},
		{"retry-flowable-parallel", []int{1, 2}},
	}
	for _, c := range cases {
		t.Run(c.flow, func(t *testing.T) {
			t.Parallel()
			x := runKestraFlow(t, c.flow, nil)
			if x.State.Current != StateFailed {
				t.Errorf("state: got %s, want FAILED", x.State.Current)
			}
			for _, i := range c.runs {
				if n := len(x.TaskRunList[i].Attempts); n != 3 {
					t.Errorf("run %d (%s): got %d attempts, want 3", i, x.TaskRunList[i].TaskID, n)
				}
			}
		})
	}
}

// TestKestraVariablesInvalid: a variable that does not exist fails the task that reads it,
// with Kestra's message.
func TestKestraVariablesInvalid(t *testing.T) {
	x := runKestraFlow(t, "variables-invalid", nil)
	want := "Unable to find `inputs` used in the expression `{{inputs.invalid}}`"
	if tr := x.TaskRunList[1]; tr.State.Current != StateFailed || !strings.Contains(tr.Error, want) {
		t.Errorf("run 1: got %s %q, want FAILED holding %q", tr.State.Current, tr.Error, want)
	}
}

func TestKestraRestartLocalErrors(t *testing.T) {
	x := runKestraFlow(t, "restart_local_errors", nil)
	if st := x.TaskRunList[3].State.Current; st != StateFailed {
		t.Errorf("run 3: got %s, want FAILED: %s", st, runs(x))
	}
}

// TestKestraEachObject: Kestra's EachSequentialTest reads the seventh run's output.
func TestKestraEachObject(t *testing.T) {
	for _, name := range []string{"each-object", "each-object-in-list"} {
		x := runKestraFlow(t, name, nil)
		want := `json > JSON > ["my-complex"]`
		if got, _ := x.TaskRunList[6].Outputs["value"].(string); !strings.Contains(got, want) {
			t.Errorf("%s: run 6: got %q, want it to hold %q", name, got, want)
		}
	}
}

func TestKestraTaskRunIf(t *testing.T) {
	x := runKestraFlow(t, "task-runif", nil)
	for id, want := range map[string]string{"executed": StateSuccess, "notexecuted": StateSkipped, "willfailedtheflow": StateFailed} {
		if got := byTask(x, id); len(got) != 1 || got[0].State.Current != want {
			t.Errorf("%s: got %s, want one run %s", id, runs(x), want)
		}
	}
	if len(x.TaskRunList) != 4 || x.State.Current != StateFailed {
		t.Errorf("got %s %s, want 4 runs, FAILED", runs(x), x.State.Current)
	}
}

// TestKestraOutputs: what Kestra's RunContextTest, OutputValuesTest, JdbcRunnerTest and
// FlowOutputTest read of task and flow outputs.
func TestKestraOutputs(t *testing.T) {
	x := runKestraFlow(t, "return", nil)
	if d, _ := x.TaskRunList[0].Outputs["value"].(string); !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`).MatchString(d) {
		t.Errorf("return: date: got %q, want an ISO date with milliseconds", d)
	}
	if a, b := x.TaskRunList[1].Outputs["value"], x.TaskRunList[2].Outputs["value"]; a != "task-id" || b != "return" {
		t.Errorf("return: got %v and %v, want task-id and return", a, b)
	}
	x = runKestraFlow(t, "output-values", nil)
	_, values, _ := templating.AsMap(x.TaskRunList[0].Outputs["values"])
	if values["output1"] != "xyz" || values["output2"] != "abc" {
		t.Errorf("output-values: got %v", values)
	}
	x = runKestraFlow(t, "full", nil)
	if v, _ := byTask(x, "t2")[0].Outputs["value"].(string); !strings.Contains(v, "value1") {
		t.Errorf("full: t2: got %q, want it to hold value1", v)
	}
	x = runKestraFlow(t, "flow-with-outputs", nil)
	if len(x.Outputs) != 1 || x.Outputs["key"] != `{"value":"flow-with-outputs"}` || x.State.Current != StateSuccess {
		t.Errorf("flow-with-outputs: got %v %s", x.Outputs, x.State.Current)
	}
	x = runKestraFlow(t, "flow-with-array-outputs", nil)
	if out, _ := x.Outputs["myout"].([]any); len(x.Outputs) != 1 || !slices.Equal(out, []any{"1rstValue", "2ndValue"}) {
		t.Errorf("flow-with-array-outputs: got %v", x.Outputs)
	}
	x = runKestraFlow(t, "flow-with-outputs-failed", nil)
	if x.Outputs != nil || x.State.Current != StateFailed {
		t.Errorf("flow-with-outputs-failed: got %v %s, want no outputs, FAILED", x.Outputs, x.State.Current)
	}
}

// TestKestraRetry: the attempts Kestra's RetryCaseTest counts.
func TestKestraRetry(t *testing.T) {
	cases := []struct {
		flow     string
		runs     int
		attempts int
		state    string
	}{
		{"retry-success", 1, 4, StateWarning},
		{"retry-success-first-attempt", 1, 1, StateSuccess},
		{"retry-failed", 2, 5, StateFailed},
		{"retry-random", 1, 3, StateFailed},
		{"retry-expo", 1, 3, StateFailed},
		{"retry-fail", 2, 3, StateFailed},
		{"task-allow-failure-runnable", 2, 3, StateWarning},
		{"retry-failed-task-attempts", 1, 4, StateFailed}, // behavior: RETRY_FAILED_TASK, the default
		{"retry-failed-task-duration", 1, 3, StateFailed}, // maxDuration PT6S, interval PT2S
		{"retry-failed-flow-attempts", 1, 4, StateFailed}, // the flow's retry: maxAttempt 4
		{"retry-failed-flow-duration", 1, 3, StateFailed}, // the flow's retry: maxDuration PT6S, interval PT2S
	}
	for _, c := range cases {
		t.Run(c.flow, func(t *testing.T) {
			t.Parallel()
			x := runKestraFlow(t, c.flow, nil)
			if len(x.TaskRunList) != c.runs || len(x.TaskRunList[0].Attempts) != c.attempts || x.State.Current != c.state {
				t.Errorf("got %s, %d attempts, %s; want %d runs, %d attempts, %s",
					runs(x), len(x.TaskRunList[0].Attempts), x.State.Current, c.runs, c.attempts, c.state)
			}
		})
	}
}

// TestKestraCurrentEachOutput: currentEachOutput picks the output of the current iteration,
// as Kestra's CurrentEachOutputFunctionTest reads it.
func TestKestraCurrentEachOutput(t *testing.T) {
	x := runKestraFlow(t, "current-output", nil)
	for _, a := range []string{"v11", "v12"} {
		for _, b := range []string{"v21", "v22"} {
			for _, c := range []string{"v31", "v32"} {
				want := "return-" + a + "-" + b + "-" + c
				if got := byValues(t, x, "1-1-1_return", a, b, c).Outputs["value"]; got != want {
					t.Errorf("1-1-1_return %s %s %s: got %v, want %s", a, b, c, got, want)
				}
			}
		}
	}
	for _, v := range []string{"v41", "v42"} {
		if got := byValues(t, x, "2-1_return", v).Outputs["value"]; got != "return-"+v {
			t.Errorf("2-1_return %s: got %v, want return-%s", v, got, v)
		}
	}
}

func TestKestraFail(t *testing.T) {
	x := runKestraFlow(t, "fail-on-switch", map[string]any{"param": "fail"})
	if tr := byTask(x, "switch"); len(tr) != 1 || tr[0].State.Current != StateFailed {
		t.Errorf("fail-on-switch: got %s, want switch FAILED", runs(x))
	}
	x = runKestraFlow(t, "fail-on-condition", map[string]any{"param": "fail"})
	if tr := byTask(x, "fail"); len(tr) != 1 || tr[0].State.Current != StateFailed {
		t.Errorf("fail-on-condition: got %s, want fail FAILED", runs(x))
	}
	x = runKestraFlow(t, "fail-on-condition", map[string]any{"param": "success"})
	if tr := byTask(x, "fail"); len(tr) != 1 || tr[0].State.Current != StateSuccess {
		t.Errorf("fail-on-condition: got %s, want fail SUCCESS", runs(x))
	}
}

// TestKestraLogLevel: a task's logLevel drops its lines below that level (logs.yaml's t4
// logs at TRACE under logLevel INFO); the others keep theirs, TRACE included.
func TestKestraLogLevel(t *testing.T) {
	x := runKestraFlow(t, "logs", nil)
	count := map[string]int{}
	for _, tr := range x.TaskRunList {
		count[tr.TaskID] = len(tr.Logs)
	}
	if want := map[string]int{"t1": 1, "t2": 1, "t3": 1, "t4": 0, "t5": 2}; !maps.Equal(count, want) {
		t.Errorf("log lines by task: got %v, want %v", count, want)
	}
}

// TestKestraParallelStartsTogether: the children of a parallel flowable without a limit are
// created at once, as in Kestra, so a child failing at once does not keep its siblings from
// starting (JdbcRunnerTest's each-parallel-subflow-notfound: "Should be 3").
func TestKestraParallelStartsTogether(t *testing.T) {
	for range 5 {
		x := runKestraFlow(t, "each-parallel-subflow-notfound", nil)
		failed := 0
		for _, tr := range x.TaskRunList {
			if tr.State.Current == StateFailed {
				failed++
			}
		}
		if len(x.TaskRunList) != 3 || failed != 3 || x.State.Current != StateFailed {
			t.Fatalf("got %s %s, want 3 runs FAILED, FAILED", runs(x), x.State.Current)
		}
	}
}
