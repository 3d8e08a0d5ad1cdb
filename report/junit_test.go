package report

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/tasks"
)

// junitT0 is the start of every execution built here, so the golden files never change.
var junitT0 = time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)

func junitAt(ms int) time.Time { return junitT0.Add(time.Duration(ms) * time.Millisecond) }

// junitRun is a task run from ms from to ms to, its attempts ending in the states given
// (one attempt ending state when none is given).
func junitRun(id, branch, state string, from, to int, attempts ...string) *runner.TaskRun {
	tr := &runner.TaskRun{ID: id + "-run", TaskID: id, Branch: branch, Attempts: []*runner.Attempt{}}
	tr.State.Set(runner.StateCreated, junitAt(from))
	if state == runner.StateSkipped {
		tr.State.End(state, junitAt(to))
		return tr
	}
	tr.State.Set(runner.StateRunning, junitAt(from))
	tr.State.End(state, junitAt(to))
	if len(attempts) == 0 {
		attempts = []string{state}
	}
	step := (to - from) / len(attempts)
	for i, st := range attempts {
		a := &runner.Attempt{}
		a.State.Set(runner.StateRunning, junitAt(from+i*step))
		a.State.End(st, junitAt(from+(i+1)*step))
		tr.Attempts = append(tr.Attempts, a)
	}
	return tr
}

// junitLog appends a log line at ms.
func junitLog(tr *runner.TaskRun, ms int, level tasks.Level, msg string) {
	tr.Logs = append(tr.Logs, runner.LogLine{Time: junitAt(ms), Level: level, Message: msg})
}

// junitExecution is an execution of dev.nightly ending in state at ms end.
func junitExecution(state string, end int, runs ...*runner.TaskRun) *runner.Execution {
	x := &runner.Execution{ID: "5xWq0m3RkAgYyBvdcxOuUz", Namespace: "dev", FlowID: "nightly", FlowRevision: 3,
		Labels: map[string]string{"team": "data"}, Inputs: map[string]any{}, TaskRunList: runs}
	x.State.Set(runner.StateCreated, junitAt(0))
	if state != runner.StateCancelled {
		x.State.Set(runner.StateRunning, junitAt(0))
	}
	x.State.End(state, junitAt(end))
	return x
}

func junitSuccess() *runner.Execution {
	hello := junitRun("hello", runner.BranchTasks, runner.StateSuccess, 0, 120)
	junitLog(hello, 10, tasks.LevelInfo, "Hello from flowctl")
	junitLog(hello, 20, tasks.LevelDebug, "rendered message:\nline two")
	upload := junitRun("upload", runner.BranchTasks, runner.StateSuccess, 120, 1620)
	junitLog(upload, 1600, tasks.LevelInfo, "uploaded 3 files to s3://bucket/******/out")
	x := junitExecution(runner.StateSuccess, 1620, hello, upload)
	x.Trigger = &runner.ExecTrigger{ID: "listen", Type: "io.kestra.plugin.core.trigger.Flow",
		Variables: map[string]any{"executionId": "0000000000000000000000", "state": "SUCCESS"}}
	return x
}

func junitFailed() *runner.Execution {
	download := junitRun("download", runner.BranchTasks, runner.StateSuccess, 0, 1200, runner.StateFailed, runner.StateSuccess)
	junitLog(download, 300, tasks.LevelWarn, "connection reset, retrying")
	junitLog(download, 1100, tasks.LevelInfo, "downloaded 12 MB")
	check := junitRun("check", runner.BranchTasks, runner.StateSkipped, 1200, 1200)
	transform := junitRun("transform", runner.BranchTasks, runner.StateFailed, 1200, 4000, runner.StateFailed, runner.StateFailed, runner.StateFailed)
	for i := 1; i <= 60; i++ {
		junitLog(transform, 1200+i*40, tasks.LevelInfo, fmt.Sprintf("row %d transformed", i))
	}
	junitLog(transform, 3990, tasks.LevelError, "Traceback (most recent call last):\n  File \"main.py\", line 3, in <module>\nModuleNotFoundError: No module named 'non_existing_library'")
	transform.Error = "Command failed with exit code 1\nModuleNotFoundError: No module named 'non_existing_library'"
	notify := junitRun("notify", runner.BranchErrors, runner.StateSuccess, 4000, 4050)
	junitLog(notify, 4040, tasks.LevelInfo, "posted to #alerts")
	cleanup := junitRun("cleanup", runner.BranchFinally, runner.StateSuccess, 4050, 4100)
	return junitExecution(runner.StateFailed, 4100, download, check, transform, notify, cleanup)
}

