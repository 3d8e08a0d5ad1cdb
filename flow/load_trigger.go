package flow

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/templating"
)

// This file reads a flow's triggers and their conditions. What each type takes is its
// struct's (registry.go); here are the keys every trigger has, the walk, and the checks of
// where a condition goes.

// triggerKeys are the keys of every trigger, read here; the others are its type's. The id
// and type are read first; the conditions once the type is known.
var triggerKeys = keyTable[*Trigger]{
	{name: "id", required: true, doc: "The trigger's id, unique in the flow (no dots).",
		schema: func(*schemaBuilder) obj { return idSchema(taskIDPattern(), maxFlowIDLen) }},
	{name: "type", required: true, doc: "The trigger type.",
		schema: func(b *schemaBuilder) obj { return caseless(b.triggerTypes) }},
	textKey("description", "What the trigger is for.", func(t *Trigger, s string) { t.Description = s }),
	boolKey("disabled", "A disabled trigger does not fire.", func(t *Trigger, b bool) { t.Disabled = b }),
	{name: "conditions", doc: "Conditions that must all hold; each trigger type takes its own.",
		schema: func(*schemaBuilder) obj { return obj{"type": []string{"array", "null"}} }},
}

// unsupportedTriggerKeys are Kestra's trigger keys flowctl does not read yet, with a hint.
var unsupportedTriggerKeys = map[string]string{
	"logLevel": "", "logToFile": "", "workerGroup": "", "minLogLevel": "",
	"labels": "", "backfill": "", "scheduleConditions": " (use conditions)",
	"wait":          " (flowctl webhook serve answers once the execution is created, as Kestra before 0.22)",
	"returnOutputs": " (flowctl webhook serve answers once the execution is created)", "responseContentType": "",
}

// The syntax of the times and dates of schedule conditions, as Java's ISO formatters read
// them: OffsetTime (TimeBetween's bounds: 16:00:00+02:00, an offset required),
// ZonedDateTime (DateTimeBetween's bounds and a tested date: 2026-03-02T09:00:00Z, with an
// optional [Zone/Id]) and LocalDate. The schema uses the same patterns.
const (
	clockSyntax  = `(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?`
	offsetSyntax = `(?:[Zz]|[-+](?:(?:0[0-9]|1[0-7]):[0-5][0-9](?::[0-5][0-9])?|18:00(?::00)?))`
	dateSyntax   = `[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])`
)

var (
	offsetTimePattern    = lazyRegexp(`^(` + clockSyntax + `)(` + offsetSyntax + `)$`)
	zonedDateTimePattern = lazyRegexp(`^(` + dateSyntax + `)[Tt](` + clockSyntax + `)(` + offsetSyntax + `)(?:\[([^\]]+)\])?$`)
	localDatePattern     = lazyRegexp(`^` + dateSyntax + `$`)
)

// executionStates are Kestra's execution states, which a trigger or condition may name.
var executionStates = []string{"CREATED", "SUBMITTED", "RUNNING", "PAUSED", "RESTARTED",
	"KILLING", "SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "QUEUED", "RETRYING",
	"RETRIED", "SKIPPED", "BREAKPOINT", "RESUBMITTED"}

// terminalStates are the states a Flow trigger listens to by default.
var terminalStates = []string{"SUCCESS", "WARNING", "FAILED", "KILLED"}

// triggers reads the flow's triggers.
func (l *loader) triggers(n *yaml.Node) []*Trigger {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "triggers: expected a list of triggers, got %s", kindName(n))
		return nil
	}
	firsts := map[string]int{}
	out := make([]*Trigger, 0, len(n.Content))
	for i, item := range n.Content {
		t, idNode := l.trigger(item, fmt.Sprintf("triggers[%d]", i))
		if t == nil {
			continue
		}
		if idNode != nil && t.ID != "" {
			if line, dup := firsts[t.ID]; dup {
				l.errorf(idNode, "trigger %q: duplicate trigger id %q (first defined at line %d)", t.ID, t.ID, line)
			} else {
				firsts[t.ID] = resolve(idNode).Line
			}
		}
		out = append(out, t)
	}
	return out
}

