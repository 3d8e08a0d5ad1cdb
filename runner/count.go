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