func junitWarning() *runner.Execution {
	lint := junitRun("lint", runner.BranchTasks, runner.StateWarning, 0, 800)
	junitLog(lint, 100, tasks.LevelInfo, "checking 14 files")
	junitLog(lint, 700, tasks.LevelWarn, "flows/old.yml: deprecated type io.kestra.core.tasks.log.Log")
	build := junitRun("build", runner.BranchTasks, runner.StateSuccess, 800, 2000)
	return junitExecution(runner.StateWarning, 2000, lint, build)
}

func junitKilled() *runner.Execution {
	sleep := junitRun("sleep", runner.BranchTasks, runner.StateKilled, 0, 5250)
	junitLog(sleep, 10, tasks.LevelInfo, "sleeping for PT1H")
	sleep.Error = "Killed: flowctl was interrupted (SIGINT)"
	cleanup := junitRun("cleanup", runner.BranchFinally, runner.StateSuccess, 5250, 5300)
	return junitExecution(runner.StateKilled, 5300, sleep, cleanup)
}

func TestWriteJUnitGolden(t *testing.T) {
	cases := []struct {
		name string
		x    *runner.Execution
	}{
		{"success", junitSuccess()},
		{"failed", junitFailed()},
		{"warning", junitWarning()},
		{"killed", junitKilled()},
		{"cancelled", junitExecution(runner.StateCancelled, 0)},
		{"failed-before-any-task", junitExecution(runner.StateFailed, 5)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			must(t, WriteJUnit(&b, c.x))
			golden(t, filepath.Join("junit", c.name+".xml"), b.Bytes())
			if err := validateJUnit(t, b.Bytes()); err != nil {
				t.Errorf("got %v, want a report valid against the JUnit schema", err)
			}
		})
	}
}

// junitParsed is what the tests read back from a report.
type junitParsed struct {
	suite *xmlNode
	cases []*xmlNode
}

func parseJUnit(t *testing.T, report []byte) junitParsed {
	t.Helper()
	doc, err := parseXML(bytes.NewReader(report))
	if err != nil {
		t.Fatalf("got %v, want a report that parses\n%s", err, report)
	}
	if len(doc.kids) != 1 || doc.kids[0].name != "testsuite" {
		t.Fatalf("got %d children in <%s>, want one <testsuite>", len(doc.kids), doc.name)
	}
	p := junitParsed{suite: doc.kids[0]}
	for _, k := range p.suite.kids {
		if k.name == "testcase" {
			p.cases = append(p.cases, k)
		}
	}
	return p
}

