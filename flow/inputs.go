package flow

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// The input types that take a property, as Kestra's input classes do.
var (
	choiceTypes = []string{InputEnum, InputSelect, InputMultiselect}
	numberTypes = []string{InputInt, InputFloat, InputDuration}
	dateTypes   = []string{InputDateTime, InputDate, InputTime}
)

// inputKeys are the input properties flowctl reads, with the input types that take each
// (every type when none are listed) and those that require it. The input walk reads those
// without a read func once the type is known.
var inputKeys = keyTable[*Input]{
	{name: "id", required: true, doc: "The input's id: {{ inputs.ID }}.",
		schema: func(*schemaBuilder) obj { return idSchema(inputIDPattern(), maxFlowIDLen) }},
	{name: "type", required: true, doc: "The input's type.",
		schema: func(*schemaBuilder) obj {
			return caseless(slices.Concat(inputTypes, slices.Sorted(maps.Keys(inputTypeAliases))))
		}},
	{name: "defaults", doc: "The value when none is given; a template is rendered when the execution starts.",
		schema: func(*schemaBuilder) obj { return obj{} }},
	boolKey("required", "The input must have a value (default true).", func(in *Input, b bool) { in.Required = b }),
	textKey("description", "What the input is for.", func(in *Input, s string) { in.Description = s }),
	textKey("displayName", "The input's name for people.", func(in *Input, s string) { in.DisplayName = s }),
	{name: "values", types: choiceTypes, requiredBy: choiceTypes,
		doc: "The values an ENUM, SELECT or MULTISELECT input allows.",
		schema: func(*schemaBuilder) obj {
			return obj{"type": "array", "items": text(), "minItems": 1, "uniqueItems": true}
		}},
	// MULTISELECT called its values options before Kestra 0.20: the input walk reads options
	// as values.
	{name: "options", of: "values", types: []string{InputMultiselect},
		doc: "The old name of a MULTISELECT input's values (Kestra before 0.20).",
		schema: func(*schemaBuilder) obj {
			return obj{"type": "array", "items": text(), "minItems": 1, "uniqueItems": true}
		}},
	{name: "itemType", types: []string{InputArray, InputMultiselect}, requiredBy: []string{InputArray},
		doc:    "The type of each element of an ARRAY (required) or MULTISELECT (default STRING) input.",
		schema: func(*schemaBuilder) obj { return caseless(itemTypes) }},
	{name: "expression", types: []string{InputSelect, InputMultiselect},
		doc:    "A SELECT or MULTISELECT input's values, as a template rendering to a list when the execution starts (kv() reads the KV store), instead of values.",
		schema: func(*schemaBuilder) obj { return templateString() }},
	{name: "allowCustomValue", types: []string{InputSelect, InputMultiselect}, inert: false,
		doc:    "A SELECT or MULTISELECT input also takes values not listed (default false).",
		schema: func(*schemaBuilder) obj { return obj{"type": "boolean"} }},
	{name: "validator", types: []string{InputString},
		doc:    "A regular expression the whole value of a STRING input must match.",
		schema: func(*schemaBuilder) obj { return text() }},
	{name: "min", types: numberTypes, doc: "The least value of an INT, FLOAT or DURATION input.", schema: boundSchema},
	{name: "max", types: numberTypes, doc: "The greatest value of an INT, FLOAT or DURATION input.", schema: boundSchema},
	{name: "after", types: dateTypes, doc: "The earliest value of a DATETIME, DATE or TIME input.", schema: boundSchema},
	{name: "before", types: dateTypes, doc: "The latest value of a DATETIME, DATE or TIME input.", schema: boundSchema},
	{name: "dependsOn", doc: "Inputs resolved before this one, and a condition that, rendered to anything but true, disables it.",
		schema: func(b *schemaBuilder) obj {
			return obj{"type": "object", "properties": dependsOnKeys.props(b), "additionalProperties": false}
		}},
	{name: "prefill", doc: "The value a form starts from (Kestra's UI); checked, not used by flowctl.",
		schema: func(*schemaBuilder) obj { return obj{} }},
	// Kestra before 0.15 called the id name.
	{name: "name", old: true, of: "id", doc: "The old spelling of id (Kestra before 0.15).",
		schema: func(*schemaBuilder) obj {
			return obj{"allOf": []any{doc(idSchema(inputIDPattern(), maxFlowIDLen), "The input's id: {{ inputs.ID }}.")}}
		}},
}

// boundSchema is the schema of min, max, after and before: a value of the input's own type.
func boundSchema(*schemaBuilder) obj { return doc(text(), "A value of the input's own type.") }

// unsupportedInputKeys are Kestra's other input properties.
var unsupportedInputKeys = map[string]string{
	"extension": "", "isRadio": "", "autoSelectFirst": "", "multiple": "",
}

// inputs reads the flow's inputs.
func (l *loader) inputs(n *yaml.Node) []*Input { return l.inputList(n, "inputs") }

// inputList reads a list of input definitions (a flow's inputs, a Pause's onResume); where
// names the list in errors.
func (l *loader) inputList(n *yaml.Node, where string) []*Input {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "%s: expected a list of inputs, got %s", where, kindName(n))
		return nil
	}
	firsts := map[string]int{}
	out := make([]*Input, 0, len(n.Content))
	deps := map[*Input]*yaml.Node{}
	for i, item := range n.Content {
		in, idNode, depNode := l.input(item, fmt.Sprintf("%s[%d]", where, i))
		if in == nil {
			continue
		}
		if in.ID != "" {
			if line, dup := firsts[in.ID]; dup {
				l.errorf(idNode, "input %q: duplicate input id %q (first defined at line %d)", in.ID, in.ID, line)
				continue
			}
			if other, ok := clashingInput(out, in.ID); ok {
				l.errorf(idNode, "input %q: its id clashes with input %q (first defined at line %d): a dotted id is a path, inputs.%s, so %q cannot be a value and hold other inputs too",
					in.ID, other, firsts[other], strings.Join(inputPath(in.ID), "."), shorterPath(in.ID, other))
				continue
			}
			firsts[in.ID] = resolve(idNode).Line
		}
		if in.DependsOn != nil {
			deps[in] = depNode
		}
		out = append(out, in)
	}
	l.checkDependsOn(out, deps)
	return out
}

