package runner

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/flowctl/flowctl/flow"
)

// This file is Kestra's restart: a FAILED (or KILLED) execution runs again, as a new attempt
// of the same execution (same id), from its failed task runs. PlanRestart turns the recorded
// document into the one the restart starts from (ExecutionService.restart); Run, given it in
// Options.Restart, walks the flow as usual but takes each run the document already holds
// instead of making a new one: a run that ended well is kept with its outputs and not run
// again, a run to restart runs again under its own id, with one more attempt.

// StateRestarted is the state of a restarted execution, and of each runnable task run that
// is to run again, between the restart and its new run.
const StateRestarted = "RESTARTED"

// Metadata is Kestra's execution metadata: which attempt of the original execution this
// is. It is written from attempt 2 on: a restart of the same execution, or a new execution
// that a retry's CREATE_NEW_EXECUTION made (maxDuration counts from OriginalCreatedDate).
type Metadata struct {
	// AttemptNumber is 1 for the first run, and grows by one with each restart or retry.
	AttemptNumber int `json:"attemptNumber"`
	// OriginalCreatedDate is when the execution was first created.
	OriginalCreatedDate time.Time `json:"originalCreatedDate"`
}

// Restarted reports whether x was restarted: its states went through RESTARTED. (An
// execution a retry created has an attempt number above 1 without being restarted.)
func (x *Execution) Restarted() bool {
	for _, h := range x.State.Histories {
		if h.State == StateRestarted {
			return true
		}
	}
	return false
}

// NotRestartableError says why an execution cannot be restarted: its state (only a FAILED
// or KILLED execution can), or a run of a task the flow no longer has.
type NotRestartableError struct {
	ID, State string
	Reason    string
}

func (e *NotRestartableError) Error() string {
	return fmt.Sprintf("execution %s (%s) cannot be restarted: %s", e.ID, e.State, e.Reason)
}

// Restartable reports, as a *NotRestartableError, why x cannot be restarted; nil when it can:
// it ended FAILED or KILLED.
func Restartable(x *Execution) error {
	reason := ""
	switch x.State.Current {
	case StateFailed, StateKilled:
		return nil
	case StateSuccess, StateWarning:
		// Kestra's words: it finds no failed run to restart from.
		reason = "No task found to restart execution from! It ended well: only a FAILED or KILLED execution is restarted (run the flow again for a new execution)"
	case StateRetried:
		// Kestra's restart finds no FAILED run in it either: its failed run ended RETRIED.
		reason = "No task found to restart execution from! It ended RETRIED: a new execution of its flow retries it (flowctl executions list --flow " +
			x.FlowID + "); restart that one if it failed"
	case StateCancelled:
		reason = "it never ran (its flow's concurrency limit cancelled it); run the flow again"
	case StatePaused:
		reason = "it is waiting in a Pause task; resume it: flowctl executions resume " + x.ID +
			" (if the process that ran it is gone, restart it with --force)"
	case StateRunning, StateCreated, StateQueued, StateRestarted:
		reason = fmt.Sprintf("Execution must be terminated to be restarted, current state is '%s' ! A process still runs it, "+
			"or one cut off (kill -9, the OOM killer, a reboot) left it so; if its process is gone, restart it with --force", x.State.Current)
	default:
		reason = "only a FAILED or KILLED execution is restarted"
	}
	return &NotRestartableError{ID: x.ID, State: x.State.Current, Reason: reason}
}

// Unfinished reports whether an execution in state st has not ended: one a process runs,
// or one whose process was cut off (kill -9) and left so. Only the caller can know which:
// PlanRestart plans such an execution as a KILLED one.
func Unfinished(st string) bool {
	switch st {
	case StateRunning, StateCreated, StateQueued, StateRestarted, StatePaused:
		return true
	}
	return false
}

