package flow

import "slices"

const executionStatusDoc = "The execution that ended is in one of the states of in, and none of notIn."

// ExecutionStatus holds when the state of the execution that ended is one of In (when
// given) and none of NotIn.
type ExecutionStatus struct {
	In    States `flow:"in" doc:"The execution's state is one of these."`
	NotIn States `flow:"notIn" doc:"The execution's state is none of these."`
}

// HoldsFor tests the state of x.
func (c *ExecutionStatus) HoldsFor(x EndedExecution) bool {
	return (len(c.In) == 0 || slices.Contains(c.In, x.State)) && !slices.Contains(c.NotIn, x.State)
}
