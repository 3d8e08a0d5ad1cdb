package tasks

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/flowctl/flowctl/templating"
)

// resumeDef is Kestra's execution.Resume task.
var resumeDef = &Def{
	Type: "io.kestra.plugin.core.execution.Resume",
	Doc:  "Resume a PAUSED execution (by default the running one), giving its Pause's onResume inputs.",
	New:  func() Task { return &Resume{} },
}

// Resume resumes a paused execution, as `flowctl executions resume` does: the process that
// runs it, paused, hears the resume and goes on.
type Resume struct {
	Namespace   string         `flow:"namespace" doc:"the namespace of the execution's flow (with flowId, when executionId is set)"`
	FlowID      string         `flow:"flowId" doc:"the execution's flow (with namespace, when executionId is set)"`
	ExecutionID string         `flow:"executionId" doc:"the execution to resume (default: the running one)"`
	Inputs      map[string]any `flow:"inputs" doc:"the values of the Pause's onResume inputs, rendered"`
}

// ResumeRequest is what a Resume task asks of the runner: resume execution ID, which must
// be of flow Namespace.FlowID when they are given, with Inputs (as text, checked against
// the Pause's onResume inputs as `executions resume -i` values are).
type ResumeRequest struct {
	ID, Namespace, FlowID string
	Inputs                map[string]string
}

// Run resumes the execution; it has no outputs, as in Kestra.
func (t *Resume) Run(ctx context.Context, tc *Context) (Result, error) {
	if tc.Resume == nil {
		return Result{}, errors.New("no execution can be resumed: this run keeps no state")
	}
	var req ResumeRequest
	var err error
	// As Kestra's PluginUtilsService: namespace and flowId go together, with executionId.
	switch {
	case t.ExecutionID == "" && (t.Namespace != "" || t.FlowID != ""):
		return Result{}, errors.New("namespace and flowId should only be set when executionId is set")
	case t.ExecutionID != "" && (t.Namespace == "") != (t.FlowID == ""):
		return Result{}, errors.New("both namespace and flowId must be set when executionId is set")
	}
	if t.ExecutionID != "" {
		if req.ID, err = tc.render("executionId", t.ExecutionID); err != nil {
			return Result{}, err
		}
		if req.Namespace, err = tc.render("namespace", t.Namespace); err != nil {
			return Result{}, err
		}
		if req.FlowID, err = tc.render("flowId", t.FlowID); err != nil {
			return Result{}, err
		}
	}
	if t.Inputs != nil {
		v, err := tc.renderValue("inputs", t.Inputs, true)
		if err != nil {
			return Result{}, err
		}
		m, _ := v.(map[string]any)
		req.Inputs = make(map[string]string, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			req.Inputs[k] = templating.ToString(m[k])
		}
	}
	if err := tc.Resume(ctx, req); err != nil {
		return Result{}, err
	}
	if req.ID != "" {
		tc.Log.Infof("execution %s resumed", req.ID)
	}
	return Result{}, nil
}
