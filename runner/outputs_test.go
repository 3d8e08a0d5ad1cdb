package runner

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
)

func TestFlowOutputsAreRenderedAndTypedAtTheEnd(t *testing.T) {
	f := testFlow([]*flow.TaskSpec{
		spec("a", step{outputs: map[string]any{"n": "42", "list": `[1,"two"]`, "name": "x"}}),
	}, nil, []*flow.TaskSpec{spec("fin", step{outputs: map[string]any{"late": "yes"}})})
	f.Outputs = []*flow.Output{
		{ID: "count", Type: flow.InputInt, Value: "{{ outputs.a.n }}"},
		{ID: "items", Type: flow.OutputArray, Value: "{{ outputs.a.list }}"},
		{ID: "doc", Type: flow.InputJSON, Value: `{"k": "{{ outputs.a.name }}"}`},
		{ID: "nested", Type: flow.InputString, Value: map[string]any{"{{ outputs.a.name }}": []any{"{{ outputs.fin.late }}", 3}}},
		{ID: "literal", Type: flow.InputFloat, Value: 1.5},
	}
	x, err := Run(context.Background(), f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != StateSuccess {
		t.Fatalf("state: got %s, want SUCCESS", x.State.Current)
	}
	want := map[string]any{
		"count":   int64(42),
		"items":   []any{int64(1), "two"},
		"doc":     map[string]any{"k": "x"},
		"nested":  map[string]any{"x": []any{"yes", 3}},
		"literal": 1.5,
	}
	if !reflect.DeepEqual(x.Outputs, want) {
		t.Errorf("outputs: got %#v, want %#v", x.Outputs, want)
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
