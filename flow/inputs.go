package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/tasks"
)

// The input types flowctl implements, upper case as Kestra writes them.
const (
	InputString   = "STRING"
	InputInt      = "INT"
	InputFloat    = "FLOAT"
	InputBoolean  = "BOOLEAN"
	InputDateTime = "DATETIME"
	InputDuration = "DURATION"
	InputJSON     = "JSON"
	InputEnum     = "ENUM"
	InputSecret   = "SECRET"
)

// inputTypes are the input types flowctl implements.
var inputTypes = []string{InputString, InputInt, InputFloat, InputBoolean, InputDateTime,
	InputDuration, InputJSON, InputEnum, InputSecret, InputFile}

// inputTypeAliases are other names of implemented types: Kestra 0.22 renamed BOOLEAN to BOOL.
var inputTypeAliases = map[string]string{"BOOL": InputBoolean}

// kestraInputTypes are Kestra's input types that flowctl does not implement yet.
var kestraInputTypes = []string{"URI", "SELECT", "MULTISELECT", "ARRAY", "YAML",
	"EMAIL", "TIME", "DATE"}

// inputKeys are the input properties flowctl reads.
var inputKeys = []string{"id", "type", "defaults", "required", "description", "displayName", "values"}

// unsupportedInputKeys are Kestra's other input properties.
var unsupportedInputKeys = map[string]string{
	"validator": "", "min": "", "max": "", "after": "", "before": "", "dependsOn": "",
	"prefill": "", "extension": "", "itemType": "", "options": "", "expression": "",
	"allowCustomValue": "", "isRadio": "", "autoSelectFirst": "", "multiple": "",
}

// inputs reads the flow's inputs.
func (l *loader) inputs(n *yaml.Node) []*Input {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "inputs: expected a list of inputs, got %s", kindName(n))
		return nil
	}
	firsts := map[string]int{}
	out := make([]*Input, 0, len(n.Content))
	for i, item := range n.Content {
		in, idNode := l.input(item, fmt.Sprintf("inputs[%d]", i))
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
		out = append(out, in)
	}
	return out
}

// input reads one input; where names it until its id is known. It also returns the id's
// node, for the duplicate check.
func (l *loader) input(n *yaml.Node, where string) (*Input, *yaml.Node) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s: expected an input (a mapping with id and type), got %s", where, kindName(n))
		return nil, nil
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

	var typeNode, defaultsNode, valuesNode *yaml.Node
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
		case "values":
			valuesNode = v
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

	if typeNode == nil {
		l.errorf(n, "%smissing required property \"type\" (one of %s)", ctx, strings.Join(inputTypes, ", "))
		return in, idNode
	}
	typ, ok := l.str(typeNode, ctx, "type")
	if !ok {
		return in, idNode
	}
	in.Type = strings.ToUpper(typ)
	if alias, ok := inputTypeAliases[in.Type]; ok {
		in.Type = alias
	}
	switch {
	case slices.Contains(inputTypes, in.Type):
	case slices.Contains(kestraInputTypes, in.Type):
		l.errorf(typeNode, "%sinput type %q is not supported by flowctl yet", ctx, typ)
		return in, idNode
	default:
		l.errorf(typeNode, "%sunknown input type %q: use one of %s%s", ctx, typ, strings.Join(inputTypes, ", "), didYouMean(in.Type, inputTypes))
		return in, idNode
	}

	if valuesNode != nil {
		if in.Type != InputEnum {
			l.errorf(valuesNode, "%svalues: only ENUM inputs take values", ctx)
		} else {
			in.Values = l.enumValues(valuesNode, ctx)
		}
	} else if in.Type == InputEnum {
		l.errorf(n, "%smissing required property \"values\" (the values an ENUM input allows)", ctx)
	}

	if defaultsNode != nil && !isNull(defaultsNode) {
		in.Defaults = l.value(defaultsNode, ctx+"defaults", nil)
		if in.Type != InputEnum || in.Values != nil {
			if _, err := defaultValue(in); err != nil {
				l.errorf(resolve(defaultsNode), "%sdefaults: %v", ctx, err)
			}
		}
	}
	return in, idNode
}

// enumValues reads the values of an ENUM input: a non-empty list of distinct strings.
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
// inputs: types, defaults, required, unknown keys (did you mean). It returns the typed values
// and the values of SECRET inputs (for masking). An optional input with neither a value nor
// a default is left out of values. Every problem is reported at once, one per line; a
// message names the input and its type, and never shows the value of a SECRET input.
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

	values = make(map[string]any, len(f.Inputs))
	for _, in := range f.Inputs {
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
			v, perr = defaultValue(in)
			if perr == nil && in.Type == InputSecret {
				secrets = append(secrets, v.(string))
			}
		case in.Required && allowMissing:
			missing = append(missing, in.ID)
			continue
		case in.Required:
			errs = append(errs, fmt.Errorf("input %q (%s) is required: give it with -i %s=VALUE", in.ID, in.Type, in.ID))
			continue
		default:
			continue
		}
		if perr != nil {
			errs = append(errs, fmt.Errorf("input %q: %w", in.ID, perr))
			continue
		}
		values[in.ID] = v
	}
	if len(errs) > 0 {
		return nil, nil, nil, errors.Join(errs...)
	}
	return values, secrets, missing, nil
}

// defaultValue is the typed value of an input's defaults. A JSON input may give its default
// as YAML (a mapping or a list) rather than as JSON text.
func defaultValue(in *Input) (any, error) {
	if in.Type == InputFile {
		return fileDefault(in.Defaults)
	}
	switch d := in.Defaults.(type) {
	case map[string]any, []any:
		if in.Type == InputJSON {
			return d, nil
		}
		return nil, fmt.Errorf("expected a value of type %s, got a mapping or a list", in.Type)
	case string:
		return parseInputValue(in, d)
	case bool:
		return parseInputValue(in, strconv.FormatBool(d))
	case int:
		return parseInputValue(in, strconv.Itoa(d))
	case float64:
		return parseInputValue(in, strconv.FormatFloat(d, 'g', -1, 64))
	}
	return parseInputValue(in, fmt.Sprint(in.Defaults))
}

// parseInputValue converts the text of an input to its type. The error never holds the text
// of a SECRET input (that type takes any text, so it never fails).
func parseInputValue(in *Input, s string) (any, error) {
	bad := func(want string) error {
		return fmt.Errorf("%s is not a valid %s: expected %s", shown(s), in.Type, want)
	}
	switch in.Type {
	case InputString, InputSecret:
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
		return jsonNumbers(v), nil
	case InputEnum:
		if slices.Contains(in.Values, s) {
			return s, nil
		}
		return nil, fmt.Errorf("%s is not one of %s%s", shown(s), strings.Join(in.Values, ", "), didYouMean(s, in.Values))
	case InputFile:
		return parseFileInput(s)
	}
	return nil, fmt.Errorf("input type %s is not supported by flowctl yet", in.Type)
}

// maxShown bounds the characters of a given value quoted in a message: a value can be as
// long as a command line or an output rendered by a trigger, and the message needs to say
// which value, not to repeat it.
const maxShown = 80

// shown is s quoted for a message, cut to maxShown characters.
func shown(s string) string {
	return strconv.Quote(tasks.CutRunes(s, maxShown))
}

// jsonNumbers replaces json.Number with int64 for whole numbers and float64 otherwise, so
// {"n": 3} renders 3, not 3.0, as an INT input does.
func jsonNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
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
