package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
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

// must fails the test at once on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixedExecution is an execution with known dates and durations.
func fixedExecution() *runner.Execution {
	t0 := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	run := func(id, branch, state string, from, to int) *runner.TaskRun {
		tr := &runner.TaskRun{ID: id + "-run", TaskID: id, Branch: branch}
		tr.State.Set(runner.StateCreated, at(from))
		tr.State.Set(runner.StateRunning, at(from))
		tr.State.End(state, at(to))
		return tr
	}
	x := &runner.Execution{ID: "5xWq0m3RkAgYyBvdcxOuUz", Namespace: "dev", FlowID: "nightly", FlowRevision: 1,
		Labels: map[string]string{"team": "data"}, Inputs: map[string]any{}}
	x.State.Set(runner.StateCreated, at(0))
	x.State.Set(runner.StateRunning, at(0))
	x.TaskRunList = []*runner.TaskRun{
		run("download", runner.BranchTasks, runner.StateSuccess, 0, 1200),
		run("check", runner.BranchTasks, runner.StateSkipped, 1200, 1200),
		run("transform", runner.BranchTasks, runner.StateFailed, 1200, 4000),
		run("notify", runner.BranchErrors, runner.StateSuccess, 4000, 4050),
		run("cleanup", runner.BranchFinally, runner.StateSuccess, 4050, 4100),
	}
	x.TaskRunList[2].Error = "Command failed with exit code 1"
	x.State.End(runner.StateFailed, at(4100))
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

func TestSummaryColoursEachStateRow(t *testing.T) {
	var b bytes.Buffer
	WriteSummary(&b, NewPalette(true), fixedExecution())
	red := "\x1b[31mFAILED\x1b[0m "
	if !strings.Contains(b.String(), "transform") || !strings.Contains(b.String(), red) {
		t.Fatalf("the FAILED row is not red: got\n%q\nwant it to hold %q", b.String(), red)
	}
	green := "\x1b[32mSUCCESS\x1b[0m"
	if got := strings.Count(b.String(), green); got < 3 {
		t.Fatalf("got %d green SUCCESS rows, want at least 3 (build, notify, cleanup and the execution)", got)
	}
}

func TestTextSinkPrefixesTaskIDs(t *testing.T) {
	var b bytes.Buffer
	f := &flow.Flow{Tasks: []*flow.TaskSpec{{ID: "a"}, {ID: "longer-id"}}}
	s := NewTextSink(&b, NewPalette(false), f)
	tr := &runner.TaskRun{TaskID: "a"}
	s.Log(tr, runner.LogLine{Level: tasks.LevelInfo, Message: "hello"})
	s.Log(tr, runner.LogLine{Level: tasks.LevelError, Message: "oops"})
	tr.State.End(runner.StateFailed, time.Now())
	s.TaskEnded(tr)
	golden(t, "report/sink.txt", b.Bytes())
}

func TestExecutionJSONGolden(t *testing.T) {
	var b bytes.Buffer
	must(t, WriteJSON(&b, fixedExecution()))
	golden(t, "report/execution.json", b.Bytes())
}
