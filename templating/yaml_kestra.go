package templating

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// yamlFilter writes a value as Kestra's yaml filter does (Jackson's YAML writer with
// MINIMIZE_QUOTES and INDENT_ARRAYS, no --- line): plain scalars where they read back as the
// same string, double quotes otherwise, lists indented by one space, maps by two, and a
// final line break. null is the text "null".
func yamlFilter(c *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return "null", nil
	}
	var b strings.Builder
	w := &yamlWriter{c: c, b: &b}
	if err := w.value(in, 0, false); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(b.String(), "\n") {
		b.WriteByte('\n')
	}
	return b.String(), nil
}

type yamlWriter struct {
	c *evalCtx
	b *strings.Builder
}

// value writes v at indent; inline is true when v follows a "- " or a "key:" on the same
// line.
func (w *yamlWriter) value(v any, indent int, inline bool) error {
	if err := w.c.b.step(1); err != nil {
		return err
	}
	if err := w.c.b.fits(w.b.Len()); err != nil {
		return err
	}
	if list, ok := asList(v); ok {
		if len(list) == 0 {
			w.line("[]")
			return nil
		}
		if inline {
			w.b.WriteByte('\n')
		}
		for _, item := range list {
			w.b.WriteString(strings.Repeat(" ", indent+1) + "- ")
			if err := w.item(item, indent+3); err != nil {
				return err
			}
		}
		return nil
	}
	if m, ok := asMap(v); ok {
		if len(m) == 0 {
			w.line("{}")
			return nil
		}
		if inline {
			w.b.WriteByte('\n')
		}
		for _, k := range sortedKeys(m) {
			w.b.WriteString(strings.Repeat(" ", indent))
			if err := w.entry(k, m[k], indent); err != nil {
				return err
			}
		}
		return nil
	}
	if s, ok := v.(string); ok && strings.Contains(s, "\n") && literalAllowed(s) {
		w.literal(s, indent+2)
		return nil
	}
	w.line(yamlScalar(v))
	return nil
}

// literalAllowed reports whether s can be written as a literal block, as SnakeYAML decides:
// no carriage return or other control character, and a first line that does not start with
// a space (which would need an indentation indicator).
func literalAllowed(s string) bool {
	if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' || r == 0x7f {
			return false
		}
	}
	return true
}

// literal writes a multi-line string as a literal block (|), its lines at indent, the way
// Jackson's MINIMIZE_QUOTES writes it: | keeps one final line break, |- none, |+ all.
func (w *yamlWriter) literal(s string, indent int) {
	body := strings.TrimRight(s, "\n")
	chomp := "-"
	switch trailing := len(s) - len(body); {
	case trailing == 1:
		chomp = ""
	case trailing > 1:
		chomp = "+"
	}
	w.b.WriteString("|" + chomp + "\n")
	for _, l := range strings.Split(body, "\n") {
		if l != "" {
			w.b.WriteString(strings.Repeat(" ", indent) + l)
		}
		w.b.WriteByte('\n')
	}
	for range max(len(s)-len(body)-1, 0) {
		w.b.WriteByte('\n')
	}
}

// item writes a list element after its "- ": a map's first entry goes on the dash's line.
func (w *yamlWriter) item(v any, indent int) error {
	if m, ok := asMap(v); ok && len(m) > 0 {
		for i, k := range sortedKeys(m) {
			if i > 0 {
				w.b.WriteString(strings.Repeat(" ", indent))
			}
			if err := w.entry(k, m[k], indent); err != nil {
				return err
			}
		}
		return nil
	}
	if list, ok := asList(v); ok && len(list) > 0 {
		for i, x := range list {
			if i > 0 {
				w.b.WriteString(strings.Repeat(" ", indent-1))
			}
			w.b.WriteString("- ")
			if err := w.item(x, indent+2); err != nil {
				return err
			}
		}
		return nil
	}
	return w.value(v, indent, false)
}

// entry writes "key: value", the value on the next lines when it is a list or a map.
func (w *yamlWriter) entry(k string, v any, indent int) error {
	w.b.WriteString(yamlKey(k) + ":")
	if l, ok := asList(v); ok && len(l) > 0 {
		return w.value(v, indent, true)
	}
	if m, ok := asMap(v); ok && len(m) > 0 {
		return w.value(v, indent+2, true)
	}
	w.b.WriteByte(' ')
	return w.value(v, indent, false)
}

