package runner

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/templating"
)

func TestFlowOutputsAreRenderedAndTypedAtTheEnd(t *testing.T) {
	// A mapping as the decoder reads it: in the order of the file.
	ordered := templating.NewMap(2)
	ordered.Set("zeta", "{{ outputs.a.name }}")
	ordered.Set("alpha", 1)
	f := testFlow([]*flow.TaskSpec{
		spec("a", step{outputs: map[string]any{"n": "42", "list": `[1,"two"]`, "name": "x"}}),
	}, nil, []*flow.TaskSpec{spec("fin", step{outputs: map[string]any{"late": "yes"}})})
	f.Outputs = []*flow.Output{
		{ID: "count", Type: flow.InputInt, Value: "{{ outputs.a.n }}"},
		{ID: "items", Type: flow.OutputArray, Value: "{{ outputs.a.list }}"},
		{ID: "doc", Type: flow.InputJSON, Value: `{"k": "{{ outputs.a.name }}", "b": 1}`},
		{ID: "nested", Type: flow.InputString, Value: map[string]any{"{{ outputs.a.name }}": []any{"{{ outputs.fin.late }}", 3}}},
		{ID: "literal", Type: flow.InputFloat, Value: 1.5},
		{ID: "ordered", Type: flow.InputJSON, Value: ordered},
	}
	x, err := Run(context.Background(), f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != StateSuccess {
		t.Fatalf("state: got %s, want SUCCESS", x.State.Current)
	}
	// Maps keep their order (Kestra's LinkedHashMap); encoding/json sorts the top level.
	want := `{"count":42,"doc":{"k":"x","b":1},"items":[1,"two"],"literal":1.5,"nested":{"x":["yes",3]},"ordered":{"zeta":"x","alpha":1}}`
	if got, err := json.Marshal(x.Outputs); err != nil || string(got) != want {
		t.Errorf("outputs: got %s (%v), want %s", got, err, want)
	}
	if _, ok := x.Outputs["count"].(int64); !ok {
		t.Errorf("outputs.count: got %T, want int64", x.Outputs["count"])
	}
}

func TestFlowOutputThatFailsToRenderFailsTheExecution(t *testing.T) {
	for _, o := range []*flow.Output{
		{ID: "bad", Type: flow.InputString, Value: "{{ outputs.nope.x }}"},
		{ID: "bad", Type: flow.InputInt, Value: "not a number"},
	} {
		f := testFlow([]*flow.TaskSpec{spec("a")}, nil, nil)
		f.File = "flow.yml"
		o.Pos = flow.Pos{Line: 9, Col: 5}
		f.Outputs = []*flow.Output{{ID: "ok", Type: flow.InputString, Value: "fine"}, o}
		var warned []string
		x, err := Run(context.Background(), f, Options{Warn: func(m string) { warned = append(warned, m) }})
		if err != nil {
			t.Fatal(err)
		}
		if x.State.Current != StateFailed || x.Outputs != nil {
			t.Errorf("%v: got state %s outputs %v, want FAILED and none", o.Value, x.State.Current, x.Outputs)
		}
		if runs(x) != "a:SUCCESS" {
			t.Errorf("runs: got %s", runs(x))
		}
		if len(warned) != 1 || !strings.HasPrefix(warned[0], `Failed to render output values: flow.yml:9:5: output "bad": value: `) {
			t.Errorf("%v: messages: got %q", o.Value, warned)
		}
	}
}

func TestFlowOutputsOfAFailedExecutionStillRender(t *testing.T) {
	f := testFlow([]*flow.TaskSpec{spec("a", step{err: errBoom})}, nil, nil)
	f.Outputs = []*flow.Output{{ID: "state", Type: flow.InputString, Value: "after {{ flow.id }}"}}
	x, _ := Run(context.Background(), f, Options{})
	if x.State.Current != StateFailed || x.Outputs["state"] != "after f" {
		t.Errorf("got %s %v, want FAILED with its output", x.State.Current, x.Outputs)
	}
}
