package flow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/tasks"
)

// This file builds `flowctl schema`: a JSON Schema of the flow language, made from the tables
// the loader itself reads (flowKeys, commonTaskKeys, triggerTypes, retryKeys, inputTypes, the
// id patterns...) and from the task types' structs, walked by their `flow` tags as the loader
// decodes them. A key that gains a table entry without a schema here makes Schema fail, and
// its tests check the schema's verdict against the loader's on every flow of the repository.

// schemaDraft is the JSON Schema dialect of the schema.
const schemaDraft = "https://json-schema.org/draft/2020-12/schema"

// obj is one JSON Schema object.
type obj = map[string]any

// casingComment says how names are compared.
const casingComment = "flowctl compares type names (of tasks, triggers, conditions, retries and inputs) and " +
	"enumerated values (levels, states, behaviors...) without regard to case: this schema lists them as " +
	"written, which is what editors complete, and accepts them in any casing through a pattern, as flowctl does."

// uncheckedComment lists what only `flowctl validate` checks.
const uncheckedComment = "Not checked by this schema, checked by flowctl validate: task ids unique across " +
	"tasks, errors and finally, and trigger, input and label keys unique; template syntax; cron " +
	"expressions and time zones; the days and zones of schedule conditions' dates (a 30 February, " +
	"a [Zone/Id]); an ENUM input's defaults among its values and a JSON input's defaults being JSON; " +
	"retry intervals below maxInterval and maxDuration; YAML merge keys (<<) and files holding more " +
	"than one document."

