package cmd

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner/state"
)

// runWithState is the RunE of a command that reads or writes what the state keeps (kv,
// namespace files): check (nil: none) looks at its flags first, so a mistake in them needs
// no state; then the state at *path opens (read-only when readOnly) and run gets it.
func runWithState(fac *factory, path *string, readOnly bool, check func() error, run func(store *state.Store, args []string) error) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		if check != nil {
			if err := check(); err != nil {
				return err
			}
		}
		store, err := fac.openState(c.Context(), *path, readOnly)
		if err != nil {
			return err
		}
		return run(store, args)
	}
}

// writeListing prints a listing of n items: doc with -o json; else a table, its header
// then what rows writes, on stdout, or, when there is nothing, empty on stderr (stdout
// stays empty for a script).
func writeListing(s Streams, output string, doc any, n int, empty, header string, rows func(w io.Writer)) error {
	if output == "json" {
		return report.WriteJSON(s.Out, doc)
	}
	if n == 0 {
		fmt.Fprintln(s.Err, empty)
		return nil
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	return tw.Flush()
}

// nothingDeleted says on stderr that a delete found nothing: not an error, as in Kestra.
func nothingDeleted(s Streams, what, name, ns string) {
	fmt.Fprintf(s.Err, "flowctl: no %s '%s' in namespace '%s': nothing deleted\n", what, name, ns)
}
