package service

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
)

// restart plans and runs the restart of id.
func restart(s *Service, id string, o RestartOptions) (*runner.Execution, error) {
	r, err := s.PlanRestart(id, o)
	if err != nil {
		return nil, err
	}
	return s.Restart(context.Background(), r, nil)
}

// retried fails its check on the first attempt only; its inputs are typed (n + 1) and a
// SECRET one is used.
const retried = `id: retried
namespace: dev
inputs:
  - id: n
    type: INT
  - id: token
    type: SECRET
    required: false
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.n + 1 }}"
  - id: check
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ taskrun.attemptsCount == 0 }}"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ outputs.first.value }} {{ inputs.token ?? 'none' }}"
`

func TestRestartAppliedFlow(t *testing.T) {
	s, _ := newService(t)
	f := apply(t, s, retried)
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: map[string]any{"n": 3}, Revision: 1})
	if err != nil || x.State.Current != runner.StateFailed {
		t.Fatalf("run: %v, %v; want FAILED", x, err)
	}
	y, err := restart(s, x.ID, RestartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if y.ID != x.ID || y.State.Current != runner.StateSuccess || y.Metadata == nil || y.Metadata.AttemptNumber != 2 {
		t.Fatalf("restart: got %s %s %+v, want %s SUCCESS, attempt 2", y.ID, y.State.Current, y.Metadata, x.ID)
	}
	if got := recorded(t, s, x.ID); got != runner.StateSuccess {
		t.Errorf("recorded %s, want SUCCESS", got)
	}
	logs, err := s.Store.Logs(x.ID)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, l := range logs {
		msgs = append(msgs, l.Message)
	}
	joined := strings.Join(msgs, "\n")
	// The first attempt's failure and the restart's lines are both kept.
	if !strings.Contains(joined, "Task failure") || !strings.Contains(joined, "after 4 none") {
		t.Errorf("logs: got %q, want the failure and %q", joined, "after 4 none")
	}
	if _, err := restart(s, x.ID, RestartOptions{}); err == nil || !strings.Contains(err.Error(), "SUCCESS") {
		t.Errorf("restart of a SUCCESS execution: got %v, want an error naming SUCCESS", err)
	}
}

// The inputs are typed again from the record as written: an INT past 2^53 stays exact.
func TestRestartInputsExact(t *testing.T) {
	s, _ := newService(t)
	f := parse(t, retried)
	in, _, err := flow.ParseInputs(f, map[string]string{"n": "9007199254740993"})
	if err != nil {
		t.Fatal(err)
	}
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: in})
	if err != nil || x.State.Current != runner.StateFailed {
		t.Fatalf("run: %v; want FAILED", err)
	}
	y, err := restart(s, x.ID, RestartOptions{Flow: f})
	if err != nil || y.State.Current != runner.StateSuccess {
		t.Fatalf("restart: %v, %v; want SUCCESS", y, err)
	}
	rec, _, err := s.Store.Execution(x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rec.Doc), `"inputs":{"n":9007199254740993}`) {
		t.Errorf("recorded inputs: want n exact in %s", rec.Doc)
	}
	if got := y.TaskRunList[0].Outputs["value"]; got != "9007199254740994" {
		t.Errorf("first (kept): got %v, want 9007199254740994", got)
	}
}

