package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/schedule"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// nowVar names the environment variable that sets the clock of `flow apply` and `scheduler
// tick` (RFC 3339): to test a schedule's behaviour over days in seconds, as the end-to-end
// tests do. Unset, the clock is the machine's.
const nowVar = "FLOWCTL_NOW"

// scheduleNow is the time `flow apply` and `scheduler tick` take as now.
func scheduleNow() (time.Time, error) {
	v := os.Getenv(nowVar)
	if v == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageErrorf("%s=%q is not an RFC 3339 date like 2026-11-26T17:00:00Z", nowVar, v)
	}
	return t, nil
}

// schedulerRecheck is how often `scheduler run` looks at the state even with nothing due:
// flows applied meanwhile get their schedules picked up within it.
const schedulerRecheck = time.Minute

func newSchedulerCmd(s Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "scheduler",
		Short: "Run the Schedule triggers of applied flows",
		Long: `Run the applied flows whose Schedule trigger came due: once per call with "tick", for a
crontab line, or in the foreground with "run", for hosts without cron.`,
	}
	c.AddCommand(newSchedulerTickCmd(s), newSchedulerRunCmd(s))
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

func newSchedulerTickCmd(s Streams) *cobra.Command {
	o := &schedulerOptions{}
	c := &cobra.Command{
		Use:   "tick",
		Short: "Run, once, every schedule that came due since the last tick",
		Long: `Run every applied flow whose Schedule trigger came due since the last tick, recovering
the dates missed while no tick ran as each trigger's recoverMissedSchedules says (ALL by
default, LAST or NONE), then exit. Meant for a crontab line:

  * * * * * flowctl scheduler tick

Each scheduled date runs exactly once, even when ticks overlap. Prints nothing when nothing
is due. Exit 0 whatever the executions' states (they are recorded; use a Flow trigger to
report failures), 2 when the state cannot be opened, 130 when interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			sc, err := newScheduler(s, o)
			if err != nil {
				return err
			}
			now, err := scheduleNow()
			if err != nil {
				return err
			}
			sc.tick(c.Context(), now)
			return sc.exit(c.Context())
		},
	}
	o.flags(c)
	return c
}

func newSchedulerRunCmd(s Streams) *cobra.Command {
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
			sc, err := newScheduler(s, o)
			if err != nil {
				return err
			}
			ctx := c.Context()
			fmt.Fprintf(s.Err, "flowctl: scheduler running on %s (SIGTERM to stop)\n", sc.store.Path())
			for ctx.Err() == nil {
				now := time.Now()
				sc.tick(ctx, now)
				wake := now.Add(schedulerRecheck)
				if next, ok := sc.nextDue(); ok && next.Before(wake) {
					wake = next
				}
				// A date still due after a tick (a schedule that could not be claimed) must
				// not make the loop spin.
				wake = later(wake, now.Add(100*time.Millisecond))
				select {
				case <-ctx.Done():
				case <-time.After(time.Until(wake)):
				}
			}
			if sc.killed {
				fmt.Fprintln(s.Err, "flowctl: scheduler stopped; the execution it was running is recorded KILLED")
			} else {
				fmt.Fprintln(s.Err, "flowctl: scheduler stopped")
			}
			sc.killed = false // a stop asked for: exit 0
			return sc.exit(ctx)
		},
	}
	o.flags(c)
	return c
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// scheduler runs the due dates of the applied flows' Schedule triggers.
type scheduler struct {
	store *state.Store
	ex    *executor
	out   io.Writer
	pal   *report.Palette
	reg   tasks.Registry
	// loc is the zone of schedules without a timezone: the machine's, as for cron.
	loc *time.Location
	// killed is set when a signal interrupted an execution.
	killed bool
}

func newScheduler(s Streams, o *schedulerOptions) (*scheduler, error) {
	// Executions killed by the signal that stops the scheduler are recorded KILLED after
	// it: the state outlives it.
	store, err := openState(context.Background(), s, o.state, false)
	if err != nil {
		return nil, err
	}
	reg := tasks.Builtin()
	return &scheduler{
		store: store,
		ex: &executor{store: store, registry: reg, stderr: s.Err,
			errPal: report.NewPalette(colorEnabled(s.Err, o.noColor))},
		out: s.Out,
		pal: report.NewPalette(colorEnabled(s.Out, o.noColor)),
		reg: reg,
		loc: time.Local,
	}, nil
}

// exit is the scheduler's exit: 130 when a signal killed an execution, else 0, with the
// first failure to record an execution reported.
func (sc *scheduler) exit(ctx context.Context) error {
	if sc.ex.recordErr != nil {
		fmt.Fprintf(sc.ex.stderr, "flowctl: %v\n", sc.ex.recordErr)
	}
	if sc.killed {
		return silentExit(ExitInterrupted)
	}
	return nil
}

// nextDue is the earliest next date of all schedules.
func (sc *scheduler) nextDue() (time.Time, bool) {
	entries, err := sc.store.Schedules()
	if err != nil || len(entries) == 0 {
		return time.Time{}, false
	}
	return entries[0].Next, true
}

// tick runs every schedule due at now. Entries come sorted by their next date, so the
// entries not due are never looked at beyond the first: with nothing due, a tick reads the
// entries and parses no flow.
func (sc *scheduler) tick(ctx context.Context, now time.Time) {
	entries, err := sc.store.Schedules()
	if err != nil {
		sc.ex.warnf("schedules not read: %v", err)
		return
	}
	for _, en := range entries {
		if en.Next.After(now) || ctx.Err() != nil {
			return
		}
		sc.runEntry(ctx, en, now)
	}
}

// runEntry runs the due dates of one Schedule trigger.
func (sc *scheduler) runEntry(ctx context.Context, en state.ScheduleEntry, now time.Time) {
	name := fmt.Sprintf("%s.%s/%s", en.Namespace, en.FlowID, en.TriggerID)
	// A schedule that cannot run is looked at again in a while, not at every tick (nor in a
	// loop by `scheduler run`).
	postpone := func(format string, args ...any) {
		sc.ex.warnf("schedule %s skipped: "+format, append([]any{name}, args...)...)
		if err := sc.store.SetScheduleNext(en.Namespace, en.FlowID, en.TriggerID, en.Last, now.Add(schedulerRecheck)); err != nil {
			sc.ex.warnf("schedule %s: %v", name, err)
		}
	}
	rec, ok, err := sc.store.Flow(en.Namespace, en.FlowID)
	switch {
	case err != nil:
		postpone("%v", err)
		return
	case !ok:
		// Deleted between the two transactions of its apply: its entries outlived it.
		if err := sc.store.DeleteSchedules(en.Namespace, en.FlowID); err != nil {
			sc.ex.warnf("schedule %s: %v", name, err)
		}
		return
	}
	f, err := runner.Parse(fmt.Sprintf("%s.%s (applied revision %d)", rec.Namespace, rec.ID, rec.Revision), rec.Source, sc.reg)
	if err != nil {
		postpone("the applied flow does not load (apply it again once fixed): %v", err)
		return
	}
	t := scheduleTrigger(f, en.TriggerID)
	if t == nil || f.Disabled {
		postpone("the applied flow has no enabled Schedule trigger %q (apply it again)", en.TriggerID)
		return
	}
	sched, err := schedule.Parse(t.Cron, t.WithSeconds, t.Timezone, sc.loc)
	if err != nil {
		postpone("%v", err)
		return
	}
	policy := schedule.Policy{Recover: t.RecoverMissedSchedules, LateMaximumDelay: t.LateMaximumDelay}
	last := en.Last
	for {
		plan := schedule.PlanTick(sched, last, now, policy, 0)
		if n := len(plan.Skipped); n > 0 {
			sc.ex.notef("schedule %s: %d missed date%s not run (%s to %s): %s", name, n, plural(n),
				plan.Skipped[0].UTC().Format(time.RFC3339), plan.Skipped[n-1].UTC().Format(time.RFC3339), skipReason(t))
		}
		for _, date := range plan.Run {
			if ctx.Err() != nil {
				return
			}
			// A date whose conditions do not hold is handled without running, as in Kestra:
			// claimed, but not as run (the flow's "last" stays the last date that ran).
			holds, condErr := true, error(nil)
			if len(t.Conditions) > 0 {
				dates := runner.ScheduleDates{Date: date, Next: sched.Next(date), Previous: sched.Prev(date)}
				holds, condErr = t.ScheduleHolds(dates, sched.Location())
			}
			claimed, err := sc.store.ClaimSchedule(en.Namespace, en.FlowID, en.TriggerID, date, sched.Next(date), holds)
			switch {
			case err != nil:
				sc.ex.warnf("schedule %s: %v", name, err)
				return
			case !claimed: // an overlapping tick has it
			case holds:
				sc.runDate(ctx, f, rec.Revision, t, sched, date)
			case condErr != nil:
				sc.ex.warnf("schedule %s: the date %s skipped: its conditions could not be evaluated: %v", name, formatScheduleDate(date), condErr)
			default:
				fmt.Fprintf(sc.out, "flowctl: schedule %s: the date %s skipped: its conditions do not hold\n", name, formatScheduleDate(date))
			}
		}
		if plan.Last.After(last) {
			// The skipped dates are handled too: the next tick starts after them.
			if _, err := sc.store.ClaimSchedule(en.Namespace, en.FlowID, en.TriggerID, plan.Last, sched.Next(plan.Last), false); err != nil {
				sc.ex.warnf("schedule %s: %v", name, err)
				return
			}
			last = plan.Last
		}
		if !plan.More || ctx.Err() != nil {
			break
		}
	}
	// Claims set the next date; with none, the stored one may come from `flow apply` in another time zone (a trigger
	// without timezone follows the machine's): put it right, or it would stay due.
	if next := sched.Next(last); last.Equal(en.Last) && !next.Equal(en.Next) {
		if err := sc.store.SetScheduleNext(en.Namespace, en.FlowID, en.TriggerID, last, next); err != nil {
			sc.ex.warnf("schedule %s: %v", name, err)
		}
	}
}

// runDate runs flow f for the scheduled date of trigger t, then the Flow triggers it fires.
func (sc *scheduler) runDate(ctx context.Context, f *runner.Flow, revision int, t *runner.Trigger, sched *schedule.Schedule, date time.Time) {
	name := fmt.Sprintf("%s.%s/%s", f.Namespace, f.ID, t.ID)
	vars := map[string]any{
		"date":     formatScheduleDate(date),
		"next":     formatScheduleDate(sched.Next(date)),
		"previous": formatScheduleDate(sched.Prev(date)),
	}
	given, err := renderTriggerInputs(t.Inputs, map[string]any{"trigger": vars})
	if err != nil {
		sc.ex.warnf("schedule %s: inputs: %v", name, err)
		return
	}
	inputs, secrets, err := runner.ParseInputs(f, given)
	if err != nil {
		sc.ex.warnf("schedule %s: %v", name, err)
		return
	}
	fmt.Fprintf(sc.out, "flowctl: schedule %s: running the date %s\n", name, vars["date"])
	x, err := sc.ex.execute(ctx, f, inputs, secrets, &runner.ExecTrigger{ID: t.ID, Type: t.Type, Variables: vars},
		"", revision, report.NewTextSink(sc.out, sc.pal, f))
	if err != nil {
		sc.ex.warnf("schedule %s: %v", name, err)
		return
	}
	fmt.Fprintf(sc.out, "flowctl: schedule %s: execution %s ended %s in %s\n", name, x.ID,
		sc.pal.State(x.State.Current), report.HumanDuration(x.State.Duration()))
	if x.State.Current == runner.StateKilled && ctx.Err() != nil {
		sc.killed = true
		return
	}
	sc.ex.fire(ctx, x, 1)
}

// scheduleTrigger returns f's enabled Schedule trigger with this id, or nil.
func scheduleTrigger(f *runner.Flow, id string) *runner.Trigger {
	for _, t := range f.Triggers {
		if t.ID == id && t.Type == runner.TriggerSchedule && !t.Disabled {
			return t
		}
	}
	return nil
}

// skipReason says why missed dates were not run.
func skipReason(t *runner.Trigger) string {
	switch {
	case t.LateMaximumDelay > 0 && t.RecoverMissedSchedules != "LAST" && t.RecoverMissedSchedules != "NONE":
		return fmt.Sprintf("later than lateMaximumDelay %s", duration.FormatClock(t.LateMaximumDelay))
	case t.RecoverMissedSchedules == "":
		return "recoverMissedSchedules ALL"
	}
	return "recoverMissedSchedules " + t.RecoverMissedSchedules
}

// formatScheduleDate writes a scheduled date as the contract writes dates: RFC 3339 in UTC.
func formatScheduleDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// scheduleEntries are the schedule entries of flow f applied at now: a trigger that was
// there keeps its progress (its last date), a new one starts at now, a disabled one (or any
// of a disabled flow) has none, so that enabling it again does not recover the dates of
// while it was off.
func scheduleEntries(f *runner.Flow, old map[string]state.ScheduleEntry, now time.Time, loc *time.Location) ([]state.ScheduleEntry, error) {
	var out []state.ScheduleEntry
	if f.Disabled {
		return nil, nil
	}
	for _, t := range f.Triggers {
		if t.Type != runner.TriggerSchedule || t.Disabled {
			continue
		}
		sched, err := schedule.Parse(t.Cron, t.WithSeconds, t.Timezone, loc)
		if err != nil {
			return nil, fmt.Errorf("trigger %q: %w", t.ID, err)
		}
		spec := fmt.Sprintf("%s|withSeconds=%v|%s", t.Cron, t.WithSeconds, t.Timezone)
		e := state.ScheduleEntry{Namespace: f.Namespace, FlowID: f.ID, TriggerID: t.ID, Last: now, Spec: spec}
		// A trigger whose schedule changed starts again from now: the dates of the new cron
		// before the apply were never due.
		if o, ok := old[t.ID]; ok && !o.Last.IsZero() && o.Spec == spec {
			e.Last, e.Ran = o.Last, o.Ran
		}
		e.Next = sched.Next(e.Last)
		out = append(out, e)
	}
	return out, nil
}
