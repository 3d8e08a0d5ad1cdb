package templating

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// filterDef describes one filter: its parameters (positional order, also the names accepted
// as name=value) and how many of them are required.
type filterDef struct {
	name     string
	params   []string
	required int
	apply    func(c *evalCtx, in any, args []any) (any, error)
}

// filters holds every filter flowctl knows. It is filled in init because date and render
// reach back into the parser.
var filters map[string]*filterDef

func init() {
	defs := []*filterDef{
		{name: "abbreviate", params: []string{"length"}, required: 1, apply: abbreviateFilter},
		{name: "date", params: []string{"format", "timeZone", "existingFormat", "locale"}, apply: dateFilter},
		// default never reaches apply: filterNode evaluates it itself, to catch a missing
		// input.
		{name: "default", params: []string{"default"}, required: 1, apply: nil},
		{name: "first", apply: firstFilter},
		{name: "join", params: []string{"separator"}, apply: joinFilter},
		{name: "json", apply: toJSONFilter},
		{name: "keys", apply: keysFilter},
		{name: "last", apply: lastFilter},
		{name: "length", apply: lengthFilter},
		{name: "lower", apply: stringFilter(strings.ToLower)},
		{name: "replace", params: []string{"replace_pairs", "regexp"}, required: 1, apply: replaceFilter},
		{name: "split", params: []string{"delimiter", "limit"}, required: 1, apply: splitFilter},
		{name: "toJson", apply: toJSONFilter},
		{name: "trim", apply: stringFilter(strings.TrimSpace)},
		{name: "upper", apply: stringFilter(strings.ToUpper)},
	}
	filters = make(map[string]*filterDef, len(defs))
	for _, d := range defs {
		filters[d.name] = d
	}
}

func filterNames() []string { return sortedKeys(filters) }

// stringFilter lifts a string function into a filter; null passes through as Pebble's
// string filters do, and the tag then reports it.
func stringFilter(f func(string) string) func(*evalCtx, any, []any) (any, error) {
	return func(_ *evalCtx, in any, _ []any) (any, error) {
		if in == nil {
			return nil, nil
		}
		return f(ToString(in)), nil
	}
}

// abbreviateFilter shortens a string to at most length characters, ending with "..." when it
// had to cut (Pebble's rules, counted in characters rather than bytes).
func abbreviateFilter(_ *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	n, err := intArg("length", args[0])
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("length must not be negative, got %d", n)
	}
	s := ToString(in)
	runes := utf8.RuneCountInString(s)
	if int64(runes) < n || runes <= 3 {
		return s, nil
	}
	if n <= 3 {
		return prefixRunes(s, int(n)), nil
	}
	return prefixRunes(s, int(n)-3) + "...", nil
}

func prefixRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// intArg reads an integer argument.
func intArg(name string, v any) (int64, error) {
	i, f, isInt, ok := toNumber(v)
	if ok && !isInt && f == float64(int64(f)) {
		return int64(f), nil
	}
	if !ok || !isInt {
		return 0, fmt.Errorf("%s must be an integer, got %s", name, describe(v))
	}
	return i, nil
}

// stringArg reads a string argument; nil (not given) gives def.
func stringArg(name string, v any, def string) (string, error) {
	if v == nil {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s must be a string, got %s", name, describe(v))
	}
	return s, nil
}

func firstFilter(_ *evalCtx, in any, _ []any) (any, error) {
	return endItem(in, true)
}

func lastFilter(_ *evalCtx, in any, _ []any) (any, error) {
	return endItem(in, false)
}

// endItem is the first or last element of a list, or character of a string; null for an
// empty one.
func endItem(in any, first bool) (any, error) {
	switch x := in.(type) {
	case nil:
		return nil, nil
	case string:
		if x == "" {
			return "", nil
		}
		if first {
			r, _ := utf8.DecodeRuneInString(x)
			return string(r), nil
		}
		r, _ := utf8.DecodeLastRuneInString(x)
		return string(r), nil
	}
	list, ok := asList(in)
	if !ok {
		return nil, fmt.Errorf("needs a list or a string, got %s", describe(in))
	}
	if len(list) == 0 {
		return nil, nil
	}
	if first {
		return list[0], nil
	}
	return list[len(list)-1], nil
}

func lengthFilter(_ *evalCtx, in any, _ []any) (any, error) {
	switch x := in.(type) {
	case nil:
		return int64(0), nil
	case string:
		return int64(utf8.RuneCountInString(x)), nil
	}
	if l, ok := asList(in); ok {
		return int64(len(l)), nil
	}
	if m, ok := asMap(in); ok {
		return int64(len(m)), nil
	}
	return nil, fmt.Errorf("needs a string, a list or a map, got %s", describe(in))
}

