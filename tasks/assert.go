package tasks

import (
	"context"
	"errors"
	"fmt"
)

// assertDef is Kestra's execution.Assert task.
var assertDef = &Def{
	Type: "io.kestra.plugin.core.execution.Assert",
	Doc:  "Fail the task when any of its conditions renders false, naming each one that did.",
	New:  func() Task { return &Assert{} },
}

// Assert renders each condition and fails when any is false (Kestra's truth rule: false, 0,
// -0 and the empty string). Every condition is tried, so one run names all that failed.
type Assert struct {
	Conditions   []string `flow:"conditions,required" doc:"templates that must each render true (anything but false, 0, -0 or empty)"`
	ErrorMessage string   `flow:"errorMessage" doc:"a rendered line added to the error when an assertion fails"`
}

// Run renders every condition, logs each false one at ERROR level as Kestra does, and
// reports the success and failed counters.
func (t *Assert) Run(ctx context.Context, tc *Context) (Result, error) {
	if len(t.Conditions) == 0 {
		return Result{}, &PropError{Prop: "conditions", Err: errors.New("must hold at least one condition")}
	}
	failed, success := 0, 0
	for i, c := range t.Conditions {
		out, err := tc.render(fmt.Sprintf("conditions[%d]", i), c)
		if err != nil {
			return Result{}, err
		}
		if truthy(out) {
			success++
			continue
		}
		failed++
		// Kestra logs the condition as written, not as rendered: the template says which
		// check it was, and its rendering ("false") says nothing more.
		tc.Log.Errorf("Assertion `%s` failed!", c)
	}
	var res Result
	if success > 0 {
		res.Metrics = append(res.Metrics, Metric{Name: "success", Type: "counter", Value: float64(success)})
	}
	if failed == 0 {
		return res, nil
	}
	res.Metrics = append(res.Metrics, Metric{Name: "failed", Type: "counter", Value: float64(failed)})
	msg := fmt.Sprintf("%d assertion", failed)
	if failed > 1 {
		msg += "s"
	}
	msg += " failed!"
	if t.ErrorMessage != "" {
		extra, err := tc.render("errorMessage", t.ErrorMessage)
		if err != nil {
			return res, err
		}
		msg += "\n" + extra
	}
	return res, errors.New(msg)
}
