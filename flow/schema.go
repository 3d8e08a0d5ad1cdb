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
// the loader itself reads (flowKeys, commonTaskKeys, triggerCommon, retryKeys, inputTypes, the
// id patterns...) and from the structs of the task, trigger and condition types, walked by
// their `flow` tags as the loader decodes them. A key that gains a table entry without a schema here makes Schema fail, and
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
		"extend": doc(obj{"type": []string{"object", "null"}},
			"A blueprint's catalogue entry (title, description, tags, ...): documentation, not read."),
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
	defaults := b.ref("pluginDefaults", obj{
		"type": []string{"array", "null"},
		"items": obj{
			"type": "object",
			"properties": obj{
				"type": doc(obj{"type": "string", "minLength": 1},
					"The plugin type the values apply to, or a prefix of type names (io.kestra.plugin.scripts)."),
				"forced": doc(obj{"type": "boolean"}, "The values win over the plugin's own (default false: the plugin's win)."),
				"values": doc(obj{"type": "object"}, "The properties to give every matching task, trigger or condition."),
			},
			"required":             []string{"type", "values"},
			"additionalProperties": false,
		},
	})
	props["pluginDefaults"] = doc(obj{"allOf": []any{defaults}},
		"Default property values for the tasks, triggers and conditions of a type (or a type prefix).")
	props["outputs"] = doc(obj{
		"type": []string{"array", "null"},
		"items": obj{
			"type": "object",
			"properties": obj{
				"id":          idSchema(inputIDPattern(), maxFlowIDLen, "The output's id, unique in the flow."),
				"type":        doc(caseless(outputTypes), "The type the rendered value is converted to."),
				"value":       doc(obj{"not": obj{"type": "null"}}, "The value: its strings are templates, rendered when the execution has ended."),
				"description": doc(nullable(text()), "What the output holds."),
				"displayName": doc(nullable(text()), "The output's name for people."),
			},
			"required":             []string{"id", "type", "value"},
			"additionalProperties": false,
		},
	}, "Values the flow exposes once it has ended: on the execution as outputs, and to a Subflow task's parent.")
	props["taskDefaults"] = doc(obj{"allOf": []any{defaults}}, "The older name of pluginDefaults.")
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
		"logLevel":     doc(obj{"enum": []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}}, "The lowest level of the task's log lines that is kept; the lines below are dropped."),
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
		if d.Type == TypeWorkingDir {
			// Only runnable tasks run in the shared folder: a flowable child is refused.
			var flowableNames []string
			for _, f := range flowables {
				flowableNames = append(flowableNames, f.Type)
				flowableNames = append(flowableNames, f.Aliases...)
			}
			runnable := obj{"allOf": []any{obj{"$ref": "#/$defs/task"},
				obj{"not": obj{"properties": obj{"type": caseless(flowableNames)}, "required": []string{"type"}}}}}
			props["tasks"] = doc(obj{"type": "array", "minItems": 1, "items": runnable}, props["tasks"].(obj)["description"].(string))
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
		if d.Type == tasks.PauseType {
			// Read by the loader itself (load.go): the inputs a resume gives values to,
			// and the deprecated child tasks.
			props["onResume"] = doc(nullable(obj{"type": "array", "items": obj{"$ref": "#/$defs/input"}}), "Inputs a resume (flowctl executions resume -i ID=VALUE) gives values to: the task's output onResume.")
			props["tasks"] = doc(nullable(obj{"type": "array", "items": obj{"$ref": "#/$defs/task"}}), "Deprecated: tasks run in order once the pause ended.")
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
	return fieldProps(t, true)
}

// fieldProps is structProps; optionalNull says an optional property may be written null.
func fieldProps(t reflect.Type, optionalNull bool) (obj, []string, error) {
	props := obj{}
	required := []string{}
	for _, f := range infoOf(t).fields {
		s, err := propSchema(t.FieldByIndex(f.index).Type, f.enum)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.name, err)
		}
		if f.required {
			required = append(required, f.name)
		} else if optionalNull {
			// An optional property written without a value is absent.
			s = nullable(s)
		}
		props[f.name] = doc(s, f.doc)
	}
	return props, required, nil
}