// Schema returns the JSON Schema (draft 2020-12) of the flows the loader accepts with the task
// types of reg, as indented JSON.
func Schema(reg tasks.Registry) ([]byte, error) {
	b := &schemaBuilder{defs: obj{}}
	root, err := b.flow(reg)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Patterns hold < and >, which HTML escaping would make unreadable.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// schemaBuilder collects the $defs of the schema.
type schemaBuilder struct {
	defs obj
}

// ref adds s to $defs under name and returns a reference to it.
func (b *schemaBuilder) ref(name string, s obj) obj {
	b.defs[name] = s
	return obj{"$ref": "#/$defs/" + name}
}

// flow is the root schema.
func (b *schemaBuilder) flow(reg tasks.Registry) (obj, error) {
	task, err := b.task(reg)
	if err != nil {
		return nil, err
	}
	taskList := b.ref("tasks", obj{"type": []string{"array", "null"}, "items": task})
	triggers, err := b.triggers()
	if err != nil {
		return nil, err
	}
	input, err := b.input()
	if err != nil {
		return nil, err
	}
	props := obj{
		"id":          idSchema(flowIDPattern(), maxFlowIDLen, "The flow's id, unique in its namespace."),
		"namespace":   idSchema(namespacePattern(), maxNamespaceLen, "The flow's namespace: lower-case, dotted (company.team)."),
		"description": doc(nullable(text()), "What the flow does."),
		"labels": doc(obj{
			"type":                 []string{"object", "array", "null"},
			"additionalProperties": text(),
			"items": obj{
				"type":                 "object",
				"properties":           obj{"key": text(), "value": text()},
				"required":             []string{"key", "value"},
				"additionalProperties": false,
			},
		}, "The labels of the flow's executions: a mapping, or a list of {key, value}."),
		"inputs":    doc(obj{"type": []string{"array", "null"}, "items": input}, "The flow's inputs, given with run -i ID=VALUE."),
		"variables": doc(obj{"type": []string{"object", "null"}}, "Values exposed as {{ vars.NAME }}, not rendered."),
		"tasks": doc(obj{"allOf": []any{taskList}, "type": "array", "minItems": 1},
			"The tasks, run one after another; the first that fails stops them."),
		"errors":   doc(obj{"allOf": []any{taskList}}, "Tasks run when a task of tasks failed."),
		"finally":  doc(obj{"allOf": []any{taskList}}, "Tasks run last, after success and failure alike."),
		"triggers": triggers,
		"disabled": doc(obj{"type": "boolean"}, "A disabled flow is not run, and its triggers do not fire."),
		"concurrency": doc(obj{
			"type": "object",
			"properties": obj{
				"limit":    doc(obj{"type": "integer", "minimum": 1}, "How many executions of the flow may run at once."),
				"behavior": doc(caseless(concurrencyBehaviors), "What an execution finding no free slot does (default QUEUE)."),
			},
			"required":             []string{"limit"},
			"additionalProperties": false,
		}, "How many executions of the flow run at once, across every flowctl process sharing the state."),
	}
	if err := covers("flow", props, flowKeys); err != nil {
		return nil, err
	}
	return obj{
		"$schema":              schemaDraft,
		"title":                "flowctl flow",
		"description":          "A Kestra flow, as flowctl runs it.",
		"$comment":             casingComment + " " + uncheckedComment,
		"type":                 "object",
		"properties":           props,
		"required":             requiredFlowKeys,
		"additionalProperties": false,
		"$defs":                b.defs,
	}, nil
}

// commonTaskProps are the schemas of commonTaskKeys.
func (b *schemaBuilder) commonTaskProps(typeNames []string) (obj, error) {
	retry, err := b.retry()
	if err != nil {
		return nil, err
	}
	props := obj{
		"id":           idSchema(taskIDPattern(), maxFlowIDLen, "The task's id, unique across tasks, errors and finally (no dots)."),
		"type":         doc(caseless(typeNames), "The task type."),
		"description":  doc(nullable(text()), "What the task does."),
		"disabled":     doc(obj{"type": "boolean"}, "A disabled task is dropped: no task run at all."),
		"timeout":      doc(durationSchema(positiveDuration), "The longest an attempt may run, ISO-8601 (PT30S); then it fails and its processes are killed."),
		"retry":        retry,
		"allowFailure": doc(obj{"type": "boolean"}, "A failed task (no retry left) ends WARNING instead."),
		"allowWarning": doc(obj{"type": "boolean"}, "A task ending WARNING ends SUCCESS instead."),
		"runIf":        doc(text(), "Rendered; false, 0, -0 or empty skips the task."),
	}
	return props, covers("task", props, commonTaskKeys)
}

// task is the schema of one task: the common keys, and each type's properties selected by
// its type name (if/then). Each `then` lists every key it allows, so the unknown keys are
// refused by additionalProperties too, for editors that know draft 7 only.
func (b *schemaBuilder) task(reg tasks.Registry) (obj, error) {
	defs := reg.Defs()
	var all []string
	for _, d := range defs {
		all = append(all, d.Type)
		all = append(all, d.Aliases...)
	}
	flowables := FlowableDefs()
	for _, d := range flowables {
		all = append(all, d.Type)
		all = append(all, d.Aliases...)
	}
	common, err := b.commonTaskProps(all)
	if err != nil {
		return nil, err
	}
	var branches []any
	for _, d := range flowables {
		props, required, err := structProps(reflect.TypeOf(d.New()).Elem())
		if err != nil {
			return nil, fmt.Errorf("task type %s: %w", d.Type, err)
		}
		for _, k := range append(slices.Clone(commonTaskKeys), "errors", "finally") {
			props[k] = true
		}
		props["errors"] = doc(nullable(obj{"type": "array", "items": obj{"$ref": "#/$defs/task"}}), "Tasks run when a task under this one failed.")
		props["finally"] = doc(nullable(obj{"type": "array", "items": obj{"$ref": "#/$defs/task"}}), "Tasks run after the others, whatever their outcome.")
		names := append([]string{d.Type}, d.Aliases...)
		then := b.ref(d.Type, obj{
			"title":                d.Type,
			"description":          d.Doc,
			"properties":           props,
			"required":             required,
			"additionalProperties": false,
		})
		branches = append(branches, selectType(names, then))
	}
	for _, d := range defs {
		props, required, err := typeProps(d)
		if err != nil {
			return nil, err
		}
		for _, k := range commonTaskKeys {
			if _, clash := props[k]; clash {
				return nil, fmt.Errorf("task type %s: property %q is a common task key", d.Type, k)
			}
			props[k] = true
		}
		names := append([]string{d.Type}, d.Aliases...)
		then := b.ref(d.Type, obj{
			"title":                d.Type,
			"description":          d.Doc,
			"properties":           props,
			"required":             required,
			"additionalProperties": false,
		})
		branches = append(branches, selectType(names, then))
	}
	return b.ref("task", obj{
		"type":                  "object",
		"properties":            common,
		"required":              []string{"id", "type"},
		"allOf":                 branches,
		"unevaluatedProperties": false,
	}), nil
}

// typeProps are the schemas of a task type's own properties, and those it requires.
func typeProps(d *tasks.Def) (obj, []string, error) {
	if d.New == nil {
		return nil, nil, fmt.Errorf("task type %s has no properties to configure", d.Type)
	}
	t := reflect.TypeOf(d.New())
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("task type %s: New must return a pointer to a struct", d.Type)
	}
	props, required, err := structProps(t.Elem())
	if err != nil {
		return nil, nil, fmt.Errorf("task type %s: %w", d.Type, err)
	}
	return props, required, nil
}