func child(n *xmlNode, name string) *xmlNode {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

func attrOf(n *xmlNode, name string) string {
	v, _ := n.attr(name)
	return v
}

func TestWriteJUnitCountsAndOutcomes(t *testing.T) {
	var b bytes.Buffer
	must(t, WriteJUnit(&b, junitFailed()))
	p := parseJUnit(t, b.Bytes())
	for attr, want := range map[string]string{"name": "dev.nightly", "tests": "5", "failures": "1", "errors": "0",
		"skipped": "1", "time": "4.100", "timestamp": "2026-11-26T17:00:00Z"} {
		if got := attrOf(p.suite, attr); got != want {
			t.Errorf("testsuite %s: got %q, want %q", attr, got, want)
		}
	}
	wantCases := []struct{ class, name, outcome string }{
		{"dev.nightly.tasks", "download", ""},
		{"dev.nightly.tasks", "check", "skipped"},
		{"dev.nightly.tasks", "transform", "failure"},
		{"dev.nightly.errors", "notify", ""},
		{"dev.nightly.finally", "cleanup", ""},
	}
	if len(p.cases) != len(wantCases) {
		t.Fatalf("got %d testcases, want %d", len(p.cases), len(wantCases))
	}
	for i, w := range wantCases {
		c := p.cases[i]
		if got := attrOf(c, "classname") + " " + attrOf(c, "name"); got != w.class+" "+w.name {
			t.Errorf("testcase %d: got %s, want %s %s", i, got, w.class, w.name)
		}
		for _, o := range []string{"failure", "skipped"} {
			if got := child(c, o) != nil; got != (o == w.outcome) {
				t.Errorf("testcase %s: <%s> present %v, want %v", w.name, o, got, o == w.outcome)
			}
		}
	}
	f := child(p.cases[2], "failure")
	if got := attrOf(f, "message"); got != "Command failed with exit code 1" {
		t.Errorf("failure message: got %q, want the first line of the error", got)
	}
	body := f.text.String()
	if !strings.Contains(body, "ModuleNotFoundError: No module named 'non_existing_library'\n\nflowctl: the last 50 of 63 log lines:") {
		t.Errorf("failure text: got %q, want the whole error then the log tail", body)
	}
	if strings.Contains(body, "row 13 transformed") || !strings.Contains(body, "row 14 transformed") {
		t.Errorf("failure text: got %q, want exactly the last 50 log lines", body)
	}
	if got := child(p.cases[2], "system-err").text.String(); strings.Contains(got, "row 1 ") || !strings.Contains(got, "ERROR Traceback") {
		t.Errorf("system-err: got %q, want the ERROR lines only", got)
	}
	if got := child(p.cases[0], "system-out").text.String(); !strings.HasPrefix(got, "flowctl: 2 attempts: FAILED, SUCCESS\n") {
		t.Errorf("system-out of a retried task: got %q, want its attempts first", got)
	}
}

func TestWriteJUnitWarningPassesAndSaysSo(t *testing.T) {
	var b bytes.Buffer
	must(t, WriteJUnit(&b, junitWarning()))
	p := parseJUnit(t, b.Bytes())
	lint := p.cases[0]
	if child(lint, "failure") != nil || child(lint, "skipped") != nil || attrOf(p.suite, "failures") != "0" {
		t.Errorf("a WARNING task run: got a failure or skip, want a passed testcase\n%s", b.Bytes())
	}
	out := child(lint, "system-out").text.String()
	if first, _, _ := strings.Cut(out, "\n"); !strings.Contains(first, "WARNING") {
		t.Errorf("system-out first line: got %q, want one saying WARNING", first)
	}
	if !strings.Contains(out, "WARN  flows/old.yml: deprecated type") {
		t.Errorf("system-out: got %q, want the task's log", out)
	}
}

func TestWriteJUnitExecutionWithoutTaskRuns(t *testing.T) {
	cases := []struct{ state, outcome string }{
		{runner.StateCancelled, "skipped"}, {runner.StateFailed, "failure"}, {runner.StateKilled, "failure"}, {runner.StateSuccess, ""},
	}
	for _, c := range cases {
		var b bytes.Buffer
		must(t, WriteJUnit(&b, junitExecution(c.state, 0)))
		p := parseJUnit(t, b.Bytes())
		if len(p.cases) != 1 || attrOf(p.cases[0], "name") != "dev.nightly" {
			t.Fatalf("%s: got %d testcases, want one named dev.nightly\n%s", c.state, len(p.cases), b.Bytes())
		}
		for _, o := range []string{"failure", "skipped"} {
			if got := child(p.cases[0], o) != nil; got != (o == c.outcome) {
				t.Errorf("%s: <%s> present %v, want %v", c.state, o, got, o == c.outcome)
			}
		}
		if !strings.Contains(b.String(), "before any task ran") {
			t.Errorf("%s: got\n%s\nwant a testcase saying no task ran", c.state, b.Bytes())
		}
		if got := attrOf(child(child(p.suite, "properties"), "property"), "value"); got != "5xWq0m3RkAgYyBvdcxOuUz" {
			t.Errorf("%s: execution.id property: got %q", c.state, got)
		}
	}
}

func TestWriteJUnitCapsOutput(t *testing.T) {
	tr := junitRun("chatty", runner.BranchTasks, runner.StateFailed, 0, 1000)
	line := strings.Repeat("é", 100) // 2-byte runes: a cut must not split one
	for i := range 5000 {
		junitLog(tr, 1, tasks.LevelError, fmt.Sprintf("%05d %s", i, line))
	}
	tr.Error = strings.Repeat("huge error ", 10000)
	var b bytes.Buffer
	must(t, WriteJUnit(&b, junitExecution(runner.StateFailed, 1000, tr)))
	if err := validateJUnit(t, b.Bytes()); err != nil {
		t.Fatalf("got %v, want a valid report", err)
	}
	c := parseJUnit(t, b.Bytes()).cases[0]
	for name, limit := range map[string]int{"system-out": junitOutCap, "system-err": junitErrCap, "failure": junitFailureCap} {
		text := child(c, name).text.String()
		if len(text) > limit+100 {
			t.Errorf("<%s>: got %d bytes, want at most about %d", name, len(text), limit)
		}
		if !utf8.ValidString(text) {
			t.Errorf("<%s>: got invalid UTF-8, want a cut on a character boundary", name)
		}
		if !strings.Contains(text, "04999 "+line) {
			t.Errorf("<%s>: got no last log line, want the end of the log kept", name)
		}
	}
	if got := child(c, "system-out").text.String(); !strings.HasPrefix(got, "flowctl: [") || !strings.Contains(got, "bytes cut") {
		t.Errorf("system-out: got %.100q, want a marker where it was cut", got)
	}
	if got := attrOf(child(c, "failure"), "message"); len(got) > junitMessageCap || !strings.HasPrefix(got, "huge error") {
		t.Errorf("failure message: got %d bytes, want the error's start within %d", len(got), junitMessageCap)
	}
}

// TestWriteJUnitAnyContent feeds hostile text to every field a task controls: the report
// must parse, validate, and keep the text minus what XML 1.0 cannot carry.
func TestWriteJUnitAnyContent(t *testing.T) {
	hostile := []string{
		"<script>alert(1)</script>",
		"a & b && c; &amp; &#x0; &lt;",
		"]]> <![CDATA[ x ]]>",
		`quotes " and ' in attributes`,
		"bell\a nul\x00 esc\x1b[31m red \x1b[0m vt\v ff\f del\x7f",
		"tab\there\r\nwindows\rline",
		"invalid utf-8: \xff\xfe\xc3\x28 \xed\xa0\x80 (a lone surrogate)",
		"non-characters: \uFFFE \uFFFF end",
		"emoji 🚀 and 👩‍👩‍👧 and 𝄞, CJK 日本語, RTL \u202eabc",
		"",
		strings.Repeat("]]>", 1000),
	}
	for i, s := range hostile {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			tr := junitRun("task-"+s, runner.BranchTasks, runner.StateFailed, 0, 10)
			tr.Error = s + "\nsecond line " + s
			junitLog(tr, 5, tasks.LevelError, s)
			junitLog(tr, 6, tasks.LevelInfo, "ok "+s)
			warn := junitRun("warn"+s, runner.BranchFinally, runner.StateWarning, 10, 20)
			junitLog(warn, 15, tasks.LevelWarn, s)
			x := junitExecution(runner.StateFailed, 20, tr, warn)
			x.Namespace, x.ID = "ns"+s, "id"+s
			x.Trigger = &runner.ExecTrigger{Type: "type" + s}
			var b bytes.Buffer
			must(t, WriteJUnit(&b, x))
			if err := validateJUnit(t, b.Bytes()); err != nil {
				t.Fatalf("got %v, want a valid report\n%q", err, b.Bytes())
			}
			clean := junitClean(s)
			c := parseJUnit(t, b.Bytes()).cases[0]
			if got, want := attrOf(c, "name"), "task-"+clean; got != want {
				t.Errorf("testcase name: got %q, want %q", got, want)
			}
			if got, want := attrOf(c, "classname"), "ns"+clean+".nightly.tasks"; got != want {
				t.Errorf("classname: got %q, want %q", got, want)
			}
			if got := child(c, "failure").text.String(); !strings.HasPrefix(got, clean+"\nsecond line "+clean) {
				t.Errorf("failure text: got %q, want the error, cleaned", got)
			}
			firstLine, _, _ := strings.Cut(clean, "\n")
			if got := child(c, "system-out").text.String(); !strings.Contains(got, "INFO  ok "+firstLine) {
				t.Errorf("system-out: got %q, want the log line, cleaned", got)
			}
			for _, r := range b.String() {
				if !junitXMLChar(r) || r == utf8.RuneError && !strings.ContainsRune(clean, utf8.RuneError) {
					t.Errorf("report holds %U, want only characters XML 1.0 allows", r)
				}
			}
			checkWithPython(t, b.Bytes())
		})
	}
}

