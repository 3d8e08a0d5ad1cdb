package tasks

import (
	"context"
	"errors"
)

// toggleDef is Kestra's trigger.Toggle task.
var toggleDef = &Def{
	Type:    "io.kestra.plugin.core.trigger.Toggle",
	Aliases: []string{"io.kestra.core.tasks.trigger.Toggle"},
	Doc:     "Enable or disable a trigger of an applied flow (by default the running flow's).",
	New:     func() Task { return &Toggle{} },
}

// Toggle enables or disables a trigger of an applied flow: the scheduler and the Flow
// triggers honour it until the next toggle.
type Toggle struct {
	Namespace string `flow:"namespace" doc:"the namespace of the trigger's flow (default: the running flow's)"`
	FlowID    string `flow:"flowId" doc:"the trigger's flow (default: the running flow)"`
	Trigger   string `flow:"trigger,required" doc:"the id of the trigger"`
	Enabled   *bool  `flow:"enabled" doc:"enable (true) or disable (false, the default) the trigger"`
}

// ToggleRequest is what a Toggle task asks of the runner: enable or disable trigger Trigger
// of the applied flow Namespace.FlowID ("": the running flow's).
type ToggleRequest struct {
	Namespace, FlowID, Trigger string
	Enabled                    bool
}

// Run records the toggle; it has no outputs, as in Kestra.
func (t *Toggle) Run(ctx context.Context, tc *Context) (Result, error) {
	if tc.ToggleTrigger == nil {
		return Result{}, errors.New("no trigger can be toggled: this run keeps no state")
	}
	var req ToggleRequest
	var err error
	if req.Namespace, err = tc.render("namespace", t.Namespace); err != nil {
		return Result{}, err
	}
	if req.FlowID, err = tc.render("flowId", t.FlowID); err != nil {
		return Result{}, err
	}
	if req.Trigger, err = tc.render("trigger", t.Trigger); err != nil {
		return Result{}, err
	}
	req.Enabled = t.Enabled != nil && *t.Enabled
	err = tc.ToggleTrigger(ctx, req)
	if errors.Is(err, ErrToggleFlowNotFound) {
		// Said of the property that names the flow: flowId, or namespace when only it is
		// given (the flow id then being the running flow's).
		prop := "flowId"
		if t.FlowID == "" && t.Namespace != "" {
			prop = "namespace"
		}
		return Result{}, &PropError{Prop: prop, Err: err}
	}
	return Result{}, err
}

// ErrToggleFlowNotFound is the error ToggleTrigger wraps when the flow named is not
// applied: the task says it of the property naming the flow.
var ErrToggleFlowNotFound = errors.New("unable to find flow")