// structProps are the schemas of the properties of struct type t, by its `flow` tags as the
// loader reads them (infoOf), and those it requires.
func structProps(t reflect.Type) (obj, []string, error) {
	props := obj{}
	required := []string{}
	for _, f := range infoOf(t).fields {
		s, err := propSchema(t.FieldByIndex(f.index).Type, f.enum)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.name, err)
		}
		if f.required {
			required = append(required, f.name)
		} else {
			// An optional property written without a value is absent.
			s = nullable(s)
		}
		props[f.name] = doc(s, f.doc)
	}
	return props, required, nil
}

// propSchema is the schema of a property of Go type t, as decodeValue reads it.
func propSchema(t reflect.Type, enum []string) (obj, error) {
	taskRef := obj{"$ref": "#/$defs/task"}
	switch t {
	case durationType:
		return durationSchema(anyDuration), nil
	case taskSpecPtrType:
		return taskRef, nil
	case taskListType:
		return obj{"type": "array", "items": taskRef}, nil
	case casesType:
		return obj{"type": "object", "additionalProperties": obj{"type": "array", "items": taskRef}}, nil
	}
	switch t.Kind() {
	case reflect.String:
		if len(enum) > 0 {
			// A template is only known when rendered: any string holding one goes.
			s := caseless(enum)
			s["anyOf"] = append(s["anyOf"].([]any), templateString())
			return s, nil
		}
		return text(), nil
	case reflect.Bool:
		return obj{"type": "boolean"}, nil
	case reflect.Int, reflect.Int64:
		return obj{"type": "integer"}, nil
	case reflect.Int8, reflect.Int16, reflect.Int32:
		bits := t.Bits()
		return obj{"type": "integer", "minimum": -(int64(1) << (bits - 1)), "maximum": int64(1)<<(bits-1) - 1}, nil
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return obj{"type": "integer", "minimum": 0}, nil
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return obj{"type": "integer", "minimum": 0, "maximum": uint64(1)<<t.Bits() - 1}, nil
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}, nil
	case reflect.Pointer:
		return propSchema(t.Elem(), enum)
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return obj{}, nil
		}
	case reflect.Slice:
		item, err := itemSchema(t.Elem(), enum)
		if err != nil {
			return nil, err
		}
		if isScalarOrList(t) {
			// One value stands for a list of one.
			return obj{"anyOf": []any{item, obj{"type": "array", "items": item}}}, nil
		}
		return obj{"type": "array", "items": item}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		item, err := itemSchema(t.Elem(), nil)
		if err != nil {
			return nil, err
		}
		return obj{"type": "object", "additionalProperties": item}, nil
	case reflect.Struct:
		props, required, err := structProps(t)
		if err != nil {
			return nil, err
		}
		return obj{"type": "object", "properties": props, "required": required, "additionalProperties": false}, nil
	}
	return nil, fmt.Errorf("no schema for Go type %s", t)
}

// itemSchema is the schema of an element of a list or a value of a map: null is a mistake
// there, except where anything goes (decodeItem).
func itemSchema(t reflect.Type, enum []string) (obj, error) {
	s, err := propSchema(t, enum)
	if err != nil {
		return nil, err
	}
	if t.Kind() == reflect.Pointer {
		s = nullable(s)
	}
	return s, nil
}

// selectType is an if/then that applies then to the objects whose type is one of names.
func selectType(names []string, then obj) obj {
	return obj{
		"if":   obj{"properties": obj{"type": caseless(names)}, "required": []string{"type"}},
		"then": then,
	}
}

