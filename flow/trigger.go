package flow

import (
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// ScheduleDates are a scheduled date and the schedule's dates around it, which a schedule
// condition's date template sees as trigger.date, trigger.next and trigger.previous.
type ScheduleDates struct {
	Date, Next, Previous time.Time
}

// EndedExecution is what a Flow trigger and its conditions read of the execution that
// ended.
type EndedExecution struct {
	Namespace, FlowID, State string
	// Labels are the execution's labels (preconditions may require some).
	Labels map[string]string
}

// executionTrigger is a trigger type started by an execution that ended (Flow).
type executionTrigger interface {
	firesFor(x EndedExecution) bool
}

// Fires reports whether trigger t fires for the ended execution x: t is enabled, its type
// is started by ended executions and takes x (a Flow trigger: x's state is one of its
// states), and every condition holds. The conditions met over several executions (Windows:
// MultipleCondition, preconditions) are not tested here: a trigger that has some fires only
// once the caller finds them complete. It does not know which flow t belongs to: the caller
// skips a flow's own executions.
func (t *Trigger) Fires(x EndedExecution) bool {
	if t.Disabled {
		return false
	}
	spec, ok := t.spec().(executionTrigger)
	if !ok || !spec.firesFor(x) {
		return false
	}
	for _, c := range t.Conditions {
		if _, window := c.spec().(*MultipleCondition); window {
			continue // tested over executions by the caller (Windows)
		}
		if !c.HoldsFor(x) {
			return false
		}
	}
	return true
}

// HoldsFor reports whether the condition c holds for the ended execution x; a condition
// that does not test executions does not.
func (c *Condition) HoldsFor(x EndedExecution) bool {
	spec, ok := c.spec().(ExecutionCondition)
	return ok && spec.HoldsFor(x)
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
	spec, ok := c.spec().(DateCondition)
	if !ok {
		return false, fmt.Errorf("%s is not a schedule condition", shortName(c.Type))
	}
	holds, err := spec.HoldsOn(d, loc)
	if err != nil {
		return false, fmt.Errorf("%s: %w", shortName(c.Type), err)
	}
	return holds, nil
}

// spec returns the typed properties of t (its type's struct, whose methods are its
// behaviour): Props, or a struct filled from t's fields; nil for an unknown type.
func (t *Trigger) spec() TriggerType {
	if t.Props != nil {
		return t.Props
	}
	def := registry().triggerDef(t.Type)
	if def == nil {
		return nil
	}
	spec := def.New()
	mirrorFrom(reflect.ValueOf(spec).Elem(), reflect.ValueOf(t).Elem())
	return spec
}

// spec returns the typed properties of c, as Trigger.spec.
func (c *Condition) spec() ConditionType {
	if c.Props != nil {
		return c.Props
	}
	def := registry().conditionDef(c.Type)
	if def == nil {
		return nil
	}
	spec := def.New()
	mirrorFrom(reflect.ValueOf(spec).Elem(), reflect.ValueOf(c).Elem())
	return spec
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
