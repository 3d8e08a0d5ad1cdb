package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

func TestBatchDue(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var b batch
	if w := b.wait(t0); w != flushEvery {
		t.Fatalf("empty batch waits %v, want %v", w, flushEvery)
	}
	if !b.add(t0, 1) {
		t.Fatal("the first line of a batch does not wake the writer")
	}
	if b.add(t0.Add(time.Millisecond), 1) {
		t.Fatal("the second line wakes the writer")
	}
	if w := b.wait(t0.Add(50 * time.Millisecond)); w != 150*time.Millisecond {
		t.Fatalf("batch 50 ms old waits %v, want 150ms", w)
	}
	if w := b.wait(t0.Add(flushEvery)); w != 0 {
		t.Fatalf("batch %v old waits %v, want 0", flushEvery, w)
	}
	// Full before its time: due at once, and the line that fills it wakes the writer.
	b = batch{}
	b.add(t0, 1)
	if b.add(t0, flushLines-2) {
		t.Fatal("a batch one line short of full wakes the writer")
	}
	if w := b.wait(t0); w == 0 {
		t.Fatal("a batch one line short of full is due at once")
	}
	if !b.add(t0, 1) {
		t.Fatalf("the line that fills the batch (%d) does not wake the writer", flushLines)
	}
	if w := b.wait(t0); w != 0 {
		t.Fatalf("a full batch waits %v", w)
	}
	if b.add(t0, 1) {
		t.Fatal("a line past a full batch wakes the writer again")
	}
	// A task run starting or ending (no line) begins a batch too.
	b = batch{}
	if !b.add(t0, 0) || b.wait(t0.Add(flushEvery)) != 0 {
		t.Fatal("a document change is not written within flushEvery")
	}
}

// fakeJournal keeps what a running execution wrote, and says when it changed.
type fakeJournal struct {
	mu      sync.Mutex
	docs    []*Execution
	lines   []state.LogEntry
	changed chan struct{}
}

func newFakeJournal() *fakeJournal { return &fakeJournal{changed: make(chan struct{}, 1)} }

func (j *fakeJournal) PutExecutionLogs(r state.ExecRecord, entries []state.LogEntry) error {
	x, err := Decode(r)
	if err != nil {
		return err
	}
	j.mu.Lock()
	j.docs = append(j.docs, x)
	j.mu.Unlock()
	return j.PutLogs(r.ID, entries)
}

func (j *fakeJournal) PutLogs(_ string, entries []state.LogEntry) error {
	j.mu.Lock()
	j.lines = append(j.lines, entries...)
	j.mu.Unlock()
	select {
	case j.changed <- struct{}{}:
	default:
	}
	return nil
}

// await waits until ok holds of what was written.
func (j *fakeJournal) await(ctx context.Context, ok func(j *fakeJournal) bool) error {
	for {
		j.mu.Lock()
		done := ok(j)
		j.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-j.changed:
		}
	}
}

// chattyTask logs n lines, then waits until its test has seen what it expects written.
type chattyTask struct {
	n     int
	until func(ctx context.Context) error
}

func (c *chattyTask) Run(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
	for i := range c.n {
		tc.Log.Log(tasks.LevelInfo, fmt.Sprintf("line %d", i))
	}
	if c.until != nil {
		if err := c.until(ctx); err != nil {
			return tasks.Result{}, err
		}
	}
	return tasks.Result{}, nil
}

func TestJournalWritesWhileRunning(t *testing.T) {
	const n = 1234
	j := newFakeJournal()
	var sawRunning bool
	chatty := &chattyTask{n: n, until: func(ctx context.Context) error {
		// Every line logged so far is written, with a document that shows this task
		// run RUNNING, before the task ends: nothing waits for the execution's end.
		return j.await(ctx, func(j *fakeJournal) bool {
			if len(j.lines) < n {
				return false
			}
			for _, x := range j.docs {
				for _, tr := range x.TaskRunList {
					if tr.TaskID == "chatty" && tr.State.Current == StateRunning {
						sawRunning = true
					}
				}
			}
			return sawRunning
		})
	}}
	f := testFlow([]*flow.TaskSpec{
		{ID: "chatty", Type: "test.Chatty", Task: chatty},
		spec("after", step{log: "last line"}),
	}, nil, nil)
	x, err := Run(context.Background(), f, Options{Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != StateSuccess {
		t.Fatalf("state %s, want SUCCESS", x.State.Current)
	}
	if !sawRunning {
		t.Fatal("no document with the running task run was written")
	}
	// What was written while running and what is left for the end make the whole log,
	// once each, in order.
	j.mu.Lock()
	all := append(append([]state.LogEntry{}, j.lines...), LogEntries(x)...)
	j.mu.Unlock()
	if len(all) != n+1 {
		t.Fatalf("%d lines written in all, want %d", len(all), n+1)
	}
	for i := range n {
		if want := fmt.Sprintf("line %d", i); all[i].Message != want {
			t.Fatalf("line %d is %q, want %q", i, all[i].Message, want)
		}
	}
	if all[n].Message != "last line" {
		t.Fatalf("last line %q", all[n].Message)
	}
}

// failingJournal refuses every write, as a state locked by another process too long would.
type failingJournal struct {
	once  sync.Once
	tried chan struct{} // closed on the first write
}

func (j *failingJournal) fail() error {
	j.once.Do(func() { close(j.tried) })
	return errors.New("timeout waiting for the state's lock")
}

func (j *failingJournal) PutExecutionLogs(state.ExecRecord, []state.LogEntry) error { return j.fail() }

func (j *failingJournal) PutLogs(string, []state.LogEntry) error { return j.fail() }

func TestJournalFailingLeavesEverythingForTheEnd(t *testing.T) {
	j := &failingJournal{tried: make(chan struct{})}
	var warnings []string
	// The task ends once a write was refused.
	chatty := &chattyTask{n: 600, until: func(ctx context.Context) error {
		select {
		case <-j.tried:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	f := testFlow([]*flow.TaskSpec{{ID: "chatty", Type: "test.Chatty", Task: chatty}}, nil, nil)
	x, err := Run(context.Background(), f, Options{Journal: j, Warn: func(msg string) { warnings = append(warnings, msg) }})
	if err != nil {
		t.Fatal(err)
	}
	// Every line is left for the record of the end, and the failure is said once.
	if n := len(LogEntries(x)); n != 600 {
		t.Fatalf("%d lines left for the end, want 600", n)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "recording it as it ran failed: timeout waiting") {
		t.Fatalf("warnings %q, want one saying the recording failed", warnings)
	}
}
