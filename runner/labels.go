package runner

import (
	"cmp"
	"maps"
	"slices"

	"github.com/flowctl/flowctl/tasks"
)

// setLabels is the SetLabels of a task run (Kestra's execution.Labels): the labels are
// added to the execution's, replacing those of the same keys, masked like everything the
// execution keeps; the tasks that render after it read them as labels.*.
func (e *engine) setLabels(labels map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	next := maps.Clone(e.exec.Labels)
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		next[e.opts.Masker.String(k)] = e.opts.Masker.String(labels[k])
	}
	// The document and the label variables are replaced, never changed: a render or a
	// record in progress holds the ones it took.
	e.exec.Labels = next
	e.labels = labelVars(next)
	e.changed()
	return nil
}

// snapshot is a copy of the execution's document as it stands, for code outside the engine
// (a Subflow's child takes its parent's labels): the labels a Labels task replaces, and the
// task run list, are the copy's own.
func (e *engine) snapshot() *Execution {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := *e.exec
	x.Labels = maps.Clone(e.exec.Labels)
	x.TaskRunList = slices.Clone(e.exec.TaskRunList)
	return &x
}

// labelsVar is the labels variable as it stands: the flow's and the run's labels, then
// those the Labels tasks set. Called with e.mu held.
func (e *engine) labelsVar() any {
	if e.labels != nil {
		return e.labels
	}
	return e.base["labels"]
}

// fetchLogs is the Logs of a task run (Kestra's log.Fetch): the lines of the running
// execution, or of one recorded in the state, at q.Level or above, oldest first. An
// execution of another flow than q's (the running one's by default) has none.
func (e *engine) fetchLogs(q tasks.LogQuery) ([]tasks.LogRecord, error) {
	ns, flowID := cmp.Or(q.Namespace, e.exec.Namespace), cmp.Or(q.FlowID, e.exec.FlowID)
	var x *Execution
	var out []tasks.LogRecord
	if q.ExecutionID == "" || q.ExecutionID == e.exec.ID {
		e.mu.Lock()
		defer e.mu.Unlock()
		x = e.exec
	} else {
		if e.opts.Lookup == nil {
			return nil, errNoLookup(q.ExecutionID)
		}
		var err error
		if x, err = e.opts.Lookup(q.ExecutionID); err != nil {
			return nil, err
		}
	}
	if x.Namespace != ns || x.FlowID != flowID {
		return out, nil
	}
	for _, tr := range x.TaskRunList {
		for _, l := range tr.Logs {
			if l.Level < q.Level {
				continue
			}
			out = append(out, tasks.LogRecord{Namespace: x.Namespace, FlowID: x.FlowID, TaskID: tr.TaskID, ExecutionID: x.ID,
				TaskRunID: tr.ID, AttemptNumber: attemptAt(tr, l), Time: l.Time, Level: l.Level, Message: l.Message})
		}
	}
	slices.SortStableFunc(out, func(a, b tasks.LogRecord) int { return a.Time.Compare(b.Time) })
	return out, nil
}
