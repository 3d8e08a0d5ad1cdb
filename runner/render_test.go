package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// fanOutFlow is a flow whose variables b0 to b9 make "{{ render(vars.b9) }}" evaluate a
// billion render() calls, in a few bytes of memory: only the context, or after about a
// second the template work budget, ends it.
func fanOutFlow(ts ...*flow.TaskSpec) *flow.Flow {
	f := testFlow(ts, nil, nil)
	f.Variables = map[string]any{"b0": "x"}
	for i := 1; i <= 9; i++ {
		f.Variables[fmt.Sprintf("b%d", i)] = strings.Repeat(fmt.Sprintf("{{ render(vars.b%d) == 'x' }}", i-1), 10)
	}
	return f
}

const fanOut = "{{ render(vars.b9) }}"

// renderingTask renders the fan-out and keeps the error it got; started is closed once it
// begins.
type renderingTask struct {
	started chan struct{}
	err     error
}

func (r *renderingTask) Run(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
	close(r.started)
	_, r.err = tc.Render(fanOut)
	return tasks.Result{}, r.err
}

func TestATaskTemplateStopsWhenTheRunEnds(t *testing.T) {
	cases := []struct {
		name    string
		timeout time.Duration // the execution's
		task    time.Duration // the task's
		cancel  bool
		want    error  // what the template's evaluation ends with
		state   string // the task run's
		message string // its error
	}{
		{name: "interrupt", cancel: true, want: context.Canceled, state: StateKilled},
		{name: "execution timeout", timeout: 100 * time.Millisecond, want: context.DeadlineExceeded,
			state: StateFailed, message: "Execution timeout after 00:00:00.100"},
		{name: "task timeout", task: 100 * time.Millisecond, want: context.DeadlineExceeded,
			state: StateFailed, message: "Timeout after 00:00:00.100"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			task := &renderingTask{started: make(chan struct{})}
			if c.cancel {
				go func() { <-task.started; cancel() }()
			}
			s := &flow.TaskSpec{ID: "t", Type: "test.Render", Task: task, Timeout: c.task}
			x, _ := Run(ctx, fanOutFlow(s), Options{Environ: []string{}, Timeout: c.timeout})
			if !errors.Is(task.err, c.want) {
				t.Errorf("the template ended with %v, want %v", task.err, c.want)
			}
			if len(x.TaskRunList) == 0 {
				t.Fatalf("no task run: the execution ended %s before its task started", x.State.Current)
			}
			tr := x.TaskRunList[0]
			if tr.State.Current != c.state || tr.Error != c.message {
				t.Errorf("task run: got %s %q, want %s %q", tr.State.Current, tr.Error, c.state, c.message)
			}
		})
	}
}

// cancelOnStart cancels when the first task run starts: before its runIf is rendered.
type cancelOnStart struct{ cancel context.CancelFunc }

func (s cancelOnStart) TaskStarted(*TaskRun) { s.cancel() }
func (cancelOnStart) Log(*TaskRun, LogLine)  {}
func (cancelOnStart) TaskEnded(tr *TaskRun)  {}

func TestARunIfTemplateStopsWhenTheRunEnds(t *testing.T) {
	spec := func() *flow.TaskSpec {
		s := spec("t")
		s.HasRunIf, s.RunIf = true, fanOut
		return s
	}
	t.Run("interrupt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		x, _ := Run(ctx, fanOutFlow(spec()), Options{Environ: []string{}, Sink: cancelOnStart{cancel}})
		if tr := x.TaskRunList[0]; tr.State.Current != StateKilled || tr.Error != "" {
			t.Errorf("task run: got %s %q, want KILLED with no error", tr.State.Current, tr.Error)
		}
	})
	t.Run("execution timeout", func(t *testing.T) {
		x, _ := Run(context.Background(), fanOutFlow(spec()), Options{Environ: []string{}, Timeout: 100 * time.Millisecond})
		tr := x.TaskRunList[0]
		if want := "Execution timeout after 00:00:00.100"; tr.State.Current != StateFailed || tr.Error != want {
			t.Errorf("task run: got %s %q, want FAILED %q", tr.State.Current, tr.Error, want)
		}
	})
}

func TestATemplateOverItsBudgetFailsTheTask(t *testing.T) {
	s := spec("t", step{log: "{{ [" + strings.Repeat("vars.big, ", 20) + "vars.big] | join }}"})
	f := testFlow([]*flow.TaskSpec{s}, nil, nil)
	f.Variables = map[string]any{"big": strings.Repeat("x", 1<<20)}
	x, _ := Run(context.Background(), f, Options{Environ: []string{}})
	tr := x.TaskRunList[0]
	want := "template work budget exceeded: more than 16 MiB produced"
	if tr.State.Current != StateFailed || !strings.Contains(tr.Error, want) {
		t.Errorf("task run: got %s %q, want FAILED with %q", tr.State.Current, tr.Error, want)
	}
}
