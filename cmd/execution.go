package cmd

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/service"
	"github.com/flowctl/flowctl/tasks"
)

// execOptions are the flags that `run` and `executions restart` share: the inputs, how the
// execution is shown and reported, and how its end becomes the exit code.
type execOptions struct {
	inputs        []string
	output        string
	state         string
	noColor       bool
	failOnWarning bool
	noTriggers    bool
	timeout       string
	timestamps    string
	junit         string
}

// execFlagHelp holds the help texts of the shared flags that each command words its own way.
type execFlagHelp struct {
	input, timeout, timestamps, junit string
}

// addExecFlags declares the shared flags on c.
func addExecFlags(c *cobra.Command, o *execOptions, help execFlagHelp) {
	fl := c.Flags()
	fl.StringArrayVarP(&o.inputs, "input", "i", nil, help.input)
	fl.StringVarP(&o.output, "output", "o", "text", "output format: text or json (the execution document on stdout)")
	fl.BoolVar(&o.noColor, "no-color", false, "never colour the output")
	fl.BoolVar(&o.failOnWarning, "fail-on-warning", false, "exit 3 when the execution ends WARNING")
	fl.BoolVar(&o.noTriggers, "no-triggers", false, "do not run the Flow triggers this execution fires")
	fl.StringVar(&o.timeout, "timeout", "", help.timeout)
	fl.StringVar(&o.timestamps, "timestamps", "", help.timestamps)
	fl.Lookup("timestamps").NoOptDefVal = "true"
	fl.StringVar(&o.junit, "junit", "", help.junit)
	stateFlag(c, &o.state)
}

// parse checks the shared flags before anything runs (a mistake in them is exit 2) and
// returns the -i inputs, the --timeout, and where the human output goes: with -o json
// stdout holds the document alone, so everything human goes to stderr.
func (o *execOptions) parse(s Streams) (given map[string]string, timeout time.Duration, human io.Writer, err error) {
	if err := outputFlag(o.output); err != nil {
		return nil, 0, nil, err
	}
	if o.junit != "" {
		if err := checkJUnitPath(o.junit); err != nil {
			return nil, 0, nil, err
		}
	}
	if given, err = parseInputFlags(o.inputs); err != nil {
		return nil, 0, nil, err
	}
	if o.timeout != "" {
		if timeout, err = duration.ParseFlag(o.timeout); err != nil {
			return nil, 0, nil, usageErrorf("invalid --timeout: %v", err)
		}
	}
	human = s.Out
	if o.output == "json" {
		human = s.Err
	}
	return given, timeout, human, nil
}

// finished is an execution that ended, with what reports it.
type finished struct {
	x        *runner.Execution
	svc      *service.Service
	human    io.Writer
	pal      *report.Palette
	ciSystem string
	// summary, when set, follows the text summary (not the -o json document).
	summary func(w io.Writer)
	// retried: an interrupt that came while waiting to start the execution that retries x
	// (x ended RETRIED) is said as such.
	retried bool
}

// report reports an execution that ended: its summary or -o json document, the GitHub job
// summary, the --junit file; then it fires the Flow triggers it fires, waits for the children
// of Subflow tasks not waited for, and returns the exit code as a silent exit.
func (o *execOptions) report(ctx context.Context, s Streams, e finished) error {
	x, svc, human := e.x, e.svc, e.human
	if o.output == "json" {
		if err := report.WriteJSON(s.Out, x); err != nil {
			return err
		}
	} else {
		report.WriteSummary(human, e.pal, x)
		if e.summary != nil {
			e.summary(human)
		}
	}
	if e.ciSystem == tasks.CIGitHub {
		writeStepSummary(s, x)
	}
	if o.junit != "" {
		// Written before the triggers run, so the report exists even if they are interrupted;
		// a report that cannot be written is a warning: the run itself happened.
		if err := writeJUnitFile(o.junit, x); err != nil {
			fmt.Fprintf(s.Err, "flowctl: warning: %v\n", err)
		}
	}
	// An interrupted execution fires no trigger: the user asked flowctl to stop.
	if !o.noTriggers && ctx.Err() == nil {
		svc.Fire(ctx, x)
	}
	// Children of Subflow tasks that were not waited for end before the process does.
	svc.Wait()
	if err := svc.RecordErr(); err != nil {
		// The run happened but its record is incomplete: say so loudly, keep its exit code.
		fmt.Fprintf(s.Err, "flowctl: %v\n", err)
	}
	if e.retried && ctx.Err() != nil && x.State.Current == runner.StateRetried {
		// Interrupted while waiting to start the execution that retries it: none starts.
		fmt.Fprintf(s.Err, "flowctl: interrupted while waiting to retry; %s had ended RETRIED, no new execution was started\n", x.ID)
		return silentExit(ExitInterrupted)
	}
	if ctx.Err() != nil && x.State.Current != runner.StateKilled {
		// Interrupted while its triggered executions ran: the one killed is recorded KILLED,
		// and a cron job or CI step that sent the signal must see that it was obeyed.
		fmt.Fprintf(s.Err, "flowctl: interrupted while running triggered executions; %s had ended %s\n", x.ID, x.State.Current)
		return silentExit(ExitInterrupted)
	}
	return silentExit(exitCode(x.State.Current, o.failOnWarning))
}
