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

// This file builds `flowctl schema`: a JSON Schema of the flow language, made from the key
// tables the loader itself dispatches on (flowKeys, taskKeys, triggerKeys, retryKeys,
// inputKeys...: keys.go), where each key's schema sits next to how it is read, and from the
// structs of the task, trigger and condition types, walked by their `flow` tags as the
// loader decodes them. Its tests walk the tables against the loader, and check the schema's
// verdict against the loader's on every flow of the repository.

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

// schemaBuilder collects the $defs of the schema, and the parts the key tables' schemas
// refer to.
type schemaBuilder struct {
	defs obj
	// taskTypes and triggerTypes are the type names, aliases included.
	taskTypes, triggerTypes []string
	// References to $defs: a list of tasks, a trigger, an input, a retry, pluginDefaults.
	taskList, trigger, input, retry, pluginDefaults obj
}

// ref adds s to $defs under name and returns a reference to it.
func (b *schemaBuilder) ref(name string, s obj) obj {
	b.defs[name] = s
	return obj{"$ref": "#/$defs/" + name}
}

// props are the schemas of the keys of a table, each with its doc.
func (ks keyTable[T]) props(b *schemaBuilder) obj {
	out := obj{}
	for _, k := range ks {
		s := doc(k.schema(b), k.doc)
		if k.old || k.of != "" {
			s["deprecated"] = true
		}
		out[k.name] = s
	}
	return out
}

// object is the schema of a mapping holding the keys of a table and no other.
func (ks keyTable[T]) object(b *schemaBuilder) obj {
	return obj{
		"type":                 "object",
		"properties":           ks.props(b),
		"required":             ks.requiredNames(),
		"additionalProperties": false,
	}
}

