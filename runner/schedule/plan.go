package schedule

import (
	"strings"
	"time"
)

// DefaultOnTime is 2 minutes: a crontab tick every minute, plus start-up jitter and a slow previous tick.
const DefaultOnTime = 2 * time.Minute

// defaultLimit caps the dates one PlanTick enumerates when the caller passes
// no limit, so a schedule that was down for months cannot stall a tick.
const defaultLimit = 1000

// Policy is how a tick treats the dates it finds due.
//
// It mirrors the Kestra Schedule trigger properties recoverMissedSchedules
// and lateMaximumDelay. The flow loader validates Recover; PlanTick treats
// any value other than LAST or NONE (case-insensitive) as ALL.
type Policy struct {
	Recover          string        // "ALL" (default when ""), "LAST" or "NONE"
	LateMaximumDelay time.Duration // 0: none
	OnTime           time.Duration // a date at most this old when the tick runs is on time, not missed; 0 means DefaultOnTime
}

// Plan is what one tick does with one schedule.
type Plan struct {
	Run     []time.Time // the dates to run, oldest first
	Skipped []time.Time // due dates not run (missed and not recovered, or later than LateMaximumDelay), oldest first; at most the limit
	Last    time.Time   // the latest date handled (run or skipped): the next tick looks after it. Equal to the `last` argument when nothing was due.
	More    bool        // stopped after `limit` dates: more are due; the next tick goes on from Last
}

// PlanTick decides, at now, what to do with the dates of s in (last, now].
//
// A date is late when it is more than p.OnTime old at now; late dates are
// run or skipped as p.Recover says (ALL runs them all, LAST only the latest,
// NONE none), and any date older than p.LateMaximumDelay (when set) is
// skipped whatever the recovery. On-time dates always run. limit <= 0 means
// 1000.
//
// When More is set, the caller may call again at once with the same now
// and last = Last to go on; waiting for the next tick also works, but dates
// that were on time may be late by then. Under LAST, a batch cut by the
// limit runs nothing late when a newer late date lies beyond it, so the
// latest late date runs once, not once per batch.
//
// A zero last means the schedule never ticked (just applied): nothing before
// now is due, and Last is now, so later ticks have a starting point.
func PlanTick(s *Schedule, last, now time.Time, p Policy, limit int) Plan {
	if last.IsZero() {
		return Plan{Last: now}
	}
	if limit <= 0 {
		limit = defaultLimit
	}
	onTime := p.OnTime
	if onTime <= 0 {
		onTime = DefaultOnTime
	}
	plan := Plan{Last: last}

	var due []time.Time
	var beyond time.Time // the first due date past the limit, if any
	for d := last; ; {
		n := s.Next(d)
		if n.IsZero() || n.After(now) {
			break
		}
		if len(due) == limit {
			plan.More = true
			beyond = n
			break
		}
		due = append(due, n)
		d = n
	}
	if len(due) == 0 {
		return plan
	}
	plan.Last = due[len(due)-1]

	tooOld := func(d time.Time) bool {
		return p.LateMaximumDelay > 0 && now.Sub(d) > p.LateMaximumDelay
	}
	late := func(d time.Time) bool { return now.Sub(d) > onTime }

	// Under LAST, the one late date to run is the newest late date that
	// LateMaximumDelay has not already skipped; none in this batch if a newer
	// one lies beyond the limit.
	var keep time.Time
	if strings.EqualFold(p.Recover, "LAST") {
		for _, d := range due {
			if late(d) && !tooOld(d) {
				keep = d
			}
		}
		if plan.More && late(beyond) && !tooOld(beyond) {
			keep = time.Time{}
		}
	}

	for _, d := range due {
		run := true
		switch {
		case tooOld(d):
			run = false
		case !late(d):
			// On time: always runs.
		case strings.EqualFold(p.Recover, "NONE"):
			run = false
		case strings.EqualFold(p.Recover, "LAST"):
			run = d.Equal(keep)
		}
		if run {
			plan.Run = append(plan.Run, d)
		} else {
			plan.Skipped = append(plan.Skipped, d)
		}
	}
	return plan
}