// PlanRestart returns the document a restart of x with flow f starts from, as Kestra's
// ExecutionService.restart makes it: the execution RESTARTED, with the next attempt number;
// the runs of its errors and finally branches removed, and those of the flowables that run
// again (they run again as these end); each run that did not end well (FAILED, KILLED,
// or cut off) RESTARTED when it is a runnable task or a WorkingDirectory (whose children are
// removed: its folder is gone), and RUNNING when it is a flowable; its flowable ancestors
// RUNNING too. The other runs are kept as they are, outputs and attempts included. x is not
// changed. Every run must be of a task of f: a restart with a flow that lost one is refused.
// An execution that has not ended (see Unfinished) is planned as if it had been KILLED, its
// attempts under way ended KILLED: the caller makes sure no process runs it any more.
func PlanRestart(f *flow.Flow, x *Execution, now time.Time) (*Execution, error) {
	if err := Restartable(x); err != nil && !Unfinished(x.State.Current) {
		return nil, err
	}
	specs := map[string]*flow.TaskSpec{}
	for _, s := range f.AllTasks() {
		specs[s.ID] = s
	}
	if x.Namespace != f.Namespace || x.FlowID != f.ID {
		return nil, &NotRestartableError{ID: x.ID, State: x.State.Current,
			Reason: fmt.Sprintf("it is an execution of %s.%s, not of %s.%s", x.Namespace, x.FlowID, f.Namespace, f.ID)}
	}
	y := *x
	y.Labels = maps.Clone(x.Labels)
	y.TaskRunList = nil
	y.Outputs = nil

	children := map[string][]*TaskRun{}
	for _, tr := range x.TaskRunList {
		children[tr.ParentTaskRunID] = append(children[tr.ParentTaskRunID], tr)
	}
	dropped := map[string]bool{}
	var drop func(tr *TaskRun)
	drop = func(tr *TaskRun) {
		dropped[tr.ID] = true
		for _, c := range children[tr.ID] {
			drop(c)
		}
	}
	byID := map[string]*TaskRun{}
	for _, tr := range x.TaskRunList {
		byID[tr.ID] = tr
	}
	// handling reports whether tr is in an errors or finally branch, at any depth.
	handling := func(tr *TaskRun) bool {
		for r := tr; r != nil; r = byID[r.ParentTaskRunID] {
			if r.Branch != BranchTasks {
				return true
			}
		}
		return false
	}
	// The runs to restart: those of the tasks branches that did not end well, and their
	// ancestors.
	again := map[string]bool{}
	for _, tr := range x.TaskRunList {
		if endedWell(tr.State.Current) || handling(tr) {
			continue
		}
		for r := tr; r != nil && !again[r.ID]; r = byID[r.ParentTaskRunID] {
			again[r.ID] = true
		}
	}
	// The errors and finally runs of the execution and of the flowables that run again go:
	// they run again as those end. A flowable kept keeps its own.
	for _, tr := range x.TaskRunList {
		if tr.Branch != BranchTasks && (tr.ParentTaskRunID == "" || again[tr.ParentTaskRunID]) {
			drop(tr)
		}
	}
	for _, tr := range x.TaskRunList {
		if dropped[tr.ID] {
			continue
		}
		spec := specs[tr.TaskID]
		if spec == nil && forEachItemOf(specs, tr.TaskID) != "" {
			// One of a ForEachItem's own runs (<id>_split, _items, _merge): a runnable task
			// that runs again RESTARTED, as Kestra's; a kept split's batches are read from
			// its splits output (see runForEachItem).
			spec = &flow.TaskSpec{ID: tr.TaskID}
			specs[tr.TaskID] = spec
		}
		if spec == nil {
			return nil, &NotRestartableError{ID: x.ID, State: x.State.Current,
				Reason: fmt.Sprintf("it has a run of task %q, which flow %s.%s has no longer; restart it with the flow it ran (--flow FILE)", tr.TaskID, f.Namespace, f.ID)}
		}
		if again[tr.ID] {
			if _, wd := spec.Flowable.(*flow.WorkingDirectory); wd {
				for _, c := range children[tr.ID] {
					drop(c)
				}
			}
		}
	}
	for _, tr := range x.TaskRunList {
		if dropped[tr.ID] {
			continue
		}
		c := *tr
		c.parent = nil
		if again[tr.ID] {
			restartRun(&c, specs[tr.TaskID], now)
		}
		y.TaskRunList = append(y.TaskRunList, &c)
	}
	meta := Metadata{AttemptNumber: 1, OriginalCreatedDate: x.State.StartDate.UTC()}
	if x.Metadata != nil {
		meta = *x.Metadata
	}
	meta.AttemptNumber++
	y.Metadata = &meta
	y.State.Histories = slices.Clone(x.State.Histories)
	y.State.EndDate = time.Time{}
	y.State.Set(StateRestarted, now)
	return &y, nil
}