// flow is the root schema.
func (b *schemaBuilder) flow(reg tasks.Registry) (obj, error) {
	b.retry = b.retrySchema()
	task, err := b.task(reg)
	if err != nil {
		return nil, err
	}
	b.taskList = b.ref("tasks", obj{"type": []string{"array", "null"}, "items": task})
	if b.trigger, err = b.triggers(); err != nil {
		return nil, err
	}
	if b.input, err = b.inputSchema(); err != nil {
		return nil, err
	}
	b.pluginDefaults = b.ref("pluginDefaults", obj{"type": []string{"array", "null"}, "items": defaultKeys.object(b)})
	return obj{
		"$schema":              schemaDraft,
		"title":                "flowctl flow",
		"description":          "A Kestra flow, as flowctl runs it.",
		"$comment":             casingComment + " " + uncheckedComment,
		"type":                 "object",
		"properties":           flowKeys.props(b),
		"required":             flowKeys.requiredNames(),
		"additionalProperties": false,
		"$defs":                b.defs,
	}, nil
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
	b.taskTypes = all
	common := taskKeys.props(b)
	var branches []any
	for _, d := range flowables {
		props, required, err := structProps(reflect.TypeOf(d.New()).Elem())
		if err != nil {
			return nil, fmt.Errorf("task type %s: %w", d.Type, err)
		}
		for _, k := range taskKeys.all() {
			props[k] = true
		}
		maps.Copy(props, flowableKeys.props(b))
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
		for _, k := range taskKeys.all() {
			if _, clash := props[k]; clash {
				return nil, fmt.Errorf("task type %s: property %q is a common task key", d.Type, k)
			}
			props[k] = true
		}
		// The keys of the type that the task walk reads itself.
		for k, s := range typeKeys[d.Type].props(b) {
			if _, clash := props[k]; clash {
				return nil, fmt.Errorf("task type %s: property %q is also read by the task walk", d.Type, k)
			}
			props[k] = s
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
		"required":              taskKeys.requiredNames(),
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

// retrySchema is the schema of a task's retry: the keys of every type, and each type's own
// (if/then).
func (b *schemaBuilder) retrySchema() obj {
	var common []string
	for _, k := range retryKeys {
		if k.types == nil {
			common = append(common, k.name)
		}
	}
	all := retryKeys.props(b)
	var branches []any
	for _, typ := range retryTypes {
		own := obj{}
		for _, k := range retryKeys {
			if k.types != nil && k.takes(typ) {
				own[k.name] = all[k.name]
			}
		}
		branches = append(branches, selectType([]string{typ}, obj{
			"properties":           allowing(own, common),
			"required":             orNone(retryKeys.requiredBy(typ)),
			"additionalProperties": false,
		}))
	}
	var bounds []any
	names := retryKeys.anyOfNames()
	for _, k := range names {
		bounds = append(bounds, obj{"required": []string{k}})
	}
	branches = append(branches, obj{
		"$comment": "without " + strings.Join(names, " or ") + " the task would retry forever",
		"anyOf":    bounds,
	})
	return b.ref("retry", doc(obj{
		"type":                 "object",
		"properties":           all,
		"required":             retryKeys.requiredNames(),
		"additionalProperties": false,
		"allOf":                branches,
	}, "Retry a failed attempt: constant, exponential or random waits, bounded by maxAttempt or maxDuration."))
}

// triggers is the schema of the flow's triggers: the keys every trigger has, and each
// registered type's properties selected by its type name, with the conditions it takes.
func (b *schemaBuilder) triggers() (obj, error) {
	k := registry()
	b.triggerTypes = nil
	for _, d := range k.triggers {
		b.triggerTypes = append(b.triggerTypes, names(d.Type, d.Aliases)...)
	}
	props := triggerKeys.props(b)
	common := triggerKeys.all()
	var branches []any
	for _, d := range k.triggers {
		_, tasklike := d.New().(templatedProps)
		own, required, err := fieldProps(reflect.TypeOf(d.New()).Elem(), tasklike)
		if err != nil {
			return nil, fmt.Errorf("trigger type %s: %w", d.Type, err)
		}
		for _, key := range common {
			if _, clash := own[key]; clash {
				return nil, fmt.Errorf("trigger type %s: property %q is a key of every trigger", d.Type, key)
			}
		}
		own = allowing(own, common)
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
	return b.ref("trigger", obj{
		"type":                  "object",
		"properties":            props,
		"required":              triggerKeys.requiredNames(),
		"allOf":                 branches,
		"unevaluatedProperties": false,
	}), nil
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

// inputSchema is the schema of one flow input: its keys, and for each type the defaults it
// takes and the keys of other types it refuses (if/then).
func (b *schemaBuilder) inputSchema() (obj, error) {
	var branches []any
	for _, t := range inputTypeDefs {
		typ := t.name
		names := append([]string{typ}, t.aliases...)
		value := nullable(obj{"anyOf": []any{t.defaults(), templateString()}})
		then := obj{"properties": obj{"defaults": value, "prefill": value}}
		required, spellings := inputSpellings(inputKeys.requiredBy(typ), typ)
		if inputKeys.lookup("expression").takes(typ) {
			// The values, or an expression rendering to them (MULTISELECT: or options, their
			// old name): one of them.
			required = slices.DeleteFunc(required, func(name string) bool { return name == "values" })
			alts := []any{obj{"required": []string{"values"}}, obj{"required": []string{"expression"}}}
			if inputKeys.lookup("options").takes(typ) {
				alts = append(alts, obj{"required": []string{"options"}})
			}
			spellings = []any{obj{"$comment": "values, or an expression rendering to them", "oneOf": alts}}
		}
		if len(required) > 0 {
			then["required"] = required
		}
		switch len(spellings) {
		case 0:
		case 1:
			then["oneOf"] = spellings[0].(obj)["oneOf"]
		default:
			then["allOf"] = spellings
		}
		var nots []any
		for _, k := range inputKeys {
			switch {
			case k.takes(typ):
			case k.inert != nil:
				nots = append(nots, obj{"required": []string{k.name}, "not": obj{"properties": obj{k.name: obj{"const": k.inert}}}})
			default:
				nots = append(nots, obj{"required": []string{k.name}})
			}
		}
		then["not"] = obj{"anyOf": nots, "$comment": "properties of other input types"}
		branches = append(branches, selectType(names, then))
	}
	required, spellings := inputSpellings(inputKeys.requiredNames(), "")
	branches = append(branches, spellings...)
	branches = append(branches, obj{
		"$comment": "Inputs with a default value cannot also have a prefill.",
		"not":      obj{"required": []string{"defaults", "prefill"}},
	})
	return b.ref("input", obj{
		"type":                 "object",
		"properties":           inputKeys.props(b),
		"required":             required,
		"additionalProperties": false,
		"allOf":                branches,
	}), nil
}

// inputSpellings takes out of required the input keys that have an older spelling, for an
// input of type typ ("" for every type), and returns the rest, and for each one taken out a
// schema wanting it or its older spelling, not both.
func inputSpellings(required []string, typ string) ([]string, []any) {
	var spellings []any
	for _, k := range inputKeys {
		if k.of == "" || !slices.Contains(required, k.of) || typ != "" && !k.takes(typ) {
			continue
		}
		required = slices.DeleteFunc(required, func(name string) bool { return name == k.of })
		spellings = append(spellings, obj{
			"$comment": k.of + ", or its old spelling " + k.name + ", but not both",
			"oneOf":    []any{obj{"required": []string{k.of}}, obj{"required": []string{k.name}}},
		})
	}
	return required, spellings
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
func idSchema(re idPattern, max int) obj {
	s := text()
	s["pattern"] = re.String()
	s["minLength"] = 1
	s["maxLength"] = max
	return s
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

// slaSchema is the schema of one entry of a flow's sla.
func slaSchema() obj {
	labels := obj{"type": []string{"object", "array", "null"}, "additionalProperties": text(),
		"items": obj{"type": "object", "properties": obj{"key": text(), "value": text()}, "required": []string{"key", "value"}, "additionalProperties": false}}
	props := obj{
		"id":       doc(obj{"type": "string", "minLength": 1}, "The SLA's id."),
		"type":     doc(obj{"enum": slaTypes}, "MAX_DURATION: the execution runs longer than duration; EXECUTION_ASSERTION: assert renders false while it runs."),
		"behavior": doc(obj{"enum": slaBehaviors}, "What a violation does: FAIL or CANCEL the execution, or NONE (only the labels)."),
		"labels":   doc(labels, "Labels added to an execution that violates the SLA."),
		"duration": doc(durationSchema(positiveDuration), "MAX_DURATION: the longest an execution may take, from its creation, ISO-8601."),
		"assert":   doc(obj{"type": "string", "minLength": 1}, "EXECUTION_ASSERTION: a template that must render true."),
	}
	var branches []any
	for _, typ := range slaTypes {
		own := obj{}
		for _, k := range slaKeys[typ] {
			own[k] = true
		}
		branches = append(branches, obj{
			"if":   obj{"properties": obj{"type": obj{"const": typ}}, "required": []string{"type"}},
			"then": obj{"properties": own, "required": []string{slaKeys[typ][4]}, "additionalProperties": false},
		})
	}
	return obj{
		"type":                 "object",
		"properties":           props,
		"required":             []string{"id", "type", "behavior"},
		"additionalProperties": false,
		"allOf":                branches,
	}
}
