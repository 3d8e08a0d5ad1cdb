package tasks

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestSubflowRendersTheRequestAndEndsAsTheChild(t *testing.T) {
	no := false
	cases := []struct {
		name        string
		task        Subflow
		child       SubflowResult
		hookErr     error
		wantWarning bool
		wantErr     string
	}{
		{"success", Subflow{}, SubflowResult{ExecutionID: "c1", State: "SUCCESS", Outputs: map[string]any{"o": 1}}, nil, false, ""},
		{"failed child", Subflow{}, SubflowResult{ExecutionID: "c1", State: "FAILED"}, nil, false, "subflow execution c1 of dev.world ended FAILED"},
		{"warning child", Subflow{}, SubflowResult{ExecutionID: "c1", State: "WARNING"}, nil, true, ""},
		{"failed, not transmitted", Subflow{TransmitFailed: &no}, SubflowResult{ExecutionID: "c1", State: "FAILED"}, nil, false, ""},
		{"not waited for", Subflow{Wait: &no}, SubflowResult{ExecutionID: "c1", State: "CREATED"}, nil, false, ""},
		{"runner refuses", Subflow{}, SubflowResult{}, errors.New("Unable to find flow"), false, "Unable to find flow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc, rec := newContext(t)
			var got SubflowRequest
			tc.Subflow = func(ctx context.Context, req SubflowRequest) (SubflowResult, error) {
				got = req
				req.Started("c1")
				return c.child, c.hookErr
			}
			task := c.task
			task.Namespace, task.FlowID = "{{ dir }}", "{{ name }}"
			task.Namespace = "dev"
			task.Inputs = map[string]any{"a": "{{ name }}", "n": 2, "l": []any{"{{ level }}"}}
			task.Labels = map[string]string{"k": "{{ yes }}"}
			res, err := task.Run(context.Background(), tc)
			if !errContains(err, c.wantErr) || (c.wantErr == "") != (err == nil) {
				t.Fatalf("error: got %v, want %q", err, c.wantErr)
			}
			want := SubflowRequest{Namespace: "dev", FlowID: "world", Inputs: map[string]any{"a": "world", "n": 2, "l": []any{"warn"}},
				Labels: map[string]string{"k": "true"}, Wait: c.task.Wait == nil, TaskID: "task", TaskType: "io.kestra.plugin.core.flow.Subflow"}
			got.Started = nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("request: got %+v, want %+v", got, want)
			}
			if c.hookErr != nil {
				return
			}
			if res.Warning != c.wantWarning || res.Outputs["executionId"] != "c1" || res.Outputs["state"] != c.child.State {
				t.Errorf("result: got %+v", res)
			}
			if (c.child.Outputs != nil) != (res.Outputs["outputs"] != nil) {
				t.Errorf("outputs: got %v, want the child's %v", res.Outputs["outputs"], c.child.Outputs)
			}
			if len(rec.lines) != 1 || rec.lines[0].msg != `Created new execution [[link execution="c1" flowId="world" namespace="dev"]]` {
				t.Errorf("log: got %v", rec.lines)
			}
		})
	}
}

func TestSubflowWithoutStateFails(t *testing.T) {
	tc, _ := newContext(t)
	_, err := (&Subflow{Namespace: "dev", FlowID: "x"}).Run(context.Background(), tc)
	if !errContains(err, "flowctl flow apply") {
		t.Errorf("got %v, want an error naming flow apply", err)
	}
}

func TestSubflowOfSeesOnlyLiteralCalls(t *testing.T) {
	if ns, id, ok := SubflowOf(&Subflow{Namespace: "dev", FlowID: "a"}); !ok || ns != "dev" || id != "a" {
		t.Errorf("literal: got %q %q %v", ns, id, ok)
	}
	if _, _, ok := SubflowOf(&Subflow{Namespace: "dev", FlowID: "{{ inputs.f }}"}); ok {
		t.Error("templated: got ok, want not")
	}
	if _, _, ok := SubflowOf(&Log{}); ok {
		t.Error("a Log: got ok, want not")
	}
}
