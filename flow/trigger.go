package flow

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowctl/flowctl/templating"
)

// ScheduleDates are a scheduled date and the schedule's dates around it, which a schedule
// condition's date template sees as trigger.date, trigger.next and trigger.previous.
type ScheduleDates struct {
	Date, Next, Previous time.Time
}

// ScheduleHolds reports whether every condition of the Schedule trigger t holds for the
// scheduled date d.Date; without conditions, it does. loc is the trigger's time zone: as in
// Kestra, a condition reads the date as a clock in that zone shows it, so DayWeek MONDAY is
// a Monday there. The error is a date template that does not render to a date.
func (t *Trigger) ScheduleHolds(d ScheduleDates, loc *time.Location) (bool, error) {
	if loc == nil {
		loc = time.UTC
	}
	for i, c := range t.Conditions {
		ok, err := c.scheduleHolds(d, loc)
		if err != nil {
			return false, fmt.Errorf("conditions[%d]: %w", i, err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

// scheduleHolds reports whether the schedule condition c holds for d, as Kestra tests it.
func (c *Condition) scheduleHolds(d ScheduleDates, loc *time.Location) (bool, error) {
	if c.Type == CondNot || c.Type == CondOr {
		// Not holds when none of its conditions holds, Or when one does.
		for i, sub := range c.Conditions {
			ok, err := sub.scheduleHolds(d, loc)
			if err != nil {
				return false, fmt.Errorf("%s: conditions[%d]: %w", shortName(c.Type), i, err)
			}
			if ok {
				return c.Type == CondOr, nil
			}
		}
		return c.Type == CondNot, nil
	}
	at, err := c.testedDate(d, loc)
	if err != nil {
		return false, fmt.Errorf("%s: date: %w", shortName(c.Type), err)
	}
	switch c.Type {
	case CondDayWeek:
		return at.Weekday() == weekday(c.DayOfWeek), nil
	case CondWeekend:
		return at.Weekday() == time.Saturday || at.Weekday() == time.Sunday, nil
	case CondDayWeekInMonth:
		if at.Weekday() != weekday(c.DayOfWeek) {
			return false, nil
		}
		if c.DayInMonth == "LAST" {
			// No later one in the month: a fifth one is the last, as is a fourth one in a
			// month that holds only four.
			return at.Day()+7 > time.Date(at.Year(), at.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day(), nil
		}
		return (at.Day()-1)/7 == slices.Index(dayInMonths, c.DayInMonth), nil
	case CondTimeBetween:
		// Java's OffsetTime comparisons: both times of day moved to UTC on one common day,
		// bounds excluded.
		now := timeOfDay(at).utc()
		return (c.AfterTime == nil || now > c.AfterTime.utc()) && (c.BeforeTime == nil || now < c.BeforeTime.utc()), nil
	case CondDateTimeBetween:
		// Bounds included, as in Kestra's DateTimeBetween (its older class,
		// DateTimeBetweenCondition, excluded them).
		return (c.After.IsZero() || !at.Before(c.After)) && (c.Before.IsZero() || !at.After(c.Before)), nil
	}
	return false, fmt.Errorf("%s is not a schedule condition", shortName(c.Type))
}

// testedDate is the date schedule condition c tests: the scheduled date in loc by default,
// else its date template rendered with the trigger variables (dates in loc, as Kestra
// renders them in the trigger's zone) and read as Kestra's DateUtils reads it.
func (c *Condition) testedDate(d ScheduleDates, loc *time.Location) (time.Time, error) {
	if c.Date == "" {
		return d.Date.In(loc), nil
	}
	tmpl, err := templating.Parse(c.Date)
	if err != nil {
		return time.Time{}, err
	}
	trigger := map[string]any{}
	for k, t := range map[string]time.Time{"date": d.Date, "next": d.Next, "previous": d.Previous} {
		if !t.IsZero() {
			trigger[k] = t.In(loc).Format(time.RFC3339Nano)
		}
	}
	s, err := tmpl.Render(&templating.Env{Vars: map[string]any{"trigger": trigger}})
	if err != nil {
		return time.Time{}, err
	}
	s = strings.TrimSpace(s)
	if !slices.Contains(zonedDateConditions, c.Type) && localDatePattern().MatchString(s) {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, nil
		}
	}
	return parseZonedDateTime(s)
}

// weekday is the time.Weekday of a dayOfWeek value (MONDAY...).
func weekday(name string) time.Weekday {
	return time.Weekday((slices.Index(weekdays, name) + 1) % 7)
}

// utc is the time of day moved to UTC, without wrapping round midnight (as Java's
// OffsetTime compares: 01:00+02:00 is before 00:00Z).
func (t TimeOfDay) utc() time.Duration {
	return t.Clock - time.Duration(t.Offset)*time.Second
}

// timeOfDay is the time of day of t at its own offset.
func timeOfDay(t time.Time) TimeOfDay {
	h, m, s := t.Clock()
	_, off := t.Zone()
	return TimeOfDay{
		Clock:  time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(t.Nanosecond()),
		Offset: off,
	}
}

// parseTimeOfDay reads a time of day with its offset, as Java's OffsetTime: 16:00+02:00,
// 16:00:30Z. The offset is required, as in Kestra.
func parseTimeOfDay(s string) (TimeOfDay, error) {
	m := offsetTimePattern().FindStringSubmatch(s)
	if m == nil {
		if zonedDateTimePattern().MatchString(s) || localDatePattern().MatchString(s[:min(len(s), 10)]) {
			return TimeOfDay{}, fmt.Errorf("%q is a date: TimeBetween takes a time of day with its offset, such as 16:00:00+02:00 (DateTimeBetween takes dates)", s)
		}
		if len(s) >= 5 && offsetTimePattern().MatchString(s+"Z") {
			return TimeOfDay{}, fmt.Errorf("%q has no offset: write one, as Kestra requires, such as %s+02:00 or %sZ (UTC)", s, s, s)
		}
		return TimeOfDay{}, fmt.Errorf("%q is not a time of day with its offset, such as 16:00:00+02:00 or 16:00Z", s)
	}
	return TimeOfDay{Clock: clockOf(m[1]), Offset: offsetOf(m[2])}, nil
}

// parseZonedDateTime reads a date and time with its offset, as Java's ZonedDateTime:
// 2026-03-02T09:00:00Z, 2026-03-02T10:00+01:00, 2026-03-02T10:00+01:00[Europe/Paris].
func parseZonedDateTime(s string) (time.Time, error) {
	m := zonedDateTimePattern().FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not a date and time with its offset, such as 2026-03-02T09:00:00Z or 2026-03-02T10:00:00+01:00", s)
	}
	day, err := time.Parse(time.DateOnly, m[1])
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: no such day", s)
	}
	clock := clockOf(m[2])
	t := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, int(clock), time.FixedZone("", offsetOf(m[3])))
	if m[4] != "" {
		zone, err := time.LoadLocation(m[4])
		if err != nil || m[4] == "Local" {
			return time.Time{}, fmt.Errorf("%q: %q is not a known time zone", s, m[4])
		}
		t = t.In(zone)
	}
	return t, nil
}

// clockOf reads a time of day that matched clockSyntax.
func clockOf(s string) time.Duration {
	h, _ := strconv.Atoi(s[0:2])
	m, _ := strconv.Atoi(s[3:5])
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	if len(s) >= 8 {
		sec, _ := strconv.Atoi(s[6:8])
		d += time.Duration(sec) * time.Second
	}
	if len(s) > 9 {
		ns, _ := strconv.Atoi((s[9:] + "00000000")[:9])
		d += time.Duration(ns)
	}
	return d
}

// offsetOf reads an offset that matched offsetSyntax, in seconds east of UTC.
func offsetOf(s string) int {
	if s == "Z" || s == "z" {
		return 0
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[4:6])
	sec := 0
	if len(s) == 9 {
		sec, _ = strconv.Atoi(s[7:9])
	}
	off := h*3600 + m*60 + sec
	if s[0] == '-' {
		return -off
	}
	return off
}
