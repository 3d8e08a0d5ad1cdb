package runner

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

func TestErrorLogsInTheErrorsBranch(t *testing.T) {
	f, err := flow.Parse("flow.yml", []byte(`
id: alerting
namespace: dev
tasks:
  - id: ok
    type: io.kestra.plugin.core.log.Log
    message: fine
  - id: broken
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo "disk full" >&2
      - exit 3
errors:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "{{ errorLogs()[0]['message'] }} from {{ errorLogs()[0].taskId }}"
  - id: all
    type: io.kestra.plugin.core.debug.Return
    format: "{{ errorLogs() }}"
  - id: loop
    type: io.kestra.plugin.core.debug.Return
    format: "{{ errorLogs() | length }} {{ errorLogs() | last | default({}) | keys | join(',') }}"
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x, err := Run(context.Background(), f, Options{Environ: []string{"PATH=/usr/bin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	var broken *TaskRun
	outs := map[string]string{}
	for _, tr := range x.TaskRunList {
		if tr.TaskID == "broken" {
			broken = tr
		}
		if v, ok := tr.Outputs["value"].(string); ok {
			outs[tr.TaskID] = v
		}
		if tr.Branch == "errors" && tr.State.Current != StateSuccess {
			t.Fatalf("%s: %s %s", tr.TaskID, tr.State.Current, tr.Error)
		}
	}
	var errLines []string
	for _, l := range broken.Logs {
		if l.Level == tasks.LevelError {
			errLines = append(errLines, l.Message)
		}
	}
	if len(errLines) == 0 {
		t.Fatalf("the failed task logged no ERROR line: %+v", broken.Logs)
	}
	if want := errLines[0] + " from broken"; outs["first"] != want {
		t.Errorf("first: got %q, want %q", outs["first"], want)
	}
	var all []map[string]any
	if err := json.Unmarshal([]byte(outs["all"]), &all); err != nil {
		t.Fatalf("all: %v in %s", err, outs["all"])
	}
	if len(all) != len(errLines) {
		t.Fatalf("all: got %d lines, want %d (%s)", len(all), len(errLines), outs["all"])
	}
	e := all[len(all)-1]
	want := map[string]any{"namespace": "dev", "flowId": "alerting", "taskId": "broken", "executionId": x.ID,
		"taskRunId": broken.ID, "attemptNumber": 0.0, "level": "ERROR", "message": errLines[len(errLines)-1], "deleted": false}
	for k, v := range want {
		if e[k] != v {
			t.Errorf("%s: got %v, want %v", k, e[k], v)
		}
	}
	if ts, _ := e["timestamp"].(string); !strings.HasPrefix(ts, "20") {
		t.Errorf("timestamp: got %v, want a date", e["timestamp"])
	}
	if want := "attemptNumber,deleted,executionId,flowId,level,message,namespace,taskId,taskRunId,timestamp"; !strings.HasSuffix(outs["loop"], want) {
		t.Errorf("loop: got %q, want the count then %s", outs["loop"], want)
	}
}

func TestErrorLogsEmptyAndBounded(t *testing.T) {
	src := `
id: quiet
namespace: dev
tasks:
  - id: none
    type: io.kestra.plugin.core.debug.Return
    format: "{{ errorLogs() }}"
  - id: noisy
    type: io.kestra.plugin.scripts.shell.Commands
    allowFailure: true
    commands:
      - for i in $(seq 40); do echo "::{\"logs\":[{\"level\":\"ERROR\",\"message\":\"e$i\"}]}::"; done
      - exit 1
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ errorLogs() | length }} {{ errorLogs()[0].message }} {{ errorLogs()[24].message }}"
`
	f, err := flow.Parse("flow.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x, _ := Run(context.Background(), f, Options{Environ: []string{"PATH=/usr/bin:/bin"}})
	got := map[string]any{}
	for _, tr := range x.TaskRunList {
		got[tr.TaskID] = tr.Outputs["value"]
		if tr.TaskID == "after" && tr.State.Current != StateSuccess {
			t.Fatalf("after: %s %s", tr.State.Current, tr.Error)
		}
	}
	if got["none"] != "[]" {
		t.Errorf("no error yet: got %v, want []", got["none"])
	}
	if got["after"] != "25 e1 e25" {
		t.Errorf("bounded: got %v, want the first 25, oldest first: 25 e1 e25", got["after"])
	}
}
