package service

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/tasks"
)

// kestraFlow loads one of Kestra's own test flows, copied in runner/testdata/kestra.
func kestraFlow(t *testing.T, name string) *flow.Flow {
	t.Helper()
	f, err := flow.Load(filepath.Join("..", "testdata", "kestra", name), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// applyKestra registers Kestra's test flows names in the service's state.
func applyKestra(t *testing.T, s *Service, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, _, err := s.Apply(kestraFlow(t, n), t0); err != nil {
			t.Fatal(err)
		}
	}
}

// kestraItems writes the file of Kestra's ForEachItemCaseTest: the numbers 0 to 101, each
// padded on the left to 20 characters, one a line.
func kestraItems(t *testing.T, lines int) string {
	t.Helper()
	var b strings.Builder
	for i := range lines {
		fmt.Fprintf(&b, "%20d\n", i)
	}
	p := filepath.Join(t.TempDir(), "file.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runKestra runs Kestra's flow name with the given inputs, as text.
func runKestra(t *testing.T, s *Service, name string, given map[string]string) *runner.Execution {
	t.Helper()
	f := kestraFlow(t, name)
	inputs, _, err := flow.ParseInputs(f, given)
	if err != nil {
		t.Fatal(err)
	}
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: inputs})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

var createdExecution = regexp.MustCompile(`^Created new execution \[\[link execution="([^"]+)" flowId="([^"]+)" namespace="([^"]+)"\]\]$`)

// children returns the child executions a ForEachItem's run of the batches logged, read
// back from the state.
func children(t *testing.T, s *Service, tr *runner.TaskRun) []*runner.Execution {
	t.Helper()
	var out []*runner.Execution
	for _, l := range tr.Logs {
		if m := createdExecution.FindStringSubmatch(l.Message); m != nil {
			out = append(out, lookup(t, s, m[1]))
		}
	}
	return out
}

// runIDs lists the task ids of the runs of x, in order.
func runIDs(x *runner.Execution) string {
	ids := make([]string, len(x.TaskRunList))
	for i, tr := range x.TaskRunList {
		ids[i] = tr.TaskID + ":" + tr.State.Current
	}
	return strings.Join(ids, " ")
}

// TestKestraForEachItem checks what Kestra's ForEachItemCaseTest asserts of its flows: 102
// lines in batches of 4 make 26 child executions, each recorded, reading its batch.
func TestKestraForEachItem(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "for-each-item-subflow.yaml")
	x := runKestra(t, s, "for-each-item.yaml", map[string]string{"file": kestraItems(t, 102), "batch": "4"})

	if len(x.TaskRunList) != 4 || x.State.Current != runner.StateSuccess {
		t.Fatalf("got %s %s, want 4 runs, SUCCESS", runIDs(x), x.State.Current)
	}
	for i, id := range []string{"each", "each_split", "each_items", "each_merge"} {
		tr := x.TaskRunList[i]
		if tr.TaskID != id || i > 0 && tr.ParentTaskRunID != x.TaskRunList[0].ID {
			t.Errorf("run %d: got %s under %s, want %s under the ForEachItem's run", i, tr.TaskID, tr.ParentTaskRunID, id)
		}
	}
	items := x.TaskRunList[2]
	if len(items.Attempts) != 1 || items.Attempts[0].State.Current != runner.StateSuccess {
		t.Errorf("each_items attempts: got %+v, want one SUCCESS", items.Attempts)
	}
	if items.Outputs["numberOfBatches"] != 26 {
		t.Errorf("numberOfBatches: got %v, want 26", items.Outputs["numberOfBatches"])
	}
	want := map[string]any{"CREATED": 0, "RUNNING": 0, "SUCCESS": 26}
	if got := fmt.Sprint(items.Outputs["iterations"]); got != fmt.Sprint(want) {
		t.Errorf("iterations: got %s, want %v", got, want)
	}
	if items.Iteration == nil || *items.Iteration != 26 {
		t.Errorf("each_items iteration: got %v, want 26", items.Iteration)
	}

	kids := children(t, s, items)
	if len(kids) != 26 {
		t.Fatalf("child executions: got %d, want 26", len(kids))
	}
	itemsURI := regexp.MustCompile(`^kestra:///io/kestra/tests/for-each-item/executions/` + x.ID + `/tasks/each-split/[^/]+/[0-9]+\.txt$`)
	for i, k := range kids {
		uri, _ := k.Inputs["items"].(string)
		if k.State.Current != runner.StateSuccess || k.FlowID != "for-each-item-subflow" || !itemsURI.MatchString(uri) || len(k.TaskRunList) != 1 {
			t.Errorf("child %d: got %s %s items %q, %d runs; want SUCCESS for-each-item-subflow, a batch of each_split, 1 run",
				i+1, k.FlowID, k.State.Current, uri, len(k.TaskRunList))
		}
		if k.Labels[runner.LabelCorrelationID] != x.ID {
			t.Errorf("child %d: correlation id %q, want the parent's %s", i+1, k.Labels[runner.LabelCorrelationID], x.ID)
		}
		if k.Trigger == nil || k.Trigger.ID != "each_items" || k.Trigger.Variables["executionId"] != x.ID {
			t.Errorf("child %d: trigger %+v, want each_items of %s", i+1, k.Trigger, x.ID)
		}
	}
	// The first batch holds the first four lines; the child logged its URI.
	first := kids[0].Inputs["items"].(string)
	r, err := s.Store.Storage().OpenURI(first)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if want := fmt.Sprintf("%20d\n%20d\n%20d\n%20d\n", 0, 1, 2, 3); string(b) != want {
		t.Errorf("first batch: got %q, want %q", b, want)
	}
	last := kids[25].Inputs["items"].(string)
	if r, err = s.Store.Storage().OpenURI(last); err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(r)
	r.Close()
	if want := fmt.Sprintf("%20d\n%20d\n", 100, 101); string(b) != want {
		t.Errorf("last batch: got %q, want %q", b, want)
	}
}

func TestKestraForEachItemEmptyItems(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "for-each-item-subflow.yaml")
	x := runKestra(t, s, "for-each-item.yaml", map[string]string{"file": kestraItems(t, 0), "batch": "4"})
	if len(x.TaskRunList) != 4 || x.State.Current != runner.StateSuccess {
		t.Fatalf("got %s %s, want 4 runs, SUCCESS", runIDs(x), x.State.Current)
	}
	if out := x.TaskRunList[2].Outputs; out != nil {
		t.Errorf("each_items outputs: got %v, want none", out)
	}
	if out := x.TaskRunList[3].Outputs; out != nil {
		t.Errorf("each_merge outputs: got %v, want none", out)
	}
}

