package service

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// notes is a Notifier that keeps what the service says, in order.
type notes struct {
	mu     sync.Mutex
	lines  []string
	queued chan string // gets the id in each "QUEUED" note, when set
	// scheduled, when set, is called (once) as a scheduled date starts running.
	scheduled func()
}

func (n *notes) add(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lines = append(n.lines, fmt.Sprintf(format, args...))
}

func (n *notes) Note(msg string) {
	n.add("note %s", msg)
	if n.queued != nil && strings.Contains(msg, " QUEUED: ") {
		n.queued <- msg
	}
}

func (n *notes) Fired(f *flow.Flow, t *flow.Trigger, by *runner.Execution) runner.Sink {
	n.add("fired %s.%s/%s by %s.%s", f.Namespace, f.ID, t.ID, by.Namespace, by.FlowID)
	return nil
}

func (n *notes) FiredEnded(f *flow.Flow, y *runner.Execution) {
	n.add("ended %s.%s %s", f.Namespace, f.ID, y.State.Current)
}

func (n *notes) Scheduled(f *flow.Flow, t *flow.Trigger, date string) runner.Sink {
	n.add("scheduled %s.%s/%s %s", f.Namespace, f.ID, t.ID, date)
	if hook := n.scheduled; hook != nil {
		n.scheduled = nil
		hook()
	}
	return nil
}

func (n *notes) ScheduledEnded(f *flow.Flow, t *flow.Trigger, x *runner.Execution) {
	n.add("scheduled ended %s.%s/%s %s", f.Namespace, f.ID, t.ID, x.State.Current)
}

func (n *notes) Polled(f *flow.Flow, t *flow.Trigger, code string) runner.Sink {
	n.add("polled %s.%s/%s %s", f.Namespace, f.ID, t.ID, code)
	return nil
}

func (n *notes) PolledEnded(f *flow.Flow, t *flow.Trigger, x *runner.Execution) {
	n.add("polled ended %s.%s/%s %s", f.Namespace, f.ID, t.ID, x.State.Current)
}

func (n *notes) DateSkipped(f *flow.Flow, t *flow.Trigger, date string) {
	n.add("skipped %s.%s/%s %s", f.Namespace, f.ID, t.ID, date)
}

func (n *notes) Subflow(f *flow.Flow, taskID string, parent *runner.Execution) runner.Sink {
	n.add("subflow %s.%s by %s of %s.%s", f.Namespace, f.ID, taskID, parent.Namespace, parent.FlowID)
	return nil
}

func (n *notes) SubflowEnded(f *flow.Flow, y *runner.Execution) {
	n.add("subflow ended %s.%s %s", f.Namespace, f.ID, y.State.Current)
}

