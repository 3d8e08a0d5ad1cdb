package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
)

// pausedRun starts Kestra's pause.yaml on a service of its own over s's state and waits
// until it is recorded PAUSED; it returns its id and a channel that gets its end.
func pausedRun(t *testing.T, s *Service) (string, <-chan *runner.Execution) {
	t.Helper()
	other := &Service{Store: s.Store, Registry: s.Registry, Notify: &notes{}, Environ: []string{}, Location: time.UTC}
	f := kestraFlow(t, "pause.yaml")
	done := make(chan *runner.Execution, 1)
	go func() {
		x, err := other.Run(context.Background(), f, RunOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- x
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		recs, err := s.Store.Executions(state.ListFilter{FlowID: "pause", State: "PAUSED"})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 1 {
			return recs[0].ID, done
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("pause.yaml never recorded PAUSED")
	return "", nil
}

// Kestra's ResumeTest: resume-execution.yaml resumes the paused execution it is given; it
// ends SUCCESS, and the paused one goes on to its end.
func TestKestraResume(t *testing.T) {
	s, _ := newService(t)
	id, done := pausedRun(t, s)
	x := runKestra(t, s, "resume-execution.yaml", map[string]string{"executionId": id})
	if x.State.Current != "SUCCESS" {
		t.Fatalf("resume-execution: %s, want SUCCESS", x.State.Current)
	}
	select {
	case p := <-done:
		if p.State.Current != "SUCCESS" || len(p.TaskRunList) != 3 {
			t.Fatalf("the paused execution ended %s with %d task runs, want SUCCESS with 3", p.State.Current, len(p.TaskRunList))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the paused execution never ended")
	}
}

// A Resume of an execution that is not paused, or of another flow than the one named, fails
// the task, saying why; the paused execution stays PAUSED.
func TestResumeRefusals(t *testing.T) {
	s, _ := newService(t)
	id, done := pausedRun(t, s)
	for _, c := range []struct{ task, want string }{
		{"    executionId: \"{{ execution.id }}\"\n", "is RUNNING, not PAUSED"},
		{"", "is RUNNING, not PAUSED"},
		{"    executionId: " + id + "\n    namespace: io.kestra.tests\n    flowId: other\n", "is of flow io.kestra.tests.pause, not io.kestra.tests.other"},
		{"    executionId: " + id + "\n    namespace: io.kestra.tests\n", "both namespace and flowId must be set"},
		{"    executionId: nope\n", "no execution found for execution id nope"},
	} {
		src := "id: r\nnamespace: dev\ntasks:\n  - id: resume\n    type: io.kestra.plugin.core.execution.Resume\n" + c.task
		x, err := s.Run(context.Background(), parse(t, src), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if x.State.Current != "FAILED" || !strings.Contains(x.TaskRunList[0].Error, c.want) {
			t.Errorf("%s: %s %q, want FAILED with %q", c.task, x.State.Current, x.TaskRunList[0].Error, c.want)
		}
	}
	if rec, _, _ := s.Store.Execution(id); rec.State != "PAUSED" {
		t.Fatalf("the paused execution is %s", rec.State)
	}
	if err := s.Resume(id, nil); err != nil {
		t.Fatal(err)
	}
	<-done
}
