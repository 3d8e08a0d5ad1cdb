package runner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// shellFlow is a flow of n shell tasks, each echoing one line.
func shellFlow(n int) *flow.Flow {
	f := &flow.Flow{ID: "bench", Namespace: "bench", Revision: 1}
	for i := 0; i < n; i++ {
		f.Tasks = append(f.Tasks, &flow.TaskSpec{
			ID:   fmt.Sprintf("t%d", i),
			Type: "io.kestra.plugin.scripts.shell.Commands",
			Task: &tasks.ShellCommands{Commands: []string{"echo task << task.id >>"}},
		})
	}
	return f
}

// BenchmarkRun100ShellTasks runs a 100-task shell flow; compare with BenchmarkSpawn100Shell,
// the same 100 processes started bare: the difference over 100 is flowctl's cost per task.
func BenchmarkRun100ShellTasks(b *testing.B) {
	f := shellFlow(100)
	environ := os.Environ()
	for b.Loop() {
		x, _ := Run(context.Background(), f, Options{Environ: environ})
		if x.State.Current != StateSuccess {
			b.Fatalf("got %s, want SUCCESS", x.State.Current)
		}
	}
}

// BenchmarkSpawn100Shell starts the 100 processes of BenchmarkRun100ShellTasks directly, with
// their output read through a pipe, as the floor flowctl cannot go under.
func BenchmarkSpawn100Shell(b *testing.B) {
	for b.Loop() {
		for i := 0; i < 100; i++ {
			c := exec.Command("/bin/sh", "-c", fmt.Sprintf("set -e\necho task t%d", i))
			if _, err := c.Output(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRunLogFlow runs a one-task Log flow: the engine's fixed cost per execution.
func BenchmarkRunLogFlow(b *testing.B) {
	f := &flow.Flow{ID: "one", Namespace: "bench", Revision: 1, Tasks: []*flow.TaskSpec{{
		ID: "hello", Type: "io.kestra.plugin.core.log.Log",
		Task: &tasks.Log{Message: tasks.StringList{"hello {{ flow.id }} << execution.id >>"}},
	}}}
	environ := os.Environ()
	b.ReportAllocs()
	for b.Loop() {
		Run(context.Background(), f, Options{Environ: environ})
	}
}

// BenchmarkForEach1000Logs runs a ForEach over 1,000 values of a Log task; the figure per
// value is ns/op divided by 1,000 (target: under 0.2 ms a value).
func BenchmarkForEach1000Logs(b *testing.B) {
	values := make([]any, 1000)
	for i := range values {
		values[i] = fmt.Sprintf("v%d", i)
	}
	f := &flow.Flow{ID: "loop", Namespace: "bench", Revision: 1, Tasks: []*flow.TaskSpec{{
		ID: "each", Type: flow.TypeForEach,
		Flowable: &flow.ForEach{Values: values, Tasks: []*flow.TaskSpec{{
			ID: "log", Type: "io.kestra.plugin.core.log.Log",
			Task: &tasks.Log{Message: tasks.StringList{"value {{ taskrun.value }}"}},
		}}},
	}}}
	environ := os.Environ()
	b.ReportAllocs()
	for b.Loop() {
		x, _ := Run(context.Background(), f, Options{Environ: environ})
		if x.State.Current != StateSuccess || len(x.TaskRunList) != 1001 {
			b.Fatalf("got %s with %d runs, want SUCCESS with 1001", x.State.Current, len(x.TaskRunList))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "µs/value")
}

// BenchmarkParallel50Sleeps runs a Parallel of 50 shell tasks each sleeping 0.2 s: with the
// branches at once it takes a little over 0.2 s (target: within 0.5 s).
func BenchmarkParallel50Sleeps(b *testing.B) {
	par := &flow.Parallel{}
	for i := 0; i < 50; i++ {
		par.Tasks = append(par.Tasks, &flow.TaskSpec{
			ID: fmt.Sprintf("s%d", i), Type: "io.kestra.plugin.scripts.shell.Commands",
			Task: &tasks.ShellCommands{Commands: []string{"sleep 0.2"}},
		})
	}
	f := &flow.Flow{ID: "par", Namespace: "bench", Revision: 1, Tasks: []*flow.TaskSpec{{
		ID: "par", Type: flow.TypeParallel, Flowable: par,
	}}}
	environ := os.Environ()
	for b.Loop() {
		x, _ := Run(context.Background(), f, Options{Environ: environ})
		if x.State.Current != StateSuccess {
			b.Fatalf("got %s, want SUCCESS", x.State.Current)
		}
	}
}

// BenchmarkSpawn50SleepsAtOnce starts the 50 processes of BenchmarkParallel50Sleeps bare and
// waits for them: the floor of that benchmark on the machine it runs on.
func BenchmarkSpawn50SleepsAtOnce(b *testing.B) {
	for b.Loop() {
		cmds := make([]*exec.Cmd, 50)
		for i := range cmds {
			cmds[i] = exec.Command("/bin/sh", "-c", "sleep 0.2")
			if err := cmds[i].Start(); err != nil {
				b.Fatal(err)
			}
		}
		for _, c := range cmds {
			if err := c.Wait(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkMillionLines runs a task logging 1,000,000 lines, without a state and with one
// written as the execution runs (task runs, then lines in batches up to the 1 MiB cap): the
// difference is what recording a chatty task as it runs costs.
func BenchmarkMillionLines(b *testing.B) {
	f := testFlow([]*flow.TaskSpec{{ID: "chatty", Type: "test.Chatty", Task: &chattyTask{n: 1_000_000}}}, nil, nil)
	b.Run("no state", func(b *testing.B) {
		for range b.N {
			if _, err := Run(context.Background(), f, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("state written as it runs", func(b *testing.B) {
		s, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for range b.N {
			x, err := Run(context.Background(), f, Options{Journal: s, OnStart: func(x *Execution) error {
				rec, err := Record(x)
				if err != nil {
					return err
				}
				return s.PutExecution(rec)
			}})
			if err != nil {
				b.Fatal(err)
			}
			if err := Save(s, x); err != nil {
				b.Fatal(err)
			}
		}
	})
}
