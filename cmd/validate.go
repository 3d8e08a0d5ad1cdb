package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner/state"
)

// validateOptions are the flags of `flowctl validate`.
type validateOptions struct {
	files  []string
	output string
	state  string
}

// fileReport is one file's entry of `validate -o json`.
type fileReport struct {
	File   string        `json:"file"`
	Valid  bool          `json:"valid"`
	Errors []errorReport `json:"errors"`
}

type errorReport struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

func newValidateCmd(f *factory) *cobra.Command {
	o := &validateOptions{}
	c := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check flow files without running anything",
		Long: `Check each flow file: YAML, keys, task types and properties, durations, retry rules,
templates. Every problem is printed as file:line:col: message on stderr, with its line of the
file; each valid file is named on stdout ("FILE: ok"). Exit 0 when all are valid, 2 if not.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.files = args
			return runValidate(f, o)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	stateFlag(c, &o.state)
	return c
}

func runValidate(f *factory, o *validateOptions) error {
	s := f.Streams
	if err := outputFlag(o.output); err != nil {
		return err
	}
	reports := make([]fileReport, 0, len(o.files))
	invalid := false
	reg := f.registry()
	var valid []*flow.Flow
	for _, file := range o.files {
		r := fileReport{File: file, Valid: true, Errors: []errorReport{}}
		fl, err := flow.Load(file, reg)
		if err == nil {
			// validate refuses what run only warns about: a template reading a name the
			// flow does not have (see flow.Flow.RefProblems).
			if re := fl.RefError(); re != nil {
				err = re
			}
		}
		if err != nil {
			invalid, r.Valid = true, false
			var le *flow.LoadError
			if errors.As(err, &le) {
				for _, p := range le.Problems {
					r.Errors = append(r.Errors, errorReport{Line: p.Line, Column: p.Col, Message: p.Msg})
				}
			} else {
				r.Errors = append(r.Errors, errorReport{Message: err.Error()})
			}
			if o.output == "text" {
				if le != nil {
					fmt.Fprintln(s.Err, le.Explain())
				} else {
					fmt.Fprintln(s.Err, err.Error())
				}
			}
			if le != nil {
				// Beside the JSON document (stdout), the annotations go to stderr: the
				// runner reads workflow commands from both.
				var ci io.Writer = s.Err
				if o.output == "text" {
					ci = s.Out
				}
				annotateLoadError(ci, file, le)
			}
		} else {
			valid = append(valid, fl)
			if o.output == "text" {
				for _, w := range fl.Warnings {
					fmt.Fprintf(s.Err, "flowctl: warning: %s\n", w)
				}
				// A silent success cannot be told from a check that looked at nothing.
				fmt.Fprintf(s.Out, "%s: ok\n", file)
			}
		}
		reports = append(reports, r)
	}
	if o.output == "text" {
		warnUnapplied(f, o.state, valid)
	}
	if o.output == "json" {
		if err := report.WriteJSON(s.Out, reports); err != nil {
			return err
		}
	}
	if invalid {
		return silentExit(ExitUsage)
	}
	return nil
}

// warnUnapplied warns about the Subflow tasks of flows that call a flow neither applied to
// the state nor among the files validated: at run time they fail with "Unable to find
// flow". Without a state file there is nothing to compare with, and nothing is said.
func warnUnapplied(f *factory, flag string, flows []*flow.Flow) {
	type call struct {
		fl   *flow.Flow
		spec *flow.TaskSpec
		name [2]string
	}
	var calls []call
	known := map[[2]string]bool{}
	for _, fl := range flows {
		known[[2]string{fl.Namespace, fl.ID}] = true
		for _, spec := range fl.AllTasks() {
			if ns, id, ok := flow.CalledFlow(spec); ok {
				calls = append(calls, call{fl, spec, [2]string{ns, id}})
			}
		}
	}
	if len(calls) == 0 {
		return
	}
	path, err := resolveStatePath(flag)
	if err != nil {
		return
	}
	if _, err := os.Stat(path); err != nil {
		return
	}
	store, err := state.Open(path, state.Options{ReadOnly: true})
	if err != nil {
		return
	}
	for _, c := range calls {
		if known[c.name] {
			continue
		}
		if _, ok, err := store.Flow(c.name[0], c.name[1]); err != nil || ok {
			continue
		}
		fmt.Fprintf(f.Err, "flowctl: warning: %s:%d:%d: task %q: flow %s.%s is not applied to the state (flowctl flow apply): the Subflow will fail with \"Unable to find flow '%s'.'%s' with revision '0'\"\n",
			c.fl.File, c.spec.Pos.Line, c.spec.Pos.Col, c.spec.ID, c.name[0], c.name[1], c.name[0], c.name[1])
	}
}