// retry is the schema of a task's retry: common keys, and each type's own (if/then).
func (b *schemaBuilder) retry() (obj, error) {
	schemas := obj{
		"type":           doc(caseless(retryTypes), "How the wait between attempts grows."),
		"maxAttempt":     doc(obj{"type": "integer", "minimum": 1}, "The most attempts, the first one included."),
		"maxDuration":    doc(durationSchema(positiveDuration), "The longest the attempts may take in all, ISO-8601."),
		"warningOnRetry": doc(obj{"type": "boolean"}, "A task that succeeded after a retry ends WARNING."),
		"interval":       doc(durationSchema(nonNegativeDuration), "The wait between attempts (constant), or the first wait (exponential), ISO-8601."),
		"maxInterval":    doc(durationSchema(positiveDuration), "The longest wait between attempts, ISO-8601."),
		"minInterval":    doc(durationSchema(nonNegativeDuration), "The shortest wait between attempts (random), ISO-8601."),
		"delayFactor":    doc(obj{"type": "number", "exclusiveMinimum": 0}, "What each wait is multiplied by (exponential; default 2)."),
	}
	props, err := pick("retry", schemas, retryCommon)
	if err != nil {
		return nil, err
	}
	var branches []any
	for _, typ := range retryTypes {
		own, err := pick("retry", schemas, retryKeys[typ])
		if err != nil {
			return nil, err
		}
		maps.Copy(props, own)
		branches = append(branches, selectType([]string{typ}, obj{
			"properties":           allowing(own, retryCommon),
			"required":             orNone(retryRequired[typ]),
			"additionalProperties": false,
		}))
	}
	branches = append(branches, obj{
		"$comment": "without maxAttempt or maxDuration the task would retry forever",
		"anyOf":    []any{obj{"required": []string{"maxAttempt"}}, obj{"required": []string{"maxDuration"}}},
	})
	return b.ref("retry", doc(obj{
		"type":                 "object",
		"properties":           props,
		"required":             []string{"type"},
		"additionalProperties": false,
		"allOf":                branches,
	}, "Retry a failed attempt: constant, exponential or random waits, bounded by maxAttempt or maxDuration.")), nil
}

// triggers is the schema of the flow's triggers.
func (b *schemaBuilder) triggers() (obj, error) {
	states := obj{"type": "array", "items": caseless(executionStates)}
	schemas := obj{
		"id":          idSchema(taskIDPattern(), maxFlowIDLen, "The trigger's id, unique in the flow (no dots)."),
		"type":        doc(caseless(slices.Concat(triggerTypes...)), "The trigger type."),
		"description": doc(nullable(text()), "What the trigger is for."),
		"disabled":    doc(obj{"type": "boolean"}, "A disabled trigger does not fire."),
		"conditions": doc(obj{"type": []string{"array", "null"}},
			"Conditions that must all hold; each trigger type takes its own."),
		"states":                 doc(states, "The states of the executions that fire the trigger (default: the terminal states)."),
		"inputs":                 doc(obj{"type": []string{"object", "null"}}, "The inputs of the execution the trigger starts, rendered with {{ trigger.* }}."),
		"cron":                   doc(text(), "When to run: 5 fields (6 with withSeconds), or @daily, @hourly..."),
		"timezone":               doc(text(), "The IANA time zone of the cron (Europe/Paris; default UTC)."),
		"withSeconds":            doc(obj{"type": "boolean"}, "The cron has a leading seconds field."),
		"recoverMissedSchedules": doc(caseless(recoverModes), "Which schedules missed while nothing ran are run late."),
		"lateMaximumDelay":       doc(durationSchema(positiveDuration), "A schedule later than this is skipped, ISO-8601."),
	}
	props, err := pick("trigger", schemas, triggerCommon)
	if err != nil {
		return nil, err
	}
	var branches []any
	for _, names := range triggerTypes {
		typ := names[0]
		own, err := pick("trigger", schemas, triggerKeys[typ])
		if err != nil {
			return nil, err
		}
		own = allowing(own, triggerCommon)
		// Each trigger type takes its own conditions (triggerConditions).
		condition, err := b.condition(typ, states)
		if err != nil {
			return nil, err
		}
		own["conditions"] = doc(obj{"type": []string{"array", "null"}, "items": condition}, conditionsDoc[typ])
		branches = append(branches, selectType(names, b.ref(typ, obj{
			"title":                typ,
			"properties":           own,
			"required":             orNone(triggerRequired[typ]),
			"additionalProperties": false,
		})))
	}
	trigger := b.ref("trigger", obj{
		"type":                  "object",
		"properties":            props,
		"required":              []string{"id", "type"},
		"allOf":                 branches,
		"unevaluatedProperties": false,
	})
	return doc(obj{"type": []string{"array", "null"}, "items": trigger}, "What starts the flow: Flow triggers (another execution ended) and Schedule triggers."), nil
}

