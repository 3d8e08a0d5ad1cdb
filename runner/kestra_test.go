package runner

import (
	"context"
	"path/filepath"
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
