package cmd

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/report"
)

func newFlowCmd(f *factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "flow",
		Short: "Register flows in the state, so that their triggers fire",
	}
	c.AddCommand(newFlowApplyCmd(f), newFlowListCmd(f), newFlowDeleteCmd(f))
	return c
}

func newFlowApplyCmd(f *factory) *cobra.Command {
	var statePath string
	c := &cobra.Command{
		Use:   "apply FILE...",
		Short: "Validate flows and register them in the state",
		Long: `Validate each flow, then register them all: a new flow gets revision 1, a changed one
its revision plus one, an unchanged one keeps its revision. If one flow is invalid, none is
applied (exit 2).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runFlowApply(c.Context(), f, statePath, args)
		},
	}
	stateFlag(c, &statePath)
	return c
}

func runFlowApply(ctx context.Context, fac *factory, statePath string, files []string) error {
	s, reg := fac.Streams, fac.registry()
	flows := make([]*flow.Flow, 0, len(files))
	invalid := false
	for _, file := range files {
		f, err := loadFlow(s, file, reg, s.Out)
		if err != nil {
			var ee *exitError
			if errors.As(err, &ee) && ee.err != nil {
				fmt.Fprintf(s.Err, "flowctl: %v\n", ee.err)
			}
			invalid = true
			continue
		}
		flows = append(flows, f)
	}
	if invalid {
		return usageErrorf("nothing applied: fix the flows above first")
	}
	store, err := fac.openState(ctx, statePath, false)
	if err != nil {
		return err
	}
	clock, err := fac.scheduleNow()
	if err != nil {
		return err
	}
	svc := fac.service(store, false)
	for _, f := range flows {
		rec, changed, err := svc.Apply(f, clock)
		if err != nil {
			return &exitError{code: ExitUsage, err: err}
		}
		switch {
		case !changed:
			fmt.Fprintf(s.Out, "%s.%s unchanged (revision %d)\n", f.Namespace, f.ID, rec.Revision)
		case rec.Revision == 1:
			fmt.Fprintf(s.Out, "%s.%s applied (revision 1)\n", f.Namespace, f.ID)
		default:
			fmt.Fprintf(s.Out, "%s.%s updated (revision %d)\n", f.Namespace, f.ID, rec.Revision)
		}
	}
	return nil
}

func newFlowListCmd(f *factory) *cobra.Command {
	s := f.Streams
	var statePath, output string
	c := &cobra.Command{
		Use:   "list",
		Short: "List the flows applied to the state",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := outputFlag(output); err != nil {
				return err
			}
			store, err := f.openState(c.Context(), statePath, true)
			if err != nil {
				return err
			}
			entries, err := f.service(store, true).Flows()
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if output == "json" {
				return report.WriteJSON(s.Out, entries)
			}
			if len(entries) == 0 {
				fmt.Fprintln(s.Err, "no flow applied yet: flowctl flow apply FILE...")
				return nil
			}
			tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAMESPACE\tID\tREVISION\tUPDATED\tTRIGGERS")
			for _, e := range entries {
				trig := ""
				for i, t := range e.Triggers {
					if i > 0 {
						trig += ", "
					}
					trig += t.ID + " (" + flow.ShortType(t.Type)
					if t.Next != nil {
						trig += ", next " + t.Next.Format(time.RFC3339)
					}
					if t.Last != nil {
						trig += ", last " + t.Last.Format(time.RFC3339)
					}
					switch {
					case t.Toggled:
						trig += ", disabled by a Toggle"
					case t.Disabled:
						trig += ", disabled"
					}
					trig += ")"
				}
				id := e.ID
				if e.Disabled {
					id += " (disabled)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", e.Namespace, id, e.Revision, e.Updated.Format(time.RFC3339), trig)
			}
			return tw.Flush()
		},
	}
	stateFlag(c, &statePath)
	c.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return c
}

func newFlowDeleteCmd(f *factory) *cobra.Command {
	s := f.Streams
	var statePath string
	c := &cobra.Command{
		Use:   "delete NAMESPACE ID",
		Short: "Remove a flow from the state (its executions are kept)",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			store, err := f.openState(c.Context(), statePath, false)
			if err != nil {
				return err
			}
			ok, err := store.DeleteFlow(args[0], args[1])
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if !ok {
				return usageErrorf("no flow %s.%s in %s: see flowctl flow list", args[0], args[1], store.Path())
			}
			fmt.Fprintf(s.Out, "%s.%s deleted\n", args[0], args[1])
			return nil
		},
	}
	stateFlag(c, &statePath)
	return c
}