// conditionsDoc describes the conditions of each trigger type.
var conditionsDoc = map[string]string{
	TriggerFlow:     "Conditions on the execution that ended; all must hold.",
	TriggerSchedule: "Conditions on the scheduled date (DayWeek, Weekend, TimeBetween...); all must hold, else the date is skipped.",
}

// conditionDef names the $defs entry of the conditions trigger type typ takes.
func conditionDef(typ string) string {
	return strings.ToLower(shortName(typ)) + "Condition"
}

// conditionSchemas are the schemas of the condition properties, by key then, where a key
// differs between condition types, by type ("" for the others). self refers to the
// conditions of the same trigger type (those of Not and Or).
func conditionSchemas(states, self obj) map[string]map[string]obj {
	dateTime := obj{"type": "string", "pattern": zonedDateTimePattern().String()}
	day := obj{"type": "string", "pattern": localDatePattern().String()}
	tested := func(kinds ...obj) obj {
		return doc(obj{"anyOf": append([]any{templateString()}, anySlice(kinds)...)},
			"The date to test: a template rendered with {{ trigger.date }}, {{ trigger.next }} and {{ trigger.previous }} (default {{ trigger.date }}, in the trigger's time zone).")
	}
	timeOfDay := obj{"type": "string", "pattern": offsetTimePattern().String()}
	return map[string]map[string]obj{
		"in":         {"": doc(states, "The execution's state is one of these.")},
		"notIn":      {"": doc(states, "The execution's state is none of these.")},
		"namespace":  {"": doc(text(), "The namespace of the execution's flow.")},
		"flowId":     {"": doc(text(), "The id of the execution's flow.")},
		"comparison": {"": doc(caseless(comparisons), "How namespace is compared (default EQUALS).")},
		"prefix":     {"": doc(obj{"type": "boolean"}, "Compare namespace as a prefix (comparison: PREFIX).")},
		"dayOfWeek":  {"": doc(caseless(weekdays), "The day of the week.")},
		"dayInMonth": {"": doc(caseless(dayInMonths), "Which of the month's days of that weekday: FIRST to FOURTH, or LAST.")},
		"date": {
			"":                  tested(day, dateTime),
			CondTimeBetween:     tested(dateTime),
			CondDateTimeBetween: tested(dateTime),
		},
		"after": {
			CondTimeBetween:     doc(timeOfDay, "The time of day must be after this one (excluded), with its offset: 16:00:00+02:00."),
			CondDateTimeBetween: doc(dateTime, "The date must be this one or later, with its offset: 2026-01-01T00:00:00Z."),
		},
		"before": {
			CondTimeBetween:     doc(timeOfDay, "The time of day must be before this one (excluded), with its offset: 20:00:00+02:00."),
			CondDateTimeBetween: doc(dateTime, "The date must be this one or earlier, with its offset: 2026-12-31T23:59:59Z."),
		},
		"conditions": {"": doc(obj{"type": "array", "minItems": 1, "items": self}, "The conditions it combines.")},
	}
}

// keySchema is the schema of a key whatever the condition type: the common one, or any of
// the types' own.
func keySchema(byType map[string]obj) obj {
	if s, ok := byType[""]; ok {
		return s
	}
	var alts []any
	for _, typ := range slices.Sorted(maps.Keys(byType)) {
		alts = append(alts, byType[typ])
	}
	return obj{"anyOf": alts}
}

// anySlice turns schemas into a []any for a JSON Schema list.
func anySlice(schemas []obj) []any {
	out := make([]any, len(schemas))
	for i, s := range schemas {
		out[i] = s
	}
	return out
}

