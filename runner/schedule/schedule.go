// Package schedule implements Kestra's Schedule trigger semantics for
// flowctl's cron-driven scheduler: parsing Kestra cron expressions, finding
// the next and previous scheduled times in a time zone, and deciding what one
// scheduler tick runs, recovers or skips.
//
// It is pure logic: no I/O and no clock reads. Every function takes the
// times it needs, so callers (and tests) control the clock.
package schedule

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// robfigParser always takes six fields: normalize adds the seconds field to
// 5-field expressions and expands nicknames, so robfig never sees
// descriptors, TZ= prefixes or @every.
var robfigParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Schedule is a parsed cron expression evaluated in one time zone.
//
// A Schedule is immutable and safe for concurrent use.
type Schedule struct {
	loc *time.Location
	// wall is robfig's schedule evaluated on wall-clock times written as
	// UTC: UTC has no DST, so robfig enumerates local clock readings without
	// its DST quirks (it skips a nonexistent 02:30 and runs a repeated one
	// twice), and resolve decides which instant each reading stands for.
	wall *cron.SpecSchedule
	// everyHour is set when the hour field matches all 24 hours: such a
	// schedule is about elapsed time and also runs in a repeated hour.
	everyHour bool
	// step is the schedule's resolution: a minute when the seconds field is
	// just 0 (every 5-field cron), else a second. Next starts robfig at the
	// end of the current minute then, sparing it up to 59 one-second steps,
	// and Prev searches in minutes.
	step time.Duration
}

// Parse parses a Kestra cron expression: 5 fields (minute hour day-of-month month day-of-week),
// or 6 with withSeconds (a leading seconds field), or a nickname (@yearly @annually @monthly
// @weekly @daily @midnight @hourly; case-insensitive). Names JAN-DEC, SUN-SAT are accepted
// case-insensitively; `?` is accepted as `*` in day fields (Kestra/Quartz habit). tz is an
// IANA zone name ("Europe/Paris"); "" means loc (the machine's local zone, passed by the caller
// so tests stay deterministic).
//
// Day-of-week 7 is Sunday, as in Unix cron. tz may also be a fixed offset
// Java accepts ("Z", "+02:00", "UTC-5"). A nil loc with tz "" means UTC.
// When both day-of-month and day-of-week are restricted, a day matching
// either runs (Unix cron). An expression that can never match a date
// ("0 0 30 2 *") is an error rather than a schedule that silently never runs.
func Parse(expr string, withSeconds bool, tz string, loc *time.Location) (*Schedule, error) {
	spec, everyHour, err := normalize(expr, withSeconds)
	if err != nil {
		return nil, err
	}
	zone, err := loadZone(tz, loc)
	if err != nil {
		return nil, err
	}
	parsed, err := robfigParser.Parse(spec)
	if err != nil {
		// normalize should have caught everything robfig refuses; keep the
		// user's expression in front of robfig's terse message anyway.
		return nil, fmt.Errorf("%q: %v", expr, err)
	}
	wall, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("%q: unexpected schedule type %T", expr, parsed)
	}
	wall.Location = time.UTC
	// Four years hold every day-of-month/month combination, Feb 29 included.
	if wall.Next(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, fmt.Errorf("%q never runs: no month has the day-of-month it asks for", expr)
	}
	step := time.Second
	if wall.Second == 1 {
		step = time.Minute
	}
	return &Schedule{loc: zone, wall: wall, everyHour: everyHour, step: step}, nil
}

// Validate returns Parse's error for expr without keeping the schedule (for the flow loader).
func Validate(expr string, withSeconds bool, tz string) error {
	_, err := Parse(expr, withSeconds, tz, time.UTC)
	return err
}

// Location is the time zone the schedule is evaluated in: its timezone, else the zone Parse
// was given.
func (s *Schedule) Location() *time.Location {
	return s.loc
}

// Next returns the first scheduled time strictly after t.
//
// The result is in the schedule's time zone. The cron fields match local
// clock readings in that zone, and DST changes are handled like this (the
// rules of Vixie/RHEL cron, and what Kestra users expect):
//
//   - A clock reading skipped by a spring-forward change (02:30 on
//     2026-03-29 in Europe/Paris) runs once, at the first instant after the
//     gap (03:00 CEST): never skipped, never twice. So `30 2 * * *` runs at
//     03:00 that day, and an hourly schedule runs 23 times (its 02:00 is the
//     03:00 run).
//   - A clock reading repeated by a fall-back change (02:30 on 2026-10-25
//     in Europe/Paris) runs once, at its first occurrence (02:30 CEST),
//     unless the hour field matches every hour (`0 * * * *`, `*/15 * * * *`,
//     @hourly): those follow elapsed time and run in the repeated hour too,
//     so an hourly schedule runs 25 times that day.
//   - @daily and `0 0 * * *` stay at local midnight; the UTC instant moves
//     with the offset.
//
// Next returns the zero time if nothing matches within about five years.
func (s *Schedule) Next(t time.Time) time.Time {
	t = t.In(s.loc)
	wt := s.wallOf(t)
	var best time.Time
	if s.everyHour {
		// t is in the first pass of a repeated hour: readings already
		// passed come round again after the change.
		if start, ok := s.repeatStart(t); ok {
			if w := s.wallNext(start.Add(-time.Second)); !w.IsZero() && !w.After(wt) {
				if _, second := s.resolve(w); second.After(t) {
					best = second
				}
			}
		}
	}
	w := wt
	// A handful of iterations in practice; the bound only guards against a
	// zone database shaped in a way resolve does not expect.
	for range 1000 {
		w = s.wallNext(w)
		if w.IsZero() {
			break
		}
		first, second := s.resolve(w)
		if first.After(t) {
			return earliest(best, first)
		}
		if second.IsZero() {
			continue
		}
		// w is after t's clock reading but its first occurrence is not after
		// t: t is in the second pass of a repeated hour.
		if s.everyHour && second.After(t) {
			return earliest(best, second)
		}
		// Skip the rest of the repeated hour: its first passes are over and
		// its second passes do not run for this schedule.
		w = s.repeatEnd(second).Add(-time.Second)
	}
	return best
}