func TestRestartFlowSource(t *testing.T) {
	s, _ := newService(t)
	f := parse(t, retried)
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: map[string]any{"n": 3}})
	if err != nil || x.State.Current != runner.StateFailed {
		t.Fatalf("run: %v; want FAILED", err)
	}
	_, err = restart(s, x.ID, RestartOptions{})
	if err == nil || !strings.Contains(err.Error(), "is not applied") || !strings.Contains(err.Error(), "--flow FILE") {
		t.Errorf("restart of a file's execution without its file: got %v, want to be told to give --flow FILE", err)
	}
	// Applied since, twice: the state holds revision 2, the execution ran revision 1.
	apply(t, s, retried)
	apply(t, s, retried+"description: changed\n")
	_, err = restart(s, x.ID, RestartOptions{})
	if err == nil || !strings.Contains(err.Error(), "ran revision 1") || !strings.Contains(err.Error(), "holds revision 2") {
		t.Errorf("restart with another applied revision: got %v, want both revisions named", err)
	}
	other := parse(t, strings.Replace(retried, "id: retried", "id: other", 1))
	if _, err := restart(s, x.ID, RestartOptions{Flow: other}); err == nil || !strings.Contains(err.Error(), "is flow dev.other") {
		t.Errorf("restart with another flow: got %v, want it refused", err)
	}
	y, err := restart(s, x.ID, RestartOptions{Flow: f})
	if err != nil || y.State.Current != runner.StateSuccess || y.FlowRevision != 1 {
		t.Fatalf("restart with its file: got %v, %v; want SUCCESS, revision 1", y, err)
	}
}

func TestRestartSecretInputs(t *testing.T) {
	s, _ := newService(t)
	f := parse(t, retried)
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: map[string]any{"n": 3, "token": "s3cr3t-value"}, Secrets: []string{"s3cr3t-value"}})
	if err != nil || x.State.Current != runner.StateFailed {
		t.Fatalf("run: %v; want FAILED", err)
	}
	if x.Inputs["token"] != "******" {
		t.Fatalf("recorded token %v, want it masked", x.Inputs["token"])
	}
	_, err = restart(s, x.ID, RestartOptions{Flow: f})
	if err == nil || !strings.Contains(err.Error(), "-i token=VALUE") {
		t.Errorf("restart without the SECRET input: got %v, want to be told to give it", err)
	}
	_, err = restart(s, x.ID, RestartOptions{Flow: f, Inputs: map[string]string{"n": "5", "token": "x"}})
	if err == nil || !strings.Contains(err.Error(), `input "n" cannot be given`) {
		t.Errorf("restart giving another input: got %v, want it refused", err)
	}
	y, err := restart(s, x.ID, RestartOptions{Flow: f, Inputs: map[string]string{"token": "s3cr3t-value"}})
	if err != nil || y.State.Current != runner.StateSuccess {
		t.Fatalf("restart: %v, %v; want SUCCESS", y, err)
	}
	logs, err := s.Store.Logs(x.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range logs {
		if strings.Contains(l.Message, "s3cr3t-value") {
			t.Errorf("the secret is in the state: %q", l.Message)
		}
		found = found || l.Message == "after 4 ******"
	}
	if !found {
		t.Errorf("no line %q among %v", "after 4 ******", logs)
	}
	var nr *runner.NotRestartableError
	if _, err := restart(s, x.ID, RestartOptions{Flow: f}); !errors.As(err, &nr) {
		t.Errorf("second restart of a SUCCESS execution: got %v, want NotRestartableError", err)
	}
}

// slotSink records, as the first task starts, who holds the flow's slots.
type slotSink struct {
	s       *Service
	ns, id  string
	holders []state.Slot
}

func (k *slotSink) TaskStarted(*runner.TaskRun) {
	if k.holders == nil {
		k.holders, _ = k.s.Store.Slots(k.ns, k.id)
	}
}
func (k *slotSink) Log(*runner.TaskRun, runner.LogLine) {}
func (k *slotSink) TaskEnded(*runner.TaskRun)           {}

