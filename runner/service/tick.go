package service

import (
	"context"
	"fmt"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/schedule"
	"github.com/flowctl/flowctl/runner/state"
)

// recheck is how long a schedule that cannot run (its flow no longer loads, its trigger is
// gone) waits before it is looked at again, and how often a scheduler running in the
// foreground looks at the state with nothing due: flows applied meanwhile get their
// schedules picked up within it.
const recheck = time.Minute

// Tick runs every schedule due at now, recovering the dates missed since the last tick as
// each trigger's recoverMissedSchedules says, and evaluates every polling trigger due (poll.go),
// then the Flow triggers their executions fire.
// Each date is claimed in the state before it runs, so overlapping ticks never run one date
// twice. Entries come sorted by their next date, so the entries not due are never looked at
// beyond the first: with nothing due, a tick reads the entries and parses no flow. It
// returns true when ctx ended while an execution ran, which is recorded KILLED.
func (s *Service) Tick(ctx context.Context, now time.Time) (killed bool) {
	entries, err := s.Store.Schedules()
	if err != nil {
		s.warnf("schedules not read: %v", err)
		return false
	}
	for _, en := range entries {
		if en.Next.After(now) || ctx.Err() != nil {
			break
		}
		if s.runEntry(ctx, en, now) {
			killed = true
		}
	}
	return killed
}

// NextDue is the earliest next date of all schedules; false when there is none, or the
// state cannot tell.
func (s *Service) NextDue() (time.Time, bool) {
	entries, err := s.Store.Schedules()
	if err != nil || len(entries) == 0 {
		return time.Time{}, false
	}
	return entries[0].Next, true
}

// minWake is the shortest wait between two ticks of a scheduler in the foreground: a date
// still due after a tick (one that could not be claimed) must not make the loop spin.
const minWake = 100 * time.Millisecond

// NextWake is when a scheduler running in the foreground, having ticked at now, ticks
// again: at the earliest next date of all schedules, at most recheck later (to pick up
// flows applied meanwhile), at least minWake later.
func (s *Service) NextWake(now time.Time) time.Time {
	wake := now.Add(recheck)
	if next, ok := s.NextDue(); ok && next.Before(wake) {
		wake = next
	}
	if floor := now.Add(minWake); wake.Before(floor) {
		wake = floor
	}
	return wake
}

func (s *Service) location() *time.Location {
	if s.Location == nil {
		return time.Local
	}
	return s.Location
}