func TestKestraForEachItemNoWait(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "for-each-item-subflow.yaml")
	x := runKestra(t, s, "for-each-item-no-wait.yaml", map[string]string{"file": kestraItems(t, 102)})
	s.Wait()
	if len(x.TaskRunList) != 4 || x.State.Current != runner.StateSuccess {
		t.Fatalf("got %s %s, want 4 runs, SUCCESS", runIDs(x), x.State.Current)
	}
	items := x.TaskRunList[2]
	if len(items.Attempts) != 1 || items.Attempts[0].State.Current != runner.StateSuccess {
		t.Errorf("each_items attempts: got %+v, want one SUCCESS", items.Attempts)
	}
	// Kestra counts a child it does not wait for from RUNNING: no CREATED.
	want := map[string]any{"RUNNING": 0, "SUCCESS": 26}
	if got := fmt.Sprint(items.Outputs["iterations"]); got != fmt.Sprint(want) || items.Outputs["numberOfBatches"] != 26 {
		t.Errorf("outputs: got %v, want 26 batches, iterations %v", items.Outputs, want)
	}
	kids := children(t, s, items)
	if len(kids) != 26 {
		t.Fatalf("child executions: got %d, want 26", len(kids))
	}
	for i, k := range kids {
		if recorded(t, s, k.ID) != runner.StateSuccess {
			t.Errorf("child %d: got %s, want SUCCESS once the run waited for it", i+1, recorded(t, s, k.ID))
		}
	}
}

