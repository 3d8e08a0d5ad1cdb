package service

import (
	"context"
	"fmt"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// toggleTrigger records a Toggle task's toggle, once it found the trigger in the applied
// flow, as Kestra finds it in its trigger store.
func (s *Service) toggleTrigger(_ context.Context, req tasks.ToggleRequest) error {
	name := req.Namespace + "." + req.FlowID
	rec, ok, err := s.Store.Flow(req.Namespace, req.FlowID)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("%w %s: Toggle changes the triggers of applied flows (apply it first: flowctl flow apply FILE)", tasks.ErrToggleFlowNotFound, name)
	}
	f, err := flow.Parse(fmt.Sprintf("%s (applied revision %d)", name, rec.Revision), rec.Source, s.Registry)
	if err != nil {
		return fmt.Errorf("the applied flow %s does not load: %w", name, err)
	}
	var ids []string
	for _, t := range f.Triggers {
		if t.ID == req.Trigger {
			return s.Store.SetToggle(state.Toggle{Namespace: req.Namespace, FlowID: req.FlowID, TriggerID: req.Trigger, Disabled: !req.Enabled, At: s.now().UTC()})
		}
		ids = append(ids, t.ID)
	}
	if len(ids) == 0 {
		return fmt.Errorf("unable to find trigger %s for the flow %s: it has no triggers", req.Trigger, name)
	}
	return fmt.Errorf("unable to find trigger %s for the flow %s (its triggers: %v)", req.Trigger, name, ids)
}

// toggles returns the toggles recorded; a state that cannot be read leaves every trigger as
// its flow says, with a warning.
func (s *Service) toggles() map[string]state.Toggle {
	ts, err := s.Store.Toggles()
	if err != nil {
		s.warnf("trigger toggles not read, triggers run as their flows say: %v", err)
	}
	return ts
}

// toggledOff reports whether a Toggle task disabled trigger t of f.
func toggledOff(ts map[string]state.Toggle, f *flow.Flow, t *flow.Trigger) bool {
	tg, ok := ts[state.ToggleKey(f.Namespace, f.ID, t.ID)]
	return ok && tg.Disabled
}
