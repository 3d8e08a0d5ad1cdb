package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// MaxSubflowDepth bounds a chain of Subflow tasks (a flow whose task runs a flow whose task
// runs a flow...): past it, or when a flow of the chain comes back, the task fails naming the
// chain, where Kestra would run until the server gave out.
const MaxSubflowDepth = 10

// subflow returns the Subflow hook of an execution of f: it runs the applied flow a Subflow
// task names as its own recorded execution, in this process. chain names the flows of the
// executions that led to this one (the first: the one run), outer first. runCtx is the
// execution's: a child that is not waited for lives as long as the run, not the task.
func (s *Service) subflow(runCtx context.Context, f *flow.Flow, chain []string) func(context.Context, *runner.Execution, tasks.SubflowRequest) (tasks.SubflowResult, error) {
	chain = append(slices.Clone(chain), f.Namespace+"."+f.ID)
	return func(ctx context.Context, parent *runner.Execution, req tasks.SubflowRequest) (tasks.SubflowResult, error) {
		name := req.Namespace + "." + req.FlowID
		path := strings.Join(append(slices.Clone(chain), name), " -> ")
		if slices.Contains(chain, name) {
			return tasks.SubflowResult{}, fmt.Errorf("subflow cycle: %s", path)
		}
		if len(chain) > MaxSubflowDepth {
			return tasks.SubflowResult{}, fmt.Errorf("subflow chain deeper than %d: %s", MaxSubflowDepth, path)
		}
		child, revision, err := s.appliedFlow(req)
		if err != nil {
			return tasks.SubflowResult{}, err
		}
		given := make(map[string]string, len(req.Inputs))
		for k, v := range req.Inputs {
			given[k] = templating.ToString(v)
		}
		inputs, secrets, err := flow.ParseInputs(child, given, s.inputsKV())
		if err != nil {
			return tasks.SubflowResult{}, fmt.Errorf("inputs of %s: %w", name, err)
		}
		// Kestra's labels: the child flow's own (the engine adds them), the parent's when
		// inheritLabels (else only its system labels: the correlation id is shared), then
		// the task's.
		labels := map[string]string{}
		if req.InheritLabels {
			for k, v := range parent.Labels {
				if !strings.HasPrefix(k, "system.") {
					labels[k] = v
				}
			}
		}
		maps.Copy(labels, req.Labels)
		o := RunOptions{
			Inputs:  inputs,
			Secrets: secrets,
			Trigger: &runner.ExecTrigger{ID: req.TaskID, Type: req.TaskType, Variables: map[string]any{
				"executionId":  parent.ID,
				"namespace":    parent.Namespace,
				"flowId":       parent.FlowID,
				"flowRevision": parent.FlowRevision,
			}},
			CorrelationID: parent.Labels[runner.LabelCorrelationID],
			Revision:      revision,
			Sink:          s.Notify.Subflow(child, req.TaskID, parent),
			labels:        labels,
			chain:         chain,
		}
		if !req.Wait {
			return s.startSubflow(runCtx, child, o, req)
		}
		o.started = req.Started
		y, err := s.Run(ctx, child, o)
		if err != nil {
			return tasks.SubflowResult{}, err
		}
		s.Notify.SubflowEnded(child, y)
		res := tasks.SubflowResult{ExecutionID: y.ID, State: y.State.Current, Outputs: y.Outputs}
		if req.TextOutputs {
			res.Outputs = y.TextOutputs()
		}
		if len(child.Outputs) == 0 && req.Outputs != nil {
			// The task's deprecated outputs, rendered in the child's context.
			out, err := renderValue(runner.TriggerContext(child, revision, y), req.Outputs)
			if err != nil {
				return tasks.SubflowResult{ExecutionID: y.ID, State: y.State.Current},
					fmt.Errorf("Failed to extract outputs with the error: '%v'", err)
			}
			res.Outputs = out.(map[string]any)
		}
		return res, nil
	}
}

// startSubflow starts a child that is not waited for: it runs on its own goroutine, which
// Wait awaits, and the task ends as soon as the child runs, its state as Kestra reports it:
// CREATED. A child that never ran (refused by its flow's concurrency limit) ends the task
// with its final state.
func (s *Service) startSubflow(ctx context.Context, child *flow.Flow, o RunOptions, req tasks.SubflowRequest) (tasks.SubflowResult, error) {
	type ended struct {
		y   *runner.Execution
		err error
	}
	started := make(chan string, 1)
	done := make(chan ended, 1)
	o.started = func(id string) {
		req.Started(id)
		started <- id
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		y, err := s.Run(ctx, child, o)
		if err == nil {
			s.Notify.SubflowEnded(child, y)
		}
		done <- ended{y, err}
	}()
	select {
	case id := <-started:
		return tasks.SubflowResult{ExecutionID: id, State: runner.StateCreated}, nil
	case e := <-done:
		if e.err != nil {
			return tasks.SubflowResult{}, e.err
		}
		return tasks.SubflowResult{ExecutionID: e.y.ID, State: e.y.State.Current}, nil
	}
}

// Wait returns once every child execution started without waiting (Subflow wait: false) has
// ended: a run must not exit, killing them, before.
func (s *Service) Wait() { s.pending.Wait() }

// appliedFlow finds the flow a Subflow task names among the applied flows, with Kestra's
// messages when it cannot run.
func (s *Service) appliedFlow(req tasks.SubflowRequest) (*flow.Flow, int, error) {
	rec, ok, err := s.Store.Flow(req.Namespace, req.FlowID)
	if err != nil {
		return nil, 0, err
	}
	if !ok || req.Revision > 0 && rec.Revision != req.Revision {
		return nil, 0, fmt.Errorf("Unable to find flow '%s'.'%s' with revision '%d'", req.Namespace, req.FlowID, req.Revision)
	}
	if rec.Disabled {
		return nil, 0, fmt.Errorf("Cannot execute a flow which is disabled")
	}
	f, err := flow.Parse(fmt.Sprintf("%s.%s (applied revision %d)", rec.Namespace, rec.ID, rec.Revision), rec.Source, s.Registry)
	if err != nil {
		return nil, 0, fmt.Errorf("Cannot execute an invalid flow: %v", err)
	}
	if f.Disabled {
		return nil, 0, fmt.Errorf("Cannot execute a flow which is disabled")
	}
	return f, rec.Revision, nil
}

// renderValue renders the strings of v at any depth with vars.
func renderValue(vars map[string]any, v any) (any, error) {
	switch x := v.(type) {
	case string:
		t, err := templating.Parse(x)
		if err != nil {
			return nil, err
		}
		return t.Render(&templating.Env{Vars: vars})
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			r, err := renderValue(vars, item)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			r, err := renderValue(vars, item)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case *templating.Map:
		// A mapping of the flow keeps the order it was written in.
		out := templating.NewMap(x.Len())
		for _, k := range x.Keys() {
			item, _ := x.Get(k)
			r, err := renderValue(vars, item)
			if err != nil {
				return nil, err
			}
			out.Set(k, r)
		}
		return out, nil
	}
	return v, nil
}