func TestKestraForEachItemFailed(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "for-each-item-subflow-failed.yaml")
	x := runKestra(t, s, "for-each-item-failed.yaml", map[string]string{"file": kestraItems(t, 102)})
	if len(x.TaskRunList) != 3 || x.State.Current != runner.StateFailed {
		t.Fatalf("got %s %s, want 3 runs (no merge), FAILED", runIDs(x), x.State.Current)
	}
	items := x.TaskRunList[2]
	if len(items.Attempts) != 1 || items.Attempts[0].State.Current != runner.StateFailed {
		t.Errorf("each_items attempts: got %+v, want one FAILED", items.Attempts)
	}
	want := map[string]any{"CREATED": 0, "RUNNING": 0, "FAILED": 26}
	if got := fmt.Sprint(items.Outputs["iterations"]); got != fmt.Sprint(want) || items.Outputs["numberOfBatches"] != 26 {
		t.Errorf("outputs: got %v, want 26 batches, iterations %v", items.Outputs, want)
	}
	if want := "26 of 26 execution(s) of io.kestra.tests.for-each-item-subflow-failed ended FAILED"; items.Error != want {
		t.Errorf("error: got %q, want %q", items.Error, want)
	}
	kids := children(t, s, items)
	if len(kids) != 26 {
		t.Fatalf("child executions: got %d, want every batch run: 26", len(kids))
	}
	if k := kids[25]; k.State.Current != runner.StateFailed || len(k.TaskRunList) != 1 {
		t.Errorf("last child: got %s, %d runs, want FAILED, 1 run", k.State.Current, len(k.TaskRunList))
	}
}

func TestKestraForEachItemWithSubflowOutputs(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "for-each-item-outputs-subflow.yaml")
	x := runKestra(t, s, "for-each-item-outputs.yaml", map[string]string{"file": kestraItems(t, 102)})
	if len(x.TaskRunList) != 5 || x.State.Current != runner.StateSuccess {
		t.Fatalf("got %s %s, want 5 runs, SUCCESS", runIDs(x), x.State.Current)
	}
	merged, _ := x.TaskRunList[3].Outputs["subflowOutputs"].(string)
	if !strings.HasSuffix(merged, "/tasks/each-merge/"+x.TaskRunList[3].ID+"/outputs.ion") {
		t.Fatalf("subflowOutputs: got %q, want the merge run's outputs.ion", merged)
	}
	if got := x.TaskRunList[4].Outputs["value"]; got != merged {
		t.Errorf("return: got %v, want outputs.each_merge.subflowOutputs %s", got, merged)
	}
	r, err := s.Store.Storage().OpenURI(merged)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 26 {
		t.Fatalf("merged outputs: got %d lines, want one per child: 26", len(lines))
	}
	// Each line is the child's flow outputs in Ion, in batch order.
	if want := fmt.Sprintf(`{value:"%20d\n%20d\n%20d\n%20d\n"}`, 0, 1, 2, 3); lines[0] != strings.ReplaceAll(want, "\n", `\n`) {
		t.Errorf("first line: got %s, want %s", lines[0], want)
	}
	if want := fmt.Sprintf(`{value:"%20d\n%20d\n"}`, 100, 101); lines[25] != strings.ReplaceAll(want, "\n", `\n`) {
		t.Errorf("last line: got %s, want %s", lines[25], want)
	}
}

