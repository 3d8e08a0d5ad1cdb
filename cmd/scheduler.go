package cmd

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/runner/service"
)

func newSchedulerCmd(f *factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "scheduler",
		Short: "Run the Schedule and polling triggers of applied flows",
		Long: `Run the applied flows whose Schedule trigger came due, and evaluate their polling triggers
(http.Trigger) whose interval has passed: once per call with "tick", for a crontab line, or in
the foreground with "run", for hosts without cron.`,
	}
	c.AddCommand(newSchedulerTickCmd(f), newSchedulerRunCmd(f))
	return c
}

// schedulerOptions are the flags both scheduler commands take.
type schedulerOptions struct {
	state   string
	noColor bool
}

func (o *schedulerOptions) flags(c *cobra.Command) {
	stateFlag(c, &o.state)
	c.Flags().BoolVar(&o.noColor, "no-color", false, "never colour the output")
}

func newSchedulerTickCmd(f *factory) *cobra.Command {
	o := &schedulerOptions{}
	c := &cobra.Command{
		Use:   "tick",
		Short: "Run, once, every schedule that came due since the last tick",
		Long: `Run every applied flow whose Schedule trigger came due since the last tick, recovering
the dates missed while no tick ran as each trigger's recoverMissedSchedules says (ALL by
default, LAST or NONE), and evaluate once each polling trigger (http.Trigger) whose interval
has passed since its last evaluation, then exit. Meant for a crontab line:

  * * * * * flowctl scheduler tick

Each scheduled date runs exactly once, even when ticks overlap. Prints nothing when nothing
is due. Exit 0 whatever the executions' states (they are recorded; use a Flow trigger to
report failures), 2 when the state cannot be opened, 130 when interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			sc, err := newScheduler(f, o)
			if err != nil {
				return err
			}
			now, err := f.scheduleNow()
			if err != nil {
				return err
			}
			return sc.exit(sc.svc.Tick(c.Context(), now))
		},
	}
	o.flags(c)
	return c
}

func newSchedulerRunCmd(f *factory) *cobra.Command {
	o := &schedulerOptions{}
	c := &cobra.Command{
		Use:   "run",
		Short: "Run the schedules in the foreground, on time, until SIGTERM",
		Long: `Tick at each scheduled date of the applied flows (and at least every minute, to pick up
flows applied meanwhile), until SIGINT or SIGTERM, which are its normal way to stop: exit 0.
A signal that comes while an execution runs kills its processes; the execution is recorded
KILLED and said so.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			sc, err := newScheduler(f, o)
			if err != nil {
				return err
			}
			ctx := c.Context()
			fmt.Fprintf(f.Err, "flowctl: scheduler running on %s (SIGTERM to stop)\n", sc.svc.Store.Path())
			killed := false
			for ctx.Err() == nil {
				now := time.Now()
				if sc.svc.Tick(ctx, now) {
					killed = true
				}
				select {
				case <-ctx.Done():
				case <-time.After(time.Until(sc.svc.NextWake(now))):
				}
			}
			if killed {
				fmt.Fprintln(f.Err, "flowctl: scheduler stopped; the execution it was running is recorded KILLED")
			} else {
				fmt.Fprintln(f.Err, "flowctl: scheduler stopped")
			}
			return sc.exit(false) // a stop asked for: exit 0
		},
	}
	o.flags(c)
	return c
}

// scheduler is the service of the scheduler commands, with the state it ticks on.
type scheduler struct {
	svc  *service.Service
	errw io.Writer
}

func newScheduler(f *factory, o *schedulerOptions) (*scheduler, error) {
	// Executions killed by the signal that stops the scheduler are recorded KILLED after
	// it: the state outlives it.
	store, err := f.openState(context.Background(), o.state, false)
	if err != nil {
		return nil, err
	}
	return &scheduler{svc: f.service(store, o.noColor), errw: f.Err}, nil
}

// exit is the scheduler's exit: 130 when a signal killed an execution, else 0, with the
// first failure to record an execution reported.
func (sc *scheduler) exit(killed bool) error {
	// Children of Subflow tasks that were not waited for are recorded before the exit.
	sc.svc.Wait()
	if err := sc.svc.RecordErr(); err != nil {
		fmt.Fprintf(sc.errw, "flowctl: %v\n", err)
	}
	if killed {
		return silentExit(ExitInterrupted)
	}
	return nil
}
