package runner

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// runKestraWith runs one of Kestra's test flows (testdata/kestra) with opts.
func runKestraWith(t *testing.T, name string, opts Options) *Execution {
	t.Helper()
	f, err := flow.Load(filepath.Join("testdata", "kestra", name+".yaml"), tasks.Builtin())
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	opts.TempDir, opts.Environ = t.TempDir(), []string{}
	x, err := Run(context.Background(), f, opts)
	if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	return x
}

// TestKestraRuntimeLabels: Kestra's RuntimeLabelsTest: Labels tasks add labels to the
// execution, from a JSON template, a mapping and a list, and replace the flow's and the
// execution's own.
func TestKestraRuntimeLabels(t *testing.T) {
	x := runKestraWith(t, "labels-update-task", Options{
		Inputs: map[string]any{
			"labelsJson":      map[string]any{"keyFromJson": "valueFromJson"},
			"labelsMapKey":    "keyFromMap",
			"labelsMapValue":  "valueFromMap",
			"labelsListKey":   "keyFromList",
			"labelsListValue": "valueFromList",
		},
		Labels: map[string]string{"keyFromExecution": "valueFromExecution", "overriddenExecutionLabelKey": "executionValueThatWillGetOverridden"},
	})
	if len(x.TaskRunList) != 4 || x.State.Current != StateSuccess {
		t.Fatalf("got %s %s, want 4 runs, SUCCESS", runs(x), x.State.Current)
	}
	want := map[string]string{
		LabelCorrelationID:            x.ID,
		"flowLabelKey":                "flowLabelValue",
		"overriddenFlowLabelKey":      "io.kestra.tests.labels-update-task",
		"keyFromJson":                 "valueFromJson",
		"keyFromMap":                  "valueFromMap",
		"keyFromList":                 "valueFromList",
		"keyFromExecution":            "valueFromExecution",
		"overriddenExecutionLabelKey": byTask(x, "override-labels")[0].ID,
	}
	if !maps.Equal(x.Labels, want) {
		t.Errorf("labels:\ngot  %v\nwant %v", x.Labels, want)
	}

	x = runKestraFlow(t, "npe-labels-update-task", nil)
	if len(x.TaskRunList) != 1 || x.State.Current != StateSuccess || x.Labels["someLabel"] != x.TaskRunList[0].ID {
		t.Errorf("npe-labels-update-task: got %s %s, labels %v", runs(x), x.State.Current, x.Labels)
	}

	x = runKestraWith(t, "primitive-labels-flow", Options{
		Inputs: map[string]any{"intLabel": 42, "boolLabel": true, "floatLabel": 3.14},
		Labels: map[string]string{"existingLabel": "someValue"},
	})
	want = map[string]string{LabelCorrelationID: x.ID, "intValue": "42", "boolValue": "true", "floatValue": "3.14",
		"taskRunId": byTask(x, "update-labels")[0].ID, "existingLabel": "someValue"}
	if x.State.Current != StateSuccess || !maps.Equal(x.Labels, want) {
		t.Errorf("primitive-labels-flow: got %s, labels %v, want SUCCESS, %v", x.State.Current, x.Labels, want)
	}
}

// TestLabelsSeenByLaterTasksAndRefusedForSystem: labels.* shows a label once a Labels task
// set it; a system label is refused with Kestra's message, and the task fails.
func TestLabelsSeenByLaterTasksAndRefusedForSystem(t *testing.T) {
	x := runYAML(t, `labels:
  team: data
tasks:
  - id: before
    type: io.kestra.plugin.core.debug.Return
    format: "{{ labels.team }} {{ labels.stage ?? 'none' }}"
  - id: set
    type: io.kestra.plugin.core.execution.Labels
    labels:
      stage: "{{ outputs.before.value | length }}"
      team: ops
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ labels.team }} {{ labels.stage }}"
  - id: system
    type: io.kestra.plugin.core.execution.Labels
    labels:
      system.correlationId: mine
`)
	if got := byTask(x, "before")[0].Outputs["value"]; got != "data none" {
		t.Errorf("before: got %q, want %q", got, "data none")
	}
	if got := byTask(x, "after")[0].Outputs["value"]; got != "ops 9" {
		t.Errorf("after: got %q, want %q", got, "ops 9")
	}
	sys := byTask(x, "system")[0]
	if want := "System labels can only be set by Kestra itself, offending label: system.correlationId=mine"; sys.State.Current != StateFailed || sys.Error != want {
		t.Errorf("system: got %s %q, want FAILED %q", sys.State.Current, sys.Error, want)
	}
	if x.Labels[LabelCorrelationID] != x.ID || x.Labels["stage"] != "9" || x.State.Current != StateFailed {
		t.Errorf("got labels %v %s, want the correlation id kept, stage 9, FAILED", x.Labels, x.State.Current)
	}
}

// TestLabelsEmptyKeyRefused: a label whose key renders empty fails the task, naming the
// property, rather than setting a label without a key.
func TestLabelsEmptyKeyRefused(t *testing.T) {
	x := runYAML(t, `tasks:
  - id: set
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: "{{ inputs.missing ?? '' }}"
        value: x
`)
	tr := byTask(x, "set")[0]
	want := `flow.yml:7:7: task "set": labels: a label's key rendered empty (value "x")`
	if tr.State.Current != StateFailed || !strings.HasPrefix(tr.Error, want) {
		t.Errorf("got %s %q, want FAILED %q", tr.State.Current, tr.Error, want)
	}
	if _, ok := x.Labels[""]; ok {
		t.Errorf("labels %v: a label without a key was set", x.Labels)
	}
}

// TestKestraFetchLogs: Kestra's FetchTest: log.Fetch counts the INFO lines of the
// execution (the two Echo and the Sleep's), of one task, or of an execution named by id.
func TestKestraFetchLogs(t *testing.T) {
	for name, want := range map[string]int{"get-log": 3, "get-log-taskid": 1, "get-log-executionid": 3} {
		t.Run(name, func(t *testing.T) {
			x := runKestraFlow(t, name, nil)
			if len(x.TaskRunList) != 4 || x.State.Current != StateSuccess {
				t.Fatalf("got %s %s, want 4 runs, SUCCESS", runs(x), x.State.Current)
			}
			out := byTask(x, "get-log-task")[0].Outputs
			if out["size"] != want {
				t.Errorf("size: got %v, want %d", out["size"], want)
			}
			if uri, _ := out["uri"].(string); !tasks.IsStorageURI(uri) {
				t.Errorf("uri: got %q, want a kestra:// URI", uri)
			}
		})
	}
}

// TestLabelsFromParallelBranches: Labels tasks of parallel branches each add theirs while
// the other branches render labels.* (run under -race).
func TestLabelsFromParallelBranches(t *testing.T) {
	x := runYAML(t, `tasks:
  - id: par
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b", "c", "d"]
    concurrencyLimit: 0
    tasks:
      - id: set
        type: io.kestra.plugin.core.execution.Labels
        labels:
          "{{ taskrun.value }}": "{{ labels | length }}"
      - id: read
        type: io.kestra.plugin.core.debug.Return
        format: "{{ labels[taskrun.value] }}"
`)
	if x.State.Current != StateSuccess {
		t.Fatalf("got %s: %s", x.State.Current, runs(x))
	}
	for _, v := range []string{"a", "b", "c", "d"} {
		if _, ok := x.Labels[v]; !ok {
			t.Errorf("label %s missing: %v", v, x.Labels)
		}
	}
}
