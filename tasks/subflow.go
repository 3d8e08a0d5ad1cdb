package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// subflowDef is Kestra's Subflow task.
var subflowDef = &Def{
	Type:    "io.kestra.plugin.core.flow.Subflow",
	Aliases: []string{"io.kestra.core.tasks.flows.Subflow", "io.kestra.core.tasks.flows.Flow"},
	Doc:     "Run a flow applied to the state as a child execution, and wait for it (by default).",
	New:     func() Task { return &Subflow{} },
	// scheduleDate would need a scheduler that keeps executions for later.
	Unsupported: []string{"scheduleDate"},
}

// Subflow runs another flow, applied with `flowctl flow apply`, as its own recorded
// execution. Its properties are Kestra's; the child runs in this process.
type Subflow struct {
	Namespace      string            `flow:"namespace,required" doc:"the namespace of the flow to run, rendered"`
	FlowID         string            `flow:"flowId,required" doc:"the id of the flow to run, rendered"`
	Revision       int               `flow:"revision" doc:"the revision to run (default: the applied one)"`
	Inputs         map[string]any    `flow:"inputs" doc:"the child's inputs: strings rendered, then checked as the child's inputs"`
	Labels         map[string]string `flow:"labels" doc:"labels added to the child execution, keys and values rendered"`
	Wait           *bool             `flow:"wait" doc:"wait for the child to end (default true); false: start it and succeed"`
	TransmitFailed *bool             `flow:"transmitFailed" doc:"end as the child when it ends FAILED, KILLED or WARNING (default true)"`
	InheritLabels  bool              `flow:"inheritLabels" doc:"give the child this execution's labels too (default false)"`
	Outputs        map[string]any    `flow:"outputs" doc:"deprecated: outputs rendered in the child's context, used when the child flow declares none"`
}

// SubflowRequest is what a Subflow task asks the runner to run: everything rendered.
type SubflowRequest struct {
	Namespace, FlowID string
	// Revision is the revision asked for; 0: the applied one.
	Revision      int
	Inputs        map[string]any
	Labels        map[string]string
	InheritLabels bool
	// Wait false: the child is started and the call returns once it runs, its state
	// CREATED as Kestra reports it; the runner awaits it before the process exits.
	Wait bool
	// Outputs are the task's deprecated outputs, as written: the runner renders them in the
	// child's context when the child flow declares no outputs.
	Outputs map[string]any
	// TextOutputs asks for the child's flow outputs rendered in its context as text, not
	// typed: what Kestra's ForEachItem keeps of each child.
	TextOutputs bool
	// TaskID and TaskType name the calling task (the child's trigger).
	TaskID, TaskType string
	// Started is called with the child's id once it exists, before it runs.
	Started func(executionID string)
}

// SubflowResult is how a child execution ended.
type SubflowResult struct {
	ExecutionID string
	State       string
	// Outputs are the child's flow outputs (or the task's deprecated ones), nil when none.
	Outputs map[string]any
}

// The child states a Subflow with transmitFailed passes on.
const (
	childFailed  = "FAILED"
	childKilled  = "KILLED"
	childWarning = "WARNING"
)

// Run renders the request, has the runner run the child, and ends as Kestra's Subflow does:
// with transmitFailed, a FAILED, KILLED or WARNING child is passed on (the runner then
// applies allowFailure and allowWarning; a KILLED child fails the task, unless this run is
// being killed too); else, or with wait false, SUCCESS.
func (t *Subflow) Run(ctx context.Context, tc *Context) (Result, error) {
	if tc.Subflow == nil {
		return Result{}, errors.New("a Subflow runs a flow applied to the state (flowctl flow apply), and this run has no state")
	}
	ns, err := tc.render("namespace", t.Namespace)
	if err != nil {
		return Result{}, err
	}
	id, err := tc.render("flowId", t.FlowID)
	if err != nil {
		return Result{}, err
	}
	req := SubflowRequest{Namespace: ns, FlowID: id, Revision: t.Revision, InheritLabels: t.InheritLabels,
		Wait: t.Wait == nil || *t.Wait, Outputs: t.Outputs, TaskID: tc.TaskID, TaskType: subflowDef.Type}
	if t.Inputs != nil {
		v, err := tc.renderValue("inputs", t.Inputs, false)
		if err != nil {
			return Result{}, err
		}
		req.Inputs = v.(map[string]any)
	}
	if req.Labels, err = tc.renderMap("labels", t.Labels); err != nil {
		return Result{}, err
	}
	req.Started = func(execID string) {
		tc.Log.Infof("Created new execution [[link execution=%q flowId=%q namespace=%q]]", execID, id, ns)
	}
	res, err := tc.Subflow(ctx, req)
	if err != nil {
		return Result{}, err
	}
	out := map[string]any{"executionId": res.ExecutionID, "state": res.State}
	if res.Outputs != nil {
		out["outputs"] = res.Outputs
	}
	result := Result{Outputs: out}
	if !req.Wait || t.TransmitFailed != nil && !*t.TransmitFailed {
		return result, nil
	}
	switch res.State {
	case childFailed, childKilled:
		return result, fmt.Errorf("subflow execution %s of %s.%s ended %s", res.ExecutionID, ns, id, res.State)
	case childWarning:
		result.Warning = true
	}
	return result, nil
}

// SubflowOf returns the namespace and flow id a task calls when it is a Subflow whose
// namespace and flowId hold no template: the loader refuses a flow that calls itself.
func SubflowOf(t Task) (namespace, flowID string, ok bool) {
	s, is := t.(*Subflow)
	if !is || hasTemplateMark(s.Namespace) || hasTemplateMark(s.FlowID) {
		return "", "", false
	}
	return s.Namespace, s.FlowID, true
}

// hasTemplateMark reports whether s holds a template tag.
func hasTemplateMark(s string) bool {
	return slices.ContainsFunc([]string{"{{", "{%", "<<"}, func(m string) bool { return strings.Contains(s, m) })
}
