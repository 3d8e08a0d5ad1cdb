package flow

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/templating"
)

// This file holds Kestra's multiple-condition windows: a Flow trigger with a MultipleCondition
// condition, or with preconditions, fires once every one of a set of conditions was met by
// ended executions within a time window. The conditions are tested here; the window, which
// must outlive the process, is the caller's (the state keeps it).

// Window is one set of conditions to meet within a time window: a MultipleCondition
// condition or a Flow trigger's preconditions.
type Window struct {
	// ID is the condition's id: the window's key in the state, with the listening flow.
	ID         string
	TimeWindow TimeWindow
	// ResetOnSuccess forgets what was met once everything was (Kestra's default): the next
	// execution needs every condition met again.
	ResetOnSuccess bool
	// Conds are the conditions, in the order Kestra keys them.
	Conds []WindowCond
}

// WindowCond is one condition of a window under its key.
type WindowCond struct {
	Key   string
	holds func(x EndedExecution, render func(string) (string, error)) (bool, error)
}

// Results tests every condition of w on the ended execution x; render renders a filter's
// EXPRESSION with the context of x (its labels.*, outputs.*...).
func (w *Window) Results(x EndedExecution, render func(string) (string, error)) (map[string]bool, error) {
	out := make(map[string]bool, len(w.Conds))
	for _, c := range w.Conds {
		ok, err := c.holds(x, render)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", w.ID, c.Key, err)
		}
		out[c.Key] = ok
	}
	return out, nil
}

// Bounds returns the window that opens for an execution ending at now, as Kestra's
// MultipleConditionStorageInterface.getOrCreate computes it, in UTC as a Kestra server
// runs.
func (tw TimeWindow) Bounds(now time.Time) (start, end time.Time) {
	now = now.UTC().Truncate(time.Second)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch tw.kind() {
	case WindowSliding:
		return now, now.Add(tw.window())
	case WindowDailyTime:
		return day.Add(time.Duration(*tw.StartTime)), day.Add(time.Duration(*tw.EndTime))
	case WindowDailyDeadline:
		return day, day.Add(time.Duration(*tw.Deadline))
	}
	window := tw.window()
	if window >= 24*time.Hour {
		now = time.Date(now.Year(), now.Month(), now.Day(), 0, now.Minute(), now.Second(), 0, time.UTC)
	}
	if window >= time.Hour {
		now = time.Date(now.Year(), now.Month(), now.Day(), now.Hour(), 0, now.Second(), 0, time.UTC)
	}
	if mins := int(window / time.Minute); mins > 0 {
		m := now.Minute()
		now = time.Date(now.Year(), now.Month(), now.Day(), now.Hour(), 0, 0, 0, time.UTC).
			Add(time.Duration(mins*(m/mins)) * time.Minute)
	}
	start = now
	if tw.WindowAdvance != nil {
		start = now.Add(*tw.WindowAdvance).Truncate(time.Millisecond)
	}
	return start, start.Add(window - time.Millisecond).Truncate(time.Millisecond)
}

// CondMultiple is the MultipleCondition condition type.
const CondMultiple = "io.kestra.plugin.core.condition.MultipleCondition"

// The types of a time window.
const (
	WindowDuration      = "DURATION_WINDOW"
	WindowSliding       = "SLIDING_WINDOW"
	WindowDailyDeadline = "DAILY_TIME_DEADLINE"
	WindowDailyTime     = "DAILY_TIME_WINDOW"
)

var windowTypes = []string{WindowDailyDeadline, WindowDailyTime, WindowDuration, WindowSliding}

// TimeWindow is Kestra's timeWindow: when the conditions of a window must be met.
type TimeWindow struct {
	Type          WindowType     `flow:"type" doc:"DURATION_WINDOW (default), SLIDING_WINDOW, DAILY_TIME_DEADLINE or DAILY_TIME_WINDOW."`
	Window        *time.Duration `flow:"window" doc:"The window's length (DURATION_WINDOW, SLIDING_WINDOW; default P1D)."`
	WindowAdvance *time.Duration `flow:"windowAdvance" doc:"Shifts the start of each window (DURATION_WINDOW)."`
	Deadline      *LocalTime     `flow:"deadline" doc:"The time of day, UTC, by which the conditions must be met (DAILY_TIME_DEADLINE)."`
	StartTime     *LocalTime     `flow:"startTime" doc:"The start of the daily window, UTC (DAILY_TIME_WINDOW)."`
	EndTime       *LocalTime     `flow:"endTime" doc:"The end of the daily window, UTC (DAILY_TIME_WINDOW)."`
}

