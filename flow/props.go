package flow

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/templating"
)

// This file holds the property types of triggers and conditions that read themselves
// (propertyType): each says how it is read, with the loader's messages, and its JSON
// Schema, so that a trigger or condition type is its struct of such fields and nothing
// more. Trigger and condition properties are read as Kestra reads them: values, not
// templates, except where a type says otherwise (Inputs, the tested date).

// States is a list of execution states, upper-cased: a Flow trigger's states, an
// ExecutionStatus condition's in and notIn.
type States []string

func (s *States) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	*s = l.states(n, c.ctx+key)
	return true
}

func (States) schemaOf() obj {
	return obj{"type": "array", "items": caseless(executionStates)}
}

// Inputs are the inputs a trigger passes to the execution it starts: a mapping whose
// strings are templates, rendered when it fires.
type Inputs map[string]any

func (m *Inputs) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	*m = l.triggerInputs(n, c.ctx)
	return *m != nil
}

func (Inputs) schemaOf() obj { return obj{"type": []string{"object", "null"}} }

// inputsPos returns the position of each key of a trigger's inputs n; nil when the trigger
// has none.
func inputsPos(n *yaml.Node) map[string]Pos {
	if n == nil {
		return nil
	}
	pos := map[string]Pos{}
	if r := resolve(n); r.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(r.Content); i += 2 {
			pos[r.Content[i].Value] = posOf(r.Content[i])
		}
	}
	return pos
}

// Timezone is an IANA time zone name, checked when the flow loads.
type Timezone string

func (z *Timezone) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.str(n, c.ctx, key)
	if !ok {
		return false
	}
	*z = Timezone(s)
	if err := checkTimezone(s); err != nil {
		l.errorf(n, "%s%s: %v", c.ctx, key, err)
	}
	return true
}

func (Timezone) schemaOf() obj { return text() }

// PositiveDuration is an ISO-8601 duration above zero.
type PositiveDuration time.Duration

func (p *PositiveDuration) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	d, ok := l.signedDuration(n, c.ctx, key, positiveDuration)
	*p = PositiveDuration(d)
	return ok
}

func (PositiveDuration) schemaOf() obj { return durationSchema(positiveDuration) }

// RecoverMode is a Schedule trigger's recoverMissedSchedules: LAST, NONE or ALL.
type RecoverMode string

// recoverModes are the values of RecoverMode.
var recoverModes = []string{"LAST", "NONE", "ALL"}

func (m *RecoverMode) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.upperOneOf(n, c.ctx, key, recoverModes)
	*m = RecoverMode(s)
	return ok
}

func (RecoverMode) schemaOf() obj { return caseless(recoverModes) }

// Comparison is how an ExecutionNamespace condition compares: EQUALS, PREFIX or SUFFIX.
type Comparison string

// comparisons are the values of Comparison.
var comparisons = []string{"EQUALS", "PREFIX", "SUFFIX"}

func (m *Comparison) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.upperOneOf(n, c.ctx, key, comparisons)
	*m = Comparison(s)
	return ok
}

func (Comparison) schemaOf() obj { return caseless(comparisons) }

// upperOneOf reads a string that must be one of values, in any casing; it returns it
// upper-cased, even when it is none of them (that is reported).
func (l *loader) upperOneOf(n *yaml.Node, ctx, key string, values []string) (string, bool) {
	s, ok := l.str(n, ctx, key)
	if !ok {
		return "", false
	}
	up := strings.ToUpper(s)
	if !slices.Contains(values, up) {
		l.errorf(n, "%s%s: %q is not one of %s", ctx, key, s, strings.Join(values, ", "))
	}
	return up, true
}

// Weekday is a day of the week as Java's DayOfWeek names it: MONDAY to SUNDAY.
type Weekday string

// weekdays are the values of Weekday, Monday first.
var weekdays = []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"}

func (w *Weekday) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	*w = Weekday(l.enum(n, c.ctx, key, weekdays))
	return *w != ""
}

func (Weekday) schemaOf() obj { return caseless(weekdays) }

// weekday is the time.Weekday of w.
func (w Weekday) weekday() time.Weekday {
	return time.Weekday((slices.Index(weekdays, string(w)) + 1) % 7)
}

// DayInMonth is which of the month's days of a weekday: FIRST to FOURTH, or LAST.
type DayInMonth string

// dayInMonths are the values of DayInMonth.
var dayInMonths = []string{"FIRST", "SECOND", "THIRD", "FOURTH", "LAST"}

func (d *DayInMonth) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	*d = DayInMonth(l.enum(n, c.ctx, key, dayInMonths))
	return *d != ""
}

func (DayInMonth) schemaOf() obj { return caseless(dayInMonths) }

// DayDate is the date a day condition (DayWeek, Weekend...) tests: "" for the scheduled
// date, else a template rendered with the trigger variables, to a date (2026-03-02) or a
// date and time with its offset.
type DayDate string

// DateTimeDate is the date a time condition (TimeBetween, DateTimeBetween) tests, as
// DayDate but to a date and time with its offset only.
type DateTimeDate string