// checkDependsOn checks that every input named in a dependsOn is declared, and that no
// input depends on itself, directly or through others.
func (l *loader) checkDependsOn(ins []*Input, nodes map[*Input]*yaml.Node) {
	byID := make(map[string]*Input, len(ins))
	ids := make([]string, 0, len(ins))
	for _, in := range ins {
		byID[in.ID] = in
		ids = append(ids, in.ID)
	}
	for _, in := range ins {
		if in.DependsOn == nil {
			continue
		}
		for _, d := range in.DependsOn.Inputs {
			if _, ok := byID[d]; !ok {
				l.errorf(nodes[in], "input %q: dependsOn: input %q is not declared%s", in.ID, d, didYouMean(d, ids))
			}
		}
	}
	var ce *cycleError
	if _, err := inputOrder(ins); errors.As(err, &ce) {
		l.errorf(nodes[ce.in], "%v", err)
	}
}

// cycleError is a dependsOn circle: in depends on itself through path.
type cycleError struct {
	in   *Input
	path []string
}

func (e *cycleError) Error() string {
	return fmt.Sprintf("input %q: dependsOn: the inputs depend on each other in a circle: %s", e.in.ID, strings.Join(e.path, " → "))
}

// inputOrder is the order inputs are resolved in: as declared, each after the inputs it
// depends on, as Kestra resolves them.
func inputOrder(ins []*Input) ([]*Input, error) {
	byID := make(map[string]*Input, len(ins))
	for _, in := range ins {
		byID[in.ID] = in
	}
	const (
		visiting = 1
		done     = 2
	)
	mark := make(map[*Input]int, len(ins))
	out := make([]*Input, 0, len(ins))
	var visit func(in *Input, path []string) error
	visit = func(in *Input, path []string) error {
		switch mark[in] {
		case done:
			return nil
		case visiting:
			// The circle starts where in first appears on the path.
			start := slices.Index(path, strconv.Quote(in.ID))
			return &cycleError{in: in, path: append(slices.Clone(path[max(start, 0):]), strconv.Quote(in.ID))}
		}
		mark[in] = visiting
		if in.DependsOn != nil {
			for _, d := range in.DependsOn.Inputs {
				if dep, ok := byID[d]; ok {
					if err := visit(dep, append(path, strconv.Quote(in.ID))); err != nil {
						return err
					}
				}
			}
		}
		mark[in] = done
		out = append(out, in)
		return nil
	}
	for _, in := range ins {
		if err := visit(in, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// input reads one input; where names it until its id is known. It also returns the id's
// node, for the duplicate check, and the dependsOn node, for its checks.
func (l *loader) input(n *yaml.Node, where string) (*Input, *yaml.Node, *yaml.Node) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s: expected an input (a mapping with id and type), got %s", where, kindName(n))
		return nil, nil, nil
	}
	ps := l.pairs(n, where+": ")
	in := &Input{Required: true, Pos: posOf(n)}
	ctx := where + ": "
	// The id first, so every later message names the input. Kestra before 0.15 called it
	// name; it is still read, with a warning.
	var idNode *yaml.Node
	for _, p := range ps {
		switch p.key.Value {
		case "id":
			idNode = p.val
		case "name":
			if idNode == nil {
				idNode = p.val
			}
		}
	}
	if idNode == nil {
		l.errorf(n, "%smissing required property \"id\"", ctx)
	} else if id, ok := l.str(idNode, ctx, "id"); ok {
		in.ID = id
		ctx = fmt.Sprintf("input %q: ", id)
		l.checkID(idNode, ctx+"id", id, "input id", inputIDPattern(), maxFlowIDLen, `letters, digits, ".", "_" and "-"`)
	}

	// The keys read once the type is known, by name: their values, and their keys' nodes.
	given := map[string]*yaml.Node{}
	keys := map[string]*yaml.Node{}
	hasID := slices.ContainsFunc(ps, func(q pair) bool { return q.key.Value == "id" })
	for _, p := range ps {
		key, v := p.key.Value, p.val
		switch k := inputKeys.lookup(key); {
		case k == nil:
			l.unknownKey(p.key, ctx, key, inputKeys.names(), unsupportedInputKeys)
		case k.read != nil:
			k.read(l, in, v, ctx)
		case key == "id":
		case key == "name":
			if hasID {
				l.errorf(p.key, "%sname and id are the same property (name is its old spelling): keep id", ctx)
			} else {
				l.warnf(p.key, "%sname is the old spelling of id (Kestra before 0.15): write id", ctx)
			}
		default:
			given[key], keys[key] = v, p.key
		}
	}
	typeNode, defaultsNode, prefillNode, valuesNode, optionsNode := given["type"], given["defaults"], given["prefill"], given["values"], given["options"]
	itemTypeNode, validatorNode, depNode := given["itemType"], given["validator"], given["dependsOn"]
	if depNode != nil && !isNull(depNode) {
		in.DependsOn = l.dependsOn(depNode, ctx, in.ID)
	}

	if typeNode == nil {
		l.errorf(n, "%smissing required property \"type\" (one of %s)", ctx, strings.Join(inputTypes, ", "))
		return in, idNode, depNode
	}
	typ, ok := l.str(typeNode, ctx, "type")
	if !ok {
		return in, idNode, depNode
	}
	in.Type = strings.ToUpper(typ)
	if alias, ok := inputTypeAliases[in.Type]; ok {
		in.Type = alias
	}
	switch {
	case slices.Contains(inputTypes, in.Type):
	case slices.Contains(kestraInputTypes, in.Type):
		l.errorf(typeNode, "%sinput type %q is not supported by flowctl yet", ctx, typ)
		return in, idNode, depNode
	default:
		l.errorf(typeNode, "%sunknown input type %q: use one of %s%s", ctx, typ, strings.Join(inputTypes, ", "), didYouMean(in.Type, inputTypes))
		return in, idNode, depNode
	}

	// A key read at once is refused for a type that does not take it; those read from here
	// on check their own.
	for _, p := range ps {
		if k := inputKeys.lookup(p.key.Value); k != nil && k.read != nil && !k.takes(in.Type) {
			l.errorf(p.val, "%s%s: only %s inputs take %s", ctx, k.name, typeList(k.types), k.name)
		}
	}
	// MULTISELECT called its values options before Kestra 0.20; still read, with a warning.
	optionsKey := keys["options"]
	switch {
	case optionsNode == nil:
	case !inputKeys.lookup("options").takes(in.Type):
		l.errorf(optionsKey, "%soptions: only MULTISELECT inputs take options (the old name of values)", ctx)
	case valuesNode != nil:
		l.errorf(optionsKey, "%soptions: you can't define both `values` and `options` (options is the old name of values: keep values)", ctx)
	default:
		l.warnf(optionsKey, "%soptions is the old name of values (Kestra before 0.20): write values", ctx)
		valuesNode = optionsNode
	}
	if exprNode := given["expression"]; exprNode != nil {
		l.inputExpression(in, exprNode, valuesNode != nil, ctx)
	}
	values := inputKeys.lookup("values")
	switch {
	case valuesNode != nil && !values.takes(in.Type):
		l.errorf(valuesNode, "%svalues: only %s inputs take values", ctx, typeList(values.types))
	case valuesNode != nil:
		in.Values = l.enumValues(valuesNode, ctx)
	case given["expression"] != nil:
	case slices.Contains(values.requiredBy, in.Type):
		l.errorf(n, "%smissing required property \"values\" (the values a%s %s input allows)", ctx, map[bool]string{true: "n"}[in.Type == InputEnum], in.Type)
	}
	// allowCustomValue: false is what every input has (its inert value), and is let through.
	if v := given["allowCustomValue"]; v != nil {
		in.AllowCustomValue, _ = l.boolean(v, ctx, "allowCustomValue")
	}
	if k := inputKeys.lookup("allowCustomValue"); in.AllowCustomValue && !k.takes(in.Type) {
		l.errorf(n, "%sallowCustomValue: only %s inputs take allowCustomValue", ctx, typeList(k.types))
	}
	l.inputItemType(in, n, itemTypeNode, ctx)
	if validatorNode != nil {
		l.inputValidator(in, validatorNode, ctx)
	}
	bounds := map[string]*yaml.Node{}
	for _, key := range []string{"min", "max", "after", "before"} {
		if v := given[key]; v != nil {
			bounds[key] = v
			l.inputBound(in, key, v, ctx)
		}
	}
	if in.Min != nil && in.Max != nil && compareValues(in.Type, in.Min, in.Max) > 0 {
		l.errorf(bounds["max"], "%smax: %s is below min %s: no value could pass", ctx, in.MaxText, in.MinText)
	}
	if in.After != nil && in.Before != nil && compareValues(in.Type, in.After, in.Before) > 0 {
		l.errorf(bounds["before"], "%sbefore: %s is earlier than after %s: no value could pass", ctx, in.BeforeText, in.AfterText)
	}

	if defaultsNode != nil && !isNull(defaultsNode) {
		in.Defaults = l.inputDefault(in, defaultsNode, ctx, "defaults")
	}
	if prefillNode != nil && !isNull(prefillNode) {
		if in.Defaults != nil {
			l.errorf(prefillNode, "%sprefill: Inputs with a default value cannot also have a prefill.", ctx)
		}
		in.Prefill = l.inputDefault(in, prefillNode, ctx, "prefill")
	}
	return in, idNode, depNode
}

// inputDefault reads the defaults (or the prefill) of an input and checks it against the
// input's type and constraints, unless it holds a template: that is rendered, then checked,
// when an execution starts.
func (l *loader) inputDefault(in *Input, n *yaml.Node, ctx, key string) any {
	v := l.value(n, ctx+key, nil)
	if s, ok := v.(string); ok && hasTemplate(s) {
		l.checkTemplate(n, s, ctx+key+": ")
		return v
	}
	if (in.Type == InputEnum || in.Type == InputSelect || in.Type == InputMultiselect) && in.Values == nil {
		return v // the values are wrong, already said
	}
	check := valueOf
	if in.Type == InputFile {
		check = func(_ *Input, v any) (any, error) { return fileDefault(v) }
	}
	if _, err := check(in, v); err != nil {
		l.errorf(resolve(n), "%s%s: %v", ctx, key, err)
	}
	return v
}

// inputExpression reads the expression of a SELECT or MULTISELECT input: a template,
// checked here, rendered to the list of values when the execution starts.
func (l *loader) inputExpression(in *Input, n *yaml.Node, hasValues bool, ctx string) {
	if k := inputKeys.lookup("expression"); !k.takes(in.Type) {
		l.errorf(n, "%sexpression: only %s inputs take an expression (the template of their values)", ctx, typeList(k.types))
		return
	}
	s, ok := l.str(n, ctx, "expression")
	switch {
	case !ok:
		return
	case hasValues:
		l.errorf(n, "%sexpression: give the values or an expression rendering to them, not both", ctx)
		return
	}
	if _, err := templating.Parse(s); err != nil {
		l.checkTemplate(n, s, ctx+"expression: ")
		return
	}
	in.Expression = s
}

// dependsOn reads an input's dependsOn: {inputs: [...], condition: "{{ ... }}"}.
func (l *loader) dependsOn(n *yaml.Node, ctx, self string) *DependsOn {
	r := resolve(n)
	if r.Kind != yaml.MappingNode {
		l.errorf(r, "%sdependsOn: expected a mapping with inputs and condition, got %s", ctx, got(r))
		return nil
	}
	d := &dependsOnRead{self: self}
	for _, p := range l.pairs(r, ctx+"dependsOn: ") {
		if k := dependsOnKeys.lookup(p.key.Value); k != nil {
			k.read(l, d, p.val, ctx)
		} else {
			l.unknownKey(p.key, ctx+"dependsOn: ", p.key.Value, dependsOnKeys.names(), nil)
		}
	}
	return &d.DependsOn
}

// dependsOnRead is a dependsOn being read, with the id of its input.
type dependsOnRead struct {
	DependsOn
	self string
}

// dependsOnKeys are the keys of an input's dependsOn; ctx names the input.
var dependsOnKeys = keyTable[*dependsOnRead]{
	{name: "inputs",
		schema: func(*schemaBuilder) obj { return obj{"type": "array", "items": text()} },
		read: func(l *loader, d *dependsOnRead, v *yaml.Node, ctx string) {
			r := resolve(v)
			if r.Kind != yaml.SequenceNode {
				l.errorf(r, "%sdependsOn.inputs: expected a list of input ids, got %s", ctx, got(r))
				return
			}
			for i, item := range r.Content {
				if s, ok := l.str(item, ctx, fmt.Sprintf("dependsOn.inputs[%d]", i)); ok {
					if s == d.self {
						l.errorf(resolve(item), "%sdependsOn.inputs[%d]: an input cannot depend on itself", ctx, i)
						continue
					}
					d.Inputs = append(d.Inputs, s)
				}
			}
		}},
	{name: "condition",
		schema: func(*schemaBuilder) obj { return text() },
		read: func(l *loader, d *dependsOnRead, v *yaml.Node, ctx string) {
			if s, ok := l.optStr(v, ctx, "dependsOn.condition"); ok {
				d.Condition = s
				l.checkTemplate(v, s, ctx+"dependsOn.condition: ")
			}
		}},
}

// inputItemType reads the itemType of an ARRAY (required) or MULTISELECT (default STRING)
// input.
func (l *loader) inputItemType(in *Input, n, itemTypeNode *yaml.Node, ctx string) {
	k := inputKeys.lookup("itemType")
	if itemTypeNode == nil {
		switch {
		case slices.Contains(k.requiredBy, in.Type):
			l.errorf(n, "%smissing required property \"itemType\" (the type of each element: one of %s)", ctx, strings.Join(itemTypes, ", "))
		case k.takes(in.Type):
			in.ItemType = InputString
		}
		return
	}
	if !k.takes(in.Type) {
		l.errorf(itemTypeNode, "%sitemType: only %s inputs take an itemType", ctx, typeList(k.types))
		return
	}
	s, ok := l.str(itemTypeNode, ctx, "itemType")
	if !ok {
		return
	}
	t := strings.ToUpper(s)
	if alias, ok := inputTypeAliases[t]; ok {
		t = alias
	}
	if !slices.Contains(itemTypes, t) {
		l.errorf(itemTypeNode, "%sitemType: %q cannot be the type of an element: use one of %s", ctx, s, strings.Join(itemTypes, ", "))
		return
	}
	in.ItemType = t
}

// typeList names input types for a message: "ENUM, SELECT and MULTISELECT".
func typeList(types []string) string {
	if len(types) < 2 {
		return strings.Join(types, "")
	}
	return strings.Join(types[:len(types)-1], ", ") + " and " + types[len(types)-1]
}

// inputValidator reads the validator of a STRING input: a regular expression the whole
// value must match, as Java's Pattern.matches.
func (l *loader) inputValidator(in *Input, n *yaml.Node, ctx string) {
	if k := inputKeys.lookup("validator"); !k.takes(in.Type) {
		l.errorf(n, "%svalidator: only %s inputs take a validator", ctx, typeList(k.types))
		return
	}
	s, ok := l.str(n, ctx, "validator")
	if !ok {
		return
	}
	// Compiled alone first, so that an error quotes the pattern as written.
	_, err := regexp.Compile(s)
	if err == nil {
		in.validatorRE, err = regexp.Compile(`^(?:` + s + `)$`)
	}
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			err = fmt.Errorf("%s: %s", se.Code, se.Expr)
		}
		l.errorf(n, "%svalidator: not a valid regular expression (RE2 syntax): %v", ctx, err)
		return
	}
	in.Validator = s
}