func (tw TimeWindow) kind() string {
	if tw.Type == "" {
		return WindowDuration
	}
	return string(tw.Type)
}

func (tw TimeWindow) window() time.Duration {
	if tw.Window == nil {
		return 24 * time.Hour
	}
	return *tw.Window
}

func (tw *TimeWindow) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	return l.decodeNested(reflect.ValueOf(tw).Elem(), n, c, key)
}

func (TimeWindow) schemaOf() obj { return nestedSchema(reflect.TypeFor[TimeWindow]()) }

// finish checks the properties against the type, as Kestra's TimeWindowValidator.
func (tw *TimeWindow) finish(f *finishing) {
	typ := tw.kind()
	// As Kestra's validator: a property of another type is reported, else one missing.
	wrong := false
	not := func(key string, what string) {
		if n := f.seen[key]; n != nil {
			f.l.errorf(n, "%s%s: a time window of type %s cannot have %s", f.ctx, key, typ, what)
			wrong = true
		}
	}
	need := func(set bool, key, what string) {
		if !set && !wrong {
			// Only the DAILY types need a key, and they are named by type.
			f.l.errorf(f.seen["type"], "%smissing %s: a time window of type %s must have %s", f.ctx, key, typ, what)
		}
	}
	switch typ {
	case WindowDailyDeadline:
		not("window", "a window")
		not("windowAdvance", "a window advance")
		not("startTime", "a start time")
		not("endTime", "an end time")
		need(tw.Deadline != nil, "deadline", "a deadline")
	case WindowDailyTime:
		not("window", "a window")
		not("windowAdvance", "a window advance")
		not("deadline", "a deadline")
		need(tw.StartTime != nil, "startTime", "a start time")
		need(tw.EndTime != nil, "endTime", "an end time")
	case WindowDuration, WindowSliding:
		not("deadline", "a deadline")
		not("startTime", "a start time")
		not("endTime", "an end time")
		if typ == WindowSliding {
			not("windowAdvance", "a window advance")
		}
		if tw.Window != nil && *tw.Window <= 0 {
			f.l.errorf(f.seen["window"], "%swindow: must be positive", f.ctx)
		}
	}
}

// WindowType is a time window's type, in any casing.
type WindowType string

func (w *WindowType) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.upperOneOf(n, c.ctx, key, windowTypes)
	*w = WindowType(s)
	return ok
}

func (WindowType) schemaOf() obj { return caseless(windowTypes) }

// LocalTime is a time of day without offset, as Java's LocalTime reads it: 09:00, 09:00:00.
type LocalTime time.Duration

var timeOfDayPattern = lazyRegexp(`^` + clockSyntax + `$`)

func (t *LocalTime) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.str(n, c.ctx, key)
	if !ok {
		return false
	}
	if !timeOfDayPattern().MatchString(s) {
		l.errorf(n, "%s%s: %q is not a time of day such as 09:00:00", c.ctx, key, s)
		return false
	}
	*t = LocalTime(clockOf(s))
	return true
}

func (LocalTime) schemaOf() obj { return obj{"type": "string", "pattern": timeOfDayPattern().String()} }

// decodeNested reads a mapping property into the struct sv by its fields' tags, as a
// trigger's own properties are read.
func (l *loader) decodeNested(sv reflect.Value, n *yaml.Node, c *decodeCtx, key string) bool {
	r := resolve(n)
	if r.Kind != yaml.MappingNode {
		l.errorf(r, "%s%s: expected a mapping, got %s", c.ctx, key, got(r))
		return false
	}
	ctx := c.ctx + key + ": "
	names := infoOf(sv.Type()).names
	l.decodeProps(sv, r, l.pairs(r, ctx), &decodeCtx{ctx: ctx, literal: true, place: c.place}, func(p pair) {
		l.unknownKey(p.key, ctx, p.key.Value, names, nil)
	})
	return true
}

