package tasks

import (
	"context"
	"errors"
	"strings"
)

// failDef is Kestra's Fail task.
var failDef = &Def{
	Type:    "io.kestra.plugin.core.execution.Fail",
	Aliases: []string{"io.kestra.core.tasks.executions.Fail"},
	Doc:     "Fail the task, always or when a condition holds.",
	New:     func() Task { return &Fail{} },
}

// defaultFailMessage is Kestra's errorMessage when the flow gives none.
const defaultFailMessage = "Task failure"

// Fail ends the task FAILED with errorMessage, always or only when its condition is true.
type Fail struct {
	// Condition cannot tell "absent" from an empty string; a literal `condition: ""` is taken
	// as absent (always fail). A template that renders empty is still false.
	Condition    string `flow:"condition" doc:"fail only when this renders true (not false, 0, -0 or empty); absent: always fail"`
	ErrorMessage string `flow:"errorMessage" doc:"the error of the failed task (default \"Task failure\")"`
}

// Run fails when the condition is absent or renders true.
func (t *Fail) Run(ctx context.Context, tc *Context) (Result, error) {
	if t.Condition != "" {
		c, err := tc.render("condition", t.Condition)
		if err != nil {
			return Result{}, err
		}
		if !truthy(c) {
			return Result{}, nil
		}
	}
	msg := defaultFailMessage
	if t.ErrorMessage != "" {
		m, err := tc.render("errorMessage", t.ErrorMessage)
		if err != nil {
			return Result{}, err
		}
		msg = m
	}
	return Result{}, errors.New(msg)
}

// truthy is Kestra's truth rule for rendered conditions (TruthUtils): "false", "0", "-0" and
// the empty string, white space trimmed, are false; anything else is true.
func truthy(s string) bool {
	switch strings.TrimSpace(s) {
	case "false", "0", "-0", "":
		return false
	}
	return true
}
