package runner

import (
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// CountExecutions makes Options.CountExecutions of a state: execution.Count reads the
// state's start-time index through it, never the store itself.
func CountExecutions(s *state.Store) func(q tasks.ExecutionCountQuery) ([]tasks.ExecutionCount, error) {
	return func(q tasks.ExecutionCountQuery) ([]tasks.ExecutionCount, error) {
		counts, err := s.CountExecutions(q.From, q.To, q.Keep)
		if err != nil {
			return nil, err
		}
		out := make([]tasks.ExecutionCount, len(counts))
		for i, c := range counts {
			out[i] = tasks.ExecutionCount{Namespace: c.Namespace, FlowID: c.FlowID, Count: c.Count}
		}
		return out, nil
	}
}

// PurgeExecutions makes Options.PurgeExecutions of a state: execution.PurgeExecutions
// deletes through the state's own purge, with the checks `executions prune` makes.
func PurgeExecutions(s *state.Store) func(q tasks.PurgeQuery, except string) (tasks.PurgeCounts, error) {
	return func(q tasks.PurgeQuery, except string) (tasks.PurgeCounts, error) {
		r, err := s.PurgeExecutions(state.PurgeFilter{Namespace: q.Namespace, FlowID: q.FlowID,
			From: q.From, To: q.To, States: q.States, Except: except,
			Executions: q.Executions, Logs: q.Logs, Files: q.Files})
		return tasks.PurgeCounts{Executions: r.Executions, Logs: r.Logs, Files: r.Files}, err
	}
}

// purgeFunc is tasks.Context.PurgeExecutions: the execution running never purges itself.
func (e *engine) purgeFunc() func(q tasks.PurgeQuery) (tasks.PurgeCounts, error) {
	if e.opts.PurgeExecutions == nil {
		return nil
	}
	return func(q tasks.PurgeQuery) (tasks.PurgeCounts, error) {
		return e.opts.PurgeExecutions(q, e.exec.ID)
	}
}

// PurgeLogs makes Options.PurgeLogs of a state (log.PurgeLogs).
func PurgeLogs(s *state.Store) func(q tasks.LogPurgeQuery, except string) (int, error) {
	return func(q tasks.LogPurgeQuery, except string) (int, error) {
		return s.PurgeLogs(state.LogPurgeFilter{Namespace: q.Namespace, FlowID: q.FlowID,
			Levels: q.Levels, From: q.From, To: q.To, Except: except})
	}
}

// purgeLogsFunc is tasks.Context.PurgeLogs: the running execution's lines are kept.
func (e *engine) purgeLogsFunc() func(q tasks.LogPurgeQuery) (int, error) {
	if e.opts.PurgeLogs == nil {
		return nil
	}
	return func(q tasks.LogPurgeQuery) (int, error) { return e.opts.PurgeLogs(q, e.exec.ID) }
}
