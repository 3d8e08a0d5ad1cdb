package flow

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/templating"
)

// This file holds the input types: each one's names, how its text is read, and the JSON
// Schema of the defaults it takes, side by side in one table that the loader, the run and
// the schema read.

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

// inputType is one input type.
type inputType struct {
	name    string
	aliases []string
	// item says an element of an ARRAY or MULTISELECT input may be of the type: every
	// scalar type, and JSON or YAML for structured elements. Kestra refuses ARRAY and
	// MULTISELECT as item types; the others need a property an element cannot carry.
	item bool
	// defaults is the JSON Schema of the type's defaults, as valueOf reads them (a template
	// aside, which the schema adds).
	defaults func() obj
	// parse converts a text value to the type, without the input's own constraints; bad
	// makes the error for a text that is not one ("expected " + want). nil for the list
	// types, whose elements are parsed one by one.
	parse func(s string, bad func(want string) error) (any, error)
}

// inputTypeDefs are the input types flowctl implements, in the order messages list them.
var inputTypeDefs = []inputType{
	{name: InputString, item: true, defaults: text, parse: asText},
	{name: InputInt, item: true,
		defaults: func() obj {
			return obj{"anyOf": []any{obj{"type": "integer"}, obj{"type": "string", "pattern": `^[-+]?[0-9]+$`}}}
		},
		parse: func(s string, bad func(string) error) (any, error) {
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, bad("a whole number such as 42")
			}
			return i, nil
		}},
	{name: InputFloat, item: true,
		defaults: func() obj {
			return obj{"anyOf": []any{obj{"type": "number"}, obj{"type": "string", "pattern": `^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$`}}}
		},
		parse: func(s string, bad func(string) error) (any, error) {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || strings.ContainsAny(s, "xXpP_") {
				return nil, bad("a number such as 1.5")
			}
			return f, nil
		}},
	// Kestra 0.22 renamed BOOLEAN to BOOL.
	{name: InputBoolean, aliases: []string{"BOOL"}, item: true,
		defaults: func() obj {
			return obj{"anyOf": []any{obj{"type": "boolean"}, obj{"type": "string", "pattern": `^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$`}}}
		},
		parse: func(s string, bad func(string) error) (any, error) {
			switch {
			case strings.EqualFold(s, "true"):
				return true, nil
			case strings.EqualFold(s, "false"):
				return false, nil
			}
			return nil, bad("true or false")
		}},
	{name: InputDateTime, item: true,
		defaults: func() obj {
			return obj{"type": "string", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})$`}
		},
		parse: func(s string, bad func(string) error) (any, error) {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, bad("an RFC 3339 date-time such as 2026-11-26T17:00:00Z")
			}
			return t.UTC().Format(time.RFC3339Nano), nil
		}},
	{name: InputDate, item: true,
		defaults: func() obj { return obj{"type": "string", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`} },
		parse: func(s string, bad func(string) error) (any, error) {
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				return nil, bad("an ISO-8601 date such as 2026-11-26")
			}
			return s, nil
		}},
	{name: InputTime, item: true,
		defaults: func() obj {
			return obj{"type": "string", "pattern": `^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?$`}
		},
		parse: func(s string, bad func(string) error) (any, error) {
			t, err := parseLocalTime(s)
			if err != nil {
				return nil, bad("a time of day such as 17:30 or 17:30:15")
			}
			return formatLocalTime(t), nil
		}},
	{name: InputDuration, item: true,
		defaults: func() obj { return durationSchema(anyDuration) },
		parse: func(s string, bad func(string) error) (any, error) {
			if _, err := duration.Parse(s); err != nil {
				return nil, bad("an ISO-8601 duration such as PT5M or P1DT2H")
			}
			return s, nil
		}},
	{name: InputJSON, item: true,
		defaults: func() obj { return obj{"$comment": "JSON text, or the value written as YAML"} },
		parse: func(s string, _ func(string) error) (any, error) {
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
		}},
	{name: InputYAML, item: true,
		defaults: func() obj { return obj{"$comment": "YAML text, or the value written as YAML"} },
		parse: func(s string, _ func(string) error) (any, error) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
				return nil, fmt.Errorf("%s is not valid YAML: %v", shown(s), strings.TrimPrefix(err.Error(), "yaml: "))
			}
			made := 0
			return yamlNodeValue(&doc, 0, &made)
		}},
	{name: InputURI, item: true, defaults: text,
		parse: func(s string, bad func(string) error) (any, error) {
			if !uriPattern().MatchString(s) {
				return nil, bad("an absolute URI with a scheme and a host name holding a dot, such as https://example.com/data.csv")
			}
			return s, nil
		}},
	{name: InputEmail, item: true, defaults: text,
		parse: func(s string, _ func(string) error) (any, error) {
			if !emailPattern().MatchString(s) {
				return nil, fmt.Errorf("The input must be a valid email, but received %s", shown(s))
			}
			return s, nil
		}},
	{name: InputEnum, defaults: text, parse: asText},
	{name: InputSelect, defaults: text, parse: asText},
	{name: InputMultiselect, defaults: listDefaults},
	{name: InputArray, defaults: listDefaults},
	{name: InputSecret, defaults: text, parse: asText},
	{name: InputFile, defaults: fileDefaultsSchema,
		parse: func(s string, _ func(string) error) (any, error) { return parseFileInput(s) }},
}

// asText reads a text value as it is.
func asText(s string, _ func(string) error) (any, error) { return s, nil }

// listDefaults is the schema of a list input's defaults.
func listDefaults() obj {
	return doc(obj{"anyOf": []any{obj{"type": "array"}, obj{"type": "string", "pattern": `^\s*\[`}}}, "a list, or a JSON list as text")
}

// The names of the input types, read from inputTypeDefs: inputTypes are the canonical names,
// itemTypes those an element may have, inputTypeAliases the other names of each.
var (
	inputTypes       = inputTypeNames(func(inputType) bool { return true })
	itemTypes        = inputTypeNames(func(t inputType) bool { return t.item })
	inputTypeAliases = func() map[string]string {
		m := map[string]string{}
		for _, t := range inputTypeDefs {
			for _, a := range t.aliases {
				m[a] = t.name
			}
		}
		return m
	}()
)

// inputTypeNames lists the canonical names of the input types for which keep holds.
func inputTypeNames(keep func(inputType) bool) []string {
	var out []string
	for _, t := range inputTypeDefs {
		if keep(t) {
			out = append(out, t.name)
		}
	}
	return out
}

// kestraInputTypes are Kestra's input types that flowctl does not implement yet.
var kestraInputTypes []string

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
	i := slices.IndexFunc(inputTypeDefs, func(t inputType) bool { return t.name == typ })
	if i < 0 || inputTypeDefs[i].parse == nil {
		return nil, fmt.Errorf("input type %s is not supported by flowctl yet", typ)
	}
	return inputTypeDefs[i].parse(s, func(want string) error {
		return fmt.Errorf("%s is not a valid %s: expected %s", shown(s), typ, want)
	})
}
