package runner

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// step is what one attempt of a fakeTask does.
type step struct {
	err     error
	warning bool
	outputs map[string]any
	log     string // rendered through tc.Render, then logged at INFO
	block   bool   // wait until ctx is done
}

// fakeTask plays its steps, one per attempt; the last step repeats.
type fakeTask struct {
	steps []step
	calls int
}

func (f *fakeTask) Run(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
	s := f.steps[min(f.calls, len(f.steps)-1)]
	f.calls++
	if s.log != "" {
		out, err := tc.Render(s.log)
		if err != nil {
			return tasks.Result{}, err
		}
		tc.Log.Log(tasks.LevelInfo, out)
	}
	if s.block {
		<-ctx.Done()
		return tasks.Result{}, ctx.Err()
	}
	return tasks.Result{Outputs: s.outputs, Warning: s.warning}, s.err
}

func spec(id string, steps ...step) *flow.TaskSpec {
	if len(steps) == 0 {
		steps = []step{{}}
	}
	return &flow.TaskSpec{ID: id, Type: "test.Fake", Task: &fakeTask{steps: steps}}
}

func testFlow(ts, errs, fin []*flow.TaskSpec) *flow.Flow {
	return &flow.Flow{ID: "f", Namespace: "dev", Revision: 1, Tasks: ts, Errors: errs, Finally: fin}
}

// runs summarises an execution's task runs as "id:STATE" in order.
func runs(x *Execution) string {
	var parts []string
	for _, tr := range x.TaskRunList {
		parts = append(parts, tr.TaskID+":"+tr.State.Current)
	}
	return strings.Join(parts, " ")
}

var errBoom = errors.New("boom")

func TestRunStatesAndBranches(t *testing.T) {
	cases := []struct {
		name      string
		flow      *flow.Flow
		wantRuns  string
		wantState string
	}{
		{"sequence succeeds", testFlow([]*flow.TaskSpec{spec("a"), spec("b")}, nil, nil),
			"a:SUCCESS b:SUCCESS", StateSuccess},
		{"first failure stops tasks, errors then finally run",
			testFlow([]*flow.TaskSpec{spec("a"), spec("b", step{err: errBoom}), spec("c")},
				[]*flow.TaskSpec{spec("e1", step{err: errBoom}), spec("e2")}, []*flow.TaskSpec{spec("fin")}),
			"a:SUCCESS b:FAILED e1:FAILED e2:SUCCESS fin:SUCCESS", StateFailed},
		{"errors do not run after success, finally does",
			testFlow([]*flow.TaskSpec{spec("a")}, []*flow.TaskSpec{spec("e")}, []*flow.TaskSpec{spec("fin")}),
			"a:SUCCESS fin:SUCCESS", StateSuccess},
		{"a failing finally does not change the state",
			testFlow([]*flow.TaskSpec{spec("a")}, nil, []*flow.TaskSpec{spec("fin", step{err: errBoom})}),
			"a:SUCCESS fin:FAILED", StateSuccess},
		{"warning", testFlow([]*flow.TaskSpec{spec("a", step{warning: true}), spec("b")}, nil, nil),
			"a:WARNING b:SUCCESS", StateWarning},
		{"allowFailure turns FAILED into WARNING and goes on", testFlow([]*flow.TaskSpec{
			func() *flow.TaskSpec { s := spec("a", step{err: errBoom}); s.AllowFailure = true; return s }(),
			spec("b")}, []*flow.TaskSpec{spec("e")}, nil),
			"a:WARNING b:SUCCESS", StateWarning},
		{"allowFailure then allowWarning gives SUCCESS", testFlow([]*flow.TaskSpec{
			func() *flow.TaskSpec {
				s := spec("a", step{err: errBoom})
				s.AllowFailure, s.AllowWarning = true, true
				return s
			}()}, nil, nil),
			"a:SUCCESS", StateSuccess},
		{"disabled task has no task run", testFlow([]*flow.TaskSpec{
			func() *flow.TaskSpec { s := spec("a", step{err: errBoom}); s.Disabled = true; return s }(),
			spec("b")}, nil, nil),
			"b:SUCCESS", StateSuccess},
		{"runIf false skips, SKIPPED counts as success", testFlow([]*flow.TaskSpec{
			func() *flow.TaskSpec {
				s := spec("a", step{err: errBoom})
				s.HasRunIf, s.RunIf = true, "{{ 1 == 2 }}"
				return s
			}(),
			func() *flow.TaskSpec { s := spec("b"); s.HasRunIf, s.RunIf = true, "{{ flow.id == 'f' }}"; return s }()}, nil, nil),
			"a:SKIPPED b:SUCCESS", StateSuccess},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, _ := Run(context.Background(), c.flow, Options{Environ: []string{}})
			if got := runs(x); got != c.wantRuns {
				t.Errorf("task runs: got %q, want %q", got, c.wantRuns)
			}
			if x.State.Current != c.wantState {
				t.Errorf("state: got %s, want %s", x.State.Current, c.wantState)
			}
			if x.State.EndDate.IsZero() {
				t.Error("execution has no end date")
			}
		})
	}
}

