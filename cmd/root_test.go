package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
)

func TestExitCode(t *testing.T) {
	cases := []struct {
		state         string
		failOnWarning bool
		want          int
	}{
		{"SUCCESS", false, 0}, {"SUCCESS", true, 0},
		{"WARNING", false, 0}, {"WARNING", true, 3},
		{"FAILED", false, 1}, {"KILLED", false, 130},
	}
	for _, c := range cases {
		if got := exitCode(c.state, c.failOnWarning); got != c.want {
			t.Errorf("exitCode(%s, %v): got %d, want %d", c.state, c.failOnWarning, got, c.want)
		}
	}
}

func TestParseInputFlags(t *testing.T) {
	got, err := parseInputFlags([]string{"a=1", "b=x=y", "c="})
	if err != nil {
		t.Fatal(err)
	}
	if got["a"] != "1" || got["b"] != "x=y" || got["c"] != "" || len(got) != 3 {
		t.Errorf("got %v, want a=1 b=x=y c=", got)
	}
	for _, bad := range [][]string{{"novalue"}, {"=v"}, {"a=1", "a=2"}} {
		if _, err := parseInputFlags(bad); err == nil {
			t.Errorf("parseInputFlags(%q): got no error, want one", bad)
		}
	}
}

func TestColorOnlyOnTerminals(t *testing.T) {
	if colorEnabled(&bytes.Buffer{}, false) {
		t.Error("got colour for a buffer, want none")
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if colorEnabled(f, false) {
		t.Error("got colour for a regular file, want none")
	}
}

// run calls Main with buffers and returns the exit code and both streams.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestMainUsageErrors(t *testing.T) {
	cases := [][]string{
		{"run"},
		{"run", "a.yml", "b.yml"},
		{"run", "--bogus", "a.yml"},
		{"run", "-o", "yaml", "a.yml"},
		{"validate"},
		{"nosuchcommand"},
	}
	for _, args := range cases {
		code, out, errs := run(t, args...)
		if code != ExitUsage {
			t.Errorf("flowctl %v: got exit %d, want %d", args, code, ExitUsage)
		}
		if out != "" || !strings.HasPrefix(errs, "flowctl: ") {
			t.Errorf("flowctl %v: got stdout %q stderr %q, want only a flowctl: error on stderr", args, out, errs)
		}
	}
}

func TestMainVersion(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "flowctl ") {
		t.Errorf("got %d %q, want 0 and flowctl <version>", code, out)
	}
}

func TestWriteExecutionWithoutTaskRuns(t *testing.T) {
	start := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		end  time.Time
		want string
	}{
		{"cut off while running", time.Time{}, "not ended (still running, or cut off by a crash)\n\nno task run recorded yet\n\ntask runs and logs so far; follow them: flowctl executions logs 5xWq0m3RkAgYyBvdcxOuUz --follow\n"},
		{"ended before its first task", start.Add(time.Second), "\nexecution dev.f 5xWq0m3RkAgYyBvdcxOuUz RUNNING in 1.00s, before any task ran\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := &runner.Execution{ID: "5xWq0m3RkAgYyBvdcxOuUz", Namespace: "dev", FlowID: "f", FlowRevision: 1,
				State: runner.State{Current: runner.StateRunning, StartDate: start, EndDate: c.end}}
			var b strings.Builder
			writeExecution(&b, report.NewPalette(false), x, nil, state.RunnerUnknown, "")
			if got := b.String(); !strings.HasSuffix(got, c.want) || strings.Contains(got, "TASK") {
				t.Errorf("got\n%s\nwant it to end with %q and hold no empty table", got, c.want)
			}
		})
	}
}