// propSchema is the schema of a property of Go type t, as decodeValue reads it.
func propSchema(t reflect.Type, enum []string) (obj, error) {
	if p, ok := reflect.New(t).Interface().(propertyType); ok {
		return p.schemaOf(), nil
	}
	taskRef := obj{"$ref": "#/$defs/task"}
	switch t {
	case stringMapType:
		return propSchema(reflect.TypeFor[map[string]string](), enum)
	case orderedMapType:
		return propSchema(reflect.TypeFor[map[string]any](), enum)
	case durationType:
		return durationSchema(anyDuration), nil
	case timeType:
		return obj{"type": "string", "pattern": zonedDateTimePattern().String()}, nil
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
		"behavior":       doc(obj{"enum": []string{"RETRY_FAILED_TASK"}}, "How the task is retried: its attempts within the execution (the only behavior flowctl has)."),
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

// triggers is the schema of the flow's triggers: the keys every trigger has, and each
// registered type's properties selected by its type name, with the conditions it takes.
func (b *schemaBuilder) triggers() (obj, error) {
	k := registry()
	var all []string
	for _, d := range k.triggers {
		all = append(all, names(d.Type, d.Aliases)...)
	}
	props := obj{
		"id":          idSchema(taskIDPattern(), maxFlowIDLen, "The trigger's id, unique in the flow (no dots)."),
		"type":        doc(caseless(all), "The trigger type."),
		"description": doc(nullable(text()), "What the trigger is for."),
		"disabled":    doc(obj{"type": "boolean"}, "A disabled trigger does not fire."),
		"conditions": doc(obj{"type": []string{"array", "null"}},
			"Conditions that must all hold; each trigger type takes its own."),
	}
	if err := covers("trigger", props, triggerCommon); err != nil {
		return nil, err
	}
	var branches []any
	for _, d := range k.triggers {
		own, required, err := literalProps(reflect.TypeOf(d.New()).Elem())
		if err != nil {
			return nil, fmt.Errorf("trigger type %s: %w", d.Type, err)
		}
		for _, key := range triggerCommon {
			if _, clash := own[key]; clash {
				return nil, fmt.Errorf("trigger type %s: property %q is a key of every trigger", d.Type, key)
			}
		}
		own = allowing(own, triggerCommon)
		condition, err := b.condition(d)
		if err != nil {
			return nil, err
		}
		var taken []string
		for _, c := range k.takes[d.Type] {
			taken = append(taken, shortName(c))
		}
		own["conditions"] = doc(obj{"type": []string{"array", "null"}, "items": condition},
			"Conditions that must all hold: "+strings.Join(taken, ", ")+".")
		branches = append(branches, selectType(names(d.Type, d.Aliases), b.ref(d.Type, obj{
			"title":                d.Type,
			"description":          d.Doc,
			"properties":           own,
			"required":             required,
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

// literalProps are the schemas of the properties of a trigger or condition type t, read as
// the loader reads them (decodeCtx.literal: null is not an absent value there).
func literalProps(t reflect.Type) (obj, []string, error) {
	return fieldProps(t, false)
}

// conditionListType is the type of the conditions a condition combines.
var conditionListType = reflect.TypeFor[ConditionList]()

// condition is the schema of one condition of a trigger of type trigger: each condition
// type it takes, selected by its type name. Nested conditions (Not, Or) are of the same
// trigger's.
func (b *schemaBuilder) condition(trigger *TriggerDef) (obj, error) {
	k := registry()
	name := strings.ToLower(shortName(trigger.Type)) + "Condition"
	self := obj{"$ref": "#/$defs/" + name}
	// variants lists the schemas of each key, by condition type: editors complete every key,
	// each type's branch checks its own.
	variants := map[string][]obj{}
	var keys, typeNames []string
	var branches []any
	for _, typ := range k.takes[trigger.Type] {
		d := k.conditionDef(typ)
		typeNames = append(typeNames, names(d.Type, d.Aliases)...)
		spec := d.New()
		t := reflect.TypeOf(spec).Elem()
		own, required, err := literalProps(t)
		if err != nil {
			return nil, fmt.Errorf("condition type %s: %w", d.Type, err)
		}
		var anyOf []any
		for _, f := range infoOf(t).fields {
			if t.FieldByIndex(f.index).Type == conditionListType {
				own[f.name] = doc(obj{"type": "array", "minItems": 1, "items": self}, f.doc)
			}
			if f.anyOf {
				anyOf = append(anyOf, obj{"required": []string{f.name}})
			}
			if _, seen := variants[f.name]; !seen {
				keys = append(keys, f.name)
			}
			variants[f.name] = append(variants[f.name], own[f.name].(obj))
		}
		then := obj{
			"title":                d.Type,
			"description":          d.Doc,
			"properties":           allowing(own, []string{"type"}),
			"required":             required,
			"additionalProperties": false,
		}
		if anyOf != nil {
			then["anyOf"] = anyOf
		}
		if r, ok := spec.(interface{ schemaRules() obj }); ok {
			maps.Copy(then, r.schemaRules())
		}
		branches = append(branches, selectType(names(d.Type, d.Aliases), b.ref(d.Type, then)))
	}
	props := obj{"type": doc(caseless(typeNames), "The condition type.")}
	for _, key := range keys {
		props[key] = oneOrAny(variants[key])
	}
	return b.ref(name, obj{
		"type":                  "object",
		"properties":            props,
		"required":              []string{"type"},
		"allOf":                 branches,
		"unevaluatedProperties": false,
	}), nil
}

// oneOrAny is the schema of a key whatever the condition type: the one schema the types
// share, or any of theirs.
func oneOrAny(schemas []obj) obj {
	var distinct []any
	var seen []string
	for _, s := range schemas {
		j, _ := json.Marshal(s)
		if !slices.Contains(seen, string(j)) {
			seen = append(seen, string(j))
			distinct = append(distinct, s)
		}
	}
	if len(distinct) == 1 {
		return distinct[0].(obj)
	}
	return obj{"anyOf": distinct}
}

// inputDefaults returns the schemas of each input type's defaults, as defaultValue reads
// them. A function, not a table: only the schema needs it, and start-up need not build it.
func inputDefaults() map[string]obj {
	list := obj{"anyOf": []any{obj{"type": "array"}, obj{"type": "string", "pattern": `^\s*\[`}}}
	return map[string]obj{
		InputString:      text(),
		InputSecret:      text(),
		InputEnum:        text(),
		InputSelect:      text(),
		InputURI:         text(),
		InputEmail:       text(),
		InputInt:         {"anyOf": []any{obj{"type": "integer"}, obj{"type": "string", "pattern": `^[-+]?[0-9]+$`}}},
		InputFloat:       {"anyOf": []any{obj{"type": "number"}, obj{"type": "string", "pattern": `^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$`}}},
		InputBoolean:     {"anyOf": []any{obj{"type": "boolean"}, obj{"type": "string", "pattern": `^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$`}}},
		InputDateTime:    {"type": "string", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})$`},
		InputDate:        {"type": "string", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`},
		InputTime:        {"type": "string", "pattern": `^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?$`},
		InputDuration:    durationSchema(anyDuration),
		InputJSON:        {"$comment": "JSON text, or the value written as YAML"},
		InputYAML:        {"$comment": "YAML text, or the value written as YAML"},
		InputArray:       doc(list, "a list, or a JSON list as text"),
		InputMultiselect: doc(list, "a list, or a JSON list as text"),
		InputFile:        fileDefaultsSchema(),
	}
}

// input is the schema of one flow input.
func (b *schemaBuilder) input() (obj, error) {
	id := idSchema(inputIDPattern(), maxFlowIDLen, "The input's id: {{ inputs.ID }}.")
	bound := doc(text(), "A value of the input's own type.")
	schemas := obj{
		"id":               id,
		"type":             doc(caseless(slices.Concat(inputTypes, slices.Sorted(maps.Keys(inputTypeAliases)))), "The input's type."),
		"defaults":         doc(obj{}, "The value when none is given; a template is rendered when the execution starts."),
		"prefill":          doc(obj{}, "The value a form starts from (Kestra's UI); checked, not used by flowctl."),
		"required":         doc(obj{"type": "boolean"}, "The input must have a value (default true)."),
		"description":      doc(nullable(text()), "What the input is for."),
		"displayName":      doc(nullable(text()), "The input's name for people."),
		"values":           doc(obj{"type": "array", "items": text(), "minItems": 1, "uniqueItems": true}, "The values an ENUM, SELECT or MULTISELECT input allows."),
		"options":          doc(obj{"type": "array", "items": text(), "minItems": 1, "uniqueItems": true, "deprecated": true}, "The old name of a MULTISELECT input's values (Kestra before 0.20)."),
		"allowCustomValue": doc(obj{"type": "boolean"}, "A SELECT or MULTISELECT input also takes values not listed (default false)."),
		"expression":       doc(templateString(), "A SELECT or MULTISELECT input's values, as a template rendering to a list when the execution starts (kv() reads the KV store), instead of values."),
		"itemType":         doc(caseless(itemTypes), "The type of each element of an ARRAY (required) or MULTISELECT (default STRING) input."),
		"validator":        doc(text(), "A regular expression the whole value of a STRING input must match."),
		"min":              doc(bound, "The least value of an INT, FLOAT or DURATION input."),
		"max":              doc(bound, "The greatest value of an INT, FLOAT or DURATION input."),
		"after":            doc(bound, "The earliest value of a DATETIME, DATE or TIME input."),
		"before":           doc(bound, "The latest value of a DATETIME, DATE or TIME input."),
		"dependsOn": doc(obj{
			"type": "object",
			"properties": obj{
				"inputs":    obj{"type": "array", "items": text()},
				"condition": text(),
			},
			"additionalProperties": false,
		}, "Inputs resolved before this one, and a condition that, rendered to anything but true, disables it."),
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
		value := nullable(obj{"anyOf": []any{defaults, templateString()}})
		then := obj{"properties": obj{"defaults": value, "prefill": value}}
		var required []string
		var refused []string
		switch typ {
		case InputEnum:
			required = append(required, "values")
			refused = append(refused, "options")
		case InputSelect:
			then["oneOf"] = []any{obj{"required": []string{"values"}}, obj{"required": []string{"expression"}}}
			refused = append(refused, "options")
		case InputMultiselect:
			then["oneOf"] = []any{obj{"required": []string{"values"}}, obj{"required": []string{"options"}}, obj{"required": []string{"expression"}}}
		default:
			refused = append(refused, "values", "options")
		}
		if typ == InputArray {
			required = append(required, "itemType")
		} else if typ != InputMultiselect {
			refused = append(refused, "itemType")
		}
		if typ != InputSelect && typ != InputMultiselect {
			refused = append(refused, "allowCustomValue", "expression")
		}
		if typ != InputString {
			refused = append(refused, "validator")
		}
		for _, k := range []string{"min", "max", "after", "before"} {
			if !slices.Contains(boundKeys[k], typ) {
				refused = append(refused, k)
			}
		}
		if required != nil {
			then["required"] = required
		}
		var nots []any
		for _, k := range refused {
			nots = append(nots, obj{"required": []string{k}})
		}
		then["not"] = obj{"anyOf": nots, "$comment": "properties of other input types"}
		branches = append(branches, selectType(names, then))
	}
	branches = append(branches, obj{
		"$comment": "id, or its old spelling name, but not both",
		"oneOf":    []any{obj{"required": []string{"id"}}, obj{"required": []string{"name"}}},
	}, obj{
		"$comment": "Inputs with a default value cannot also have a prefill.",
		"not":      obj{"required": []string{"defaults", "prefill"}},
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