// nestedSchema is the schema of a mapping property read by decodeNested.
func nestedSchema(t reflect.Type) obj {
	props, required, err := literalProps(t)
	if err != nil {
		panic(err) // a programming error, caught by the schema tests
	}
	s := obj{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// windowID checks the id of a MultipleCondition or of preconditions.
func (l *loader) windowID(n *yaml.Node, ctx, id string) {
	l.checkID(n, ctx+"id", id, "condition id", taskIDPattern(), maxFlowIDLen, `letters, digits, "_" and "-"`)
}

const multipleConditionDoc = "Deprecated in Kestra for preconditions: every condition was met by executions within a time window."

// MultipleCondition is Kestra's MultipleCondition: it holds once each of its conditions was
// met by an ended execution within the time window (not necessarily the same execution).
type MultipleCondition struct {
	ID             string         `flow:"id,required" doc:"The condition's id: what was met so far is kept under it."`
	TimeWindow     TimeWindow     `flow:"timeWindow" doc:"When the conditions must be met (default: each day, UTC)."`
	ResetOnSuccess *bool          `flow:"resetOnSuccess" doc:"Forget what was met once everything was (default true)."`
	Window         *time.Duration `flow:"window" doc:"Deprecated: timeWindow.window."`
	WindowAdvance  *time.Duration `flow:"windowAdvance" doc:"Deprecated: timeWindow.windowAdvance."`
	Conditions     ConditionMap   `flow:"conditions,required" doc:"The conditions to meet, by key."`
}

// HoldsFor reports whether x meets one of the conditions: whether it counts towards the
// window. Whether the window is complete is the caller's (Trigger.Windows).
func (c *MultipleCondition) HoldsFor(x EndedExecution) bool {
	for _, e := range c.Conditions {
		if e.Cond.HoldsFor(x) {
			return true
		}
	}
	return false
}

func (c *MultipleCondition) finish(f *finishing) {
	if n := f.seen["id"]; n != nil {
		f.l.windowID(n, f.ctx, c.ID)
	}
	// As Kestra's setters: the deprecated keys override timeWindow's.
	if c.Window != nil {
		c.TimeWindow.Window = c.Window
	}
	if c.WindowAdvance != nil {
		c.TimeWindow.WindowAdvance = c.WindowAdvance
	}
}

func (c *MultipleCondition) window() *Window {
	w := &Window{ID: c.ID, TimeWindow: c.TimeWindow, ResetOnSuccess: c.ResetOnSuccess == nil || *c.ResetOnSuccess}
	for _, e := range c.Conditions {
		cond := e.Cond
		w.Conds = append(w.Conds, WindowCond{Key: e.Key, holds: func(x EndedExecution, _ func(string) (string, error)) (bool, error) {
			return cond.HoldsFor(x), nil
		}})
	}
	return w
}

// ConditionMap is MultipleCondition's conditions: Execution conditions by key, in the order
// written.
type ConditionMap []KeyedCondition

// KeyedCondition is one condition of a ConditionMap.
type KeyedCondition struct {
	Key  string
	Cond *Condition
}

func (cm *ConditionMap) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	r := resolve(n)
	if r.Kind != yaml.MappingNode {
		l.errorf(r, "%s%s: expected a mapping of keys to conditions, got %s", c.ctx, key, got(r))
		return false
	}
	ps := l.pairs(r, c.ctx+key+": ")
	if len(ps) == 0 {
		l.errorf(r, "%s%s: at least one condition is required", c.ctx, key)
	}
	for _, p := range ps {
		cond := l.condition(p.val, fmt.Sprintf("%s%s.%s: ", c.ctx, key, p.key.Value), c.place)
		if cond == nil {
			continue
		}
		if _, nested := cond.spec().(*MultipleCondition); nested {
			l.errorf(p.val, "%s%s.%s: a MultipleCondition cannot hold another", c.ctx, key, p.key.Value)
			continue
		}
		*cm = append(*cm, KeyedCondition{Key: p.key.Value, Cond: cond})
	}
	return true
}

func (ConditionMap) schemaOf() obj {
	return obj{"type": "object", "minProperties": 1, "additionalProperties": obj{"type": "object"}}
}

// Preconditions are a Flow trigger's preconditions: upstream flows and execution filters
// to be met within a time window.
type Preconditions struct {
	ID             string           `flow:"id,required" doc:"The preconditions' id: what was met so far is kept under it."`
	TimeWindow     TimeWindow       `flow:"timeWindow" doc:"When the preconditions must be met (default: each day, UTC)."`
	ResetOnSuccess *bool            `flow:"resetOnSuccess" doc:"Forget what was met once everything was (default true)."`
	Flows          UpstreamFlows    `flow:"flows" doc:"Upstream flows whose executions must end, each one a precondition."`
	Where          ExecutionFilters `flow:"where" doc:"Execution filters, each one a precondition."`
}

func (p *Preconditions) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	return l.decodeNested(reflect.ValueOf(p).Elem(), n, c, key)
}

