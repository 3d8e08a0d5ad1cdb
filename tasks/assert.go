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

// Run renders every condition, logs each false one, or one that cannot render, at ERROR
// level as Kestra does, and reports the success and failed counters.
func (t *Assert) Run(ctx context.Context, tc *Context) (Result, error) {
	failed, success := 0, 0
	for i, c := range t.Conditions {
		out, err := tc.render(fmt.Sprintf("conditions[%d]", i), c)
		switch {
		case err != nil:
			// Kestra counts it failed and goes on: one run names every broken assertion.
			failed++
			var pe *PropError
			if errors.As(err, &pe) {
				err = pe.Err // the condition is named in the line already
			}
			tc.Log.Errorf("Assertion `%s` failed, failed to render `%s`", c, err.Error())
		case truthy(out):
			success++
		default:
			failed++
			// Kestra logs the condition as written: the template says which check it
			// was, its rendering ("false") nothing more.
			tc.Log.Errorf("Assertion `%s` failed!", c)
		}
	}
	res := Result{Metrics: []Metric{
		{Name: "success", Type: "counter", Value: float64(success)},
		{Name: "failed", Type: "counter", Value: float64(failed)},
	}}
	if failed == 0 {
		return res, nil
	}
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
