package runner

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowctl/flowctl/tasks"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		must(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// fixedExecution is an execution with known dates and durations.
func fixedExecution() *Execution {
	t0 := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	run := func(id, branch, state string, from, to int) *TaskRun {
		tr := &TaskRun{ID: id + "-run", TaskID: id, Branch: branch}
		tr.State.set(StateCreated, at(from))
		tr.State.set(StateRunning, at(from))
		tr.State.end(state, at(to))
		return tr
	}
	x := &Execution{ID: "5xWq0m3RkAgYyBvdcxOuUz", Namespace: "dev", FlowID: "nightly", FlowRevision: 1,
		Labels: map[string]string{"team": "data"}, Inputs: map[string]any{}}
	x.State.set(StateCreated, at(0))
	x.State.set(StateRunning, at(0))
	x.TaskRunList = []*TaskRun{
		run("download", BranchTasks, StateSuccess, 0, 1200),
		run("check", BranchTasks, StateSkipped, 1200, 1200),
		run("transform", BranchTasks, StateFailed, 1200, 4000),
		run("notify", BranchErrors, StateSuccess, 4000, 4050),
		run("cleanup", BranchFinally, StateSuccess, 4050, 4100),
	}
	x.TaskRunList[2].Error = "Command failed with exit code 1"
	x.State.end(StateFailed, at(4100))
	return x
}

func TestWriteSummaryGolden(t *testing.T) {
	for _, colour := range []bool{false, true} {
		var b bytes.Buffer
		WriteSummary(&b, NewPalette(colour), fixedExecution())
		name := "report/summary.txt"
		if colour {
			name = "report/summary-colour.txt"
		}
		golden(t, name, b.Bytes())
	}
}

func TestTextSinkPrefixesTaskIDs(t *testing.T) {
	var b bytes.Buffer
	f := &Flow{Tasks: []*TaskSpec{{ID: "a"}, {ID: "longer-id"}}}
	s := NewTextSink(&b, NewPalette(false), f)
	tr := &TaskRun{TaskID: "a"}
	s.Log(tr, LogLine{Level: tasks.LevelInfo, Message: "hello"})
	s.Log(tr, LogLine{Level: tasks.LevelError, Message: "oops"})
	tr.State.end(StateFailed, time.Now())
	s.TaskEnded(tr)
	golden(t, "report/sink.txt", b.Bytes())
}

func TestExecutionJSONGolden(t *testing.T) {
	var b bytes.Buffer
	must(t, WriteJSON(&b, fixedExecution()))
	golden(t, "report/execution.json", b.Bytes())
}
