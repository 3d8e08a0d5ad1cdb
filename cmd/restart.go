package cmd

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner/service"
	"github.com/flowctl/flowctl/tasks"
)

// restartOptions are the flags of `flowctl executions restart`.
type restartOptions struct {
	execOptions
	ref      string
	flowFile string
	force    bool
}

func newExecRestartCmd(fac *factory) *cobra.Command {
	o := &restartOptions{}
	c := &cobra.Command{
		Use:   "restart ID [--flow FILE]",
		Short: "Run a FAILED or KILLED execution again from its failed tasks, as a new attempt of it",
		Long: `Restart a FAILED or KILLED execution as Kestra does: the same execution (same id) runs
again, from its failed task runs, with the outputs of the task runs that ended well, which
do not run again. Each failed task gets one more attempt (taskrun.attemptsCount grows), the
tasks after it run, errors and finally run again; the execution goes RESTARTED, then RUNNING,
and its metadata.attemptNumber grows. Its inputs and labels are kept.

The flow is the one applied to the state (flowctl flow apply) when it is the revision the
execution ran; an execution of a flow file (flowctl run FILE) needs the file: --flow FILE
("-" reads it from stdin). The values of SECRET inputs are not kept in the state: give them
again with -i. An execution cut off by kill -9 (or the OOM killer, a reboot) stays RUNNING
in the state, which cannot tell it from one still running: --force restarts it.

ID is a whole execution id, a prefix of exactly one (as git takes commits), or "last" for
the newest execution. Exit codes are run's: 0 SUCCESS or WARNING, 1 FAILED, 2 when it cannot
be restarted (nothing ran), 3 on WARNING with --fail-on-warning, 130 when interrupted.`,
		Example: `  flowctl executions restart last --flow backup.yml
  flowctl executions restart 5xWq0m                  # an execution of an applied flow
  flowctl executions restart 5xWq0m -i token=$TOKEN  # a SECRET input given again`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.ref = args[0]
			return runRestart(c.Context(), fac, o)
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.flowFile, "flow", "", "the flow `FILE` the execution ran (\"-\": stdin); default: the flow applied to the state")
	addExecFlags(c, &o.execOptions, execFlagHelp{
		input:      "a SECRET input given again, `KEY=VALUE` (repeatable)",
		timeout:    "fail the restarted execution when it runs longer than `DURATION` (PT10M, or 10m)",
		timestamps: "prefix each log line with its time: true or false (default: true when the output is not a terminal)",
		junit:      "write a JUnit XML report of the execution to `FILE`",
	})
	fl.BoolVar(&o.force, "force", false, "restart an execution recorded RUNNING or PAUSED whose process is gone (kill -9, the OOM killer, a reboot): flowctl cannot tell it from one still running")
	return c
}

func runRestart(ctx context.Context, fac *factory, o *restartOptions) error {
	s := fac.Streams
	given, timeout, human, err := o.parse(s)
	if err != nil {
		return err
	}
	var f *flow.Flow
	if o.flowFile != "" {
		if f, err = loadFlow(s, o.flowFile, fac.registry(), human); err != nil {
			return err
		}
	}
	stamps, err := timestampsFlag(o.timestamps, human)
	if err != nil {
		return err
	}
	store, err := fac.openState(context.WithoutCancel(ctx), o.state, false)
	if err != nil {
		return err
	}
	id, err := resolveExecution(store, o.ref)
	if err != nil {
		return err
	}
	svc := fac.service(store, o.noColor)
	svc.Timeout = timeout
	pal := report.NewPalette(colorEnabled(human, o.noColor))
	ciSystem, _ := tasks.CIJob(os.Environ())
	r, err := svc.PlanRestart(id, service.RestartOptions{Flow: f, Inputs: given, Force: o.force})
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	text := report.NewTextSink(human, pal, r.Flow).Live(liveTerminal(human, o.noColor, ciSystem), stamps)
	file := ""
	if o.flowFile != "" {
		file = ciPath(o.flowFile)
	}
	sink := report.NewCISink(text, human, ciSystem, r.Flow, file)
	x, err := svc.Restart(ctx, r, sink)
	text.Close()
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	// As after run: an interrupted execution fires no trigger, children of Subflow tasks
	// not waited for end first, and a signal that came while triggered executions ran is
	// the exit code.
	return o.report(ctx, s, finished{x: x, svc: svc, human: human, pal: pal, ciSystem: ciSystem,
		summary: func(w io.Writer) { fmt.Fprintf(w, "execution %s: attempt %d\n", x.ID, x.Metadata.AttemptNumber) }})
}