// An execution of a flow with a concurrency limit, cut off by kill -9, still holds its slot
// under its id: restarted with Force, it holds the slot as this process, not as the dead one.
func TestRestartForceTakesTheSlotAgain(t *testing.T) {
	s, _ := newService(t)
	f := parse(t, retried+"concurrency:\n  limit: 1\n")
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: map[string]any{"n": 1}})
	if err != nil || x.State.Current != runner.StateFailed {
		t.Fatalf("run: %v; want FAILED", err)
	}
	// As kill -9 leaves it: recorded RUNNING, its slot held by a process that is gone.
	x.State = runner.State{Current: runner.StateRunning, StartDate: x.State.StartDate, Histories: x.State.Histories[:2]}
	if err := runner.Save(s.Store, x); err != nil {
		t.Fatal(err)
	}
	dead, err := s.Store.TakeLease("dead-lease")
	if err != nil {
		t.Fatal(err)
	}
	h := state.Self()
	h.Lease = dead.Name()
	if res, err := s.Store.AcquireSlot("dev", "retried", x.ID, h, 1, false, s.Store.SlotAlive); err != nil || !res.Acquired {
		t.Fatalf("slot: %+v, %v", res, err)
	}
	dead.Release()

	if _, err := restart(s, x.ID, RestartOptions{Flow: f}); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restart of a RUNNING execution: got %v, want to be told about --force", err)
	}
	r, err := s.PlanRestart(x.ID, RestartOptions{Flow: f, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	sink := &slotSink{s: s, ns: "dev", id: "retried"}
	y, err := s.Restart(context.Background(), r, sink)
	if err != nil || y.State.Current != runner.StateSuccess {
		t.Fatalf("forced restart: %v, %v; want SUCCESS", y, err)
	}
	if len(sink.holders) != 1 || sink.holders[0].ExecID != x.ID || sink.holders[0].Holder.Lease == h.Lease {
		t.Errorf("slot while it ran: got %+v, want %s's, held under a lease of this restart", sink.holders, x.ID)
	}
	if slots, _ := s.Store.Slots("dev", "retried"); len(slots) != 0 {
		t.Errorf("slots after the restart: got %+v, want none", slots)
	}
}

// Two restarts planned from the same record: the first claims the execution, the second
// runs nothing.
func TestRestartTwiceAtOnce(t *testing.T) {
	s, _ := newService(t)
	f := parse(t, retried)
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: map[string]any{"n": 1}})
	if err != nil || x.State.Current != runner.StateFailed {
		t.Fatalf("run: %v; want FAILED", err)
	}
	a, err := s.PlanRestart(x.ID, RestartOptions{Flow: f})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.PlanRestart(x.ID, RestartOptions{Flow: f})
	if err != nil {
		t.Fatal(err)
	}
	if y, err := s.Restart(context.Background(), a, nil); err != nil || y.State.Current != runner.StateSuccess {
		t.Fatalf("first restart: %v, %v", y, err)
	}
	if _, err := s.Restart(context.Background(), b, nil); err == nil || !strings.Contains(err.Error(), "changed since the restart read it") {
		t.Fatalf("second restart: got %v, want it refused", err)
	}
	rec, _, err := s.Store.Execution(x.ID)
	if err != nil || rec.State != runner.StateSuccess || !strings.Contains(string(rec.Doc), `"attemptNumber":2`) {
		t.Errorf("record: %s, %v; want the first restart's, SUCCESS at attempt 2", rec.State, err)
	}
}

// An execution recorded RUNNING whose run lease a live process holds is running: a restart
// with Force, which would run it a second time at once, is refused, and says so.
func TestRestartForceRefusedWhileAProcessRunsIt(t *testing.T) {
	s, _ := newService(t)
	f := parse(t, retried)
	x, err := s.Run(context.Background(), f, RunOptions{Inputs: map[string]any{"n": 1}})
	if err != nil || x.State.Current != runner.StateFailed {
		t.Fatalf("run: %v; want FAILED", err)
	}
	x.State = runner.State{Current: runner.StateRunning, StartDate: x.State.StartDate, Histories: x.State.Histories[:2]}
	if err := runner.Save(s.Store, x); err != nil {
		t.Fatal(err)
	}
	live, err := s.Store.TakeRunLease(x.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.PlanRestart(x.ID, RestartOptions{Flow: f, Force: true})
	if err == nil || !strings.Contains(err.Error(), "a process is running it") {
		t.Fatalf("forced restart of a running execution: got %v, want it refused", err)
	}
	if got := recorded(t, s, x.ID); got != runner.StateRunning {
		t.Errorf("recorded %s, want RUNNING untouched", got)
	}
	live.Release()
	if _, err := restart(s, x.ID, RestartOptions{Flow: f, Force: true}); err != nil {
		t.Errorf("forced restart once its process is gone: %v", err)
	}
}
