package flow

const executionFlowDoc = "The execution that ended is one of the flow namespace/flowId."

// ExecutionFlow holds when the execution that ended is one of the flow Namespace/FlowID.
type ExecutionFlow struct {
	Namespace string `flow:"namespace,required" doc:"The namespace of the execution's flow."`
	FlowID    string `flow:"flowId,required" doc:"The id of the execution's flow."`
}

// HoldsFor compares the flow of x, exactly.
func (c *ExecutionFlow) HoldsFor(x EndedExecution) bool {
	return c.Namespace == x.Namespace && c.FlowID == x.FlowID
}
