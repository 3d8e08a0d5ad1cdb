package cmd

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/runner/state"
)

// stateFlag adds --state to a command.
func stateFlag(c *cobra.Command, path *string) {
	c.Flags().StringVar(path, "state", "", "the state file (default $FLOWCTL_STATE, else $XDG_STATE_HOME/flowctl/state.db, else ~/.local/state/flowctl/state.db)")
}

// openState opens the state file the flag, the environment or the default names. A state
// that cannot be used is an exit-2 error: nothing was run.
func openState(flag string, readOnly bool) (*state.Store, error) {
	path, err := state.Path(flag, os.Getenv)
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	s, err := state.Open(path, state.Options{ReadOnly: readOnly})
	if err != nil {
		var se *state.Error
		if errors.As(err, &se) {
			return nil, &exitError{code: ExitUsage, err: se}
		}
		return nil, &exitError{code: ExitUsage, err: err}
	}
	return s, nil
}