// inputBound reads min, max, after or before: a value of the input's own type.
func (l *loader) inputBound(in *Input, key string, n *yaml.Node, ctx string) {
	if k := inputKeys.lookup(key); !k.takes(in.Type) {
		l.errorf(n, "%s%s: only %s inputs take %s", ctx, key, strings.Join(k.types, ", "), key)
		return
	}
	s, ok := l.str(n, ctx, key)
	if !ok {
		return
	}
	v, err := parseScalar(in.Type, s)
	if err != nil {
		l.errorf(resolve(n), "%s%s: %v", ctx, key, err)
		return
	}
	text := fmt.Sprint(v)
	switch key {
	case "min":
		in.Min, in.MinText = v, text
	case "max":
		in.Max, in.MaxText = v, text
	case "after":
		in.After, in.AfterText = v, text
	case "before":
		in.Before, in.BeforeText = v, text
	}
}

// enumValues reads the values of an ENUM, SELECT or MULTISELECT input: a non-empty list of
// distinct strings.
func (l *loader) enumValues(n *yaml.Node, ctx string) []string {
	r := resolve(n)
	if r.Kind != yaml.SequenceNode {
		l.errorf(r, "%svalues: expected a list of strings, got %s", ctx, got(r))
		return nil
	}
	if len(r.Content) == 0 {
		l.errorf(r, "%svalues: at least one value is required", ctx)
		return nil
	}
	out := make([]string, 0, len(r.Content))
	seen := make(map[string]bool, len(r.Content))
	for i, item := range r.Content {
		s, ok := l.str(item, ctx, fmt.Sprintf("values[%d]", i))
		if !ok {
			continue
		}
		if seen[s] {
			l.errorf(resolve(item), "%svalues[%d]: %q is listed twice", ctx, i, s)
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// ParseInputs checks the -i KEY=VALUE values given on the command line against the flow's
// inputs: types, constraints, defaults, required, unknown keys (did you mean). It returns the
// typed values and the values of SECRET inputs (for masking). An optional input with neither
// a value nor a default is left out of values, as is an input that dependsOn disables. Every
// problem is reported at once, one per line; a message names the input and what it accepts,
// and never shows the value of a SECRET input.
func ParseInputs(f *Flow, given map[string]string, opts ...InputOption) (values map[string]any, secrets []string, err error) {
	values, secrets, _, err = parseInputs(f, given, false, inputEnvOf(opts))
	return values, secrets, err
}

// ParseTriggerInputs is ParseInputs for the inputs a Flow trigger renders: as in Kestra, a
// required input the trigger does not give is no error; it is left out, and named in missing
// so that the caller can say so.
func ParseTriggerInputs(f *Flow, given map[string]string, opts ...InputOption) (values map[string]any, secrets, missing []string, err error) {
	return parseInputs(f, given, true, inputEnvOf(opts))
}

// InputOption gives the templates of the inputs something the flow alone cannot.
type InputOption func(*inputEnv)

// inputEnv is what the templates of the inputs (a SELECT's expression, a default, a dependsOn
// condition) see besides flow.* and the inputs resolved before.
type inputEnv struct {
	kv func(namespace, key string) (any, bool, error)
}

// WithKV gives the templates of the inputs the kv() function, reading Kestra's KV store
// through kv (found is false for a missing key). Without it kv() says it needs a state.
func WithKV(kv func(namespace, key string) (v any, found bool, err error)) InputOption {
	return func(e *inputEnv) { e.kv = kv }
}

func inputEnvOf(opts []InputOption) *inputEnv {
	e := &inputEnv{}
	for _, o := range opts {
		o(e)
	}
	return e
}

func parseInputs(f *Flow, given map[string]string, allowMissing bool, env *inputEnv) (values map[string]any, secrets, missing []string, err error) {
	var errs []error
	ids := make([]string, len(f.Inputs))
	for i, in := range f.Inputs {
		ids[i] = in.ID
	}
	keys := make([]string, 0, len(given))
	for k := range given {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(ids, k) {
			continue
		}
		switch {
		case len(ids) == 0:
			errs = append(errs, fmt.Errorf("unknown input %s: flow %s declares no inputs", shown(k), f.ID))
		default:
			hint := didYouMean(k, ids)
			if hint == "" {
				hint = " (the flow's inputs: " + strings.Join(ids, ", ") + ")"
			}
			errs = append(errs, fmt.Errorf("unknown input %s%s", shown(k), hint))
		}
	}

	order, err := inputOrder(f.Inputs)
	if err != nil {
		return nil, nil, nil, err // the loader refuses such a flow; a Flow built by hand may not be checked
	}
	values = make(map[string]any, len(f.Inputs))
	disabled := map[string]bool{}
	failed := map[string]bool{}
	for _, in := range order {
		on, cerr := inputEnabled(f, in, values, disabled, failed, env)
		if cerr != nil {
			errs = append(errs, cerr)
			failed[in.ID] = true
			continue
		}
		if !on {
			disabled[in.ID] = true
			continue
		}
		if in.Expression != "" {
			rendered, rerr := withRenderedValues(f, in, values, env)
			if rerr != nil {
				errs = append(errs, fmt.Errorf("input %q: %w", in.ID, rerr))
				failed[in.ID] = true
				continue
			}
			in = rendered
		}
		raw, ok := given[in.ID]
		var v any
		var perr error
		switch {
		case ok:
			v, perr = parseInputValue(in, raw)
			if perr == nil && in.Type == InputSecret {
				secrets = append(secrets, raw)
			}
		case in.Defaults != nil:
			v, perr = renderedDefault(f, in, values, env)
			if perr == nil && in.Type == InputSecret {
				secrets = append(secrets, v.(string))
			}
		case in.Required && allowMissing:
			missing = append(missing, in.ID)
			continue
		case in.Required:
			value := "VALUE"
			if in.Type == InputFile {
				value = "@PATH" // a local file, stored with the execution
			}
			errs = append(errs, fmt.Errorf("input %q (%s) is required: give it with -i %s=%s", in.ID, in.Type, in.ID, value))
			failed[in.ID] = true
			continue
		default:
			continue
		}
		if perr != nil {
			errs = append(errs, fmt.Errorf("input %q: %w", in.ID, perr))
			failed[in.ID] = true
			continue
		}
		values[in.ID] = v
	}
	if len(errs) > 0 {
		return nil, nil, nil, sortByDeclaration(errs, ids)
	}
	return values, secrets, missing, nil
}

// sortByDeclaration joins errs with the unknown inputs first, then in the order the inputs
// are declared (resolving follows dependsOn, which may differ), so a message reads in the
// flow's order.
func sortByDeclaration(errs []error, ids []string) error {
	rank := func(e error) int {
		msg := e.Error()
		for i, id := range ids {
			if strings.HasPrefix(msg, "input "+strconv.Quote(id)+" ") || strings.HasPrefix(msg, "input "+strconv.Quote(id)+":") {
				return i + 1
			}
		}
		return 0
	}
	slices.SortStableFunc(errs, func(a, b error) int { return rank(a) - rank(b) })
	return errors.Join(errs...)
}

// inputEnabled says whether an input takes part in the execution: not when one of the inputs
// it depends on is disabled, nor when its dependsOn condition renders to anything but true
// (Kestra's rule). An input whose dependency failed is not reported again.
func inputEnabled(f *Flow, in *Input, values map[string]any, disabled, failed map[string]bool, env *inputEnv) (bool, error) {
	if in.DependsOn == nil {
		return true, nil
	}
	for _, d := range in.DependsOn.Inputs {
		if disabled[d] {
			return false, nil
		}
		if failed[d] {
			return false, nil
		}
	}
	if in.DependsOn.Condition == "" {
		return true, nil
	}
	s, err := renderForInputs(f, in.DependsOn.Condition, values, env)
	if err != nil {
		return false, fmt.Errorf("input %q: dependsOn.condition: Invalid condition: %v", in.ID, err)
	}
	return strings.TrimSpace(s) == "true", nil
}

// renderedDefault is an input's default value: rendered first when it holds a template (it
// sees flow.* and the inputs resolved before it), then checked as a given value would be.
func renderedDefault(f *Flow, in *Input, values map[string]any, env *inputEnv) (any, error) {
	if s, ok := in.Defaults.(string); ok && hasTemplate(s) {
		r, err := renderForInputs(f, s, values, env)
		if err != nil {
			return nil, fmt.Errorf("defaults: %v", err)
		}
		v, err := parseInputValue(in, r)
		if err != nil {
			return nil, fmt.Errorf("defaults (rendered): %w", err)
		}
		return v, nil
	}
	return defaultValue(in)
}

// renderForInputs renders a template of the inputs (a default, a dependsOn condition) before
// the execution exists: it sees flow.id, flow.namespace and the inputs resolved so far.
func renderForInputs(f *Flow, tmpl string, values map[string]any, env *inputEnv) (string, error) {
	t, err := templating.Parse(tmpl)
	if err != nil {
		return "", err
	}
	return t.Render(inputsTemplateEnv(f, values, env))
}

// inputsTemplateEnv is what a template of the inputs sees.
func inputsTemplateEnv(f *Flow, values map[string]any, env *inputEnv) *templating.Env {
	return &templating.Env{Vars: map[string]any{
		"inputs": NestInputs(values),
		"flow":   map[string]any{"id": f.ID, "namespace": f.Namespace},
	}, KV: env.kv}
}

// withRenderedValues returns a copy of a SELECT or MULTISELECT input whose values are those
// its expression renders to, as Kestra's SelectInput.render does: one expression keeping its
// type, which must be a list (its null elements dropped, the others as text).
func withRenderedValues(f *Flow, in *Input, values map[string]any, env *inputEnv) (*Input, error) {
	t, err := templating.Parse(in.Expression)
	if err != nil {
		return nil, fmt.Errorf("Cannot render 'expression'. Cause: %v", err)
	}
	v, err := t.ValueContext(context.Background(), inputsTemplateEnv(f, values, env))
	if err != nil {
		return nil, fmt.Errorf("Cannot render 'expression'. Cause: %v", err)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("Invalid expression result. Expected a list of strings, but received %s (expression: %s)", javaTypeName(v), in.Expression)
	}
	out := *in
	out.Values = make([]string, 0, len(list))
	for _, e := range list {
		if e != nil {
			out.Values = append(out.Values, scalarText(e))
		}
	}
	return &out, nil
}

// javaTypeName names the type of a rendered value as Kestra's message does (the Java class).
func javaTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "<null>"
	case string:
		return "String"
	case bool:
		return "Boolean"
	case map[string]any:
		return "Map"
	case int, int64:
		return "Integer"
	case float64:
		return "Double"
	}
	return fmt.Sprintf("%T", v)
}

// defaultValue is the typed value of an input's defaults as written (not rendered).
func defaultValue(in *Input) (any, error) {
	if in.Type == InputFile {
		return fileDefault(in.Defaults)
	}
	return valueOf(in, in.Defaults)
}

// valueOf is the typed value of a value written in the flow (a default, a prefill): text is
// read as a given value is; a mapping or a list is taken as is by JSON and YAML inputs, and
// element by element by ARRAY and MULTISELECT inputs.
func valueOf(in *Input, d any) (any, error) {
	switch d := d.(type) {
	case map[string]any:
		if in.Type == InputJSON || in.Type == InputYAML {
			return d, nil
		}
		return nil, fmt.Errorf("expected a value of type %s, got a mapping", in.Type)
	case []any:
		switch in.Type {
		case InputJSON, InputYAML:
			return d, nil
		case InputArray, InputMultiselect:
			return listValue(in, d)
		}
		return nil, fmt.Errorf("expected a value of type %s, got a list", in.Type)
	}
	return parseInputValue(in, scalarText(d))
}

// scalarText is the text of a scalar as written in the flow or in a JSON list.
func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		return v.String()
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// parseInputValue converts the text of an input to its type and checks it against the
// input's constraints. The error never holds the text of a SECRET input (that type takes any
// text, so it never fails).
func parseInputValue(in *Input, s string) (any, error) {
	if in.Type == InputArray || in.Type == InputMultiselect {
		list, err := jsonList(s)
		if err != nil {
			return nil, fmt.Errorf("%s is not a valid %s: expected a JSON list such as %s", shown(s), in.Type, listExample(in))
		}
		return listValue(in, list)
	}
	v, err := parseScalar(in.Type, s)
	if err != nil {
		return nil, err
	}
	if err := checkInput(in, v); err != nil {
		return nil, err
	}
	return v, nil
}

// listExample is a JSON list of the kind an ARRAY or MULTISELECT input takes.
func listExample(in *Input) string {
	switch {
	case in.Type == InputMultiselect && len(in.Values) > 0:
		n := min(2, len(in.Values))
		b, _ := json.Marshal(in.Values[:n])
		return string(b)
	case in.ItemType == InputInt:
		return "[1, 2]"
	case in.ItemType == InputFloat:
		return "[1.5, 2]"
	case in.ItemType == InputBoolean:
		return "[true, false]"
	}
	return `["a", "b"]`
}

// jsonList decodes a JSON list, numbers kept as written.
func jsonList(s string) ([]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var list []any
	if err := dec.Decode(&list); err != nil || list == nil {
		return nil, errors.New("not a JSON list")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one value")
	}
	return list, nil
}

// listValue converts each element of an ARRAY or MULTISELECT input to the input's item type
// and, for MULTISELECT, checks it against the values.
func listValue(in *Input, list []any) (any, error) {
	item := &Input{ID: in.ID, Type: in.ItemType}
	out := make([]any, len(list))
	for i, e := range list {
		var v any
		var err error
		switch e := e.(type) {
		case map[string]any, []any:
			if item.Type != InputJSON && item.Type != InputYAML {
				return nil, fmt.Errorf("element [%d] is a %s, not a valid %s", i, map[bool]string{true: "list", false: "mapping"}[isList(e)], item.Type)
			}
			v = jsonNumbers(e)
		default:
			v, err = parseInputValue(item, scalarText(e))
			if err != nil {
				return nil, fmt.Errorf("element [%d]: %w", i, err)
			}
		}
		if in.Type == InputMultiselect && !in.AllowCustomValue {
			if s := scalarText(v); !slices.Contains(in.Values, s) {
				return nil, fmt.Errorf("it must match the values `[%s]`, but received `%s`%s", strings.Join(in.Values, ", "), tasks.CutRunes(s, maxShown), didYouMean(s, in.Values))
			}
		}
		out[i] = v
	}
	return out, nil
}

func isList(v any) bool { _, ok := v.([]any); return ok }

// checkInput checks a typed value against the input's constraints, in Kestra's words:
// "it must be more than `10`, but received `9`".
func checkInput(in *Input, v any) error {
	received := func() string { return "`" + tasks.CutRunes(scalarText(v), maxShown) + "`" }
	switch in.Type {
	case InputEnum:
		if s := v.(string); !slices.Contains(in.Values, s) {
			return fmt.Errorf("%s is not one of %s%s", shown(s), strings.Join(in.Values, ", "), didYouMean(s, in.Values))
		}
	case InputSelect:
		if s := v.(string); !in.AllowCustomValue && !slices.Contains(in.Values, s) {
			return fmt.Errorf("it must match the values `[%s]`, but received %s%s", strings.Join(in.Values, ", "), received(), didYouMean(s, in.Values))
		}
	case InputString:
		if in.validatorRE != nil && !in.validatorRE.MatchString(v.(string)) {
			return fmt.Errorf("it must match the pattern `%s`, but received %s", in.Validator, received())
		}
	}
	switch {
	case in.Min != nil && compareValues(in.Type, v, in.Min) < 0:
		return fmt.Errorf("it must be more than `%s`, but received %s", in.MinText, received())
	case in.Max != nil && compareValues(in.Type, v, in.Max) > 0:
		return fmt.Errorf("it must be less than `%s`, but received %s", in.MaxText, received())
	case in.After != nil && compareValues(in.Type, v, in.After) < 0:
		return fmt.Errorf("it must be after `%s`, but received %s", in.AfterText, received())
	case in.Before != nil && compareValues(in.Type, v, in.Before) > 0:
		return fmt.Errorf("it must be before `%s`, but received %s", in.BeforeText, received())
	}
	return nil
}

// compareValues orders two values of an input type that has bounds, both as parseScalar
// returned them.
func compareValues(typ string, a, b any) int {
	switch typ {
	case InputInt:
		return cmp.Compare(a.(int64), b.(int64))
	case InputFloat:
		return cmp.Compare(a.(float64), b.(float64))
	case InputDuration:
		da, _ := duration.Parse(a.(string))
		db, _ := duration.Parse(b.(string))
		return cmp.Compare(da, db)
	case InputDateTime:
		ta, _ := time.Parse(time.RFC3339Nano, a.(string))
		tb, _ := time.Parse(time.RFC3339Nano, b.(string))
		return ta.Compare(tb)
	case InputTime:
		ta, _ := parseLocalTime(a.(string))
		tb, _ := parseLocalTime(b.(string))
		return cmp.Compare(ta, tb)
	}
	return strings.Compare(scalarText(a), scalarText(b)) // DATE: yyyy-mm-dd orders as text
}

// maxYAMLInputValues bounds the values one YAML input may expand to.
const maxYAMLInputValues = 1_000_000

// yamlNodeValue is the value of a YAML input: mappings as templating.Maps in the order of
// the text, as Kestra's Jackson reads them into LinkedHashMaps, and scalars as yamlValue
// makes them. Aliases are followed, at most 64 deep and to at most maxYAMLInputValues values
// in all (*made counts them), so that aliases of aliases cannot make a small text expand
// without end.
func yamlNodeValue(n *yaml.Node, depth int, made *int) (any, error) {
	if depth > 64 {
		return nil, errors.New("YAML nested more than 64 deep")
	}
	*made++
	if *made > maxYAMLInputValues {
		return nil, fmt.Errorf("YAML expands to more than %d values (aliases repeat what they name)", maxYAMLInputValues)
	}
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlNodeValue(n.Content[0], depth, made)
	case yaml.AliasNode:
		return yamlNodeValue(n.Alias, depth+1, made)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlNodeValue(c, depth+1, made)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		m := templating.NewMap(len(n.Content) / 2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				// A merge key (<<: *base) lays the entries of another mapping under this one.
				base, err := yamlNodeValue(v, depth+1, made)
				if err != nil {
					return nil, err
				}
				if keys, bm, ok := templating.AsMap(base); ok {
					for _, bk := range keys {
						if _, has := m.Get(bk); !has {
							m.Set(bk, bm[bk])
						}
					}
				}
				continue
			}
			key, err := yamlNodeValue(k, depth+1, made)
			if err != nil {
				return nil, err
			}
			val, err := yamlNodeValue(v, depth+1, made)
			if err != nil {
				return nil, err
			}
			m.Set(scalarText(key), val)
		}
		return m, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return yamlValue(v), nil
}

