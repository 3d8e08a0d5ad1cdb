package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/state"
)

func newExecResumeCmd(fac *factory) *cobra.Command {
	s := fac.Streams
	var statePath string
	var inputs []string
	c := &cobra.Command{
		Use:   "resume ID [-i KEY=VALUE]...",
		Short: "Resume a PAUSED execution, giving its Pause task's onResume inputs",
		Long: `Resume an execution waiting in a Pause task (see flowctl executions list --status PAUSED).
The process that runs it, paused, hears the resume and goes on; this command returns once
the resume is recorded. -i gives the Pause's onResume inputs, checked as flow inputs are;
they become the task's output onResume.

ID is a whole execution id, a prefix of exactly one (as git takes commits), or "last" for
the newest execution.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			given, err := parseInputFlags(inputs)
			if err != nil {
				return err
			}
			store, err := fac.openState(c.Context(), statePath, false)
			if err != nil {
				return err
			}
			id, err := resolveExecution(store, args[0])
			if err != nil {
				return err
			}
			err = fac.service(store, false).Resume(id, given)
			var nf *state.NotFoundError
			var np *state.NotPausedError
			var le *flow.LoadError
			switch {
			case errors.As(err, &np):
				return usageErrorf("%v: only a paused execution can be resumed (see flowctl executions list --status PAUSED)", np)
			case errors.As(err, &nf):
				return usageErrorf("%v in %s: see flowctl executions list", nf, store.Path())
			case errors.As(err, &le):
				return usageErrorf("execution %s: the Pause's onResume inputs cannot be read: %v", id, err)
			case err != nil:
				return usageErrorf("execution %s not resumed: %v", id, err)
			}
			fmt.Fprintf(s.Err, "execution %s resumed\n", id)
			return nil
		},
	}
	stateFlag(c, &statePath)
	c.Flags().StringArrayVarP(&inputs, "input", "i", nil, "onResume input `KEY=VALUE` (repeatable)")
	return c
}
