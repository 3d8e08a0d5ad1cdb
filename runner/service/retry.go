package service

import (
	"context"
	"maps"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/runner"
)

// Run runs f and records it (see runOnce). An execution that ends RETRIED (a failed task
// whose retry is CREATE_NEW_EXECUTION, its own, a flowable ancestor's or the flow's) is
// followed, once its retry's wait is over, by a new execution of f with the same inputs,
// labels and trigger, which records it as its parent: Run returns the last of them, each
// recorded. An interrupt during the wait, or a new execution the state refuses (said as a
// warning), returns the RETRIED one.
func (s *Service) Run(ctx context.Context, f *flow.Flow, o RunOptions) (*runner.Execution, error) {
	x, err := s.runOnce(ctx, f, o, nil)
	for err == nil && x.State.Current == runner.StateRetried && ctx.Err() == nil {
		wait := max(x.RetryAt.Sub(s.now()), 0)
		s.notef("%s.%s: execution %s ended RETRIED: a new execution retries it in %s (attempt %d)",
			f.Namespace, f.ID, x.ID, duration.Human(wait), x.Metadata.AttemptNumber+1)
		if !sleep(ctx, wait) {
			break
		}
		y, err := s.runOnce(ctx, f, retryOptions(o, x), x)
		if err != nil {
			// The executions before it ran and are recorded: the last of them is the
			// run's outcome, and the refusal is said.
			s.warnf("%s.%s: the execution retrying %s did not start: %v", f.Namespace, f.ID, x.ID, err)
			return x, nil
		}
		x = y
	}
	return x, err
}

// retryOptions are the options of the execution that retries x: Kestra copies x's
// inputs, labels (those a Labels task added too) and trigger; the correlation id stays
// the chain's. The first execution's start is not heard again (a Subflow task holds its
// child's first id). A restart's document and run lease are the restarted execution's:
// the new execution is a new one, under its own id.
func retryOptions(o RunOptions, x *runner.Execution) RunOptions {
	o.restart = nil
	o.runLease = nil
	o.labels = maps.Clone(x.Labels)
	delete(o.labels, runner.LabelCorrelationID)
	o.CorrelationID = x.Labels[runner.LabelCorrelationID]
	o.started = nil
	o.created = nil
	return o
}

// sleep waits d or until ctx ends; it reports whether the wait ran out normally.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