// line ends the current line with s.
func (w *yamlWriter) line(s string) {
	w.b.WriteString(s + "\n")
}

// yamlScalar writes a scalar value.
func yamlScalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return yamlString(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return javaDouble(x, 64)
	case float32:
		return javaDouble(float64(x), 32)
	case time.Time:
		return x.Format(isoOffsetDateTime)
	case json.Number:
		return x.String()
	case *big.Int:
		return x.String()
	}
	if _, _, _, ok := toNumber(v); ok {
		return ToString(v)
	}
	return yamlString(ToString(v))
}

// yamlKey writes a map key: plain unless it would read as something else.
func yamlKey(k string) string { return yamlString(k) }

// yamlReserved are the words YAML 1.1 readers take for booleans and null.
var yamlReserved = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "y": true,
	"n": true, "null": true, "~": true,
}

// yamlString writes a string plain when a reader gets the same string back, else in double
// quotes with JSON's escapes; one that only starts or ends with a space goes in single
// quotes, as SnakeYAML falls back to when plain is not allowed.
func yamlString(s string) string {
	if !yamlNeedsQuotes(s) && (strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ")) {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	if yamlNeedsQuotes(s) {
		var b strings.Builder
		b.WriteByte('"')
		for _, r := range s {
			switch r {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				if r < 0x20 {
					fmt.Fprintf(&b, `\x%02X`, r)
				} else {
					b.WriteRune(r)
				}
			}
		}
		b.WriteByte('"')
		return b.String()
	}
	return s
}

func yamlNeedsQuotes(s string) bool {
	if s == "" || yamlReserved[strings.ToLower(s)] {
		return true
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err == nil {
		return true
	}
	if strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`\t") {
		return true
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return true
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// yamlFunc reads YAML text into maps, lists and scalars, as Kestra's yaml() function does.
// Whole numbers come back as Jackson gives them: an Integer (int32) when they fit, else a
// Long.
func yamlFunc(c *evalCtx, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("The 'yaml' function expects an argument 'yaml' with type string.")
	}
	if err := c.b.grow(len(s)); err != nil {
		return nil, err
	}
	if err := c.b.scan(len(s) * 16); err != nil {
		return nil, err
	}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(s), &node); err != nil {
		return nil, fmt.Errorf("Invalid yaml: %v", err)
	}
	if len(node.Content) == 0 {
		return nil, nil
	}
	return c.fromYAML(node.Content[0], 0)
}

// maxYAMLDepth bounds nesting, aliases included: an alias expands to its anchor's whole
// value, so a few lines can describe a very large document.
const maxYAMLDepth = 64

// fromYAML converts a node, charging each value to the budget: aliases are expanded here,
// so a document of aliases of aliases is charged for what it stands for.
func (c *evalCtx) fromYAML(n *yaml.Node, depth int) (any, error) {
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("Invalid yaml: nested more than %d deep", maxYAMLDepth)
	}
	if err := c.b.step(1); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.AliasNode:
		return c.fromYAML(n.Alias, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.fromYAML(n.Content[0], depth+1)
	case yaml.SequenceNode:
		if err := c.b.grow(elemBytes * len(n.Content)); err != nil {
			return nil, err
		}
		out := make([]any, len(n.Content))
		for i, x := range n.Content {
			var err error
			if out[i], err = c.fromYAML(x, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case yaml.MappingNode:
		if err := c.b.grow(elemBytes * len(n.Content) / 2); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				merged, err := c.fromYAML(v, depth+1)
				if err != nil {
					return nil, err
				}
				if m, ok := merged.(map[string]any); ok {
					for mk, mv := range m {
						if _, exists := out[mk]; !exists {
							out[mk] = mv
						}
					}
				}
				continue
			}
			val, err := c.fromYAML(v, depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = val
		}
		return out, nil
	}
	if err := c.b.grow(len(n.Value)); err != nil {
		return nil, err
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("Invalid yaml: %v", err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			if err := checkNumberLength(n.Value); err != nil {
				return nil, fmt.Errorf("Invalid yaml: %v", err)
			}
			if b, ok := new(big.Int).SetString(n.Value, 0); ok {
				return b, nil
			}
			return n.Value, nil
		}
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			return int32(i), nil
		}
		return i, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("Invalid yaml: %v", err)
		}
		return f, nil
	}
	// Strings, and timestamps, which Jackson leaves as text.
	return n.Value, nil
}