// Prev returns the last scheduled time strictly before t (zero time if none within 5 years).
//
// It follows the same DST rules as Next (it is built on Next), in the
// schedule's time zone.
func (s *Schedule) Prev(t time.Time) time.Time {
	t = t.In(s.loc)
	limit := t.AddDate(-5, 0, 0)
	// Grow a window back from t until some start point's Next falls before
	// t. The dates before t in that window are usually one or two: walk them
	// with Next. If there are many (every second of one hour, seen from the
	// evening), bisect the window instead: Next is monotonic in its
	// argument, so that takes O(log window) Next calls however dense the
	// schedule is.
	hi := t
	for d := s.step; ; d *= 2 {
		lo := t.Add(-d)
		if lo.Before(limit) {
			lo = limit
		}
		if n := s.Next(lo); !n.IsZero() && n.Before(t) {
			for range 8 {
				m := s.Next(n)
				if m.IsZero() || !m.Before(t) {
					return n
				}
				lo, n = n, m // still Next(lo) < t
			}
			for hi.Sub(lo) > s.step {
				mid := lo.Add(hi.Sub(lo) / 2)
				if n := s.Next(mid); !n.IsZero() && n.Before(t) {
					lo = mid
				} else {
					hi = mid
				}
			}
			n = s.Next(lo)
			for {
				m := s.Next(n)
				if m.IsZero() || !m.Before(t) {
					return n
				}
				n = m
			}
		}
		if !lo.After(limit) {
			return time.Time{}
		}
		hi = lo
	}
}

// wallNext returns the first clock reading (as UTC) matching the schedule
// strictly after w.
func (s *Schedule) wallNext(w time.Time) time.Time {
	if s.step == time.Minute {
		// Every match is at second 0, so none lies between w and the last
		// second of its minute.
		w = w.Truncate(time.Minute).Add(59 * time.Second)
	}
	return s.wall.Next(w)
}

// wallOf returns t's clock reading in the schedule's zone, written as UTC.
func (s *Schedule) wallOf(t time.Time) time.Time {
	t = t.In(s.loc)
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), time.UTC)
}

// resolve returns the instant a clock reading w (written as UTC) stands for:
// first is when it runs; second is set when the reading occurs twice (a
// fall-back change), and is the later occurrence. A reading skipped by a
// spring-forward change resolves to the instant the gap ends.
//
// time.Date alone will not do: for a skipped reading it shifts by the gap
// (02:30 becomes 03:30), and for a repeated one it does not promise which
// occurrence it returns.
func (s *Schedule) resolve(w time.Time) (first, second time.Time) {
	y, mo, d := w.Date()
	h, mi, sec := w.Clock()
	x := time.Date(y, mo, d, h, mi, sec, 0, s.loc)
	if wx := s.wallOf(x); !wx.Equal(w) {
		start, end := x.ZoneBounds()
		if wx.After(w) {
			// x is after the gap: the gap ends where x's zone period starts.
			return start, time.Time{}
		}
		return end, time.Time{}
	}
	start, end := x.ZoneBounds()
	_, off := x.Zone()
	if !start.IsZero() {
		if _, prevOff := start.Add(-time.Nanosecond).Zone(); prevOff > off {
			if e := x.Add(-time.Duration(prevOff-off) * time.Second); e.Before(start) && s.wallOf(e).Equal(w) {
				return e, x
			}
		}
	}
	if !end.IsZero() {
		if _, nextOff := end.Zone(); nextOff < off {
			if l := x.Add(time.Duration(off-nextOff) * time.Second); !l.Before(end) && s.wallOf(l).Equal(w) {
				return x, l
			}
		}
	}
	return x, time.Time{}
}

// repeatStart reports whether t is in the first pass of an hour a fall-back
// change will repeat, and if so the clock reading (as UTC) where the repeated
// span starts.
func (s *Schedule) repeatStart(t time.Time) (time.Time, bool) {
	_, end := t.ZoneBounds()
	if end.IsZero() {
		return time.Time{}, false
	}
	_, off := t.Zone()
	_, nextOff := end.Zone()
	if nextOff >= off {
		return time.Time{}, false
	}
	overlap := time.Duration(off-nextOff) * time.Second
	if t.Before(end.Add(-overlap)) {
		return time.Time{}, false
	}
	return s.wallOf(end.Add(-overlap)), true
}

// repeatEnd returns the clock reading (as UTC) just past the repeated span
// that the second-pass instant second belongs to.
func (s *Schedule) repeatEnd(second time.Time) time.Time {
	start, _ := second.ZoneBounds()
	_, off := second.Zone()
	_, prevOff := start.Add(-time.Nanosecond).Zone()
	return s.wallOf(start.Add(time.Duration(prevOff-off) * time.Second))
}

// earliest returns the earlier of a (possibly zero, meaning none) and b.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}