// forEachItemOf returns the id of the ForEachItem among specs whose own run (<id>_split,
// <id>_items, <id>_merge) taskID is; "" when it is none.
func forEachItemOf(specs map[string]*flow.TaskSpec, taskID string) string {
	for _, suffix := range flow.ForEachItemSuffixes {
		id, ok := strings.CutSuffix(taskID, suffix)
		if !ok {
			continue
		}
		if s := specs[id]; s != nil {
			if _, fe := s.Flowable.(*flow.ForEachItem); fe {
				return id
			}
		}
	}
	return ""
}

// endedWell reports whether a run in state st is kept by a restart.
func endedWell(st string) bool {
	return st == StateSuccess || st == StateWarning || st == StateSkipped
}

// restartRun moves a run to restart to the state it waits in: RUNNING for a flowable, and for
// a runnable task with children (a Pause's tasks) whose own work ended well, which runs its
// children again only; RESTARTED for any other task, which runs again with one more attempt.
func restartRun(tr *TaskRun, spec *flow.TaskSpec, now time.Time) {
	if n := len(tr.Attempts); n > 0 && tr.Attempts[n-1].State.EndDate.IsZero() {
		// An attempt its process, cut off, never ended.
		a := *tr.Attempts[n-1]
		a.State.Histories = slices.Clone(a.State.Histories)
		a.State.End(StateKilled, now)
		tr.Attempts = append(slices.Clone(tr.Attempts[:n-1]), &a)
	}
	st := StateRestarted
	_, wd := spec.Flowable.(*flow.WorkingDirectory)
	switch {
	case spec.Flowable != nil && !wd:
		st = StateRunning
	case spec.Flowable == nil && len(spec.Children) > 0 && len(tr.Attempts) > 0 && endedWell(tr.Attempts[len(tr.Attempts)-1].State.Current):
		st = StateRunning
	}
	tr.State.Histories = slices.Clone(tr.State.Histories)
	tr.State.EndDate = time.Time{}
	if tr.State.Current != st { // a flowable cut off RUNNING stays so, as Kestra's withState
		tr.State.Set(st, now)
	}
	tr.Error = ""
	tr.Attempts = slices.Clone(tr.Attempts) // nil (a flowable's) stays nil
}

// restart is what the engine keeps of the document a restart started from: the runs it
// holds, found by where they run (parent run, task, loop value).
type restart struct {
	runs map[runKey]*TaskRun
	// childrenOnly holds the runnable runs that run their children again, not their own
	// work (RUNNING from PlanRestart).
	childrenOnly map[string]bool
}

type runKey struct{ parent, task, value string }

