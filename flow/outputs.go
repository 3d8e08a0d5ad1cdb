package flow

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/templating"
)

// Output is one of the flow's `outputs`: a value rendered when the execution has ended, with
// every task's outputs in scope, then converted to its type.
type Output struct {
	ID          string
	Type        string // upper case: an input type, or ARRAY
	Description string
	DisplayName string
	// Value is the value as written: strings are templates, rendered at any depth.
	Value any
	Pos   Pos
}

// OutputArray is the output type of a list, which inputs do not take yet.
const OutputArray = "ARRAY"

// outputTypes are the types a flow output takes: the input types flowctl converts text to,
// ARRAY, and FILE (a file of the execution's storage: the runner stores it, see
// runner/fileoutput.go). SECRET needs Kestra's encryption key, which flowctl has none of;
// ENUM, SELECT and MULTISELECT need what an output cannot declare (values).
var outputTypes = []string{InputString, InputInt, InputFloat, InputBoolean, InputDateTime,
	InputDate, InputTime, InputDuration, InputJSON, InputYAML, InputURI, InputEmail, OutputArray, InputFile}

// unsupportedOutputTypes are Kestra's output types flowctl refuses as not supported yet.
var unsupportedOutputTypes = []string{InputSecret, InputEnum, InputSelect, InputMultiselect}

// outputKeys are the properties of one output. The id, the type and the value are read by
// the walk: the id first, to name the output; the type and value once all are known.
var outputKeys = keyTable[*Output]{
	{name: "id", required: true, doc: "The output's id, unique in the flow.",
		schema: func(*schemaBuilder) obj { return idSchema(inputIDPattern(), maxFlowIDLen) }},
	{name: "type", required: true, doc: "The type the rendered value is converted to.",
		schema: func(*schemaBuilder) obj { return caseless(outputTypes) }},
	{name: "value", required: true, doc: "The value: its strings are templates, rendered when the execution has ended.",
		schema: func(*schemaBuilder) obj { return obj{"not": obj{"type": "null"}} }},
	textKey("description", "What the output holds.", func(o *Output, s string) { o.Description = s }),
	textKey("displayName", "The output's name for people.", func(o *Output, s string) { o.DisplayName = s }),
}

// outputs reads the flow's outputs; their ids are unique.
func (l *loader) outputs(n *yaml.Node) []*Output {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "outputs: expected a list of {id, type, value}, got %s", kindName(n))
		return nil
	}
	firsts := map[string]int{}
	var out []*Output
	for i, item := range n.Content {
		ctx := fmt.Sprintf("outputs[%d]: ", i)
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			l.errorf(item, "%sexpected an output (a mapping with id, type and value), got %s", ctx, kindName(item))
			continue
		}
		o := &Output{Pos: posOf(item)}
		ps := l.pairs(item, ctx)
		var idNode, typeNode, valueNode *yaml.Node
		for _, p := range ps {
			if p.key.Value == "id" {
				idNode = p.val
			}
		}
		if idNode == nil {
			l.errorf(item, "%smissing required property \"id\"", ctx)
		} else if id, ok := l.str(idNode, ctx, "id"); ok {
			o.ID = id
			ctx = fmt.Sprintf("output %q: ", id)
			if l.checkID(idNode, ctx+"id", id, "output id", inputIDPattern(), maxFlowIDLen, `letters, digits, ".", "_" and "-"`) {
				if line, dup := firsts[id]; dup {
					l.errorf(idNode, "%sduplicate output id %q (first defined at line %d)", ctx, id, line)
				} else {
					firsts[id] = resolve(idNode).Line
				}
			}
		}
		for _, p := range ps {
			switch k := outputKeys.lookup(p.key.Value); {
			case k == nil:
				l.unknownKey(p.key, ctx, p.key.Value, outputKeys.names(), nil)
			case k.read != nil:
				k.read(l, o, p.val, ctx)
			case k.name == "type":
				typeNode = p.val
			case k.name == "value":
				valueNode = p.val
			}
		}
		if typeNode == nil {
			l.errorf(item, "%smissing required property \"type\" (one of %s)", ctx, strings.Join(outputTypes, ", "))
		} else if typ, ok := l.str(typeNode, ctx, "type"); ok {
			o.Type = strings.ToUpper(typ)
			if alias, ok := inputTypeAliases[o.Type]; ok {
				o.Type = alias
			}
			switch {
			case slices.Contains(outputTypes, o.Type):
			case slices.Contains(unsupportedOutputTypes, o.Type) || slices.Contains(kestraInputTypes, o.Type):
				l.errorf(typeNode, "%soutput type %q is not supported by flowctl yet", ctx, typ)
			default:
				l.errorf(typeNode, "%sunknown output type %q: use one of %s%s", ctx, typ, strings.Join(outputTypes, ", "), didYouMean(o.Type, outputTypes))
			}
		}
		switch {
		case valueNode == nil:
			l.errorf(item, "%smissing required property \"value\"", ctx)
		case isNull(valueNode):
			l.errorf(resolve(valueNode), "%svalue: a value is required, got nothing (null)", ctx)
		default:
			check := func(n *yaml.Node, s, path string) { l.checkTemplate(n, s, ctx+path+": ") }
			o.Value = l.orderedValue(valueNode, "value", check)
		}
		out = append(out, o)
	}
	return out
}

// TypedOutput converts the rendered value of o to its type as Kestra's typedOutputs does:
// text is parsed (INT from "3", JSON parsed, ARRAY from a list or a JSON list); a value that
// already has the type is kept.
func TypedOutput(o *Output, v any) (any, error) {
	switch o.Type {
	case InputString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case InputJSON:
		if _, ok := v.(string); !ok {
			return v, nil
		}
	case OutputArray:
		switch x := v.(type) {
		case []any:
			return x, nil
		case string:
			parsed, err := parseInputValue(&Input{Type: InputJSON}, x)
			if err != nil {
				return nil, fmt.Errorf("expected a list, got %s", shown(x))
			}
			list, ok := parsed.([]any)
			if !ok {
				return nil, fmt.Errorf("expected a list, got %s", shown(x))
			}
			return list, nil
		}
		return nil, fmt.Errorf("expected a list, got %s", kindOfValue(v))
	}
	s, ok := outputText(v)
	if !ok {
		if o.Type == InputString {
			return v, nil
		}
		return nil, fmt.Errorf("expected a value of type %s, got %s", o.Type, kindOfValue(v))
	}
	return parseInputValue(&Input{Type: o.Type}, s)
}

// outputText is the text of a rendered scalar; false for a list, a mapping or null.
func outputText(v any) (string, bool) {
	switch v.(type) {
	case string, bool, int, int64, float64, json.Number:
		return scalarText(v), true
	}
	return "", false
}

// kindOfValue names the kind of a decoded value for a message.
func kindOfValue(v any) string {
	switch v.(type) {
	case map[string]any, *templating.Map:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "nothing (null)"
	}
	return "a scalar"
}