func (Preconditions) schemaOf() obj { return nestedSchema(reflect.TypeFor[Preconditions]()) }

func (p *Preconditions) finish(f *finishing) {
	if n := f.seen["id"]; n != nil {
		f.l.windowID(n, f.ctx, p.ID)
	}
}

// window returns the preconditions as a window, keyed as Kestra keys them:
// condition_<n> for flows, condition_<n>_<id> for filters, numbered together.
func (p *Preconditions) window() *Window {
	w := &Window{ID: p.ID, TimeWindow: p.TimeWindow, ResetOnSuccess: p.ResetOnSuccess == nil || *p.ResetOnSuccess}
	n := 0
	for _, u := range p.Flows {
		n++
		w.Conds = append(w.Conds, WindowCond{Key: fmt.Sprintf("condition_%d", n), holds: u.holds})
	}
	for _, e := range p.Where {
		n++
		w.Conds = append(w.Conds, WindowCond{Key: fmt.Sprintf("condition_%d_%s", n, e.ID), holds: e.holds})
	}
	return w
}

// UpstreamFlow is one upstream flow of preconditions.
type UpstreamFlow struct {
	Namespace string     `flow:"namespace,required" doc:"The namespace of the flow."`
	FlowID    string     `flow:"flowId" doc:"The flow id (any flow of the namespace when unset)."`
	States    States     `flow:"states" doc:"The states its execution ends in (any when unset)."`
	Labels    LabelMatch `flow:"labels" doc:"Labels the execution must have."`
}

func (u *UpstreamFlow) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	return l.decodeNested(reflect.ValueOf(u).Elem(), n, c, key)
}

func (UpstreamFlow) schemaOf() obj { return nestedSchema(reflect.TypeFor[UpstreamFlow]()) }

// holds tests x as Kestra's UpstreamFlowCondition.
func (u UpstreamFlow) holds(x EndedExecution, _ func(string) (string, error)) (bool, error) {
	if x.Namespace != u.Namespace || u.FlowID != "" && x.FlowID != u.FlowID {
		return false, nil
	}
	if u.States != nil && !slices.Contains(u.States, x.State) {
		return false, nil
	}
	for k, v := range u.Labels {
		if got, ok := x.Labels[k]; !ok || got != v {
			return false, nil
		}
	}
	return true, nil
}

// ExecutionFilter is one filter of preconditions: its filters all hold (AND) or one does (OR).
type ExecutionFilter struct {
	ID      string  `flow:"id,required" doc:"The filter's id."`
	Operand Operand `flow:"operand" doc:"AND (default): every filter holds; OR: one does."`
	Filters Filters `flow:"filters,required" doc:"The filters."`
}

func (e *ExecutionFilter) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	l.decodeNested(reflect.ValueOf(e).Elem(), n, c, key)
	if e.Filters != nil && len(e.Filters) == 0 {
		l.errorf(resolve(n), "%s%s: filters: at least one filter is required", c.ctx, key)
	}
	return true
}

func (ExecutionFilter) schemaOf() obj { return nestedSchema(reflect.TypeFor[ExecutionFilter]()) }

func (e ExecutionFilter) holds(x EndedExecution, render func(string) (string, error)) (bool, error) {
	for _, f := range e.Filters {
		ok, err := f.holds(x, render)
		if err != nil {
			return false, fmt.Errorf("%s: %w", f.Field, err)
		}
		if e.Operand == "OR" && ok {
			return true, nil
		}
		if e.Operand != "OR" && !ok {
			return false, nil
		}
	}
	return e.Operand != "OR", nil
}

// Operand is AND or OR.
type Operand string

func (o *Operand) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.upperOneOf(n, c.ctx, key, []string{"AND", "OR"})
	*o = Operand(s)
	return ok
}