// all returns the lines said so far that start with prefix.
func (n *notes) all(prefix string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, l := range n.lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// t0 is the fake clock's time.
var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// newService is a service on a state of its own in a temporary folder, its clock stopped
// at t0, its environment empty.
func newService(t *testing.T) (*Service, *notes) {
	t.Helper()
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := &notes{}
	return &Service{
		Store:     store,
		Registry:  tasks.Builtin(),
		Now:       func() time.Time { return t0 },
		Notify:    n,
		UserAgent: "flowctl/test",
		Environ:   []string{},
		Location:  time.UTC,
	}, n
}

// parse parses a flow of the test.
func parse(t *testing.T, src string) *flow.Flow {
	t.Helper()
	f, err := flow.Parse("test.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// logFlow is a flow of one Log task, with more YAML (concurrency, triggers) after it.
func logFlow(ns, id, more string) string {
	return fmt.Sprintf("id: %s\nnamespace: %s\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n%s", id, ns, more)
}

// apply registers a flow in the service's state.
func apply(t *testing.T, s *Service, src string) *flow.Flow {
	t.Helper()
	f := parse(t, src)
	if _, _, err := s.Apply(f, t0); err != nil {
		t.Fatal(err)
	}
	return f
}

// holdSlot makes execution "other" of this process hold the one slot of ns.id, with a
// lease that stays held until the test ends.
func holdSlot(t *testing.T, s *Service, ns, id string) {
	t.Helper()
	lease, err := s.Store.TakeLease("other-lease")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lease.Release)
	h := state.Self()
	h.Lease = lease.Name()
	res, err := s.Store.AcquireSlot(ns, id, "other", h, 1, false, s.Store.SlotAlive)
	if err != nil || !res.Acquired {
		t.Fatalf("slot not taken: %+v, %v", res, err)
	}
}

func recorded(t *testing.T, s *Service, id string) string {
	t.Helper()
	rec, ok, err := s.Store.Execution(id)
	if err != nil || !ok {
		t.Fatalf("execution %s not recorded: %v", id, err)
	}
	return rec.State
}

func TestAdmissionCancelAndFail(t *testing.T) {
	for _, c := range []struct{ behavior, want string }{
		{"CANCEL", runner.StateCancelled},
		{"FAIL", runner.StateFailed},
	} {
		t.Run(c.behavior, func(t *testing.T) {
			s, n := newService(t)
			f := parse(t, logFlow("dev", "limited", "concurrency:\n  limit: 1\n  behavior: "+c.behavior+"\n"))
			holdSlot(t, s, "dev", "limited")
			x, err := s.Run(context.Background(), f, RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if x.State.Current != c.want || len(x.TaskRunList) != 0 {
				t.Fatalf("execution %s with %d task runs, want %s before any task", x.State.Current, len(x.TaskRunList), c.want)
			}
			if got := recorded(t, s, x.ID); got != c.want {
				t.Errorf("recorded %s, want %s", got, c.want)
			}
			want := fmt.Sprintf("note dev.limited: execution %s %s: execution other is running (concurrency limit 1, behavior %s)", x.ID, c.want, c.behavior)
			if got := n.all("note"); !slices.Equal(got, []string{want}) {
				t.Errorf("notes %q, want %q", got, want)
			}
			// The slot stays with its holder: a refused execution takes nothing.
			slots, err := s.Store.Slots("dev", "limited")
			if err != nil || len(slots) != 1 || slots[0].ExecID != "other" {
				t.Errorf("slots after the refusal: %+v, %v", slots, err)
			}
		})
	}
}

func TestAdmissionQueueWaitsForTheSlot(t *testing.T) {
	s, n := newService(t)
	n.queued = make(chan string, 1)
	f := parse(t, logFlow("dev", "queued", "concurrency:\n  limit: 1\n  behavior: QUEUE\n"))
	holdSlot(t, s, "dev", "queued")
	done := make(chan *runner.Execution)
	go func() {
		x, err := s.Run(context.Background(), f, RunOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- x
	}()
	msg := <-n.queued
	if !strings.Contains(msg, "QUEUED: execution other is running (concurrency limit 1, behavior QUEUE); 0 ahead in line, waiting") {
		t.Errorf("queued note %q", msg)
	}
	// While it waits, it is recorded QUEUED.
	recs, err := s.Store.Executions(state.ListFilter{FlowID: "queued"})
	if err != nil || len(recs) != 1 || recs[0].State != runner.StateQueued {
		t.Fatalf("while waiting: %+v, %v", recs, err)
	}
	if err := s.Store.ReleaseSlot("dev", "queued", "other"); err != nil {
		t.Fatal(err)
	}
	x := <-done
	if x.State.Current != runner.StateSuccess {
		t.Fatalf("ended %s, want SUCCESS once the slot was free", x.State.Current)
	}
	var states []string
	for _, h := range x.State.Histories {
		states = append(states, h.State)
	}
	if want := []string{"CREATED", "QUEUED", "RUNNING", "SUCCESS"}; !slices.Equal(states, want) {
		t.Errorf("histories %v, want %v", states, want)
	}
	if got := recorded(t, s, x.ID); got != runner.StateSuccess {
		t.Errorf("recorded %s", got)
	}
	if got := n.all("note"); len(got) != 2 || !strings.Contains(got[1], "execution "+x.ID+" got a concurrency slot after ") {
		t.Errorf("notes %q", got)
	}
	// Its end freed its slot.
	if slots, err := s.Store.Slots("dev", "queued"); err != nil || len(slots) != 0 {
		t.Errorf("slots after the end: %+v, %v", slots, err)
	}
}

// stateSink reads the state when the first task starts.
type stateSink struct {
	s    *Service
	seen []string
}

func (k *stateSink) TaskStarted(tr *runner.TaskRun) {
	recs, err := k.s.Store.Executions(state.ListFilter{})
	if err != nil {
		k.seen = append(k.seen, err.Error())
	}
	for _, r := range recs {
		k.seen = append(k.seen, r.State)
	}
}
func (k *stateSink) Log(*runner.TaskRun, runner.LogLine) {}
func (k *stateSink) TaskEnded(*runner.TaskRun)           {}

func TestRunRecordsRunningThenTheEnd(t *testing.T) {
	s, n := newService(t)
	f := parse(t, logFlow("dev", "rec", ""))
	sink := &stateSink{s: s}
	x, err := s.Run(context.Background(), f, RunOptions{Sink: sink, Revision: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sink.seen, []string{runner.StateRunning}) {
		t.Errorf("the state held %v when the task started, want [RUNNING]", sink.seen)
	}
	if got := recorded(t, s, x.ID); got != runner.StateSuccess {
		t.Errorf("recorded %s at the end, want SUCCESS", got)
	}
	if x.State.StartDate != t0 {
		t.Errorf("started %v, want the service's clock %v", x.State.StartDate, t0)
	}
	if err := s.RecordErr(); err != nil {
		t.Error(err)
	}
	if got := n.all(""); len(got) != 0 {
		t.Errorf("notes %q, want none", got)
	}
}

// onFlow is a Flow trigger on the executions of ns.id.
func onFlow(ns, id string) string {
	return fmt.Sprintf("triggers:\n  - id: on\n    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n"+
		"      - type: io.kestra.plugin.core.condition.ExecutionFlow\n        namespace: %s\n        flowId: %s\n", ns, id)
}

func TestFireStopsChainsAfterFive(t *testing.T) {
	s, n := newService(t)
	start := parse(t, logFlow("chain", "f0", ""))
	for i := 1; i <= 7; i++ {
		apply(t, s, logFlow("chain", fmt.Sprintf("f%d", i), onFlow("chain", fmt.Sprintf("f%d", i-1))))
	}
	x, err := s.Run(context.Background(), start, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Fire(context.Background(), x)
	var want []string
	for i := 1; i <= 5; i++ {
		want = append(want, fmt.Sprintf("fired chain.f%d/on by chain.f%d", i, i-1), fmt.Sprintf("ended chain.f%d SUCCESS", i))
	}
	want = append(want, "note warning: trigger chain.f6/on not run: chains of Flow triggers stop after 5 executions")
	if got := n.all(""); !slices.Equal(got, want) {
		t.Errorf("said\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Every execution of the chain carries the id of the first as its correlation id, the
	// first included.
	recs, err := s.Store.Executions(state.ListFilter{Namespace: "chain", Documents: true})
	if err != nil || len(recs) != 6 {
		t.Fatalf("recorded %d executions, want the first and the 5 triggered: %v", len(recs), err)
	}
	for _, r := range recs {
		y, err := runner.Decode(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := y.Labels[runner.LabelCorrelationID]; got != x.ID {
			t.Errorf("%s: correlation id %q, want %s", y.FlowID, got, x.ID)
		}
	}
}

func TestFireNeverOnItsOwnFlowAndInNamespaceIDOrder(t *testing.T) {
	s, n := newService(t)
	// A flow watching its own namespace is not fired by its own execution; the two others
	// watching it run in namespace.id order, whatever the order they were applied in.
	self := apply(t, s, logFlow("dev", "self", onNamespace("dev")))
	apply(t, s, logFlow("zz", "b", onNamespace("dev")))
	apply(t, s, logFlow("aa", "z", onNamespace("dev")))
	apply(t, s, logFlow("aa", "a", onNamespace("dev")))
	x, err := s.Run(context.Background(), self, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Fire(context.Background(), x)
	want := []string{"fired aa.a/on by dev.self", "fired aa.z/on by dev.self", "fired zz.b/on by dev.self"}
	if got := n.all("fired"); !slices.Equal(got, want) {
		t.Errorf("fired %q, want %q", got, want)
	}
}

// onNamespace is a Flow trigger on every execution of namespace ns.
func onNamespace(ns string) string {
	return fmt.Sprintf("triggers:\n  - id: on\n    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n"+
		"      - type: io.kestra.plugin.core.condition.ExecutionNamespace\n        namespace: %s\n", ns)
}

func TestAdmissionQueueTimesOut(t *testing.T) {
	s, n := newService(t)
	s.Timeout = 50 * time.Millisecond
	f := parse(t, logFlow("dev", "queued", "concurrency:\n  limit: 1\n  behavior: QUEUE\n"))
	holdSlot(t, s, "dev", "queued")
	x, err := s.Run(context.Background(), f, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != runner.StateFailed || len(x.TaskRunList) != 0 {
		t.Fatalf("ended %s with %d task runs, want FAILED before any task", x.State.Current, len(x.TaskRunList))
	}
	if got := recorded(t, s, x.ID); got != runner.StateFailed {
		t.Errorf("recorded %s, want FAILED", got)
	}
	notes := n.all("note")
	if len(notes) != 2 || !regexp.MustCompile(`execution `+x.ID+` FAILED: Execution timeout after \d\d:\d\d:\d\d\.\d{3}`).MatchString(notes[1]) ||
		!strings.HasSuffix(notes[1], ", still waiting for a concurrency slot") {
		t.Errorf("notes %q", notes)
	}
	// It left the line: only the holder remains.
	if slots, err := s.Store.Slots("dev", "queued"); err != nil || len(slots) != 1 || slots[0].ExecID != "other" {
		t.Errorf("slots after the timeout: %+v, %v", slots, err)
	}
}

func TestNotesMaskTheEnvironmentsSecrets(t *testing.T) {
	s, n := newService(t)
	// base64 of "s3cr3t-value", as Kestra's SECRET_ variables hold it.
	s.Environ = []string{"SECRET_TOKEN=czNjcjN0LXZhbHVl"}
	src := logFlow("dev", "src", "")
	apply(t, s, logFlow("dev", "listener", "inputs:\n  - id: n\n    type: INT\n"+onFlow("dev", "src")+
		"    inputs:\n      n: \"{{ secret('TOKEN') }}\"\n"))
	x, err := s.Run(context.Background(), parse(t, src), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Fire(context.Background(), x)
	notes := n.all("note")
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "note warning: trigger dev.listener/on: ") {
		t.Fatalf("notes %q, want the trigger's input refused", notes)
	}
	if strings.Contains(notes[0], "s3cr3t") {
		t.Errorf("the note shows the secret: %q", notes[0])
	}
	if !strings.Contains(notes[0], `"******" is not a valid INT`) {
		t.Errorf("the note %q does not quote the refused value, masked", notes[0])
	}
}

// TestLateMaskReachesLinesAlreadyWritten: a value a task registers for masking while the
// execution runs (git.Clone's password, rendered from an input) is masked in the state's
// log lines written before it was known too, not only in those written at the end.
func TestLateMaskReachesLinesAlreadyWritten(t *testing.T) {
	s, _ := newService(t)
	f := parse(t, `id: late
namespace: dev
inputs:
  - id: pw
    type: STRING
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "pw is {{ inputs.pw }}"
  - id: wait
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT0.6S
  - id: clone
    type: io.kestra.plugin.git.Clone
    url: http://127.0.0.1:1/repo.git
    username: bob
    password: "{{ inputs.pw }}"
`)
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: map[string]any{"pw": "LateMaskedPass99"}})
	if err != nil {
		t.Fatal(err)
	}
	logs, err := s.Store.Logs(x.ID)
	if err != nil {
		t.Fatal(err)
	}
	said := false
	for _, l := range logs {
		if strings.Contains(l.Message, "LateMaskedPass99") {
			t.Errorf("the state keeps the password in %q", l.Message)
		}
		said = said || l.Message == "pw is ******"
	}
	if !said {
		t.Errorf("logs: got %+v, want the line with the password masked", logs)
	}
}