func TestRunRetry(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name         string
		retry        *flow.Retry
		steps        []step
		wantState    string
		wantAttempts int
	}{
		{"constant retries until success", &flow.Retry{Type: "constant", Interval: ms, MaxAttempt: 3},
			[]step{{err: errBoom}, {err: errBoom}, {}}, StateSuccess, 3},
		{"warningOnRetry marks a success after retry", &flow.Retry{Type: "constant", Interval: ms, MaxAttempt: 3, WarningOnRetry: true},
			[]step{{err: errBoom}, {}}, StateWarning, 2},
		{"maxAttempt counts the first try", &flow.Retry{Type: "constant", Interval: ms, MaxAttempt: 2},
			[]step{{err: errBoom}}, StateFailed, 2},
		{"maxDuration stops retries", &flow.Retry{Type: "constant", Interval: 30 * ms, MaxDuration: 50 * ms},
			[]step{{err: errBoom}}, StateFailed, 2},
		{"exponential", &flow.Retry{Type: "exponential", Interval: ms, MaxInterval: 4 * ms, MaxAttempt: 4},
			[]step{{err: errBoom}}, StateFailed, 4},
		{"random", &flow.Retry{Type: "random", MinInterval: ms, MaxInterval: 2 * ms, MaxAttempt: 3},
			[]step{{err: errBoom}, {}}, StateSuccess, 2},
		{"a warning is not retried", &flow.Retry{Type: "constant", Interval: ms, MaxAttempt: 3},
			[]step{{warning: true}}, StateWarning, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := spec("a", c.steps...)
			s.Retry = c.retry
			x, _ := Run(context.Background(), testFlow([]*flow.TaskSpec{s}, nil, nil), Options{Environ: []string{}})
			tr := x.TaskRunList[0]
			if tr.State.Current != c.wantState {
				t.Errorf("state: got %s, want %s", tr.State.Current, c.wantState)
			}
			if len(tr.Attempts) != c.wantAttempts {
				t.Errorf("attempts: got %d, want %d", len(tr.Attempts), c.wantAttempts)
			}
		})
	}
}

func TestNextWait(t *testing.T) {
	s := time.Second
	exp := &flow.Retry{Type: "exponential", Interval: s, MaxInterval: 5 * s, MaxAttempt: 10}
	for n, want := range map[int]time.Duration{1: s, 2: 2 * s, 3: 4 * s, 4: 5 * s} {
		if got, ok := nextWait(exp, n, 0); !ok || got != want {
			t.Errorf("exponential wait after attempt %d: got %v %v, want %v true", n, got, ok, want)
		}
	}
	if _, ok := nextWait(exp, 10, 0); ok {
		t.Error("got a retry after maxAttempt, want none")
	}
	if _, ok := nextWait(&flow.Retry{Type: "constant", Interval: s, MaxDuration: 3 * s}, 1, 2500*time.Millisecond); ok {
		t.Error("got a retry past maxDuration, want none")
	}
	rnd := &flow.Retry{Type: "random", MinInterval: s, MaxInterval: 2 * s, MaxAttempt: 100}
	for i := 0; i < 50; i++ {
		if got, _ := nextWait(rnd, 1, 0); got < s || got >= 2*s {
			t.Fatalf("random wait: got %v, want in [1s, 2s)", got)
		}
	}
}

