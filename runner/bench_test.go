package runner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/flowctl/flowctl/flow"
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
