package service

import (
	"fmt"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/schedule"
	"github.com/flowctl/flowctl/runner/state"
)

// Apply registers f in the state at now (its revision plus one when its source changed)
// with the entries of its Schedule triggers: a trigger that was there keeps its progress,
// a new one starts at now. Unchanged flows get their entries too, so that a flow applied
// by an older flowctl gets its schedules.
func (s *Service) Apply(f *flow.Flow, now time.Time) (rec state.FlowRecord, changed bool, err error) {
	now = now.UTC()
	rec, changed, err = s.Store.ApplyFlow(f.Namespace, f.ID, f.Source, f.Disabled, now)
	if err != nil {
		return rec, changed, err
	}
	var schedErr error
	err = s.Store.SetSchedules(f.Namespace, f.ID, func(old map[string]state.ScheduleEntry) []state.ScheduleEntry {
		var entries []state.ScheduleEntry
		entries, schedErr = scheduleEntries(f, old, now, s.location())
		return entries
	})
	if err == nil {
		err = schedErr
	}
	if err != nil {
		return rec, changed, fmt.Errorf("%s.%s: schedules: %w", f.Namespace, f.ID, err)
	}
	return rec, changed, nil
}

// scheduleEntries are the schedule entries of flow f applied at now (those of its polling
// triggers too, whose dates are evaluations): a trigger that was
// there keeps its progress (its last date), a new one starts at now, a disabled one (or any
// of a disabled flow) has none, so that enabling it again does not recover the dates of
// while it was off.
func scheduleEntries(f *flow.Flow, old map[string]state.ScheduleEntry, now time.Time, loc *time.Location) ([]state.ScheduleEntry, error) {
	var out []state.ScheduleEntry
	if f.Disabled {
		return nil, nil
	}
	for _, t := range f.Triggers {
		if t.Disabled {
			continue
		}
		if _, interval, ok := t.Polling(); ok {
			out = append(out, pollEntry(f, t, old[t.ID], now, interval))
			continue
		}
		if t.Type != flow.TriggerSchedule {
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

// pollSpec marks the entry of a polling trigger, whose dates are its evaluations.
const pollSpec = "poll"

// pollEntry is the entry of the polling trigger t applied at now: a trigger that was there
// keeps its last evaluation, and is next evaluated one interval (the new one) after it; a
// new one is evaluated at once, as Kestra's scheduler evaluates a new polling trigger.
func pollEntry(f *flow.Flow, t *flow.Trigger, old state.ScheduleEntry, now time.Time, interval time.Duration) state.ScheduleEntry {
	e := state.ScheduleEntry{Namespace: f.Namespace, FlowID: f.ID, TriggerID: t.ID, Next: now, Spec: pollSpec}
	if old.Spec == pollSpec && !old.Last.IsZero() {
		e.Last, e.Ran, e.Next = old.Last, old.Ran, old.Last.Add(interval)
	}
	return e
}
