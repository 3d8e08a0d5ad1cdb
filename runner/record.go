package runner

import (
	"encoding/json"
	"fmt"

	"github.com/flowctl/flowctl/runner/state"
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

// LogEntries returns every line the task runs of x logged, in order, as the state keeps them.
func LogEntries(x *Execution) []state.LogEntry {
	var out []state.LogEntry
	for _, tr := range x.TaskRunList {
		for _, l := range tr.Logs {
			out = append(out, state.LogEntry{TaskRunID: tr.ID, Time: l.Time, Level: l.Level.String(), Message: l.Message})
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
