package runner

import (
	"slices"
	"strings"

	"github.com/flowctl/flowctl/flow"
)

// Fires reports whether the Flow trigger t fires for the ended execution x: the trigger is
// enabled, x's state is one of its states, and every condition holds. It does not know which
// flow t belongs to: the caller skips a flow's own executions. Fires and Holds read an
// execution, so they live with the engine; the schedule conditions, which read only a date,
// are package flow's (Trigger.ScheduleHolds).
func Fires(t *flow.Trigger, x *Execution) bool {
	if t.Type != flow.TriggerFlow || t.Disabled {
		return false
	}
	if !slices.Contains(t.States, x.State.Current) {
		return false
	}
	for _, c := range t.Conditions {
		if !Holds(c, x) {
			return false
		}
	}
	return true
}

// Holds reports whether the condition c holds for execution x.
func Holds(c *flow.Condition, x *Execution) bool {
	switch c.Type {
	case flow.CondExecutionStatus:
		st := x.State.Current
		return (len(c.In) == 0 || slices.Contains(c.In, st)) && !slices.Contains(c.NotIn, st)
	case flow.CondExecutionFlow:
		return c.Namespace == x.Namespace && c.FlowID == x.FlowID
	case flow.CondExecutionNS:
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
		if !strings.HasPrefix(k, "system.") { // flowctl's own labels, not the flow's
			labels[k] = v
		}
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

// TriggerContext is what the inputs of listener's Flow trigger are rendered with when x
// fires it, as in Kestra: the context of x (execution.*, inputs.*, the outputs of its task
// runs, labels.*), the listening flow as flow.* and its variables as vars.*, and trigger.*
// (TriggerVariables of x).
// Values come from x's document, so secrets in them stay masked.
func TriggerContext(listener *flow.Flow, revision int, x *Execution) map[string]any {
	outputs := map[string]any{}
	byID := make(map[string]*TaskRun, len(x.TaskRunList))
	for _, tr := range x.TaskRunList {
		byID[tr.ID] = tr
	}
	for _, tr := range x.TaskRunList {
		if tr.Outputs == nil {
			continue
		}
		// The loop values of the run and its ancestors, outermost first, as the engine
		// nests them (valuePath); a document read back has ids, not links.
		var path []string
		for r := tr; r != nil; r = byID[r.ParentTaskRunID] {
			if r.Value != "" {
				path = append([]string{r.Value}, path...)
			}
			if r.ParentTaskRunID == "" {
				break
			}
		}
		outputs[tr.TaskID] = withPath(outputs[tr.TaskID], path, tr.Outputs)
	}
	return map[string]any{
		"flow":      map[string]any{"id": listener.ID, "namespace": listener.Namespace, "revision": max(revision, listener.Revision)},
		"vars":      orEmpty(listener.Variables),
		"execution": executionVars(x),
		"inputs":    orEmpty(x.Inputs),
		"outputs":   outputs,
		"labels":    labelVars(x.Labels),
		"trigger":   TriggerVariables(x),
	}
}