func TestRunTimeout(t *testing.T) {
	s := spec("slow", step{block: true})
	s.Timeout = 20 * time.Millisecond
	x, _ := Run(context.Background(), testFlow([]*flow.TaskSpec{s, spec("next")}, []*flow.TaskSpec{spec("e")}, nil), Options{Environ: []string{}})
	if got, want := runs(x), "slow:FAILED e:SUCCESS"; got != want {
		t.Errorf("task runs: got %q, want %q", got, want)
	}
	if got, want := x.TaskRunList[0].Error, "Timeout after 00:00:00.020"; got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}
}

func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	blocker := &flow.TaskSpec{ID: "wait", Task: taskFunc(func(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
		close(started)
		<-ctx.Done()
		return tasks.Result{}, ctx.Err()
	})}
	go func() { <-started; cancel() }()
	x, _ := Run(ctx, testFlow([]*flow.TaskSpec{blocker, spec("b")}, []*flow.TaskSpec{spec("e")}, []*flow.TaskSpec{spec("fin")}), Options{Environ: []string{}})
	if got, want := runs(x), "wait:KILLED"; got != want {
		t.Errorf("task runs: got %q, want %q (errors and finally must not run)", got, want)
	}
	if x.State.Current != StateKilled {
		t.Errorf("state: got %s, want KILLED", x.State.Current)
	}
}

type taskFunc func(ctx context.Context, tc *tasks.Context) (tasks.Result, error)

func (f taskFunc) Run(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
	return f(ctx, tc)
}

func TestRunOutputsAndVariables(t *testing.T) {
	f := testFlow([]*flow.TaskSpec{
		spec("first", step{outputs: map[string]any{"value": "v1"}}),
		spec("second", step{log: "{{ outputs.first.value }} << flow.namespace >>.{{ flow.id }} {{ task.id }} {{ inputs.who }} {{ vars.x }} {{ labels.team }}"}),
	}, nil, nil)
	f.Variables = map[string]any{"x": "{{ not rendered }}"}
	f.Labels = []flow.Label{{Key: "team", Value: "data"}}
	x, _ := Run(context.Background(), f, Options{Inputs: map[string]any{"who": "me"}, Environ: []string{}})
	got := x.TaskRunList[1].Logs[0].Message
	if want := "v1 dev.f second me {{ not rendered }} data"; got != want {
		t.Errorf("rendered: got %q, want %q", got, want)
	}
	if x.Labels["team"] != "data" {
		t.Errorf("labels: got %v, want team=data", x.Labels)
	}
}

func TestRunMissingVariableFailsTheTask(t *testing.T) {
	x, _ := Run(context.Background(), testFlow([]*flow.TaskSpec{spec("a", step{log: "{{ outputs.nope.value }}"})}, nil, nil), Options{Environ: []string{}})
	tr := x.TaskRunList[0]
	if tr.State.Current != StateFailed || !strings.Contains(tr.Error, "Unable to find `outputs.nope") {
		t.Errorf("got %s %q, want FAILED with Unable to find `outputs.nope...`", tr.State.Current, tr.Error)
	}
}

func TestRunMasksSecrets(t *testing.T) {
	const secret = "hunter2-very-secret"
	env := []string{"SECRET_TOKEN=" + base64.StdEncoding.EncodeToString([]byte(secret))}
	f := testFlow([]*flow.TaskSpec{
		spec("a", step{log: "token is {{ secret('token') }}", outputs: map[string]any{"echo": secret}, err: errors.New("failed with " + secret)}),
	}, nil, nil)
	x, _ := Run(context.Background(), f, Options{Environ: env})
	tr := x.TaskRunList[0]
	for _, got := range []string{tr.Logs[0].Message, tr.Error, tr.Outputs["echo"].(string)} {
		if strings.Contains(got, secret) || !strings.Contains(got, Mask) {
			t.Errorf("got %q, want the secret masked as %s", got, Mask)
		}
	}
}