// checkWithPython parses the report with Python's expat too, a second strict XML 1.0
// parser, when python3 is installed: encoding/xml alone could share a bug with the writer.
func checkWithPython(t *testing.T, report []byte) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		return
	}
	path := filepath.Join(t.TempDir(), "report.xml")
	must(t, os.WriteFile(path, report, 0o644))
	out, err := exec.Command(py, "-c", "import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])", path).CombinedOutput()
	if err != nil {
		t.Errorf("python3 xml.etree: got %v: %s, want the report to parse", err, out)
	}
}

func TestJUnitClean(t *testing.T) {
	cases := map[string]string{
		"plain":                  "plain",
		"a\x00b\x01c\x1fd":       "abcd",
		"keep\t\n\r":             "keep\t\n\r",
		"\uFFFE\uFFFFx":          "x",
		"bad\xffutf8":            "bad\uFFFDutf8",
		"\xed\xa0\x80surrogate":  "\uFFFDsurrogate",
		"emoji 🚀 \U0010FFFD end": "emoji 🚀 \U0010FFFD end",
	}
	for in, want := range cases {
		if got := junitClean(in); got != want {
			t.Errorf("junitClean(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestJUnitSeconds(t *testing.T) {
	cases := map[time.Duration]string{
		0: "0.000", 1500 * time.Microsecond: "0.002", 4100 * time.Millisecond: "4.100",
		-time.Second: "0.000", 2*time.Hour + 3*time.Millisecond: "7200.003",
	}
	for d, want := range cases {
		if got := junitSeconds(d); got != want {
			t.Errorf("junitSeconds(%v): got %q, want %q", d, got, want)
		}
	}
}
