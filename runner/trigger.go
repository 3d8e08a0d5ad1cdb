package runner

import (
	"slices"
	"strings"
)

// Fires reports whether the Flow trigger t fires for the ended execution x: the trigger is
// enabled, x's state is one of its states, and every condition holds. It does not know which
// flow t belongs to: the caller skips a flow's own executions.
func (t *Trigger) Fires(x *Execution) bool {
	if t.Type != TriggerFlow || t.Disabled {
		return false
	}
	if !slices.Contains(t.States, x.State.Current) {
		return false
	}
	for _, c := range t.Conditions {
		if !c.Holds(x) {
			return false
		}
	}
	return true
}

// Holds reports whether the condition holds for execution x.
func (c *Condition) Holds(x *Execution) bool {
	switch c.Type {
	case CondExecutionStatus:
		st := x.State.Current
		return (len(c.In) == 0 || slices.Contains(c.In, st)) && !slices.Contains(c.NotIn, st)
	case CondExecutionFlow:
		return c.Namespace == x.Namespace && c.FlowID == x.FlowID
	case CondExecutionNS:
		switch c.Comparison {
		case "PREFIX":
			return strings.HasPrefix(x.Namespace, c.Namespace)
		case "SUFFIX":
			return strings.HasSuffix(x.Namespace, c.Namespace)
		default:
			return x.Namespace == c.Namespace
		}
	}
	return false
}

// TriggerVariables are the trigger.* variables of an execution a Flow trigger started for x.
func TriggerVariables(x *Execution) map[string]any {
	labels := make(map[string]any, len(x.Labels))
	for k, v := range x.Labels {
		labels[k] = v
	}
	return map[string]any{
		"executionId":     x.ID,
		"namespace":       x.Namespace,
		"flowId":          x.FlowID,
		"flowRevision":    x.FlowRevision,
		"state":           x.State.Current,
		"executionLabels": labels,
	}
}
