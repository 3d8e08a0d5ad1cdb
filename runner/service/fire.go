package service

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/templating"
)

// Fire runs, one after another in namespace.id order, every applied flow whose Flow trigger
// matches the ended execution x; then what their executions fire, down to MaxTriggerDepth
// executions after x. A flow never fires on its own executions, as in Kestra. What goes
// wrong is a note: triggered executions never change the outcome of x.
func (s *Service) Fire(ctx context.Context, x *runner.Execution) {
	s.fire(ctx, x, 1)
}

func (s *Service) fire(ctx context.Context, x *runner.Execution, depth int) {
	flows, err := s.Store.Flows()
	if err != nil {
		s.warnf("triggers not evaluated: %v", err)
		return
	}
	var toggles map[string]state.Toggle // read once a flow with triggers is found
	for _, rec := range flows {
		if ctx.Err() != nil {
			return
		}
		if rec.Disabled || (rec.Namespace == x.Namespace && rec.ID == x.FlowID) {
			continue // as in Kestra, a flow never fires on its own executions
		}
		if !bytes.Contains(rec.Source, []byte("triggers")) {
			// A flow without a `triggers` key cannot fire: skip parsing it, so that a run
			// stays fast with hundreds of applied flows.
			continue
		}
		f, err := flow.Parse(fmt.Sprintf("%s.%s (applied revision %d)", rec.Namespace, rec.ID, rec.Revision), rec.Source, s.Registry)
		if err != nil {
			s.warnf("applied flow %s.%s is no longer valid, its triggers are skipped: %v", rec.Namespace, rec.ID, err)
			continue
		}
		if f.Disabled {
			continue
		}
		if toggles == nil {
			toggles = s.toggles()
		}
		for _, t := range f.Triggers {
			if toggledOff(toggles, f, t) || !runner.Fires(t, x) || !s.windowsComplete(f, rec.Revision, t, x) {
				continue
			}
			if depth > MaxTriggerDepth {
				s.warnf("trigger %s.%s/%s not run: chains of Flow triggers stop after %d executions", f.Namespace, f.ID, t.ID, MaxTriggerDepth)
				continue
			}
			s.runTriggered(ctx, f, rec.Revision, t, x, depth)
		}
	}
}

// runTriggered runs flow f for its trigger t, fired by x.
func (s *Service) runTriggered(ctx context.Context, f *flow.Flow, revision int, t *flow.Trigger, x *runner.Execution, depth int) {
	name := fmt.Sprintf("%s.%s", f.Namespace, f.ID)
	given, err := s.renderTriggerInputs(t.Inputs, runner.TriggerContext(f, revision, x))
	if err != nil {
		s.warnf("trigger %s/%s: inputs: %v", name, t.ID, err)
		return
	}
	inputs, secrets, missing, err := flow.ParseTriggerInputs(f, given, s.inputsKV())
	if err != nil {
		s.warnf("trigger %s/%s: %v", name, t.ID, err)
		return
	}
	for _, in := range missing {
		// Kestra starts the execution all the same: a listener that works on a Kestra
		// server must not silently never run here.
		s.warnf("trigger %s/%s: input %q is required but the trigger does not give it: the execution starts without it", name, t.ID, in)
	}
	sink := s.Notify.Fired(f, t, x)
	y, err := s.Run(ctx, f, RunOptions{
		Inputs:        inputs,
		Secrets:       secrets,
		Trigger:       &runner.ExecTrigger{ID: t.ID, Type: t.Type, Variables: runner.TriggerVariables(x)},
		CorrelationID: cmp.Or(x.Labels[runner.LabelCorrelationID], x.ID),
		Revision:      revision,
		Sink:          sink,
	})
	if err != nil {
		s.warnf("trigger %s/%s: %v", name, t.ID, err)
		return
	}
	s.Notify.FiredEnded(f, y)
	s.fire(ctx, y, depth+1)
}

// renderTriggerInputs renders a trigger's inputs with vars (runner.TriggerContext) and the
// environment's envs.* and secrets, as strings for ParseTriggerInputs.
func (s *Service) renderTriggerInputs(in map[string]any, vars map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(in))
	env := s.environ()
	all := maps.Clone(vars)
	all["envs"] = templating.EnvVars(env)
	tenv := &templating.Env{Vars: all, Secret: templating.EnvSecrets(s.lookupEnv()), KV: runner.KVLookup(runner.KV(s.Store))}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v, ok := in[k].(string)
		if !ok {
			out[k] = templating.ToString(in[k])
			continue
		}
		t, err := templating.Parse(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		r, err := t.Render(tenv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = r
	}
	return out, nil
}

// lookupEnv is os.LookupEnv, or its like over Environ when the service has one (the first
// line of a key wins, as in the process environment).
func (s *Service) lookupEnv() func(string) (string, bool) {
	if s.Environ == nil {
		return os.LookupEnv
	}
	return func(key string) (string, bool) {
		for _, kv := range s.Environ {
			if k, v, ok := strings.Cut(kv, "="); ok && k == key {
				return v, true
			}
		}
		return "", false
	}
}
