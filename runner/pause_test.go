package runner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// fakePauser resumes (or not) as told, and keeps what the engine recorded.
type fakePauser struct {
	mu sync.Mutex
	// resume, when set, resumes every pause at once with these values; nil never resumes.
	resume map[string]any
	// onPause is called when a pause is recorded.
	onPause func()
	seen    []string // "exec:STATE run:STATE onResume:<src>" at each pause
	ended   []string // the execution's state at each end
}

func (p *fakePauser) Pause(x *Execution, tr *TaskRun, onResume string) error {
	p.mu.Lock()
	p.seen = append(p.seen, fmt.Sprintf("exec:%s %s:%s onResume:%s", x.State.Current, tr.TaskID, tr.State.Current, strings.TrimSpace(onResume)))
	p.mu.Unlock()
	if p.onPause != nil {
		p.onPause()
	}
	return nil
}

func (p *fakePauser) Wait(ctx context.Context, x *Execution) error {
	if p.resume != nil {
		return nil
	}
	<-ctx.Done()
	return context.Cause(ctx)
}

func (p *fakePauser) End(x *Execution) (bool, map[string]any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended = append(p.ended, x.State.Current)
	return p.resume != nil, p.resume, nil
}

func runPaused(t *testing.T, ctx context.Context, src string, p *fakePauser) *Execution {
	t.Helper()
	f, err := flow.Parse("flow.yml", []byte("id: f\nnamespace: dev\n"+src), tasks.Builtin())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	x, err := Run(ctx, f, Options{TempDir: t.TempDir(), Environ: []string{}, Pauser: p})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return x
}

func trHistories(tr *TaskRun) string {
	var parts []string
	for _, h := range tr.State.Histories {
		parts = append(parts, h.State)
	}
	return strings.Join(parts, " ")
}

func TestPauseResumedGivesItsOnResumeOutput(t *testing.T) {
	p := &fakePauser{resume: map[string]any{"approved": true}}
	x := runPaused(t, context.Background(), `tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOLEAN
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "approved={{ outputs.wait.onResume.approved }}"
`, p)
	if x.State.Current != StateSuccess || runs(x) != "wait:SUCCESS after:SUCCESS" {
		t.Fatalf("got %s %s, want SUCCESS, both runs SUCCESS", x.State.Current, runs(x))
	}
	want := "exec:PAUSED wait:PAUSED onResume:- id: approved\n  type: BOOLEAN"
	if len(p.seen) != 1 || p.seen[0] != want {
		t.Errorf("recorded at the pause: %q, want %q", p.seen, want)
	}
	if fmt.Sprint(p.ended) != "[RUNNING]" {
		t.Errorf("recorded at the end of the pause: %v, want [RUNNING]", p.ended)
	}
	if got := output(t, x, "after", "value"); got != "approved=true" {
		t.Errorf("after: got %v, want approved=true", got)
	}
	if h := histories(x); h != "CREATED RUNNING PAUSED RUNNING SUCCESS" {
		t.Errorf("execution states %s", h)
	}
	if h := trHistories(byTask(x, "wait")[0]); h != "CREATED RUNNING PAUSED RUNNING SUCCESS" {
		t.Errorf("task run states %s", h)
	}
}

func TestPauseDurationPassedAppliesItsBehavior(t *testing.T) {
	cases := []struct{ behavior, exec, runs string }{
		{"", StateSuccess, "wait:SUCCESS after:SUCCESS"},
		{"RESUME", StateSuccess, "wait:SUCCESS after:SUCCESS"},
		{"WARN", StateWarning, "wait:WARNING after:SUCCESS"},
		{"FAIL", StateFailed, "wait:FAILED"},
		{"CANCEL", StateCancelled, "wait:CANCELLED"},
	}
	for _, c := range cases {
		behavior := ""
		if c.behavior != "" {
			behavior = "\n    behavior: " + c.behavior
		}
		x := runPaused(t, context.Background(), `tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.01S`+behavior+`
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.wait.onResume ?? 'none' }}"
`, &fakePauser{})
		if x.State.Current != c.exec || runs(x) != c.runs {
			t.Errorf("behavior %q: got %s %s, want %s %s", c.behavior, x.State.Current, runs(x), c.exec, c.runs)
		}
	}
}

func TestPauseTimeoutFailsIt(t *testing.T) {
	x := runPaused(t, context.Background(), `tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    timeout: PT0.01S
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: x
`, &fakePauser{})
	if x.State.Current != StateFailed || runs(x) != "wait:FAILED" {
		t.Fatalf("got %s %s, want FAILED wait:FAILED", x.State.Current, runs(x))
	}
	if e := byTask(x, "wait")[0].Error; e != "Timeout after 00:00:00.010" {
		t.Errorf("error %q", e)
	}
}

func TestPauseInterruptedEndsKilled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &fakePauser{onPause: cancel}
	x := runPaused(t, ctx, `tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: x
`, p)
	if x.State.Current != StateKilled || runs(x) != "wait:KILLED" {
		t.Fatalf("got %s %s, want KILLED wait:KILLED", x.State.Current, runs(x))
	}
}

func TestParallelPausesKeepTheExecutionPausedUntilTheLast(t *testing.T) {
	p := &fakePauser{resume: map[string]any{}}
	x := runPaused(t, context.Background(), `tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: io.kestra.plugin.core.flow.Pause
      - id: b
        type: io.kestra.plugin.core.flow.Pause
`, p)
	if x.State.Current != StateSuccess {
		t.Fatalf("got %s %s", x.State.Current, runs(x))
	}
	if h := histories(x); !strings.HasPrefix(h, "CREATED RUNNING PAUSED") || !strings.HasSuffix(h, "RUNNING SUCCESS") {
		t.Errorf("execution states %s", h)
	}
	if out := byTask(x, "a")[0].Outputs; out != nil {
		t.Errorf("a Pause without onResume has outputs %v, want none", out)
	}
}
