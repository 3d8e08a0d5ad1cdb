package runner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// Record turns an execution into what the state stores: the execution document (already
// masked: the engine masks as it goes) and the fields executions are listed by.
func Record(x *Execution) (state.ExecRecord, error) {
	doc, err := json.Marshal(x)
	if err != nil {
		return state.ExecRecord{}, fmt.Errorf("execution %s: %w", x.ID, err)
	}
	return state.ExecRecord{
		ID:        x.ID,
		Namespace: x.Namespace,
		FlowID:    x.FlowID,
		State:     x.State.Current,
		StartDate: x.State.StartDate,
		EndDate:   x.State.EndDate,
		Doc:       doc,
	}, nil
}

// LogEntries returns the lines the task runs of x kept, in order, as the state keeps them,
// each task run's followed by the count of what it did not keep. Lines already written
// while the execution ran are left out: the state has them.
func LogEntries(x *Execution) []state.LogEntry {
	var out []state.LogEntry
	for _, tr := range x.TaskRunList {
		for _, l := range tr.Logs[tr.logsSaved:] {
			out = append(out, state.LogEntry{TaskRunID: tr.ID, Time: l.Time, Level: l.Level.String(), Message: l.Message})
		}
		if c := tr.LogCut; c != nil {
			out = append(out, state.LogEntry{TaskRunID: tr.ID, Time: c.Time, Cut: c.Bytes})
		}
	}
	return out
}

// Save records x in the store with its logs, in one transaction.
func Save(s *state.Store, x *Execution) error {
	rec, err := Record(x)
	if err != nil {
		return err
	}
	return s.PutExecutionLogs(rec, LogEntries(x))
}

// View returns what tasks may read of x.
func View(x *Execution) *tasks.ExecutionView {
	v := &tasks.ExecutionView{
		ID: x.ID, Namespace: x.Namespace, FlowID: x.FlowID, State: x.State.Current,
		StartDate: x.State.StartDate.UTC(), EndDate: x.State.EndDate.UTC(), Labels: x.Labels,
	}
	for _, tr := range x.TaskRunList {
		v.TaskRuns = append(v.TaskRuns, tasks.TaskRunView{
			ID: tr.ID, TaskID: tr.TaskID, ParentID: tr.ParentTaskRunID, Value: tr.Value, Branch: tr.Branch, State: tr.State.Current,
			StartDate: tr.State.StartDate.UTC(), EndDate: tr.State.EndDate.UTC(), Error: tr.Error,
			ErrorLog: errorLog(tr),
		})
	}
	return v
}

// ErrorLines returns the last lines tr logged at ERROR level during its last attempt, oldest
// first, leaving out the one that repeats its error: what explains a failure (a traceback's
// end) in annotations and summaries.
func (tr *TaskRun) ErrorLines() []string { return errorLog(tr) }

// errorLog is the last tasks.ErrorLogLines lines tr logged at ERROR level during its last
// attempt (the earlier ones failed the same way, or not at all), leaving out the line that
// repeats its error.
func errorLog(tr *TaskRun) []string {
	var since time.Time
	if n := len(tr.Attempts); n > 1 {
		since = tr.Attempts[n-1].State.StartDate
	}
	var out []string
	// Newest first: the ERROR lines logged past the cap, then those kept.
	for _, lines := range [][]LogLine{tr.LogCut.errorLines(), tr.Logs} {
		for i := len(lines) - 1; i >= 0 && len(out) < tasks.ErrorLogLines; i-- {
			l := lines[i]
			if l.Time.Before(since) {
				break
			}
			if l.Level == tasks.LevelError && l.Message != tr.Error {
				out = append(out, l.Message)
			}
		}
	}
	slices.Reverse(out)
	return out
}

// Lookup returns a function finding executions recorded in s, with their logs, for
// Options.Lookup.
func Lookup(s *state.Store) func(id string) (*Execution, error) {
	return func(id string) (*Execution, error) {
		rec, ok, err := s.Execution(id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("execution %q not found in %s", id, s.Path())
		}
		x, err := Decode(rec)
		if err != nil {
			return nil, err
		}
		logs, err := s.Logs(id)
		if err != nil {
			return nil, err
		}
		AttachLogs(x, logs)
		return x, nil
	}
}

// Decode reads the execution document of a record. The values of inputs, outputs and
// trigger variables are read again in the order of the text (maps as templating.Maps) with
// their numbers as Jackson reads them: encoding/json alone would hand back Go maps, whose
// order is lost, and every number as a float64, which prints 3 as 3.0 in a template.
func Decode(rec state.ExecRecord) (*Execution, error) {
	var x Execution
	if err := json.Unmarshal(rec.Doc, &x); err != nil {
		return nil, fmt.Errorf("execution %q: damaged record: %w", rec.ID, err)
	}
	var raw struct {
		Inputs      json.RawMessage `json:"inputs"`
		Outputs     json.RawMessage `json:"outputs"`
		TaskRunList []struct {
			Outputs json.RawMessage `json:"outputs"`
		} `json:"taskRunList"`
		Trigger *struct {
			Variables json.RawMessage `json:"variables"`
		} `json:"trigger"`
	}
	if err := json.Unmarshal(rec.Doc, &raw); err != nil {
		return nil, fmt.Errorf("execution %q: damaged record: %w", rec.ID, err)
	}
	var err error
	ordered := func(dst *map[string]any, b json.RawMessage) {
		if err != nil || *dst == nil || len(b) == 0 {
			return
		}
		*dst, err = orderedValues(b)
	}
	ordered(&x.Inputs, raw.Inputs)
	ordered(&x.Outputs, raw.Outputs)
	for i, tr := range x.TaskRunList {
		if i < len(raw.TaskRunList) {
			ordered(&tr.Outputs, raw.TaskRunList[i].Outputs)
		}
	}
	if x.Trigger != nil && raw.Trigger != nil {
		ordered(&x.Trigger.Variables, raw.Trigger.Variables)
	}
	if err != nil {
		return nil, fmt.Errorf("execution %q: damaged record: %w", rec.ID, err)
	}
	return &x, nil
}

// orderedValues reads a JSON object as a map whose values keep the order of their text.
// The top level stays a Go map: it is looked up by name, and written sorted.
func orderedValues(b json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := templating.DecodeJSON(dec, nil)
	if err != nil {
		return nil, err
	}
	keys, m, ok := templating.AsMap(v)
	if !ok {
		return nil, fmt.Errorf("expected an object, got %s", b[:min(len(b), 20)])
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		out[k] = m[k]
	}
	return out, nil
}

// AttachLogs gives the task runs of x the lines the state kept for them.
func AttachLogs(x *Execution, logs []state.LogEntry) {
	byRun := make(map[string]*TaskRun, len(x.TaskRunList))
	for _, tr := range x.TaskRunList {
		byRun[tr.ID] = tr
	}
	for _, l := range logs {
		tr := byRun[l.TaskRunID]
		if tr == nil {
			continue
		}
		lvl, err := tasks.ParseLevel(l.Level)
		if err != nil {
			lvl = tasks.LevelInfo
		}
		tr.Logs = append(tr.Logs, LogLine{Time: l.Time, Level: lvl, Message: l.Message})
	}
}
