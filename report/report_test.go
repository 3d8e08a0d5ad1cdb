package report

import (
	"bytes"
	"flag"
	"fmt"
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

// treeExecution is fixedExecution with a ForEach whose runs are under it, created out of
// the tree's order (as concurrent branches create them).
func treeExecution() *runner.Execution {
	x := fixedExecution()
	each, say1, say2, inner := x.TaskRunList[0], x.TaskRunList[1], x.TaskRunList[2], x.TaskRunList[3]
	each.TaskID = "each"
	say1.TaskID, say1.ParentTaskRunID, say1.Value = "say", each.ID, "a"
	say2.TaskID, say2.ParentTaskRunID, say2.Value = "say", each.ID, `{"k":"a long value that is cut short past its 32nd character"}`
	inner.TaskID, inner.ParentTaskRunID, inner.Branch = "inner", say1.ID, runner.BranchErrors
	inner.Outputs = map[string]any{"value": 1}
	x.TaskRunList[1], x.TaskRunList[2], x.TaskRunList[3] = say1, inner, say2
	return x
}

func TestReportsFollowTheTree(t *testing.T) {
	var b bytes.Buffer
	WriteSummary(&b, NewPalette(false), treeExecution())
	golden(t, "report/summary-tree.txt", b.Bytes())
	b.Reset()
	must(t, WriteMarkdownSummary(&b, treeExecution()))
	golden(t, "report/summary-tree.md", b.Bytes())
	b.Reset()
	must(t, WriteJUnit(&b, treeExecution()))
	for _, want := range []string{`name="each"`, `name="each &gt; say (a)"`, `name="each &gt; say (a) &gt; inner"`,
		`name="each &gt; say ({&#34;k&#34;:&#34;a long value that is cut …)"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JUnit: no testcase %s in\n%s", want, b.String())
		}
	}
}

func TestTextSinkPrefixesLoopValues(t *testing.T) {
	var b bytes.Buffer
	f := &flow.Flow{Tasks: []*flow.TaskSpec{{ID: "each", Flowable: &flow.ForEach{Tasks: []*flow.TaskSpec{{ID: "say"}}}}}}
	s := NewTextSink(&b, NewPalette(false), f)
	s.Log(&runner.TaskRun{TaskID: "say", Value: "a"}, runner.LogLine{Level: tasks.LevelInfo, Message: "one\ntwo"})
	s.Log(&runner.TaskRun{TaskID: "each"}, runner.LogLine{Level: tasks.LevelInfo, Message: "three"})
	// The prefixes widen to the longest label written so far: the messages line up.
	want := "[say (a)] INFO  one\n[say (a)] INFO  two\n[each]    INFO  three\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestCISinkGroupsTopRunsAndAnnotatesTheFailedChild(t *testing.T) {
	var b bytes.Buffer
	child := &flow.TaskSpec{ID: "ko", Type: "io.kestra.plugin.core.execution.Fail", Pos: flow.Pos{Line: 7, Col: 9}}
	par := &flow.TaskSpec{ID: "par", Type: flow.TypeParallel, Flowable: &flow.Parallel{Tasks: []*flow.TaskSpec{child}}}
	f := &flow.Flow{Tasks: []*flow.TaskSpec{par}}
	s := NewCISink(NewTextSink(&b, NewPalette(false), f), &b, tasks.CIGitHub, f, "flow.yml")
	top := &runner.TaskRun{ID: "1", TaskID: "par", Branch: runner.BranchTasks}
	ko := &runner.TaskRun{ID: "2", TaskID: "ko", Branch: runner.BranchTasks, ParentTaskRunID: "1"}
	s.TaskStarted(top)
	s.TaskStarted(ko)
	ko.Error = "Task failure"
	ko.State.End(runner.StateFailed, time.Now())
	s.TaskEnded(ko)
	top.State.End(runner.StateFailed, time.Now())
	s.TaskEnded(top)
	out := b.String()
	if strings.Count(out, "::group::") != 1 || strings.Count(out, "::endgroup::") != 1 {
		t.Errorf("want one group, the top run's:\n%s", out)
	}
	if strings.Count(out, "::error ") != 1 || !strings.Contains(out, "::error file=flow.yml,line=7,col=9,title=task ko FAILED::Task failure") {
		t.Errorf("want one annotation, the failed child's:\n%s", out)
	}
}

// writeCounter counts the writes it is given.
type writeCounter struct {
	bytes.Buffer
	writes int
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// TestTextSinkHoldWritesABatchAtOnce: the lines logged while held (one read of a script's
// output) are written in one write on Release, after what was written before and with a CI
// marker written meanwhile in its place; outside a hold each line is written at once.
func TestTextSinkHoldWritesABatchAtOnce(t *testing.T) {
	var w writeCounter
	f := &flow.Flow{Tasks: []*flow.TaskSpec{{ID: "a"}, {ID: "b"}}}
	s := NewCISink(NewTextSink(&w, NewPalette(false), f), &w, tasks.CIGitHub, f, "flow.yml").(runner.HoldingSink)
	a, b := &runner.TaskRun{ID: "1", TaskID: "a"}, &runner.TaskRun{ID: "2", TaskID: "b"}
	s.Log(a, runner.LogLine{Level: tasks.LevelInfo, Message: "before"})
	if w.writes != 1 {
		t.Fatalf("a line not held: got %d writes, want 1", w.writes)
	}
	s.Hold()
	for i := range 500 {
		s.Log(a, runner.LogLine{Level: tasks.LevelInfo, Message: fmt.Sprintf("held %d", i)})
	}
	s.TaskStarted(b) // its ::group:: line comes after the held lines
	if w.writes != 1 {
		t.Fatalf("while held: got %d writes, want none more", w.writes-1)
	}
	s.Release()
	if w.writes != 2 {
		t.Fatalf("on Release: got %d writes, want 1", w.writes-1)
	}
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	if len(lines) != 502 || !strings.HasSuffix(lines[0], "before") || !strings.HasSuffix(lines[500], "held 499") || !strings.HasPrefix(lines[501], "::group::b") {
		t.Errorf("got %d lines, first %q, 501st %q, last %q; want before, the 500 held lines, then ::group::b",
			len(lines), lines[0], lines[min(500, len(lines)-1)], lines[len(lines)-1])
	}
}

// TestTextSinkHeldLinesDrawTheStatusLineOnce: on a terminal, the lines of a batch are
// printed under one status line, drawn again once when the batch is written.
func TestTextSinkHeldLinesDrawTheStatusLineOnce(t *testing.T) {
	var w writeCounter
	f := &flow.Flow{Tasks: []*flow.TaskSpec{{ID: "a"}}}
	s := NewTextSink(&w, NewPalette(true), f).Live(true, false)
	defer s.Close()
	a := &runner.TaskRun{ID: "1", TaskID: "a"}
	s.TaskStarted(a)
	s.Hold()
	for i := range 100 {
		s.Log(a, runner.LogLine{Level: tasks.LevelInfo, Message: fmt.Sprintf("line %d", i)})
	}
	s.Release()
	s.mu.Lock()
	out := w.String()
	s.mu.Unlock()
	if n := strings.Count(out, "running a"); n != 2 {
		t.Errorf("status line drawn %d times, want 2 (after the start line, after the batch):\n%q", n, out)
	}
	if !strings.HasSuffix(out, Printable("⏵ 0:00  running a", SGRStrip)) {
		t.Errorf("want the output to end with the status line, got ...%q", out[max(0, len(out)-80):])
	}
}