// yamlValue makes a decoded YAML value one that templates read: string keys, int64 whole
// numbers, dates as text.
func yamlValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = yamlValue(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[scalarText(k)] = yamlValue(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = yamlValue(e)
		}
		return x
	case int:
		return int64(x)
	case uint64:
		return float64(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// localTimePattern is Java's ISO_LOCAL_TIME: HH:mm, HH:mm:ss, HH:mm:ss.fraction.
var localTimePattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\.([0-9]{1,9}))?)?$`)
})

// parseLocalTime reads a time of day as Java's LocalTime.parse does, as the time since
// midnight.
func parseLocalTime(s string) (time.Duration, error) {
	m := localTimePattern().FindStringSubmatch(s)
	if m == nil {
		return 0, errors.New("not a time of day")
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	sec, _ := strconv.Atoi(m[3] + strings.Repeat("0", 2-len(m[3])))
	nanos := 0
	if m[4] != "" {
		nanos, _ = strconv.Atoi(m[4] + strings.Repeat("0", 9-len(m[4])))
	}
	return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second + time.Duration(nanos), nil
}

// formatLocalTime writes a time of day as Java's LocalTime.toString: 17:30, 17:30:15,
// 17:30:15.500.
func formatLocalTime(d time.Duration) string {
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	s, n := (d%time.Minute)/time.Second, int(d%time.Second)
	out := fmt.Sprintf("%02d:%02d", h, m)
	if s == 0 && n == 0 {
		return out
	}
	out += fmt.Sprintf(":%02d", s)
	switch {
	case n == 0:
	case n%1e6 == 0:
		out += fmt.Sprintf(".%03d", n/1e6)
	case n%1e3 == 0:
		out += fmt.Sprintf(".%06d", n/1e3)
	default:
		out += fmt.Sprintf(".%09d", n)
	}
	return out
}

// maxShown bounds the characters of a given value quoted in a message: a value can be as
// long as a command line or an output rendered by a trigger, and the message needs to say
// which value, not to repeat it.
const maxShown = 80

// shown is s quoted for a message, cut to maxShown characters.
func shown(s string) string {
	return strconv.Quote(tasks.CutRunes(s, maxShown))
}

// jsonNumber is x as int64 when whole and float64 otherwise.
func jsonNumber(x json.Number) any {
	if i, err := x.Int64(); err == nil {
		return i
	}
	f, _ := x.Float64()
	return f
}

// jsonNumbers replaces json.Number with int64 for whole numbers and float64 otherwise, so
// {"n": 3} renders 3, not 3.0, as an INT input does.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return jsonNumber(x)
	case map[string]any:
		for k, e := range x {
			x[k] = jsonNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonNumbers(e)
		}
	}
	return v
}

// clashingInput finds an input of ins whose id's path is a prefix of id's, or id's of its
// (a and a.b): nested as Kestra nests them, the two cannot both have a place.
func clashingInput(ins []*Input, id string) (string, bool) {
	p := inputPath(id)
	for _, in := range ins {
		q := inputPath(in.ID)
		n := min(len(p), len(q))
		if slices.Equal(p[:n], q[:n]) {
			return in.ID, true
		}
	}
	return "", false
}

// shorterPath returns the path of whichever of a and b is shorter.
func shorterPath(a, b string) string {
	p, q := inputPath(a), inputPath(b)
	if len(q) < len(p) {
		p = q
	}
	return strings.Join(p, ".")
}

// NestInputs turns the input values keyed by input id into the map templates and the record
// see, as Kestra's MapUtils.flattenToNestedMap does: an id with dots is a path, so the inputs
// request.name and request.start_date are inputs.request.name and inputs.request.start_date,
// and inputs.request is the map of both. Without a dotted id, in is returned as it is. Ids
// that clash (a and a.b) are refused when the flow is loaded; here the first id in sorted
// order wins, and a value given (a JSON input's map) is never written into.
func NestInputs(in map[string]any) map[string]any {
	dotted := false
	for id := range in {
		if strings.Contains(id, ".") {
			dotted = true
			break
		}
	}
	if !dotted {
		return in
	}
	out := make(map[string]any, len(in))
	made := map[string]bool{}
	for _, id := range slices.Sorted(maps.Keys(in)) {
		nestInput(out, made, id, in[id])
	}
	return out
}

// nestInput puts v at the path of id in m, making the maps on the way (their paths in made);
// it reports false when the path clashes with a value there.
func nestInput(m map[string]any, made map[string]bool, id string, v any) bool {
	keys := inputPath(id)
	for i, k := range keys[:len(keys)-1] {
		path := strings.Join(keys[:i+1], ".")
		next, ok := m[k]
		switch {
		case !ok:
			sub := map[string]any{}
			m[k] = sub
			made[path] = true
			m = sub
		case made[path]:
			m = next.(map[string]any)
		default:
			return false
		}
	}
	last := keys[len(keys)-1]
	if _, taken := m[last]; taken {
		return false
	}
	m[last] = v
	return true
}

// inputPath splits an input id at its dots, as Java's String.split does: trailing empty
// parts are dropped.
func inputPath(id string) []string {
	keys := strings.Split(id, ".")
	for len(keys) > 1 && keys[len(keys)-1] == "" {
		keys = keys[:len(keys)-1]
	}
	return keys
}

// FlatInputs is NestInputs undone for the inputs of f: the values an execution recorded
// (nested where ids have dots) keyed by input id again, as ParseInputs takes them (a
// restart reads them back). Keys that are no input of f, nor a group of some, are kept.
func FlatInputs(f *Flow, recorded map[string]any) map[string]any {
	out := make(map[string]any, len(recorded))
	groups := map[string]bool{}
	for _, in := range f.Inputs {
		if v, ok := recorded[in.ID]; ok {
			out[in.ID] = v
			continue
		}
		keys := inputPath(in.ID)
		if len(keys) < 2 {
			continue
		}
		groups[keys[0]] = true
		m := recorded
		for i, k := range keys {
			v, ok := m[k]
			if !ok {
				break
			}
			if i == len(keys)-1 {
				out[in.ID] = v
				break
			}
			if m, ok = v.(map[string]any); !ok {
				break
			}
		}
	}
	for k, v := range recorded {
		if _, done := out[k]; !done && !groups[k] {
			out[k] = v
		}
	}
	return out
}