// condition is the schema of one condition of a trigger of type trigger (triggerConditions);
// states is a list of states.
func (b *schemaBuilder) condition(trigger string, states obj) (obj, error) {
	name := conditionDef(trigger)
	schemas := conditionSchemas(states, obj{"$ref": "#/$defs/" + name})
	// props lists every key for editors to complete; each type's branch checks its own.
	props := obj{}
	var typeNames []string
	var branches []any
	for _, names := range conditionTypes {
		typ := names[0]
		if !slices.Contains(triggerConditions[trigger], typ) {
			continue
		}
		typeNames = append(typeNames, names...)
		own := obj{}
		for _, k := range conditionKeys[typ] {
			s, ok := schemas[k][typ]
			if !ok {
				s, ok = schemas[k][""]
			}
			if !ok {
				return nil, fmt.Errorf("condition %s: key %q has no schema", shortName(typ), k)
			}
			own[k] = s
			if _, done := props[k]; !done {
				props[k] = keySchema(schemas[k])
			}
		}
		then := obj{
			"title":                typ,
			"properties":           allowing(own, []string{"type"}),
			"required":             orNone(conditionRequired[typ]),
			"additionalProperties": false,
		}
		if slices.Contains(conditionKeys[typ], "prefix") {
			then["if"] = obj{"properties": obj{"prefix": obj{"const": true}}, "required": []string{"prefix"}}
			then["then"] = obj{"properties": obj{"comparison": caseless([]string{"PREFIX"})}}
		}
		if keys := conditionAnyOf[typ]; len(keys) > 0 {
			var alts []any
			for _, k := range keys {
				alts = append(alts, obj{"required": []string{k}})
			}
			then["anyOf"] = alts
		}
		branches = append(branches, selectType(names, b.ref(typ, then)))
	}
	props["type"] = doc(caseless(typeNames), "The condition type.")
	return b.ref(name, obj{
		"type":                  "object",
		"properties":            props,
		"required":              []string{"type"},
		"allOf":                 branches,
		"unevaluatedProperties": false,
	}), nil
}

