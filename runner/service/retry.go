package service

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
)

// RetriedBy returns the id and state of the execution that retries x (the new execution a
// CREATE_NEW_EXECUTION retry started, whose parentId is x's id); ok is false when none is
// recorded (x did not end RETRIED, the retry was interrupted, or it was pruned). It reads
// the summaries of the executions of x's flow.
func RetriedBy(store *state.Store, x *runner.Execution) (id, st string, ok bool, err error) {
	if x.State.Current != runner.StateRetried {
		return "", "", false, nil
	}
	recs, err := store.Executions(state.ListFilter{Namespace: x.Namespace, FlowID: x.FlowID})
	if err != nil {
		return "", "", false, err
	}
	// Newest first: the retry started after x, so the walk ends at x.
	for _, rec := range recs {
		if rec.ID == x.ID {
			break
		}
		var doc struct {
			ParentID string `json:"parentId"`
		}
		if err := json.Unmarshal(rec.Doc, &doc); err != nil {
			return "", "", false, fmt.Errorf("execution %q: damaged record: %w", rec.ID, err)
		}
		if doc.ParentID == x.ID {
			return rec.ID, rec.State, true, nil
		}
	}
	return "", "", false, nil
}

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