// TestKestraForEachItemAllowFailure checks Kestra's TaskWithAllowFailureTest and
// TaskWithAllowWarningTest of a ForEachItem whose children fail.
func TestKestraForEachItemAllowFailure(t *testing.T) {
	for _, c := range []struct{ flow, state string }{
		{"task-allow-failure-executable-foreachitem.yml", runner.StateWarning},
		{"task-allow-warning-executable-foreachitem.yml", runner.StateSuccess},
	} {
		t.Run(c.flow, func(t *testing.T) {
			s, _ := newService(t)
			applyKestra(t, s, "for-each-item-subflow-failed.yaml")
			x := runKestra(t, s, c.flow, map[string]string{"file": kestraItems(t, 102)})
			if len(x.TaskRunList) != 4 || x.State.Current != c.state {
				t.Errorf("got %s %s, want 4 runs, %s", runIDs(x), x.State.Current, c.state)
			}
		})
	}
}

// TestForEachItemOutputsAsText checks that the merged outputs hold each child's flow outputs
// rendered as text in its context, as Kestra keeps them (an INT output is "2" there), and
// that a child whose outputs do not render (it ends FAILED) writes none.
func TestForEachItemOutputsAsText(t *testing.T) {
	s, _ := newService(t)
	apply(t, s, `id: child
namespace: dev
inputs:
  - id: n
    type: INT
tasks:
  - id: twice
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n * 2 }}"
outputs:
  - id: doubled
    type: INT
    value: "{{ inputs.n == 3 ? outputs.nope.value : outputs.twice.value }}"
`)
	f := parse(t, `id: parent
namespace: dev
inputs:
  - id: file
    type: FILE
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    namespace: dev
    flowId: child
    inputs:
      n: "{{ taskrun.iteration }}"
`)
	inputs, _, err := flow.ParseInputs(f, map[string]string{"file": kestraItems(t, 3)})
	if err != nil {
		t.Fatal(err)
	}
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: inputs})
	if err != nil {
		t.Fatal(err)
	}
	items := x.TaskRunList[2]
	if x.State.Current != runner.StateFailed || fmt.Sprint(items.Outputs["iterations"]) != fmt.Sprint(map[string]any{"CREATED": 0, "RUNNING": 0, "FAILED": 1, "SUCCESS": 2}) {
		t.Fatalf("got %s, %v: %s; want the third child FAILED", x.State.Current, items.Outputs, runIDs(x))
	}
	// The merge does not run after a failure; the children's files are there all the same.
	base, _ := items.Outputs["subflowOutputsBaseUri"].(string)
	if _, err := s.Store.Storage().OpenURI(fmt.Sprintf("kestra://%s/3/outputs.ion", base)); err == nil {
		t.Error("child 3 outputs: got a file, want none")
	}
	for i, want := range []string{`{doubled:"2"}`, `{doubled:"4"}`} {
		r, err := s.Store.Storage().OpenURI(fmt.Sprintf("kestra://%s/%d/outputs.ion", base, i+1))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != want+"\n" {
			t.Errorf("child %d outputs: got %q, want %q", i+1, b, want)
		}
	}
}

// TestForEachItemTransmitFailedFalse checks that without transmitFailed failing children
// leave the ForEachItem SUCCESS, their states still counted.
func TestForEachItemTransmitFailedFalse(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "for-each-item-subflow-failed.yaml")
	f := parse(t, `id: parent
namespace: dev
inputs:
  - id: file
    type: FILE
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    batch:
      bytes: 1KB
    namespace: io.kestra.tests
    flowId: for-each-item-subflow-failed
    transmitFailed: false
    inputs:
      items: "{{ taskrun.items }}"
`)
	inputs, _, err := flow.ParseInputs(f, map[string]string{"file": kestraItems(t, 102)})
	if err != nil {
		t.Fatal(err)
	}
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: inputs})
	if err != nil {
		t.Fatal(err)
	}
	// 102 lines of 21 bytes: a batch closes once it holds 1024 bytes or more, 49 lines.
	items := x.TaskRunList[2]
	want := map[string]any{"CREATED": 0, "RUNNING": 0, "FAILED": 3}
	if x.State.Current != runner.StateSuccess || len(x.TaskRunList) != 4 || fmt.Sprint(items.Outputs["iterations"]) != fmt.Sprint(want) {
		t.Errorf("got %s %s %v, want 4 runs SUCCESS, iterations %v", x.State.Current, runIDs(x), items.Outputs["iterations"], want)
	}
}