func TestRunOnStartErrorStopsBeforeAnyTask(t *testing.T) {
	ran := false
	f := testFlow([]*flow.TaskSpec{{ID: "a", Task: taskFunc(func(context.Context, *tasks.Context) (tasks.Result, error) {
		ran = true
		return tasks.Result{}, nil
	})}}, nil, nil)
	var seen string
	x, err := Run(context.Background(), f, Options{Environ: []string{}, OnStart: func(x *Execution) error {
		seen = x.State.Current
		return errors.New("state locked")
	}})
	if err == nil || ran {
		t.Fatalf("got err %v, task ran %v; want the error and no task run", err, ran)
	}
	if seen != StateRunning || x.State.Current != StateFailed {
		t.Errorf("state at OnStart %s, at the end %s; want RUNNING then FAILED", seen, x.State.Current)
	}
}

func TestTasksSeeTheirExecution(t *testing.T) {
	recorded := &Execution{ID: "other", Namespace: "dev", FlowID: "watched", State: State{Current: StateFailed},
		TaskRunList: []*TaskRun{{TaskID: "broken", Branch: BranchTasks, State: State{Current: StateFailed}, Error: "boom"}}}
	var current, other *tasks.ExecutionView
	var missing error
	f := testFlow([]*flow.TaskSpec{spec("first"), {ID: "look", Task: taskFunc(func(_ context.Context, tc *tasks.Context) (tasks.Result, error) {
		var err error
		if current, err = tc.Execution(tc.TaskID); err == nil {
			t.Error("an unknown id was found")
		}
		ids, _ := tc.Render("{{ execution.id }}")
		current, _ = tc.Execution(ids)
		other, _ = tc.Execution("other")
		_, missing = tc.Execution("nope")
		return tasks.Result{}, nil
	})}}, nil, nil)
	lookup := func(id string) (*Execution, error) {
		if id == "other" {
			return recorded, nil
		}
		return nil, errors.New("execution \"" + id + "\" not found")
	}
	x, _ := Run(context.Background(), f, Options{Environ: []string{}, Lookup: lookup})
	if current == nil || current.ID != x.ID || current.State != StateRunning || len(current.TaskRuns) != 2 || current.TaskRuns[0].State != StateSuccess {
		t.Errorf("the running execution: got %+v, want it RUNNING with first SUCCESS and look running", current)
	}
	if other == nil || other.FlowID != "watched" || other.TaskRuns[0].Error != "boom" {
		t.Errorf("a recorded execution: got %+v, want dev.watched with its error", other)
	}
	if missing == nil {
		t.Error("an unknown execution: got no error, want one")
	}
}

func TestRunMasksAgainWhatWasKeptBeforeAValueWasRegistered(t *testing.T) {
	const url = "https://hooks.example.com/services/T0/B0/late-secret"
	f := testFlow([]*flow.TaskSpec{
		spec("early", step{log: "posting to " + url, outputs: map[string]any{"url": url}, warning: true}),
		{ID: "post", Task: taskFunc(func(_ context.Context, tc *tasks.Context) (tasks.Result, error) {
			tc.Mask(url) // as a chat task does with its webhook URL
			return tasks.Result{}, nil
		})},
	}, nil, nil)
	x, _ := Run(context.Background(), f, Options{Environ: []string{}, Inputs: map[string]any{"hook": url}})
	early := x.TaskRunList[0]
	for _, got := range []string{early.Logs[0].Message, early.Outputs["url"].(string), x.Inputs["hook"].(string)} {
		if got != "posting to "+Mask && got != Mask {
			t.Errorf("got %q, want the URL masked in the record", got)
		}
	}
}