func (Operand) schemaOf() obj { return caseless([]string{"AND", "OR"}) }

// Filter is one test of an execution filter.
type Filter struct {
	Field  FilterField  `flow:"field,required" doc:"FLOW_ID, NAMESPACE, STATE or EXPRESSION (value, rendered)."`
	Type   FilterType   `flow:"type" doc:"How the field is compared."`
	Value  *string      `flow:"value" doc:"The value compared with (all types but IN and NOT_IN)."`
	Values FilterValues `flow:"values" doc:"The values compared with (IN, NOT_IN)."`
}

var (
	filterFields    = []string{"FLOW_ID", "NAMESPACE", "STATE", "EXPRESSION"}
	filterTypes     = []string{"EQUAL_TO", "NOT_EQUAL_TO", "IN", "NOT_IN", "IS_TRUE", "IS_FALSE", "IS_NULL", "IS_NOT_NULL", "STARTS_WITH", "ENDS_WITH", "REGEX", "CONTAINS"}
	filterListTypes = []string{"IN", "NOT_IN"}
)

func (f *Filter) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	l.decodeNested(reflect.ValueOf(f).Elem(), n, c, key)
	r := resolve(n)
	ctx := c.ctx + key + ": "
	list := slices.Contains(filterListTypes, string(f.Type))
	switch {
	case f.Type == "":
		l.errorf(r, "%smissing required property \"type\" (one of %s)", ctx, strings.Join(filterTypes, ", "))
	case !list && f.Value == nil:
		l.errorf(r, "%s`value` cannot be null for type %s", ctx, f.Type)
	case list && f.Value != nil:
		l.errorf(r, "%s`value` must be null for type %s: use values", ctx, f.Type)
	case list && f.Values == nil:
		l.errorf(r, "%s`values` cannot be null for type %s", ctx, f.Type)
	case !list && f.Values != nil:
		l.errorf(r, "%s`values` must be null for type %s: use value", ctx, f.Type)
	case f.Type == "REGEX" && f.Value != nil:
		if _, err := regexp.Compile(`^(?:` + *f.Value + `)$`); err != nil {
			l.errorf(r, "%svalue: %q is not a regular expression: %v", ctx, *f.Value, err)
		}
	}
	if f.Field == "EXPRESSION" && f.Value != nil {
		l.checkTemplate(r, *f.Value, ctx+"value: ")
	}
	return true
}

func (Filter) schemaOf() obj { return nestedSchema(reflect.TypeFor[Filter]()) }

// holds tests x as Kestra's FilterCondition.
func (f Filter) holds(x EndedExecution, render func(string) (string, error)) (bool, error) {
	var field string
	switch f.Field {
	case "FLOW_ID":
		field = x.FlowID
	case "NAMESPACE":
		field = x.Namespace
	case "STATE":
		field = x.State
	case "EXPRESSION":
		s, err := render(*f.Value)
		if err != nil {
			return false, err
		}
		field = s
	}
	value := ""
	if f.Value != nil {
		value = *f.Value
	}
	switch f.Type {
	case "EQUAL_TO":
		return value == field, nil
	case "NOT_EQUAL_TO":
		return value != field, nil
	case "IN":
		return slices.Contains(f.Values, field), nil
	case "NOT_IN":
		return !slices.Contains(f.Values, field), nil
	case "IS_TRUE":
		return javaTruthy(field), nil
	case "IS_FALSE":
		return !javaTruthy(field), nil
	case "IS_NULL":
		// A field always has a value here, as in Kestra.
		return false, nil
	case "IS_NOT_NULL":
		return true, nil
	case "STARTS_WITH":
		return strings.HasPrefix(field, value), nil
	case "ENDS_WITH":
		return strings.HasSuffix(field, value), nil
	case "REGEX":
		re, err := regexp.Compile(`^(?:` + value + `)$`) // Java's matches: the whole string
		if err != nil {
			return false, err
		}
		return re.MatchString(field), nil
	case "CONTAINS":
		return strings.Contains(field, value), nil
	}
	return false, nil
}

// javaTruthy is Kestra's TruthUtils.isTruthy: anything but "false", "0", "-0" and "".
func javaTruthy(s string) bool {
	return !slices.Contains([]string{"false", "0", "-0", ""}, s)
}

// FilterField is a filter's field, in any casing.
type FilterField string

