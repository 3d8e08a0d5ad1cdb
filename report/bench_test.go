package report

import (
	"io"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/tasks"
)

// BenchmarkTextSinkLog prints one short log line with its time stamp, as a chatty task's
// lines are printed into a pipe: what each line costs the printer.
func BenchmarkTextSinkLog(b *testing.B) {
	f := &flow.Flow{Tasks: []*flow.TaskSpec{{ID: "chatty"}}}
	s := NewTextSink(io.Discard, NewPalette(false), f).Live(false, true)
	tr := &runner.TaskRun{TaskID: "chatty"}
	line := runner.LogLine{Time: time.Now(), Level: tasks.LevelInfo, Message: "line 123456"}
	b.ReportAllocs()
	for b.Loop() {
		s.Log(tr, line)
	}
}
