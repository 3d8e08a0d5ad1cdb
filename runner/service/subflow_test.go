package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/runner"
)

// subflowTask is a Subflow task calling ns.id, with more properties after it.
func subflowTask(id, ns, flowID, more string) string {
	return fmt.Sprintf("  - id: %s\n    type: io.kestra.plugin.core.flow.Subflow\n    namespace: %s\n    flowId: %s\n%s", id, ns, flowID, more)
}

// lookup reads a recorded execution.
func lookup(t *testing.T, s *Service, id string) *runner.Execution {
	t.Helper()
	x, err := runner.Lookup(s.Store)(id)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestSubflowChainRunsEachChildAsItsOwnRecordedExecution(t *testing.T) {
	s, n := newService(t)
	apply(t, s, `id: grandchild
namespace: dev
inputs:
  - id: n
    type: INT
tasks:
  - id: double
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n * 2 }}"
outputs:
  - id: doubled
    type: INT
    value: "{{ outputs.double.value }}"
`)
	apply(t, s, `id: child
namespace: dev
labels:
  own: child
inputs:
  - id: n
    type: INT
tasks:
`+subflowTask("call", "dev", "grandchild", "    inputs:\n      n: \"{{ inputs.n + 1 }}\"\n")+`outputs:
  - id: result
    type: STRING
    value: "got {{ outputs.call.outputs.doubled }}"
`)
	parent := parse(t, `id: parent
namespace: dev
labels:
  team: data
  secret: no
tasks:
`+subflowTask("run", "dev", "child", "    inheritLabels: true\n    labels:\n      extra: \"{{ flow.id }}\"\n    inputs:\n      n: 20\n")+`  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.run.outputs.result }} from {{ outputs.run.executionId }}"
`)
	x, err := s.Run(context.Background(), parent, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != runner.StateSuccess {
		t.Fatalf("parent: got %s, want SUCCESS (%v)", x.State.Current, x.TaskRunList[0].Error)
	}
	run := x.TaskRunList[0]
	childID, _ := run.Outputs["executionId"].(string)
	if run.Outputs["state"] != runner.StateSuccess || run.Outputs["outputs"].(map[string]any)["result"] != "got 42" {
		t.Errorf("run outputs: got %v, want state SUCCESS and result got 42", run.Outputs)
	}
	if got := x.TaskRunList[1].Logs[0].Message; got != "got 42 from "+childID {
		t.Errorf("after: got %q", got)
	}
	if got := run.Logs[0].Message; got != fmt.Sprintf(`Created new execution [[link execution=%q flowId="child" namespace="dev"]]`, childID) {
		t.Errorf("parent's log: got %q", got)
	}
	child := lookup(t, s, childID)
	if child.FlowID != "child" || child.State.Current != runner.StateSuccess || child.Outputs["result"] != "got 42" {
		t.Errorf("child: got %s %s %v", child.FlowID, child.State.Current, child.Outputs)
	}
	wantTrigger := map[string]any{"executionId": x.ID, "namespace": "dev", "flowId": "parent", "flowRevision": float64(1)}
	if tr := child.Trigger; tr == nil || tr.ID != "run" || tr.Type != "io.kestra.plugin.core.flow.Subflow" || fmt.Sprint(tr.Variables) != fmt.Sprint(wantTrigger) {
		t.Errorf("child trigger: got %+v, want run/Subflow %v", child.Trigger, wantTrigger)
	}
	wantLabels := map[string]string{"own": "child", "team": "data", "secret": "no", "extra": "parent", runner.LabelCorrelationID: x.ID}
	if fmt.Sprint(child.Labels) != fmt.Sprint(wantLabels) {
		t.Errorf("child labels: got %v, want %v", child.Labels, wantLabels)
	}
	grandID := child.TaskRunList[0].Outputs["executionId"].(string)
	grand := lookup(t, s, grandID)
	// Read back from the state, numbers keep their type, as Jackson reads them (an Integer).
	if grand.Inputs["n"] != int32(21) || grand.Outputs["doubled"] != int32(42) {
		t.Errorf("grandchild: got inputs %v outputs %v", grand.Inputs, grand.Outputs)
	}
	// Without inheritLabels only the system labels pass: the chain keeps one correlation id.
	if want := map[string]string{runner.LabelCorrelationID: x.ID}; fmt.Sprint(grand.Labels) != fmt.Sprint(want) {
		t.Errorf("grandchild labels: got %v, want %v", grand.Labels, want)
	}
	if got := n.all("subflow"); len(got) != 4 {
		t.Errorf("notes: got %q, want 2 starts and 2 ends", got)
	}
}

func TestSubflowCycleAndDepthFailNamingTheChain(t *testing.T) {
	s, _ := newService(t)
	apply(t, s, "id: a\nnamespace: dev\ntasks:\n"+subflowTask("call", "dev", "b", ""))
	apply(t, s, "id: b\nnamespace: dev\ntasks:\n"+subflowTask("call", "dev", "a", ""))
	x, err := s.Run(context.Background(), parse(t, "id: a\nnamespace: dev\ntasks:\n"+subflowTask("call", "dev", "b", "")), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != runner.StateFailed {
		t.Fatalf("got %s, want FAILED", x.State.Current)
	}
	b := lookup(t, s, x.TaskRunList[0].Outputs["executionId"].(string))
	if got, want := b.TaskRunList[0].Error, "subflow cycle: dev.a -> dev.b -> dev.a"; got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}

	// A chain of 12 distinct flows: the 11th level is refused.
	for i := 1; i <= 12; i++ {
		apply(t, s, fmt.Sprintf("id: l%d\nnamespace: dev\ntasks:\n", i)+subflowTask("call", "dev", fmt.Sprintf("l%d", i+1), ""))
	}
	x, err = s.Run(context.Background(), parse(t, "id: l0\nnamespace: dev\ntasks:\n"+subflowTask("call", "dev", "l1", "")), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	depth, last := 0, x
	for len(last.TaskRunList[0].Outputs) > 0 {
		last = lookup(t, s, last.TaskRunList[0].Outputs["executionId"].(string))
		depth++
	}
	if depth != MaxSubflowDepth {
		t.Errorf("depth: got %d children, want %d", depth, MaxSubflowDepth)
	}
	if got := last.TaskRunList[0].Error; !strings.HasPrefix(got, "subflow chain deeper than 10: dev.l0 -> dev.l1 -> ") || !strings.HasSuffix(got, "-> dev.l10 -> dev.l11") {
		t.Errorf("error: got %q", got)
	}
}

func TestSubflowStatesAndMissingFlows(t *testing.T) {
	s, _ := newService(t)
	apply(t, s, "id: fails\nnamespace: dev\ntasks:\n  - id: f\n    type: io.kestra.plugin.core.execution.Fail\n")
	apply(t, s, "id: off\nnamespace: dev\ndisabled: true\ntasks:\n  - {id: l, type: io.kestra.plugin.core.log.Log, message: hi}\n")
	apply(t, s, "id: needs\nnamespace: dev\ninputs:\n  - {id: n, type: INT}\ntasks:\n  - {id: l, type: io.kestra.plugin.core.log.Log, message: hi}\n")
	cases := []struct {
		name, task, wantState, wantChild, wantErr string
	}{
		{"failed child passed on", subflowTask("t", "dev", "fails", ""), runner.StateFailed, runner.StateFailed, "ended FAILED"},
		{"transmitFailed false", subflowTask("t", "dev", "fails", "    transmitFailed: false\n"), runner.StateSuccess, runner.StateFailed, ""},
		{"allowFailure", subflowTask("t", "dev", "fails", "    allowFailure: true\n"), runner.StateWarning, runner.StateFailed, "ended FAILED"},
		{"never applied", subflowTask("t", "dev", "nope", ""), runner.StateFailed, "", "Unable to find flow 'dev'.'nope' with revision '0'"},
		{"other revision", subflowTask("t", "dev", "fails", "    revision: 3\n"), runner.StateFailed, "", "Unable to find flow 'dev'.'fails' with revision '3'"},
		{"disabled", subflowTask("t", "dev", "off", ""), runner.StateFailed, "", "Cannot execute a flow which is disabled"},
		{"bad inputs", subflowTask("t", "dev", "needs", "    inputs:\n      n: many\n"), runner.StateFailed, "", `inputs of dev.needs: `},
	}
	for _, c := range cases {
		x, err := s.Run(context.Background(), parse(t, "id: p\nnamespace: dev\ntasks:\n"+c.task), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tr := x.TaskRunList[0]
		if tr.State.Current != c.wantState || !strings.Contains(tr.Error, c.wantErr) || (c.wantErr == "") != (tr.Error == "") {
			t.Errorf("%s: got %s %q, want %s %q", c.name, tr.State.Current, tr.Error, c.wantState, c.wantErr)
		}
		if got, _ := tr.Outputs["state"].(string); got != c.wantChild {
			t.Errorf("%s: child state: got %q, want %q", c.name, got, c.wantChild)
		}
	}
}

func TestSubflowWithoutWaitIsAwaitedByWait(t *testing.T) {
	s, _ := newService(t)
	apply(t, s, "id: slow\nnamespace: dev\ntasks:\n  - {id: nap, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.2S}\n")
	x, err := s.Run(context.Background(), parse(t, "id: p\nnamespace: dev\ntasks:\n"+subflowTask("t", "dev", "slow", "    wait: false\n")), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr := x.TaskRunList[0]
	if x.State.Current != runner.StateSuccess || tr.Outputs["state"] != runner.StateCreated {
		t.Fatalf("got %s %v, want SUCCESS with the child CREATED", x.State.Current, tr.Outputs)
	}
	s.Wait()
	child := lookup(t, s, tr.Outputs["executionId"].(string))
	if child.State.Current != runner.StateSuccess || len(child.TaskRunList) != 1 {
		t.Errorf("child after Wait: got %s with %d task runs, want SUCCESS with 1", child.State.Current, len(child.TaskRunList))
	}
}

func TestSubflowWithoutWaitWhoseChildNeverRuns(t *testing.T) {
	s, _ := newService(t)
	apply(t, s, logFlow("dev", "limited", "concurrency:\n  limit: 1\n  behavior: CANCEL\n"))
	holdSlot(t, s, "dev", "limited")
	x, err := s.Run(context.Background(), parse(t, "id: p\nnamespace: dev\ntasks:\n"+subflowTask("t", "dev", "limited", "    wait: false\n")), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Wait()
	if got := x.TaskRunList[0].Outputs["state"]; x.State.Current != runner.StateSuccess || got != runner.StateCancelled {
		t.Errorf("got %s with the child %v, want SUCCESS with the child CANCELLED", x.State.Current, got)
	}
}

// A map handed to a child's JSON or YAML input, and a map the child gives back as an output,
// keep the order they were written in, there and once read back from the state (Kestra's
// maps are LinkedHashMaps end to end).
func TestSubflowInputsAndOutputsKeepTheirOrder(t *testing.T) {
	s, _ := newService(t)
	apply(t, s, `id: shape
namespace: dev
inputs:
  - id: conf
    type: JSON
  - id: doc
    type: YAML
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.conf }} {{ inputs.doc }}"
outputs:
  - id: back
    type: JSON
    value: "{{ inputs.conf }}"
`)
	parent := parse(t, `id: caller
namespace: dev
variables:
  conf:
    zeta: 1
    alpha: {y: 2, b: 3}
tasks:
`+subflowTask("call", "dev", "shape", "    inputs:\n      conf: \"{{ vars.conf }}\"\n      doc: \"{{ vars.conf }}\"\n")+`  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.call.outputs.back }}"
`)
	x, err := s.Run(context.Background(), parent, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != runner.StateSuccess {
		t.Fatalf("parent: got %s (%v)", x.State.Current, x.TaskRunList[0].Error)
	}
	const want = `{"zeta":1,"alpha":{"y":2,"b":3}}`
	if got := x.TaskRunList[1].Logs[0].Message; got != want {
		t.Errorf("the child's output in the parent: got %s, want %s", got, want)
	}
	child := lookup(t, s, x.TaskRunList[0].Outputs["executionId"].(string))
	if got := child.TaskRunList[0].Logs[0].Message; got != want+" "+want {
		t.Errorf("the child's JSON and YAML inputs: got %s, want %s twice", got, want)
	}
	for name, v := range map[string]any{"input conf": child.Inputs["conf"], "input doc": child.Inputs["doc"], "output back": child.Outputs["back"]} {
		b, err := json.Marshal(v)
		if err != nil || string(b) != want {
			t.Errorf("%s read back from the state: got %s (%v), want %s", name, b, err, want)
		}
	}
}