func joinFilter(_ *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	sep, err := stringArg("separator", args[0], "")
	if err != nil {
		return nil, err
	}
	list, ok := asList(in)
	if !ok {
		return nil, fmt.Errorf("needs a list, got %s", describe(in))
	}
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = ToString(v)
	}
	return strings.Join(parts, sep), nil
}

// toJSONFilter encodes any value as JSON; null gives the string "null", so it always renders.
func toJSONFilter(_ *evalCtx, in any, _ []any) (any, error) {
	s, err := toJSON(in)
	if err != nil {
		return nil, fmt.Errorf("cannot encode %s as JSON: %v", describe(in), err)
	}
	return s, nil
}

// keysFilter lists a map's keys, sorted: Go maps have no order and output must be stable.
func keysFilter(_ *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	m, ok := asMap(in)
	if !ok {
		return nil, fmt.Errorf("needs a map, got %s", describe(in))
	}
	keys := sortedKeys(m)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

// replaceFilter is Kestra's replace: each key of the map is replaced by its value, in a
// string, or in every string of a list or map. Pairs apply longest key first (then in key
// order), so that overlapping keys give the same result on every run.
func replaceFilter(_ *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	pairs, ok := asMap(args[0])
	if !ok {
		return nil, fmt.Errorf("replace_pairs must be a map such as {'a': 'b'}, got %s", describe(args[0]))
	}
	useRegexp := false
	if args[1] != nil {
		b, ok := args[1].(bool)
		if !ok {
			return nil, fmt.Errorf("regexp must be a boolean, got %s", describe(args[1]))
		}
		useRegexp = b
	}
	keys := sortedKeys(pairs)
	sort.SliceStable(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	type pair struct {
		re       *regexp.Regexp
		old, new string
	}
	ps := make([]pair, len(keys))
	for i, k := range keys {
		ps[i] = pair{old: k, new: ToString(pairs[k])}
		if useRegexp {
			re, err := regexp.Compile(k)
			if err != nil {
				return nil, fmt.Errorf("invalid regular expression %q: %v", k, err)
			}
			ps[i].re = re
			ps[i].new = javaGroupRefs.ReplaceAllString(ps[i].new, "$${$1}")
		}
	}
	var apply func(v any) any
	apply = func(v any) any {
		if list, ok := asList(v); ok {
			out := make([]any, len(list))
			for i, x := range list {
				out[i] = apply(x)
			}
			return out
		}
		if m, ok := asMap(v); ok {
			out := make(map[string]any, len(m))
			for k, x := range m {
				out[k] = apply(x)
			}
			return out
		}
		s := ToString(v)
		for _, p := range ps {
			if p.re != nil {
				s = p.re.ReplaceAllString(s, p.new)
			} else {
				s = strings.ReplaceAll(s, p.old, p.new)
			}
		}
		return s
	}
	return apply(in), nil
}

// javaGroupRefs finds Java's $1 group references, which Go would read as ${1abc} when a
// letter follows.
var javaGroupRefs = regexp.MustCompile(`\$(\d+)`)

// splitFilter is Java's String.split, which Pebble's split calls: the delimiter is a regular
// expression; without a limit, trailing empty strings are dropped.
func splitFilter(_ *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	delim, err := stringArg("delimiter", args[0], "")
	if err != nil {
		return nil, err
	}
	limit := int64(0)
	if args[1] != nil {
		if limit, err = intArg("limit", args[1]); err != nil {
			return nil, err
		}
	}
	re, err := regexp.Compile(delim)
	if err != nil {
		return nil, fmt.Errorf("invalid delimiter %q: %v", delim, err)
	}
	parts := javaSplit(ToString(in), re, limit)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// javaSplit follows java.lang.String.split: no match gives the whole string; a zero-width
// match at the start gives no leading empty string; a positive limit caps the number of
// pieces; a zero limit drops trailing empty strings.
func javaSplit(s string, re *regexp.Regexp, limit int64) []string {
	if s == "" {
		return []string{""}
	}
	var parts []string
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if limit > 0 && int64(len(parts)) == limit-1 {
			break
		}
		if m[1] == 0 {
			continue
		}
		parts = append(parts, s[last:m[0]])
		last = m[1]
	}
	parts = append(parts, s[last:])
	if limit == 0 {
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	}
	return parts
}