const testedDateDoc = "The date to test: a template rendered with {{ trigger.date }}, {{ trigger.next }} and {{ trigger.previous }} (default {{ trigger.date }}, in the trigger's time zone)."

func (t *DayDate) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.str(n, c.ctx, key)
	if ok {
		*t = DayDate(s)
		l.checkConditionDate(n, c.ctx, s, true)
	}
	return ok
}

func (DayDate) schemaOf() obj {
	day := obj{"type": "string", "pattern": localDatePattern().String()}
	dateTime := obj{"type": "string", "pattern": zonedDateTimePattern().String()}
	return doc(obj{"anyOf": []any{templateString(), day, dateTime}}, testedDateDoc)
}

func (t DayDate) tested(d ScheduleDates, loc *time.Location) (time.Time, error) {
	return testedDate(string(t), true, d, loc)
}

func (t *DateTimeDate) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.str(n, c.ctx, key)
	if ok {
		*t = DateTimeDate(s)
		l.checkConditionDate(n, c.ctx, s, false)
	}
	return ok
}

func (DateTimeDate) schemaOf() obj {
	dateTime := obj{"type": "string", "pattern": zonedDateTimePattern().String()}
	return doc(obj{"anyOf": []any{templateString(), dateTime}}, testedDateDoc)
}

func (t DateTimeDate) tested(d ScheduleDates, loc *time.Location) (time.Time, error) {
	return testedDate(string(t), false, d, loc)
}

// testedDate is the date a schedule condition tests: the scheduled date in loc when tmpl is
// "", else tmpl rendered with the trigger variables (dates in loc, as Kestra renders them in
// the trigger's zone) and read as Kestra's DateUtils reads it; a plain date (2026-03-02) only
// when day says the condition tests a day.
func testedDate(tmpl string, day bool, d ScheduleDates, loc *time.Location) (time.Time, error) {
	at, err := renderTestedDate(tmpl, day, d, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("date: %w", err)
	}
	return at, nil
}

func renderTestedDate(tmpl string, day bool, d ScheduleDates, loc *time.Location) (time.Time, error) {
	if tmpl == "" {
		return d.Date.In(loc), nil
	}
	t, err := templating.Parse(tmpl)
	if err != nil {
		return time.Time{}, err
	}
	trigger := map[string]any{}
	for k, at := range map[string]time.Time{"date": d.Date, "next": d.Next, "previous": d.Previous} {
		if !at.IsZero() {
			trigger[k] = at.In(loc).Format(time.RFC3339Nano)
		}
	}
	s, err := t.Render(&templating.Env{Vars: map[string]any{"trigger": trigger}})
	if err != nil {
		return time.Time{}, err
	}
	s = strings.TrimSpace(s)
	if day && localDatePattern().MatchString(s) {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, nil
		}
	}
	return parseZonedDateTime(s)
}

// ConditionList is the conditions a condition combines (Not, Or): at least one, each of the
// kind of the condition that holds them.
type ConditionList []*Condition

func (cs *ConditionList) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	*cs = l.conditions(n, c.ctx, c.place)
	if r := resolve(n); isNull(r) || r.Kind == yaml.SequenceNode && len(r.Content) == 0 {
		l.errorf(r, "%s%s: at least one condition is required", c.ctx, key)
	}
	return true
}

// schemaOf is completed by the schema builder, which knows the conditions of the kind.
func (ConditionList) schemaOf() obj { return obj{"type": "array", "minItems": 1} }

// anyHolds reports whether one of cs holds for d, testing them in order.
func (cs ConditionList) anyHolds(d ScheduleDates, loc *time.Location) (bool, error) {
	for i, c := range cs {
		ok, err := c.scheduleHolds(d, loc)
		if err != nil {
			return false, fmt.Errorf("conditions[%d]: %w", i, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func (t *TimeOfDay) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.literalValue(n, c.ctx, key)
	if !ok {
		return false
	}
	v, err := parseTimeOfDay(s)
	if err != nil {
		l.errorf(n, "%s%s: %v", c.ctx, key, err)
		return false
	}
	*t = v
	return true
}

func (TimeOfDay) schemaOf() obj {
	return obj{"type": "string", "pattern": offsetTimePattern().String()}
}

// zonedDateTime reads a date and time with its offset (a time.Time property).
func (l *loader) zonedDateTime(n *yaml.Node, ctx, key string) (time.Time, bool) {
	s, ok := l.literalValue(n, ctx, key)
	if !ok {
		return time.Time{}, false
	}
	t, err := parseZonedDateTime(s)
	if err != nil {
		l.errorf(n, "%s%s: %v", ctx, key, err)
		return time.Time{}, false
	}
	return t, true
}

// literalValue reads a string that must be written as it is, not as a template.
func (l *loader) literalValue(n *yaml.Node, ctx, key string) (string, bool) {
	s, ok := l.str(n, ctx, key)
	if !ok {
		return "", false
	}
	if hasTemplate(s) {
		l.errorf(n, "%s%s: a template is not supported by flowctl yet here: write the value itself", ctx, key)
		return "", false
	}
	return s, true
}
