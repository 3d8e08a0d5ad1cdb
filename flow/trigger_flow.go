package flow

import "slices"

const flowTriggerDoc = "Start the flow when an execution of another flow ends in one of the given states."

// FlowTrigger is Kestra's Flow trigger: the flow starts when an execution of another flow
// ends in one of States and every condition holds for it. A flow never fires on its own
// executions: the caller, which knows whose trigger it is, skips them.
type FlowTrigger struct {
	States States `flow:"states" doc:"The states of the executions that fire the trigger (default: the terminal states)."`
	Inputs Inputs `flow:"inputs" doc:"The inputs of the execution the trigger starts, rendered with {{ trigger.* }}."`
	// Preconditions are conditions to meet over several executions (window.go).
	Preconditions *Preconditions `flow:"preconditions" doc:"Upstream flows and execution filters whose executions must all end within a time window."`
	// InputsPos holds the position of each key of Inputs.
	InputsPos map[string]Pos
}

// takes: a Flow trigger's conditions test the execution that ended.
func (*FlowTrigger) takes(c ConditionType) bool {
	_, ok := c.(ExecutionCondition)
	return ok
}

// finish gives States its default, the terminal states, and notes where each input is.
func (t *FlowTrigger) finish(f *finishing) {
	if f.seen["states"] == nil {
		t.States = slices.Clone(terminalStates)
	}
	t.InputsPos = inputsPos(f.seen["inputs"])
}

// firesFor reports whether x ended in one of the trigger's states.
func (t *FlowTrigger) firesFor(x EndedExecution) bool {
	return slices.Contains(t.States, x.State)
}