// startRestart makes the engine run the document prepared by PlanRestart: e.exec becomes it,
// the outputs of its runs are in scope, its trigger's variables are trigger.*.
func (e *engine) startRestart(x *Execution) {
	// The inputs as Run typed and masked them from Options.Inputs (the record's, typed
	// again): a JSON round trip of the record would have made an INT past 2^53 a float.
	x.Inputs = e.exec.Inputs
	e.exec = x
	e.opts.Trigger = x.Trigger
	if e.opts.Revision > 0 {
		x.FlowRevision = e.opts.Revision
	}
	r := &restart{runs: make(map[runKey]*TaskRun, len(x.TaskRunList)), childrenOnly: map[string]bool{}}
	byID := make(map[string]*TaskRun, len(x.TaskRunList))
	for _, tr := range x.TaskRunList {
		byID[tr.ID] = tr
	}
	for _, tr := range x.TaskRunList {
		tr.parent = byID[tr.ParentTaskRunID]
		r.runs[runKey{tr.ParentTaskRunID, tr.TaskID, tr.Value}] = tr
		// Runnable runs have attempts (a list, maybe empty); flowable ones none.
		if tr.State.Current == StateRunning && tr.Attempts != nil {
			r.childrenOnly[tr.ID] = true
		}
	}
	// Built in place, every map a copy of its own: no render holds the tree yet, and
	// copying a loop's map for each value would cost the square of the values.
	for _, tr := range x.TaskRunList {
		if tr.Outputs != nil {
			e.outputs[tr.TaskID] = putPath(e.outputs[tr.TaskID], valuePath(tr), tr.Outputs)
		}
	}
	e.restart = r
}

// putPath returns cur with out set at path, changing in place the maps it made before.
func putPath(cur any, path []string, out map[string]any) any {
	m, _ := cur.(map[string]any)
	if m == nil {
		m = make(map[string]any, len(out))
	}
	if len(path) == 0 {
		maps.Copy(m, out)
		return m
	}
	m[path[0]] = putPath(m[path[0]], path[1:], out)
	return m
}

// previousRun returns the run of spec under fr with value that the restarted document holds:
// kept when it ended well (it is not run again), else to run again under its id. It returns
// nil outside a restart, and for a run the document does not hold (one that never started):
// that run is made as usual.
func (e *engine) previousRun(spec *flow.TaskSpec, fr frame, value string) (tr *TaskRun, kept bool) {
	if e.restart == nil {
		return nil, false
	}
	parent := ""
	if fr.parent != nil {
		parent = fr.parent.ID
	}
	key := runKey{parent, spec.ID, value}
	e.mu.Lock()
	defer e.mu.Unlock()
	tr = e.restart.runs[key]
	if tr == nil {
		return nil, false
	}
	// Taken once: a task run again under the same parent (never in a well-formed tree)
	// gets a run of its own.
	delete(e.restart.runs, key)
	switch tr.State.Current {
	case StateRestarted, StateRunning:
		return tr, false
	}
	return tr, true
}

// endUnreached ends, as they had ended before, the runs a restart was to run again but did
// not reach: an earlier failure (or an interrupt) stopped their branch first. A run that had
// not ended (cut off by kill -9) ends KILLED.
func (e *engine) endUnreached() {
	if e.restart == nil {
		return
	}
	now := e.opts.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, tr := range e.restart.runs {
		if tr.State.Current != StateRestarted && tr.State.Current != StateRunning {
			continue
		}
		st := StateKilled
		if h := tr.State.Histories; len(h) >= 2 {
			switch prev := h[len(h)-2].State; prev {
			case StateFailed, StateKilled, StateCancelled:
				st = prev
			}
		}
		tr.State.End(st, now)
		e.changed()
	}
}

// childrenOnly reports whether tr, restarted, runs its children again but not its own work:
// a runnable task with children (a Pause's tasks) whose own work ended well. state is what
// its work ended in.
func (e *engine) childrenOnly(tr *TaskRun) (state string, ok bool) {
	if e.restart == nil || !e.restart.childrenOnly[tr.ID] || len(tr.Attempts) == 0 {
		return "", false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return tr.Attempts[len(tr.Attempts)-1].State.Current, true
}