// trigger reads one trigger; where names it until its id is known. It also returns the id's
// node, for the duplicate check.
func (l *loader) trigger(n *yaml.Node, where string) (*Trigger, *yaml.Node) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s: expected a trigger (a mapping with id and type), got %s", where, kindName(n))
		return nil, nil
	}
	ps := l.pairs(n, where+": ")
	t := &Trigger{Pos: posOf(n)}
	ctx := where + ": "
	var idNode, typeNode *yaml.Node
	for _, p := range ps {
		switch p.key.Value {
		case "id":
			idNode = p.val
		case "type":
			typeNode = p.val
		}
	}
	if idNode == nil {
		l.errorf(n, "%smissing required property \"id\"", ctx)
	} else if id, ok := l.str(idNode, ctx, "id"); ok {
		t.ID = id
		ctx = fmt.Sprintf("trigger %q: ", id)
		l.checkID(idNode, ctx+"id", id, "trigger id", taskIDPattern(), maxFlowIDLen, `letters, digits, "_" and "-" (no dots)`)
	}
	k := registry()
	var def *TriggerDef
	if typeNode == nil {
		l.errorf(n, "%smissing required property \"type\"", ctx)
	} else if typ, ok := l.str(typeNode, ctx, "type"); ok {
		if def = k.triggerDef(typ); def != nil {
			t.Type = def.Type
		} else {
			l.unknownType(typeNode, ctx, "trigger", typ, k.triggerNames())
		}
	}

	var condNode *yaml.Node
	var props []pair
	for _, p := range ps {
		switch k := triggerKeys.lookup(p.key.Value); {
		case k == nil:
			props = append(props, p)
		case k.read != nil:
			k.read(l, t, p.val, ctx)
		case k.name == "conditions":
			condNode = p.val // read once the type is known
		}
	}
	if def != nil {
		spec := def.New()
		sv := reflect.ValueOf(spec).Elem()
		names := infoOf(sv.Type()).names
		_, tasklike := spec.(templatedProps)
		c := &decodeCtx{ctx: ctx, literal: !tasklike}
		l.decodeProps(sv, n, props, c, func(p pair) {
			if other := otherTrigger(def, p.key.Value); other != "" {
				l.errorf(p.key, "%s%s is not a property of %s triggers (it belongs to %s triggers)", ctx, p.key.Value, shortName(def.Type), shortName(other))
				return
			}
			l.unknownKey(p.key, ctx, p.key.Value, append(triggerKeys.names(), names...), unsupportedTriggerKeys)
		})
		if !mirrorInto(reflect.ValueOf(t).Elem(), sv) {
			t.Props = spec
		}
	}
	if condNode != nil {
		var place *conditionPlace
		if def != nil {
			place = &conditionPlace{trigger: def}
		}
		t.Conditions = l.conditions(condNode, ctx, place)
	}
	return t, idNode
}

// templatedProps is a trigger type whose properties are read as a task's: its strings are
// templates, rendered when it runs, and a property written without a value is absent
// (http.Trigger, whose request properties are http.Request's).
type templatedProps interface {
	templatedProps()
}

// otherTrigger returns the trigger type other than def that has the property key, or "".
func otherTrigger(def *TriggerDef, key string) string {
	for _, other := range registry().triggers {
		if other != def && slices.Contains(infoOf(reflect.TypeOf(other.New()).Elem()).names, key) {
			return other.Type
		}
	}
	return ""
}

// shortName is the last segment of a type name: "Flow" for io.kestra.plugin.core.trigger.Flow.
func shortName(typ string) string {
	return typ[strings.LastIndexByte(typ, '.')+1:]
}

// unknownType reports a trigger or condition type (what) that is not registered.
func (l *loader) unknownType(n *yaml.Node, ctx, what, typ string, names []string) {
	if s, ok := closeType(typ, names); ok {
		l.errorf(n, "%sunknown %s type %q (did you mean %q?)", ctx, what, typ, s)
		return
	}
	if strings.HasPrefix(strings.ToLower(typ), "io.kestra.") {
		l.errorf(n, "%s%s type %q is not supported by flowctl yet", ctx, what, typ)
		return
	}
	l.errorf(n, "%sunknown %s type %q: use one of %s", ctx, what, typ, strings.Join(names, ", "))
}