func (f *FilterField) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.upperOneOf(n, c.ctx, key, filterFields)
	*f = FilterField(s)
	return ok
}

func (FilterField) schemaOf() obj { return caseless(filterFields) }

// FilterType is a filter's type, in any casing.
type FilterType string

func (f *FilterType) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	s, ok := l.upperOneOf(n, c.ctx, key, filterTypes)
	*f = FilterType(s)
	return ok
}

func (FilterType) schemaOf() obj { return caseless(filterTypes) }

// Windows returns the windows of t: those of its MultipleCondition conditions, then its
// preconditions'. A trigger with windows fires only once each of them is complete.
func (t *Trigger) Windows() []*Window {
	var out []*Window
	for _, c := range t.Conditions {
		if m, ok := c.spec().(*MultipleCondition); ok {
			out = append(out, m.window())
		}
	}
	if ft, ok := t.spec().(*FlowTrigger); ok && ft.Preconditions != nil {
		out = append(out, ft.Preconditions.window())
	}
	return out
}

// UpstreamFlows, ExecutionFilters and Filters are the lists of preconditions.
type (
	UpstreamFlows    []UpstreamFlow
	ExecutionFilters []ExecutionFilter
	Filters          []Filter
)

func (s *UpstreamFlows) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	return decodeList(l, n, c, key, (*[]UpstreamFlow)(s))
}

func (UpstreamFlows) schemaOf() obj { return listSchema(UpstreamFlow{}.schemaOf()) }

func (s *ExecutionFilters) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	return decodeList(l, n, c, key, (*[]ExecutionFilter)(s))
}

func (ExecutionFilters) schemaOf() obj { return listSchema(ExecutionFilter{}.schemaOf()) }

func (s *Filters) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	return decodeList(l, n, c, key, (*[]Filter)(s))
}

func (Filters) schemaOf() obj { return listSchema(Filter{}.schemaOf()) }

func listSchema(item obj) obj { return obj{"type": "array", "items": item} }

// decodeList reads a list of mappings, each read by its element type's decodeProp.
func decodeList[E any, P interface {
	*E
	propertyType
}](l *loader, n *yaml.Node, c *decodeCtx, key string, into *[]E) bool {
	r := resolve(n)
	if r.Kind != yaml.SequenceNode {
		l.errorf(r, "%s%s: expected a list, got %s", c.ctx, key, got(r))
		return false
	}
	out := make([]E, 0, len(r.Content))
	for i, item := range r.Content {
		var e E
		if P(&e).decodeProp(l, item, c, fmt.Sprintf("%s[%d]", key, i)) {
			out = append(out, e)
		}
	}
	*into = out
	return true
}

// LabelMatch is the labels an upstream execution must have: values compared as text, as
// Kestra compares String.valueOf of each.
type LabelMatch map[string]string

func (m *LabelMatch) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	r := resolve(n)
	if r.Kind != yaml.MappingNode {
		l.errorf(r, "%s%s: expected a mapping of label keys to values, got %s", c.ctx, key, got(r))
		return false
	}
	out := LabelMatch{}
	for _, p := range l.pairs(r, c.ctx+key+": ") {
		v := resolve(p.val)
		if v.Kind != yaml.ScalarNode || isNull(v) {
			l.errorf(v, "%s%s.%s: expected a value, got %s", c.ctx, key, p.key.Value, got(v))
			continue
		}
		out[p.key.Value] = templating.ToString(scalarValue(v))
	}
	*m = out
	return true
}

func (LabelMatch) schemaOf() obj {
	return obj{"type": "object", "additionalProperties": obj{"type": []string{"string", "number", "boolean"}}}
}

// FilterValues are the values of an IN or NOT_IN filter.
type FilterValues []string

func (v *FilterValues) decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool {
	r := resolve(n)
	if r.Kind != yaml.SequenceNode {
		l.errorf(r, "%s%s: expected a list of values, got %s", c.ctx, key, got(r))
		return false
	}
	out := FilterValues{}
	for i, item := range r.Content {
		if s, ok := l.str(item, c.ctx, fmt.Sprintf("%s[%d]", key, i)); ok {
			out = append(out, s)
		}
	}
	*v = out
	return true
}

func (FilterValues) schemaOf() obj { return obj{"type": "array", "items": obj{"type": "string"}} }
