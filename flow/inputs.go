package flow

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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

// The input types flowctl implements, upper case as Kestra writes them.
const (
	InputString      = "STRING"
	InputInt         = "INT"
	InputFloat       = "FLOAT"
	InputBoolean     = "BOOLEAN"
	InputDateTime    = "DATETIME"
	InputDate        = "DATE"
	InputTime        = "TIME"
	InputDuration    = "DURATION"
	InputJSON        = "JSON"
	InputYAML        = "YAML"
	InputURI         = "URI"
	InputEmail       = "EMAIL"
	InputEnum        = "ENUM"
	InputSelect      = "SELECT"
	InputMultiselect = "MULTISELECT"
	InputArray       = "ARRAY"
	InputSecret      = "SECRET"
)

// inputTypes are the input types flowctl implements.
var inputTypes = []string{InputString, InputInt, InputFloat, InputBoolean, InputDateTime,
	InputDate, InputTime, InputDuration, InputJSON, InputYAML, InputURI, InputEmail, InputEnum,
	InputSelect, InputMultiselect, InputArray, InputSecret, InputFile}

// inputTypeAliases are other names of implemented types: Kestra 0.22 renamed BOOLEAN to BOOL.
var inputTypeAliases = map[string]string{"BOOL": InputBoolean}

// kestraInputTypes are Kestra's input types that flowctl does not implement yet.
var kestraInputTypes []string

// itemTypes are the types an element of an ARRAY or MULTISELECT input may have: every
// scalar type, and JSON or YAML for structured elements. Kestra refuses ARRAY and
// MULTISELECT as item types; the others need a property an element cannot carry.
var itemTypes = []string{InputString, InputInt, InputFloat, InputBoolean, InputDateTime,
	InputDate, InputTime, InputDuration, InputJSON, InputYAML, InputURI, InputEmail}

// inputKeys are the input properties flowctl reads.
var inputKeys = []string{"id", "type", "defaults", "required", "description", "displayName", "values",
	"options", "allowCustomValue", "itemType", "validator", "min", "max", "after", "before", "dependsOn", "prefill"}

// unsupportedInputKeys are Kestra's other input properties.
var unsupportedInputKeys = map[string]string{
	"extension": "", "expression": " (list the choices in values)",
	"isRadio": "", "autoSelectFirst": "", "multiple": "",
}