// triggerInputs reads the inputs a trigger passes: a map whose strings are templates.
func (l *loader) triggerInputs(n *yaml.Node, ctx string) map[string]any {
	r := resolve(n)
	if isNull(r) {
		return nil
	}
	if r.Kind != yaml.MappingNode {
		l.errorf(r, "%sinputs: expected a mapping, got %s", ctx, got(r))
		return nil
	}
	check := func(n *yaml.Node, s, path string) { l.checkTemplate(n, s, ctx+path+": ") }
	m, _ := l.value(r, "inputs", check).(map[string]any)
	return m
}

// states reads a list of execution states, upper-cased.
func (l *loader) states(n *yaml.Node, ctx string) []string {
	r := resolve(n)
	if r.Kind != yaml.SequenceNode {
		l.errorf(r, "%s: expected a list of states, got %s", ctx, got(r))
		return nil
	}
	out := make([]string, 0, len(r.Content))
	for i, item := range r.Content {
		s, ok := l.str(item, ctx, fmt.Sprintf("[%d]", i))
		if !ok {
			continue
		}
		st := strings.ToUpper(s)
		if !slices.Contains(executionStates, st) {
			hint := didYouMean(st, executionStates)
			if hint == "" {
				hint = " (such as " + strings.Join(terminalStates, ", ") + ")"
			}
			l.errorf(resolve(item), "%s: %q is not an execution state%s", ctx, s, hint)
			continue
		}
		out = append(out, st)
	}
	return out
}

// conditionPlace is where conditions are written: in a trigger of type trigger, or in a
// condition of type in that combines others (Not, Or). A nil place takes any condition (the
// trigger's type is unknown).
type conditionPlace struct {
	trigger *TriggerDef
	in      *ConditionDef
}

// conditions reads a list of conditions at place; ctx names what holds them.
func (l *loader) conditions(n *yaml.Node, ctx string, place *conditionPlace) []*Condition {
	r := resolve(n)
	if isNull(r) {
		return nil
	}
	if r.Kind != yaml.SequenceNode {
		l.errorf(r, "%sconditions: expected a list of conditions, got %s", ctx, got(r))
		return nil
	}
	out := make([]*Condition, 0, len(r.Content))
	for i, item := range r.Content {
		if c := l.condition(item, fmt.Sprintf("%sconditions[%d]: ", ctx, i), place); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// condition reads one condition; ctx names it.
func (l *loader) condition(n *yaml.Node, ctx string, place *conditionPlace) *Condition {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%sexpected a condition (a mapping with type), got %s", ctx, kindName(n))
		return nil
	}
	ps := l.pairs(n, ctx)
	c := &Condition{Pos: posOf(n)}
	k := registry()
	var def *ConditionDef
	var props []pair
	hasType := false
	for _, p := range ps {
		if p.key.Value != "type" {
			props = append(props, p)
			continue
		}
		hasType = true
		if typ, ok := l.str(p.val, ctx, "type"); ok {
			if def = k.conditionDef(typ); def != nil {
				c.Type = def.Type
				l.checkPlace(p.val, ctx, def, place)
			} else {
				l.unknownType(p.val, ctx, "condition", typ, k.conditionNames())
			}
		}
	}
	if !hasType {
		l.errorf(n, "%smissing required property \"type\"", ctx)
	}
	if def == nil {
		return nil
	}
	spec := def.New()
	sv := reflect.ValueOf(spec).Elem()
	names := append([]string{"type"}, infoOf(sv.Type()).names...)
	dc := &decodeCtx{ctx: ctx, literal: true, place: &conditionPlace{in: def}}
	l.decodeProps(sv, n, props, dc, func(p pair) {
		l.unknownKey(p.key, ctx, p.key.Value, names, nil)
	})
	if !mirrorInto(reflect.ValueOf(c).Elem(), sv) {
		c.Props = spec
	}
	return c
}

// checkPlace reports a condition of type def (at n) written where it does not go: an
// Execution condition in a Schedule trigger, a schedule condition in a Flow trigger, or an
// Execution condition inside a Not or Or.
func (l *loader) checkPlace(n *yaml.Node, ctx string, def *ConditionDef, place *conditionPlace) {
	if place == nil {
		return
	}
	cond := def.New()
	var where string
	if place.in != nil {
		in := place.in.New()
		if sameKind(cond, in) {
			return
		}
		_, kind := conditionKind(in)
		where = fmt.Sprintf("%s takes %s conditions only", shortName(place.in.Type), kind)
	} else {
		if place.trigger.New().takes(cond) {
			return
		}
		where = fmt.Sprintf("not to %s triggers", shortName(place.trigger.Type))
	}
	belongs := "no"
	for _, t := range registry().triggers {
		if t.New().takes(cond) {
			belongs = shortName(t.Type)
			break
		}
	}
	article, kind := conditionKind(cond)
	l.errorf(n, "%s%s is %s %s condition: it belongs to %s triggers, %s", ctx, shortName(def.Type), article, kind, belongs, where)
}

// enum reads one of values, in any casing; it returns it upper-cased, "" when it is none.
func (l *loader) enum(n *yaml.Node, ctx, key string, values []string) string {
	s, ok := l.str(n, ctx, key)
	if !ok {
		return ""
	}
	up := strings.ToUpper(s)
	switch {
	case slices.Contains(values, up):
		return up
	case hasTemplate(s):
		l.errorf(n, "%s%s: a template is not supported by flowctl yet here: write one of %s", ctx, key, strings.Join(values, ", "))
	default:
		l.errorf(n, "%s%s: %q is not one of %s%s", ctx, key, s, strings.Join(values, ", "), didYouMean(up, values))
	}
	return ""
}

// quoteJoin quotes each of keys and joins them with sep.
func quoteJoin(keys []string, sep string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = strconv.Quote(k)
	}
	return strings.Join(q, sep)
}

