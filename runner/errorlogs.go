package runner

import (
	"slices"

	"github.com/flowctl/flowctl/tasks"
)

// maxErrorLogs is how many lines errorLogs() returns, as Kestra's LogService.errorLogs.
const maxErrorLogs = 25

// errorLogs is errorLogs() in the templates of this execution: its first ERROR lines, oldest
// first, each with Kestra's LogEntry fields. Logs are recorded as they are written here, so
// unlike Kestra (whose logs reach the database a moment later) it never waits for them.
// Messages are masked already, like every line kept.
func (e *engine) errorLogs() []any {
	type line struct {
		tr      *TaskRun
		attempt int
		l       LogLine
	}
	var lines []line
	e.mu.Lock()
	for _, tr := range e.exec.TaskRunList {
		for _, l := range slices.Concat(tr.Logs, tr.LogCut.errorLines()) {
			if l.Level == tasks.LevelError {
				lines = append(lines, line{tr, attemptAt(tr, l), l})
			}
		}
	}
	e.mu.Unlock()
	slices.SortStableFunc(lines, func(a, b line) int { return a.l.Time.Compare(b.l.Time) })
	out := make([]any, 0, min(len(lines), maxErrorLogs))
	for _, x := range lines[:min(len(lines), maxErrorLogs)] {
		out = append(out, map[string]any{
			"namespace":     e.exec.Namespace,
			"flowId":        e.exec.FlowID,
			"taskId":        x.tr.TaskID,
			"executionId":   e.exec.ID,
			"taskRunId":     x.tr.ID,
			"attemptNumber": x.attempt,
			"timestamp":     x.l.Time.UTC(),
			"level":         "ERROR",
			"message":       x.l.Message,
			"deleted":       false,
		})
	}
	return out
}

// attemptAt is the number (from 0) of the attempt of tr running when l was logged: the last
// one started by then. A line logged after the last attempt (the task run's error) belongs
// to it.
func attemptAt(tr *TaskRun, l LogLine) int {
	n := 0
	for i, a := range tr.Attempts {
		if !a.State.StartDate.After(l.Time) {
			n = i
		}
	}
	return n
}