// runEntry runs the due dates of one Schedule trigger; true when ctx ended while one ran.
func (s *Service) runEntry(ctx context.Context, en state.ScheduleEntry, now time.Time) (killed bool) {
	name := fmt.Sprintf("%s.%s/%s", en.Namespace, en.FlowID, en.TriggerID)
	// A schedule that cannot run is looked at again in a while, not at every tick (nor in a
	// loop by `scheduler run`).
	postpone := func(format string, args ...any) {
		s.warnf("schedule %s skipped: "+format, append([]any{name}, args...)...)
		if err := s.Store.SetScheduleNext(en.Namespace, en.FlowID, en.TriggerID, en.Last, now.Add(recheck)); err != nil {
			s.warnf("schedule %s: %v", name, err)
		}
	}
	rec, ok, err := s.Store.Flow(en.Namespace, en.FlowID)
	switch {
	case err != nil:
		postpone("%v", err)
		return false
	case !ok:
		// Deleted between the two transactions of its apply: its entries outlived it.
		if err := s.Store.DeleteSchedules(en.Namespace, en.FlowID); err != nil {
			s.warnf("schedule %s: %v", name, err)
		}
		return false
	}
	f, err := flow.Parse(fmt.Sprintf("%s.%s (applied revision %d)", rec.Namespace, rec.ID, rec.Revision), rec.Source, s.Registry)
	if err != nil {
		postpone("the applied flow does not load (apply it again once fixed): %v", err)
		return false
	}
	if t := pollingTrigger(f, en.TriggerID); t != nil && !f.Disabled {
		return s.poll(ctx, en, f, rec.Revision, t, now)
	}
	t := scheduleTrigger(f, en.TriggerID)
	if t == nil || f.Disabled {
		postpone("the applied flow has no enabled Schedule trigger %q (apply it again)", en.TriggerID)
		return false
	}
	sched, err := schedule.Parse(t.Cron, t.WithSeconds, t.Timezone, s.location())
	if err != nil {
		postpone("%v", err)
		return false
	}
	off := toggledOff(s.toggles(), f, t)
	policy := schedule.Policy{Recover: t.RecoverMissedSchedules, LateMaximumDelay: t.LateMaximumDelay}
	last := en.Last
	for {
		plan := schedule.PlanTick(sched, last, now, policy, 0)
		if n := len(plan.Skipped); n > 0 {
			s.notef("schedule %s: %d missed date%s not run (%s to %s): %s", name, n, plural(n),
				plan.Skipped[0].UTC().Format(time.RFC3339), plan.Skipped[n-1].UTC().Format(time.RFC3339), skipReason(t))
		}
		for _, date := range plan.Run {
			if ctx.Err() != nil {
				return killed
			}
			// A date whose conditions do not hold is handled without running, as in Kestra:
			// claimed, but not as run (the flow's "last" stays the last date that ran).
			holds, condErr := !off, error(nil)
			if len(t.Conditions) > 0 && !off {
				dates := flow.ScheduleDates{Date: date, Next: sched.Next(date), Previous: sched.Prev(date)}
				holds, condErr = t.ScheduleHolds(dates, sched.Location())
			}
			claimed, err := s.Store.ClaimSchedule(en.Namespace, en.FlowID, en.TriggerID, date, sched.Next(date), holds)
			switch {
			case err != nil:
				s.warnf("schedule %s: %v", name, err)
				return killed
			case !claimed: // an overlapping tick has it
			case holds:
				if s.runDate(ctx, f, rec.Revision, t, sched, date) {
					killed = true
				}
			case condErr != nil:
				s.warnf("schedule %s: the date %s skipped: its conditions could not be evaluated: %v", name, formatScheduleDate(date), condErr)
			case off:
				// A Toggle disabled it: its dates pass unrun, as Kestra's scheduler
				// leaves a disabled trigger alone.
				s.notef("schedule %s: the date %s skipped: the trigger is disabled by a Toggle task", name, formatScheduleDate(date))
			default:
				s.Notify.DateSkipped(f, t, formatScheduleDate(date))
			}
		}
		if plan.Last.After(last) {
			// The skipped dates are handled too: the next tick starts after them.
			if _, err := s.Store.ClaimSchedule(en.Namespace, en.FlowID, en.TriggerID, plan.Last, sched.Next(plan.Last), false); err != nil {
				s.warnf("schedule %s: %v", name, err)
				return killed
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
		if err := s.Store.SetScheduleNext(en.Namespace, en.FlowID, en.TriggerID, last, next); err != nil {
			s.warnf("schedule %s: %v", name, err)
		}
	}
	return killed
}

// runDate runs flow f for the scheduled date of trigger t, then the Flow triggers it fires;
// true when ctx ended while it ran.
func (s *Service) runDate(ctx context.Context, f *flow.Flow, revision int, t *flow.Trigger, sched *schedule.Schedule, date time.Time) (killed bool) {
	name := fmt.Sprintf("%s.%s/%s", f.Namespace, f.ID, t.ID)
	vars := map[string]any{
		"date":     formatScheduleDate(date),
		"next":     formatScheduleDate(sched.Next(date)),
		"previous": formatScheduleDate(sched.Prev(date)),
	}
	given, err := s.renderTriggerInputs(t.Inputs, map[string]any{"trigger": vars})
	if err != nil {
		s.warnf("schedule %s: inputs: %v", name, err)
		return false
	}
	inputs, secrets, err := flow.ParseInputs(f, given, s.inputsKV())
	if err != nil {
		s.warnf("schedule %s: %v", name, err)
		return false
	}
	sink := s.Notify.Scheduled(f, t, formatScheduleDate(date))
	x, err := s.Run(ctx, f, RunOptions{
		Inputs:   inputs,
		Secrets:  secrets,
		Trigger:  &runner.ExecTrigger{ID: t.ID, Type: t.Type, Variables: vars},
		Revision: revision,
		Sink:     sink,
	})
	if err != nil {
		s.warnf("schedule %s: %v", name, err)
		return false
	}
	s.Notify.ScheduledEnded(f, t, x)
	if x.State.Current == runner.StateKilled && ctx.Err() != nil {
		return true
	}
	s.stopAfter(f, t, x)
	s.Fire(ctx, x)
	return false
}

// scheduleTrigger returns f's enabled Schedule trigger with this id, or nil.
func scheduleTrigger(f *flow.Flow, id string) *flow.Trigger {
	for _, t := range f.Triggers {
		if t.ID == id && t.Type == flow.TriggerSchedule && !t.Disabled {
			return t
		}
	}
	return nil
}

// skipReason says why missed dates were not run.
func skipReason(t *flow.Trigger) string {
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