// inputDefaults returns the schemas of each input type's defaults, as defaultValue reads
// them. A function, not a table: only the schema needs it, and start-up need not build it.
func inputDefaults() map[string]obj {
	return map[string]obj{
		InputString:   text(),
		InputSecret:   text(),
		InputEnum:     text(),
		InputInt:      {"anyOf": []any{obj{"type": "integer"}, obj{"type": "string", "pattern": `^[-+]?[0-9]+$`}}},
		InputFloat:    {"anyOf": []any{obj{"type": "number"}, obj{"type": "string", "pattern": `^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$`}}},
		InputBoolean:  {"anyOf": []any{obj{"type": "boolean"}, obj{"type": "string", "pattern": `^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$`}}},
		InputDateTime: {"type": "string", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})$`},
		InputDuration: durationSchema(anyDuration),
		InputJSON:     {"$comment": "JSON text, or the value written as YAML"},
	}
}

// input is the schema of one flow input.
func (b *schemaBuilder) input() (obj, error) {
	id := idSchema(inputIDPattern(), maxFlowIDLen, "The input's id: {{ inputs.ID }}.")
	schemas := obj{
		"id":          id,
		"type":        doc(caseless(slices.Concat(inputTypes, slices.Sorted(maps.Keys(inputTypeAliases)))), "The input's type."),
		"defaults":    doc(obj{}, "The value when none is given."),
		"required":    doc(obj{"type": "boolean"}, "The input must have a value (default true)."),
		"description": doc(nullable(text()), "What the input is for."),
		"displayName": doc(nullable(text()), "The input's name for people."),
		"values":      doc(obj{"type": "array", "items": text(), "minItems": 1, "uniqueItems": true}, "The values an ENUM input allows."),
	}
	props, err := pick("input", schemas, inputKeys)
	if err != nil {
		return nil, err
	}
	props["name"] = doc(obj{"allOf": []any{id}, "deprecated": true}, "The old spelling of id (Kestra before 0.15).")
	var branches []any
	defaultsOf := inputDefaults()
	for _, typ := range inputTypes {
		names := []string{typ}
		for alias, canon := range inputTypeAliases {
			if canon == typ {
				names = append(names, alias)
			}
		}
		slices.Sort(names[1:])
		defaults, ok := defaultsOf[typ]
		if !ok {
			return nil, fmt.Errorf("input type %s has no schema for its defaults", typ)
		}
		then := obj{"properties": obj{"defaults": nullable(defaults)}}
		if typ == InputEnum {
			then["required"] = []string{"values"}
		} else {
			then["not"] = obj{"required": []string{"values"}, "$comment": "only ENUM inputs take values"}
		}
		branches = append(branches, selectType(names, then))
	}
	branches = append(branches, obj{
		"$comment": "id, or its old spelling name, but not both",
		"oneOf":    []any{obj{"required": []string{"id"}}, obj{"required": []string{"name"}}},
	})
	return b.ref("input", obj{
		"type":                 "object",
		"properties":           props,
		"required":             []string{"type"},
		"additionalProperties": false,
		"allOf":                branches,
	}), nil
}

// pick returns the schemas of keys, a loader table: a key without one is an error, so a key
// the loader gains cannot be left out of the schema.
func pick(what string, schemas obj, keys []string) (obj, error) {
	out := obj{}
	for _, k := range keys {
		s, ok := schemas[k]
		if !ok {
			return nil, fmt.Errorf("%s key %q has no schema", what, k)
		}
		out[k] = s
	}
	return out, nil
}

// allowing adds keys, described elsewhere, to the properties of a type's own schema, so that
// its additionalProperties: false lets them through.
func allowing(props obj, keys []string) obj {
	out := maps.Clone(props)
	for _, k := range keys {
		out[k] = true
	}
	return out
}

// orNone is keys, or an empty list for nil (JSON Schema's required takes no null).
func orNone(keys []string) []string {
	if keys == nil {
		return []string{}
	}
	return keys
}

// covers checks that props has a schema for every key of a loader table, and no other.
func covers(what string, props obj, keys []string) error {
	for _, k := range keys {
		if props[k] == nil {
			return fmt.Errorf("%s key %q has no schema", what, k)
		}
	}
	if len(props) != len(keys) {
		return fmt.Errorf("%s: %d schemas for %d keys", what, len(props), len(keys))
	}
	return nil
}

// text is a value the loader reads as a string: any scalar but null, as written (Kestra
// reads a number where a string goes as its text).
func text() obj {
	return obj{"type": []string{"string", "number", "boolean"}}
}

// caseless takes one of values, compared without regard to case as the loader does: the
// enum is what editors complete, the pattern accepts the other casings.
func caseless(values []string) obj {
	alts := make([]string, len(values))
	for i, v := range values {
		var b strings.Builder
		for _, r := range v {
			if lo, up := unicode.ToLower(r), unicode.ToUpper(r); lo != up {
				b.WriteString("[" + string(up) + string(lo) + "]")
			} else {
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		alts[i] = b.String()
	}
	return obj{"anyOf": []any{
		obj{"enum": values},
		obj{"type": "string", "pattern": "^(?:" + strings.Join(alts, "|") + ")$"},
	}}
}

// templateString is a string holding a template tag, whose value is only known when
// rendered (hasTemplate).
func templateString() obj {
	marks := make([]string, len(templateMarks))
	for i, m := range templateMarks {
		marks[i] = regexp.QuoteMeta(m)
	}
	return obj{"type": "string", "pattern": strings.Join(marks, "|"), "description": "a template, checked when rendered"}
}

// idSchema is the schema of an id: its pattern and length.
func idSchema(re *regexp.Regexp, max int, description string) obj {
	s := text()
	s["pattern"] = re.String()
	s["minLength"] = 1
	s["maxLength"] = max
	return doc(s, description)
}

// nullable also accepts null, which the loader takes for an absent property.
func nullable(s obj) obj {
	out := maps.Clone(s)
	_, enum := s["enum"]
	switch t := s["type"].(type) {
	case string:
		if !enum {
			out["type"] = []string{t, "null"}
			return out
		}
	case []string:
		if !enum {
			out["type"] = append(slices.Clone(t), "null")
			return out
		}
	case nil:
		if alts, ok := s["anyOf"].([]any); ok {
			out["anyOf"] = append(slices.Clone(alts), obj{"type": "null"})
			return out
		}
		if anything(s) {
			return out
		}
	}
	return obj{"anyOf": []any{s, obj{"type": "null"}}}
}

// anything reports whether s takes any value: it holds no assertion, only annotations.
func anything(s obj) bool {
	for k := range s {
		if k != "description" && k != "$comment" && k != "title" {
			return false
		}
	}
	return true
}

// doc returns s with a description (a copy: schemas are shared).
func doc(s obj, description string) obj {
	out := maps.Clone(s)
	if description != "" {
		out["description"] = description
	}
	return out
}

// The signs of duration a property takes.
const (
	anyDuration = iota
	nonNegativeDuration
	positiveDuration
)

// durationSchema is an ISO-8601 duration of the given sign. A template is not accepted: the
// loader reads durations when it loads the flow.
func durationSchema(sign int) obj {
	s := obj{"type": "string", "pattern": duration.Pattern(sign == anyDuration)}
	if sign == positiveDuration {
		s["allOf"] = []any{obj{"pattern": duration.NonZeroPattern, "$comment": "not zero"}}
	}
	return doc(s, "An ISO-8601 duration: PT30S, PT5M, P1DT2H.")
}
