package runner

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// TestKestraSLA: Kestra's SLATestCase: a MAX_DURATION SLA with behavior FAIL fails an
// execution that runs longer, and lets a shorter one succeed; an EXECUTION_ASSERTION SLA
// cancels the execution (CANCEL) or only labels it (NONE) when its assertion is false.
func TestKestraSLA(t *testing.T) {
	cases := []struct {
		flow   string
		inputs map[string]string
		state  string
		label  string
	}{
		{"sla-max-duration-fail", nil, StateFailed, ""},
		{"sla-max-duration-ok", nil, StateSuccess, ""},
		{"sla-execution-condition", nil, StateSuccess, ""},
		{"sla-execution-condition", map[string]string{"string": "CANCEL"}, StateCancelled, ""},
		{"sla-execution-condition", map[string]string{"string": "LABEL"}, StateSuccess, "violated"},
	}
	for _, c := range cases {
		t.Run(c.flow+"/"+c.state, func(t *testing.T) {
			t.Parallel()
			f, err := flow.Load(filepath.Join("testdata", "kestra", c.flow+".yaml"), tasks.Builtin())
			if err != nil {
				t.Fatal(err)
			}
			inputs, _, err := flow.ParseInputs(f, c.inputs) // the default PASS
			if err != nil {
				t.Fatal(err)
			}
			var warned []string
			x := runKestraWith(t, c.flow, Options{Inputs: inputs, Warn: func(msg string) { warned = append(warned, msg) }})
			if violated := c.inputs != nil; c.flow == "sla-execution-condition" && violated != (len(warned) == 1) {
				t.Errorf("warnings: got %q, want one for a violation, none without", warned)
			}
			if x.State.Current != c.state || x.Labels["sla"] != c.label {
				t.Errorf("got %s, label sla %q; want %s, %q: %s", x.State.Current, x.Labels["sla"], c.state, c.label, runs(x))
			}
		})
	}
}

// TestSLAMaxDurationEndsTheRunningTask: the violation stops the running task, which fails
// saying why, and the errors and finally tasks do not run; NONE only adds the labels.
func TestSLAMaxDurationEndsTheRunningTask(t *testing.T) {
	x := runYAML(t, `sla:
  - id: quick
    type: MAX_DURATION
    behavior: CANCEL
    duration: PT0.05S
    labels:
      sla: missed
tasks:
  - id: sleep
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
errors:
  - id: onError
    type: io.kestra.plugin.core.log.Log
    message: failed
finally:
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: done
`)
	if got := runs(x); got != "sleep:FAILED" || x.State.Current != StateCancelled || x.Labels["sla"] != "missed" {
		t.Fatalf("got %s %s labels %v, want sleep:FAILED CANCELLED with sla=missed", got, x.State.Current, x.Labels)
	}
	tr := x.TaskRunList[0]
	if !regexp.MustCompile(`^SLA 'quick' violated: execution duration of PT\d+\.\d+S exceed the maximum duration of PT0\.05S\.$`).MatchString(tr.Error) {
		t.Errorf("error: got %q, want Kestra's reason", tr.Error)
	}
	if d := x.State.Duration(); d.Seconds() > 5 {
		t.Errorf("the execution took %s: the SLA did not stop the sleep", d)
	}

	x = runYAML(t, `sla:
  - id: late
    type: MAX_DURATION
    behavior: NONE
    duration: PT0.01S
    labels:
      sla: late
tasks:
  - id: sleep
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.1S
`)
	warned := false
	for _, l := range x.TaskRunList[0].Logs {
		warned = warned || strings.HasPrefix(l.Message, "SLA 'late' violated: execution duration of")
	}
	if x.State.Current != StateSuccess || x.Labels["sla"] != "late" || !warned {
		t.Errorf("NONE: got %s, labels %v, warned %v; want SUCCESS, sla=late, the violation logged", x.State.Current, x.Labels, warned)
	}
}

// TestSLAMaxDurationNotOnRestart: as Kestra, which monitors a MAX_DURATION SLA from an
// execution's creation only, a restart, which keeps the execution's start date, is not
// ended at once by the time that passed before it.
func TestSLAMaxDurationNotOnRestart(t *testing.T) {
	f, err := flow.Parse("flow.yml", []byte(`id: f
namespace: dev
sla:
  - id: hour
    type: MAX_DURATION
    behavior: FAIL
    duration: PT1H
tasks:
  - id: check
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount == 0 }}"
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateFailed {
		t.Fatalf("first run: got %s, want FAILED", x.State.Current)
	}
	// Restarted the next day.
	x.State.StartDate = x.State.StartDate.Add(-24 * time.Hour)
	y := runRestart(t, context.Background(), f, planRestart(t, f, x), nil)
	if y.State.Current != StateSuccess || runs(y) != "check:SUCCESS" {
		t.Fatalf("restart: got %s %s (error %q), want check:SUCCESS SUCCESS", runs(y), y.State.Current, y.TaskRunList[0].Error)
	}
}

// TestSLAAssertNotRendering: an assertion that does not render leaves the SLA aside, as
// Kestra ignores it, saying where it is written and why.
func TestSLAAssertNotRendering(t *testing.T) {
	f, err := flow.Parse("flow.yml", []byte(`id: f
namespace: dev
sla:
  - id: checked
    type: EXECUTION_ASSERTION
    behavior: FAIL
    assert: "{{ outputs.nope.value == 'x' }}"
tasks:
  - id: sleep
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.05S
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	warn := func(msg string) { said = append(said, msg) }
	x, err := Run(context.Background(), f, Options{TempDir: t.TempDir(), Environ: []string{}, Warn: warn})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != StateSuccess {
		t.Fatalf("got %s, want SUCCESS: an SLA that does not render is ignored", x.State.Current)
	}
	for _, tr := range x.TaskRunList {
		for _, l := range tr.Logs {
			said = append(said, l.Message)
		}
	}
	want := "Ignoring SLA 'checked' because of the error: flow.yml:7:13: assert: Unable to find `outputs.nope`"
	found := false
	for _, m := range said {
		found = found || (strings.Contains(m, want) && !strings.Contains(m, "line 1, col"))
	}
	if !found {
		t.Errorf("said %q, want a line with %q", said, want)
	}
}
