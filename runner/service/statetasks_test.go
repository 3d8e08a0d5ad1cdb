package service

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/runner"
)

// runByTask returns the first run of taskID with the loop value value ("" for any).
func runByTask(x *runner.Execution, taskID, value string) *runner.TaskRun {
	for _, tr := range x.TaskRunList {
		if tr.TaskID == taskID && (value == "" || tr.Value == value) {
			return tr
		}
	}
	return nil
}

// Kestra's StateTest.set: three runs of state.yaml create the state (value 1), update it
// ("2", rendered), then delete it.
func TestKestraStateSet(t *testing.T) {
	s, _ := newService(t)
	in := map[string]string{"state": "c5Tg2BqYqGp4yZ1wKFgB3Q"}
	x := runKestra(t, s, "state.yaml", in)
	if x.State.Current != "SUCCESS" || len(x.TaskRunList) != 5 {
		t.Fatalf("first: %s with %d task runs", x.State.Current, len(x.TaskRunList))
	}
	if got := runByTask(x, "createGet", "").Outputs["data"].(map[string]any)["value"]; got != int64(1) && got != 1 {
		t.Fatalf("createGet data.value = %#v, want 1", got)
	}
	x = runKestra(t, s, "state.yaml", in)
	if x.State.Current != "SUCCESS" || len(x.TaskRunList) != 5 {
		t.Fatalf("second: %s with %d task runs", x.State.Current, len(x.TaskRunList))
	}
	if got := runByTask(x, "updateGet", "").Outputs["data"].(map[string]any)["value"]; got != "2" {
		t.Fatalf("updateGet data.value = %#v, want \"2\"", got)
	}
	x = runKestra(t, s, "state.yaml", in)
	if x.State.Current != "SUCCESS" || len(x.TaskRunList) != 5 {
		t.Fatalf("third: %s with %d task runs", x.State.Current, len(x.TaskRunList))
	}
	if got := runByTask(x, "deleteGet", "").Outputs["count"]; got != 0 {
		t.Fatalf("deleteGet count = %#v, want 0", got)
	}
	// The state lives in the KV store under Kestra's key.
	keys, err := runner.KV(s.Store).Keys("io.kestra.tests", "")
	if err != nil || len(keys) != 0 {
		t.Fatalf("KV keys after the delete: %v, %v", keys, err)
	}
}

// Kestra's StateTest.each: a state per loop value by default, one for every value with
// taskrunValue: false.
func TestKestraStateEach(t *testing.T) {
	s, _ := newService(t)
	x := runKestra(t, s, "state.yaml", map[string]string{"state": "each"})
	if x.State.Current != "SUCCESS" || len(x.TaskRunList) != 17 {
		t.Fatalf("%s with %d task runs, want SUCCESS with 17", x.State.Current, len(x.TaskRunList))
	}
	if got := runByTask(x, "regetEach1", "b").Outputs["data"].(map[string]any)["value"]; got != "null-b" {
		t.Errorf("regetEach1[b] = %#v, want null-b", got)
	}
	if got := runByTask(x, "regetEach2", "b").Outputs["data"].(map[string]any)["value"]; got != "null-a-b" {
		t.Errorf("regetEach2[b] = %#v, want null-a-b", got)
	}
	// One state per loop value (keyed by the value's murmur3 hash, as Kestra), and one shared.
	keys, err := runner.KV(s.Store).Keys("io.kestra.tests", "")
	hashed := regexp.MustCompile(`^state_states_each_[0-9a-f]{32}$`)
	if err != nil || len(keys) != 3 || !slices.Contains(keys, "state_states_each") || !hashed.MatchString(keys[1]) || !hashed.MatchString(keys[2]) {
		t.Errorf("keys %v, %v", keys, err)
	}
}

// A state holding one of the execution's secrets is refused, as a KV value is: the state
// never holds a secret in clear.
func TestStateSetRefusesSecrets(t *testing.T) {
	s, _ := newService(t)
	s.Environ = []string{"SECRET_TOKEN=c2VjcmV0LXZhbHVl"}
	src := "id: st\nnamespace: dev\ntasks:\n  - id: set\n    type: io.kestra.plugin.core.state.Set\n    data:\n      token: \"{{ secret('TOKEN') }}\"\n"
	x, err := s.Run(context.Background(), parse(t, src), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Said of the task's data property, at its place in the flow.
	want := `task "set": data: the value of key`
	if msg := x.TaskRunList[0].Error; x.State.Current != "FAILED" || !strings.Contains(msg, want) || !strings.Contains(msg, "holds a secret") || strings.Contains(msg, "secret-value") {
		t.Fatalf("%s %q, want FAILED refusing the secret with %q", x.State.Current, msg, want)
	}
	if keys, _ := runner.KV(s.Store).Keys("dev", ""); len(keys) != 0 {
		t.Fatalf("stored %v", keys)
	}
}