// sampleDates are the dates a schedule condition's date template is tried with when the flow
// loads, so that a misspelt variable is reported then, not at each scheduled date.
var sampleDates = ScheduleDates{
	Date:     time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	Next:     time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC),
	Previous: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
}

// checkConditionDate checks the date a schedule condition tests: a template must parse and
// render to a date with the trigger variables; a plain value must be a date. day says a
// plain date (2026-03-02) goes.
func (l *loader) checkConditionDate(n *yaml.Node, ctx, date string, day bool) {
	if strings.ContainsAny(date, "{<") {
		if _, err := templating.Parse(date); err != nil {
			l.checkTemplate(n, date, ctx+"date: ")
			return
		}
	}
	if _, err := renderTestedDate(date, day, sampleDates, time.UTC); err != nil {
		var te *templating.Error
		if errors.As(err, &te) {
			l.errorAt(l.templatePos(resolve(n), date, te), "%sdate: %s", ctx, te.Msg)
			return
		}
		l.errorf(n, "%sdate: %v", ctx, err)
	}
}

// checkTimezone checks a time zone name as Java's ZoneId would read it. The zone database is
// built into the binary (time/tzdata), so the check does not depend on the machine.
func checkTimezone(s string) error {
	if s == "" || s == "Local" {
		return fmt.Errorf("%q is not a time zone: use an IANA name such as Europe/Paris or UTC", s)
	}
	if _, known := zones.Load(s); known {
		return nil
	}
	if _, err := time.LoadLocation(s); err != nil {
		return fmt.Errorf("%q is not a known time zone: use an IANA name such as Europe/Paris or UTC", s)
	}
	zones.Store(s, true)
	return nil
}

// zones remembers the time zones found valid: loading one reads a file each time, and a
// scheduler tick loads every applied flow. Process-wide on purpose, as a memo of a check whose
// answer cannot change while flowctl runs: entries are only added, each is true forever, only
// valid names are kept (so no more than the zone database holds), and sync.Map makes
// concurrent loads safe.
var zones sync.Map