// A restart of an execution whose ForEachItem's children failed, as Kestra's: the split run
// is kept, its batches read back from its splits output, and the batches' run starts a new
// child execution for every batch.
func TestRestartForEachItem(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "for-each-item-subflow-failed.yaml")
	x := runKestra(t, s, "for-each-item-failed.yaml", map[string]string{"file": kestraItems(t, 10)})
	if x.State.Current != runner.StateFailed || len(x.TaskRunList) != 3 {
		t.Fatalf("run: got %s %s, want FAILED with 3 runs", runIDs(x), x.State.Current)
	}
	first := children(t, s, x.TaskRunList[2])
	if len(first) != 3 {
		t.Fatalf("first run: %d children, want 3", len(first))
	}
	// The child flow is fixed: it now returns its batch.
	apply(t, s, `id: for-each-item-subflow-failed
namespace: io.kestra.tests
inputs:
  - id: items
    type: STRING
tasks:
  - id: return
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(inputs.items) }}"
outputs:
  - id: value
    value: "{{ outputs.return.value }}"
    type: STRING
`)
	y, err := restart(s, x.ID, RestartOptions{Flow: kestraFlow(t, "for-each-item-failed.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if y.ID != x.ID || y.State.Current != runner.StateSuccess || len(y.TaskRunList) != 4 {
		t.Fatalf("restart: got %s %s, want %s SUCCESS with each, each_split, each_items, each_merge", runIDs(y), y.State.Current, x.ID)
	}
	split, was := y.TaskRunList[1], x.TaskRunList[1]
	if split.ID != was.ID || len(split.Attempts) != 1 || !split.State.StartDate.Equal(was.State.StartDate) || split.Outputs["splits"] != was.Outputs["splits"] {
		t.Errorf("each_split: got %s, %d attempts, want kept as it ran", split.ID, len(split.Attempts))
	}
	items := y.TaskRunList[2]
	if items.ID != x.TaskRunList[2].ID || len(items.Attempts) != 2 || items.Attempts[1].State.Current != runner.StateSuccess {
		t.Errorf("each_items: got %s with %d attempts, want its id with a second, SUCCESS", items.ID, len(items.Attempts))
	}
	want := map[string]any{"CREATED": 0, "RUNNING": 0, "SUCCESS": 3}
	if got := fmt.Sprint(items.Outputs["iterations"]); got != fmt.Sprint(want) || fmt.Sprint(items.Outputs["numberOfBatches"]) != "3" {
		t.Errorf("each_items outputs: got %v, want 3 batches, iterations %v", items.Outputs, want)
	}
	// The restart's run carries the lines of its own attempt.
	kids := children(t, s, items)
	if len(kids) != 3 {
		t.Fatalf("child executions logged by the restart: got %d, want 3", len(kids))
	}
	for i, k := range kids {
		if k.State.Current != runner.StateSuccess || k.Inputs["items"] != first[i].Inputs["items"] || k.ID == first[i].ID {
			t.Errorf("new child %d: got %s %s items %v, want a new SUCCESS execution of batch %v", i+1, k.ID, k.State.Current, k.Inputs["items"], first[i].Inputs["items"])
		}
	}
	merged, _ := y.TaskRunList[3].Outputs["subflowOutputs"].(string)
	r, err := s.Store.Storage().OpenURI(merged)
	if err != nil {
		t.Fatalf("subflowOutputs %q: %v", merged, err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); len(lines) != 3 || !strings.Contains(lines[2], fmt.Sprintf("%20d", 9)) {
		t.Errorf("merged outputs: got %q, want 3 lines, the last with item 9", b)
	}
}

// A restart that keeps the batches' run and runs the merge again finds the children's
// outputs under the kept run's subflowOutputsBaseUri, as Kestra's merge lists them.
func TestRestartForEachItemMergeOnly(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "for-each-item-outputs-subflow.yaml")
	x := runKestra(t, s, "for-each-item-outputs.yaml", map[string]string{"file": kestraItems(t, 10)})
	if x.State.Current != runner.StateSuccess || len(x.TaskRunList) != 5 {
		t.Fatalf("run: got %s %s, want SUCCESS with 5 runs", runIDs(x), x.State.Current)
	}
	// As if the merge had failed (a full disk): it and the execution end FAILED, the run
	// after it never ran.
	rec, _, err := s.Store.Execution(x.ID)
	if err != nil {
		t.Fatal(err)
	}
	failed, err := runner.Decode(rec)
	if err != nil {
		t.Fatal(err)
	}
	merge := failed.TaskRunList[3]
	if merge.TaskID != "each_merge" {
		t.Fatalf("run 4: got %s, want each_merge", merge.TaskID)
	}
	merge.State.Current, merge.Outputs = runner.StateFailed, nil
	merge.Attempts[0].State.Current = runner.StateFailed
	failed.TaskRunList[0].State.Current = runner.StateFailed
	failed.TaskRunList = failed.TaskRunList[:4]
	failed.State.Current = runner.StateFailed
	rec2, err := runner.Record(failed)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.PutExecution(rec2); err != nil {
		t.Fatal(err)
	}
	y, err := restart(s, x.ID, RestartOptions{Flow: kestraFlow(t, "for-each-item-outputs.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if y.State.Current != runner.StateSuccess || len(y.TaskRunList) != 5 {
		t.Fatalf("restart: got %s %s (%s; merge %v), want SUCCESS with 5 runs", runIDs(y), y.State.Current, y.TaskRunList[len(y.TaskRunList)-1].Error, y.TaskRunList[3].Outputs)
	}
	if items := y.TaskRunList[2]; len(items.Attempts) != 1 || len(children(t, s, items)) != 0 {
		t.Errorf("each_items: got %d attempts, want kept: 1, no new child", len(items.Attempts))
	}
	merged, _ := y.TaskRunList[3].Outputs["subflowOutputs"].(string)
	r, err := s.Store.Storage().OpenURI(merged)
	if err != nil {
		t.Fatalf("subflowOutputs %q: %v", merged, err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); len(lines) != 3 || !strings.Contains(lines[0], fmt.Sprintf("%20d", 0)) || !strings.Contains(lines[2], fmt.Sprintf("%20d", 9)) {
		t.Errorf("merged outputs: got %q, want 3 lines in batch order", b)
	}
}

// A kept split run whose splits output is gone (a record edited, or from an older build)
// fails the batches' run clearly rather than running no batch.
func TestRestartForEachItemKeptSplitWithoutSplits(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "for-each-item-subflow-failed.yaml")
	x := runKestra(t, s, "for-each-item-failed.yaml", map[string]string{"file": kestraItems(t, 10)})
	rec, _, err := s.Store.Execution(x.ID)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := runner.Decode(rec)
	if err != nil {
		t.Fatal(err)
	}
	doc.TaskRunList[1].Outputs = nil
	if rec, err = runner.Record(doc); err != nil {
		t.Fatal(err)
	}
	if err := s.Store.PutExecution(rec); err != nil {
		t.Fatal(err)
	}
	y, err := restart(s, x.ID, RestartOptions{Flow: kestraFlow(t, "for-each-item-failed.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	if items := y.TaskRunList[2]; y.State.Current != runner.StateFailed || !strings.Contains(items.Error, "has no splits output") {
		t.Fatalf("restart: got %s %s, each_items error %q; want FAILED naming the missing splits", runIDs(y), y.State.Current, items.Error)
	}
}