// boundKeys say which input types take which bounds, as Kestra's input classes do.
var boundKeys = map[string][]string{
	"min":    {InputInt, InputFloat, InputDuration},
	"max":    {InputInt, InputFloat, InputDuration},
	"after":  {InputDateTime, InputDate, InputTime},
	"before": {InputDateTime, InputDate, InputTime},
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

	var typeNode, defaultsNode, prefillNode, valuesNode, optionsNode, itemTypeNode, validatorNode, depNode *yaml.Node
	var optionsKey *yaml.Node
	bounds := map[string]*yaml.Node{}
	hasID := slices.ContainsFunc(ps, func(q pair) bool { return q.key.Value == "id" })
	for _, p := range ps {
		key, v := p.key.Value, p.val
		switch key {
		case "id":
		case "name":
			if hasID {
				l.errorf(p.key, "%sname and id are the same property (name is its old spelling): keep id", ctx)
			} else {
				l.warnf(p.key, "%sname is the old spelling of id (Kestra before 0.15): write id", ctx)
			}
		case "type":
			typeNode = v
		case "defaults":
			defaultsNode = v
		case "prefill":
			prefillNode = v
		case "values":
			valuesNode = v
		case "options":
			optionsKey, optionsNode = p.key, v
		case "itemType":
			itemTypeNode = v
		case "validator":
			validatorNode = v
		case "dependsOn":
			depNode = v
		case "min", "max", "after", "before":
			bounds[key] = v
		case "allowCustomValue":
			in.AllowCustomValue, _ = l.boolean(v, ctx, key)
		case "required":
			in.Required, _ = l.boolean(v, ctx, key)
		case "description":
			in.Description, _ = l.optStr(v, ctx, key)
		case "displayName":
			in.DisplayName, _ = l.optStr(v, ctx, key)
		default:
			l.unknownKey(p.key, ctx, key, inputKeys, unsupportedInputKeys)
		}
	}
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

	// MULTISELECT called its values options before Kestra 0.20; still read, with a warning.
	switch {
	case optionsNode == nil:
	case in.Type != InputMultiselect:
		l.errorf(optionsKey, "%soptions: only MULTISELECT inputs take options (the old name of values)", ctx)
	case valuesNode != nil:
		l.errorf(optionsKey, "%soptions: you can't define both `values` and `options` (options is the old name of values: keep values)", ctx)
	default:
		l.warnf(optionsKey, "%soptions is the old name of values (Kestra before 0.20): write values", ctx)
		valuesNode = optionsNode
	}
	takesValues := in.Type == InputEnum || in.Type == InputSelect || in.Type == InputMultiselect
	switch {
	case valuesNode != nil && !takesValues:
		l.errorf(valuesNode, "%svalues: only ENUM, SELECT and MULTISELECT inputs take values", ctx)
	case valuesNode != nil:
		in.Values = l.enumValues(valuesNode, ctx)
	case takesValues:
		l.errorf(n, "%smissing required property \"values\" (the values a%s %s input allows)", ctx, map[bool]string{true: "n"}[in.Type == InputEnum], in.Type)
	}
	if in.AllowCustomValue && in.Type != InputSelect && in.Type != InputMultiselect {
		l.errorf(n, "%sallowCustomValue: only SELECT and MULTISELECT inputs take allowCustomValue", ctx)
	}
	l.inputItemType(in, n, itemTypeNode, ctx)
	if validatorNode != nil {
		l.inputValidator(in, validatorNode, ctx)
	}
	for _, key := range []string{"min", "max", "after", "before"} {
		if v := bounds[key]; v != nil {
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

// dependsOn reads an input's dependsOn: {inputs: [...], condition: "{{ ... }}"}.
func (l *loader) dependsOn(n *yaml.Node, ctx, self string) *DependsOn {
	r := resolve(n)
	if r.Kind != yaml.MappingNode {
		l.errorf(r, "%sdependsOn: expected a mapping with inputs and condition, got %s", ctx, got(r))
		return nil
	}
	d := &DependsOn{}
	for _, p := range l.pairs(r, ctx+"dependsOn: ") {
		switch p.key.Value {
		case "inputs":
			v := resolve(p.val)
			if v.Kind != yaml.SequenceNode {
				l.errorf(v, "%sdependsOn.inputs: expected a list of input ids, got %s", ctx, got(v))
				continue
			}
			for i, item := range v.Content {
				if s, ok := l.str(item, ctx, fmt.Sprintf("dependsOn.inputs[%d]", i)); ok {
					if s == self {
						l.errorf(resolve(item), "%sdependsOn.inputs[%d]: an input cannot depend on itself", ctx, i)
						continue
					}
					d.Inputs = append(d.Inputs, s)
				}
			}
		case "condition":
			if s, ok := l.optStr(p.val, ctx, "dependsOn.condition"); ok {
				d.Condition = s
				l.checkTemplate(p.val, s, ctx+"dependsOn.condition: ")
			}
		default:
			l.errorf(p.key, "%sdependsOn: unknown property %q%s", ctx, p.key.Value, didYouMean(p.key.Value, []string{"inputs", "condition"}))
		}
	}
	return d
}

// inputItemType reads the itemType of an ARRAY (required) or MULTISELECT (default STRING)
// input.
func (l *loader) inputItemType(in *Input, n, itemTypeNode *yaml.Node, ctx string) {
	if itemTypeNode == nil {
		switch in.Type {
		case InputArray:
			l.errorf(n, "%smissing required property \"itemType\" (the type of each element: one of %s)", ctx, strings.Join(itemTypes, ", "))
		case InputMultiselect:
			in.ItemType = InputString
		}
		return
	}
	if in.Type != InputArray && in.Type != InputMultiselect {
		l.errorf(itemTypeNode, "%sitemType: only ARRAY and MULTISELECT inputs take an itemType", ctx)
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

// inputValidator reads the validator of a STRING input: a regular expression the whole
// value must match, as Java's Pattern.matches.
func (l *loader) inputValidator(in *Input, n *yaml.Node, ctx string) {
	if in.Type != InputString {
		l.errorf(n, "%svalidator: only STRING inputs take a validator", ctx)
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
	if !slices.Contains(boundKeys[key], in.Type) {
		l.errorf(n, "%s%s: only %s inputs take %s", ctx, key, strings.Join(boundKeys[key], ", "), key)
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
func ParseInputs(f *Flow, given map[string]string) (values map[string]any, secrets []string, err error) {
	values, secrets, _, err = parseInputs(f, given, false)
	return values, secrets, err
}

// ParseTriggerInputs is ParseInputs for the inputs a Flow trigger renders: as in Kestra, a
// required input the trigger does not give is no error; it is left out, and named in missing
// so that the caller can say so.
func ParseTriggerInputs(f *Flow, given map[string]string) (values map[string]any, secrets, missing []string, err error) {
	return parseInputs(f, given, true)
}

func parseInputs(f *Flow, given map[string]string, allowMissing bool) (values map[string]any, secrets, missing []string, err error) {
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
		on, cerr := inputEnabled(f, in, values, disabled, failed)
		if cerr != nil {
			errs = append(errs, cerr)
			failed[in.ID] = true
			continue
		}
		if !on {
			disabled[in.ID] = true
			continue
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
			v, perr = renderedDefault(f, in, values)
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
func inputEnabled(f *Flow, in *Input, values map[string]any, disabled, failed map[string]bool) (bool, error) {
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
	s, err := renderForInputs(f, in.DependsOn.Condition, values)
	if err != nil {
		return false, fmt.Errorf("input %q: dependsOn.condition: Invalid condition: %v", in.ID, err)
	}
	return strings.TrimSpace(s) == "true", nil
}

// renderedDefault is an input's default value: rendered first when it holds a template (it
// sees flow.* and the inputs resolved before it), then checked as a given value would be.
func renderedDefault(f *Flow, in *Input, values map[string]any) (any, error) {
	if s, ok := in.Defaults.(string); ok && hasTemplate(s) {
		r, err := renderForInputs(f, s, values)
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
func renderForInputs(f *Flow, tmpl string, values map[string]any) (string, error) {
	t, err := templating.Parse(tmpl)
	if err != nil {
		return "", err
	}
	return t.Render(&templating.Env{Vars: map[string]any{
		"inputs": values,
		"flow":   map[string]any{"id": f.ID, "namespace": f.Namespace},
	}})
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

// The patterns of URI and EMAIL inputs, Kestra's own, so that a value one accepts the other
// does too. Kestra's URI pattern wants a host with a dot: http://localhost is refused.
var (
	uriPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z]+://(?:www\.)?[-a-zA-Z0-9@:%._\+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b(?:[-a-zA-Z0-9()@:%_\+.~#?&/=]*)$`)
	})
	emailPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile("^$|^[a-zA-Z0-9_!#$%&’*+/=?`{|}~^.-]+@[a-zA-Z0-9.-]+$")
	})
)

// parseScalar converts the text of a value to an input type, without the input's own
// constraints (values, validator, bounds).
func parseScalar(typ, s string) (any, error) {
	bad := func(want string) error {
		return fmt.Errorf("%s is not a valid %s: expected %s", shown(s), typ, want)
	}
	switch typ {
	case InputString, InputSecret, InputEnum, InputSelect:
		return s, nil
	case InputInt:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, bad("a whole number such as 42")
		}
		return i, nil
	case InputFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || strings.ContainsAny(s, "xXpP_") {
			return nil, bad("a number such as 1.5")
		}
		return f, nil
	case InputBoolean:
		switch {
		case strings.EqualFold(s, "true"):
			return true, nil
		case strings.EqualFold(s, "false"):
			return false, nil
		}
		return nil, bad("true or false")
	case InputDateTime:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, bad("an RFC 3339 date-time such as 2026-11-26T17:00:00Z")
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	case InputDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, bad("an ISO-8601 date such as 2026-11-26")
		}
		return s, nil
	case InputTime:
		t, err := parseLocalTime(s)
		if err != nil {
			return nil, bad("a time of day such as 17:30 or 17:30:15")
		}
		return formatLocalTime(t), nil
	case InputDuration:
		if _, err := duration.Parse(s); err != nil {
			return nil, bad("an ISO-8601 duration such as PT5M or P1DT2H")
		}
		return s, nil
	case InputJSON:
		var v any
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s is not valid JSON: %v", shown(s), err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("%s is not valid JSON: more than one value", shown(s))
		}
		// Read again, valid now, into Maps that keep the order of the text, as Kestra's
		// LinkedHashMaps do.
		dec = json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		return templating.DecodeJSON(dec, jsonNumber)
	case InputYAML:
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
			return nil, fmt.Errorf("%s is not valid YAML: %v", shown(s), strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return yamlNodeValue(&doc, 0)
	case InputURI:
		if !uriPattern().MatchString(s) {
			return nil, bad("an absolute URI with a scheme and a host name holding a dot, such as https://example.com/data.csv")
		}
		return s, nil
	case InputEmail:
		if !emailPattern().MatchString(s) {
			return nil, fmt.Errorf("The input must be a valid email, but received %s", shown(s))
		}
		return s, nil
	case InputFile:
		return parseFileInput(s)
	}
	return nil, fmt.Errorf("input type %s is not supported by flowctl yet", typ)
}

// yamlNodeValue is the value of a YAML input: mappings as templating.Maps in the order of
// the text, as Kestra's Jackson reads them into LinkedHashMaps, and scalars as yamlValue
// makes them. Aliases are followed, at most 64 deep, so that an alias of an alias cannot
// make a small text expand without end.
func yamlNodeValue(n *yaml.Node, depth int) (any, error) {
	if depth > 64 {
		return nil, errors.New("YAML nested more than 64 deep")
	}
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlNodeValue(n.Content[0], depth)
	case yaml.AliasNode:
		return yamlNodeValue(n.Alias, depth+1)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlNodeValue(c, depth+1)
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
				base, err := yamlNodeValue(v, depth+1)
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
			key, err := yamlNodeValue(k, depth+1)
			if err != nil {
				return nil, err
			}
			val, err := yamlNodeValue(v, depth+1)
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
