package runner

import (
	"strings"

	"github.com/flowctl/flowctl/flow"
)

// Fires reports whether the trigger t fires for the ended execution x (flow.Trigger.Fires):
// the trigger is enabled, its type is started by ended executions (Flow: x's state is one of
// its states), and every condition holds. It does not know which flow t belongs to: the
// caller skips a flow's own executions.
func Fires(t *flow.Trigger, x *Execution) bool {
	return t.Fires(ended(x))
}

// Holds reports whether the condition c holds for execution x.
func Holds(c *flow.Condition, x *Execution) bool {
	return c.HoldsFor(ended(x))
}

// ended is what triggers and their conditions read of x.
func ended(x *Execution) flow.EndedExecution {
	return flow.EndedExecution{Namespace: x.Namespace, FlowID: x.FlowID, State: x.State.Current, Labels: x.Labels}
}

// Ended is what triggers and their conditions read of x (the windows of preconditions too).
func Ended(x *Execution) flow.EndedExecution { return ended(x) }

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
		// Built in place: the maps are this context's own.
		outputs[tr.TaskID] = putPath(outputs[tr.TaskID], path, tr.Outputs)
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