func TestRunFlowRevisionIsTheExecutions(t *testing.T) {
	f := testFlow([]*flow.TaskSpec{spec("a", step{log: "rev {{ flow.revision }}"})}, nil, nil)
	x, _ := Run(context.Background(), f, Options{Environ: []string{}, Revision: 7})
	if got := x.TaskRunList[0].Logs[0].Message; got != "rev 7" || x.FlowRevision != 7 {
		t.Errorf("got %q and flowRevision %d, want rev 7 (the applied revision)", got, x.FlowRevision)
	}
}

func TestRunExecutionTimeout(t *testing.T) {
	slow := spec("slow", step{block: true})
	slow.AllowFailure = true // an execution timeout fails the execution all the same
	f := testFlow([]*flow.TaskSpec{spec("quick"), slow, spec("never")}, []*flow.TaskSpec{spec("e")}, []*flow.TaskSpec{spec("fin")})
	x, _ := Run(context.Background(), f, Options{Environ: []string{}, Timeout: 30 * time.Millisecond})
	if got, want := runs(x), "quick:SUCCESS slow:WARNING e:SUCCESS fin:SUCCESS"; got != want {
		t.Errorf("task runs: got %q, want %q (errors and finally run after the timeout)", got, want)
	}
	if got, want := x.TaskRunList[1].Error, "Execution timeout after 00:00:00.030"; got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}
	if x.State.Current != StateFailed {
		t.Errorf("state: got %s, want FAILED", x.State.Current)
	}
}

// histories lists the states an execution went through.
func histories(x *Execution) string {
	var parts []string
	for _, h := range x.State.Histories {
		parts = append(parts, h.State)
	}
	return strings.Join(parts, " ")
}

func TestRunAdmit(t *testing.T) {
	block := func(ctx context.Context, x *Execution, queued func()) (string, error) {
		queued()
		<-ctx.Done()
		return "", nil
	}
	interrupted, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name    string
		ctx     context.Context
		admit   func(ctx context.Context, x *Execution, queued func()) (string, error)
		timeout time.Duration
		runs    string
		hist    string
		err     bool
	}{
		{"runs", context.Background(), func(context.Context, *Execution, func()) (string, error) { return StateRunning, nil },
			0, "a:SUCCESS", "CREATED RUNNING SUCCESS", false},
		{"queued, then runs", context.Background(), func(_ context.Context, _ *Execution, queued func()) (string, error) {
			queued()
			return StateRunning, nil
		}, 0, "a:SUCCESS", "CREATED QUEUED RUNNING SUCCESS", false},
		{"cancelled", context.Background(), func(context.Context, *Execution, func()) (string, error) { return StateCancelled, nil },
			0, "", "CREATED CANCELLED", false},
		{"failed by the limit", context.Background(), func(context.Context, *Execution, func()) (string, error) { return StateFailed, nil },
			0, "", "CREATED FAILED", false},
		{"queued until the timeout", context.Background(), block, 20 * time.Millisecond, "", "CREATED QUEUED FAILED", false},
		{"queued until interrupted", interrupted, block, 0, "", "CREATED QUEUED KILLED", false},
		{"state error", context.Background(), func(context.Context, *Execution, func()) (string, error) { return "", errors.New("locked") },
			0, "", "CREATED FAILED", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			started := false
			x, err := Run(c.ctx, testFlow([]*flow.TaskSpec{spec("a")}, nil, nil), Options{Environ: []string{}, Admit: c.admit, Timeout: c.timeout,
				OnStart: func(*Execution) error { started = true; return nil }})
			if got := runs(x); got != c.runs {
				t.Errorf("task runs: got %q, want %q", got, c.runs)
			}
			if got := histories(x); got != c.hist {
				t.Errorf("histories: got %q, want %q", got, c.hist)
			}
			if (err != nil) != c.err {
				t.Errorf("error: got %v, want one: %v", err, c.err)
			}
			if started != (c.runs != "") {
				t.Errorf("OnStart called: got %v, want it only for an execution that runs", started)
			}
		})
	}
}
