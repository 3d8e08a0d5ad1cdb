package templating

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// filterDef describes one filter: its parameters (positional order, also the names accepted
// as name=value) and how many of them are required.
type filterDef struct {
	name     string
	params   []string
	required int
	apply    func(c *evalCtx, in any, args []any) (any, error)
}

// filters holds every filter flowctl knows, built on first use rather than at start-up.
var filters = sync.OnceValue(func() map[string]*filterDef {
	return byName([]*filterDef{
		{name: "abbreviate", params: []string{"length"}, required: 1, apply: abbreviateFilter},
		{name: "abs", apply: absFilter},
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
		{name: "lower", apply: stringFilter(javaLower)},
		{name: "replace", params: []string{"replace_pairs", "regexp"}, required: 1, apply: replaceFilter},
		{name: "split", params: []string{"delimiter", "limit"}, required: 1, apply: splitFilter},
		{name: "toJson", apply: toJSONFilter},
		{name: "trim", apply: stringFilter(javaTrim)},
		{name: "upper", apply: stringFilter(javaUpper)},
		{name: "jq", params: []string{"expression"}, required: 1, apply: jqFilter},
		{name: "title", apply: titleFilter},
		{name: "capitalize", apply: capitalizeFilter},
		{name: "base64encode", apply: base64EncodeFilter},
		{name: "base64decode", apply: base64DecodeFilter},
		{name: "urlencode", apply: urlEncodeFilter},
		{name: "urldecode", apply: urlDecodeFilter},
		{name: "md5", apply: md5Filter},
		{name: "sha1", apply: sha1Filter},
		{name: "sha256", apply: sha256Filter},
		{name: "sha512", apply: sha512Filter},
		{name: "slugify", apply: slugifyFilter},
		{name: "startsWith", params: []string{"value"}, required: 1, apply: startsWithFilter},
		{name: "endsWith", params: []string{"value"}, required: 1, apply: endsWithFilter},
		{name: "substringBefore", params: []string{"separator"}, required: 1, apply: substringBeforeFilter},
		{name: "substringAfter", params: []string{"separator"}, required: 1, apply: substringAfterFilter},
		{name: "substringBeforeLast", params: []string{"separator"}, required: 1, apply: substringBeforeLastFilter},
		{name: "substringAfterLast", params: []string{"separator"}, required: 1, apply: substringAfterLastFilter},
		{name: "escapeChar", params: []string{"type"}, required: 1, apply: escapeCharFilter},
		{name: "indent", params: []string{"amount", "prefix"}, required: 1, apply: indentFilter("indent", false)},
		{name: "nindent", params: []string{"amount", "prefix"}, required: 1, apply: indentFilter("nindent", true)},
		{name: "flatten", apply: flattenFilter},
		{name: "values", apply: valuesFilter},
		{name: "chunk", params: []string{"size"}, required: 1, apply: chunkFilter},
		{name: "distinct", apply: distinctFilter},
		{name: "slice", params: []string{"fromIndex", "toIndex"}, apply: sliceFilter},
		{name: "sort", apply: sortFilter(false)},
		{name: "rsort", apply: sortFilter(true)},
		{name: "reverse", apply: reverseFilter},
		{name: "merge", params: []string{"items"}, required: 1, apply: mergeFilter},
		{name: "className", apply: classNameFilter},
		{name: "number", params: []string{"type"}, apply: numberFilter},
		{name: "numberFormat", params: []string{"format"}, apply: numberFormatFilter},
		{name: "dateAdd", params: []string{"amount", "unit", "format", "timeZone", "existingFormat", "locale"}, required: 2, apply: dateAddFilter},
		{name: "timestamp", params: []string{"timeZone", "existingFormat"}, apply: timestampFilter("second")},
		{name: "timestampMicro", params: []string{"timeZone", "existingFormat"}, apply: timestampFilter("micro")},
		{name: "yaml", apply: yamlFilter},
		{name: "toIon", apply: toIonFilter},
		{name: "timestampNano", params: []string{"timeZone", "existingFormat"}, apply: timestampFilter("nano")},
	}, func(d *filterDef) string { return d.name })
})

func filterNames() []string { return sortedKeys(filters()) }

// stringFilter lifts a string function into a filter; null passes through as Pebble's
// string filters do, and the tag then reports it.
func stringFilter(f func(string) string) func(*evalCtx, any, []any) (any, error) {
	return func(c *evalCtx, in any, _ []any) (any, error) {
		if in == nil {
			return nil, nil
		}
		// Pebble's upper and lower write any other value with its toString first.
		s, err := c.javaText(in, "null")
		if err != nil {
			return nil, err
		}
		return f(s), nil
	}
}

// javaUpper and javaLower map case as Java's String.toUpperCase and toLowerCase do, with
// Unicode's full mappings ("ß" becomes "SS", a final Σ becomes ς), which Go's
// strings.ToUpper, one rune for one rune, does not. A Caser holds state: one per call.
// ASCII text, the common case, maps the same either way and takes the cheap path.
func javaUpper(s string) string {
	if isASCII(s) {
		return strings.ToUpper(s)
	}
	return cases.Upper(language.Und).String(s)
}

func javaLower(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return cases.Lower(language.Und).String(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// javaTrim is Java's String.trim: it takes away the characters up to U+0020 at both ends,
// not other Unicode spaces (a no-break space stays).
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// abbreviateFilter shortens a string to at most length characters, ending with "..." when it
// had to cut (Pebble's rules, counted in characters rather than bytes).
func abbreviateFilter(c *evalCtx, in any, args []any) (any, error) {
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
	s, err := c.str(in)
	if err != nil {
		return nil, err
	}
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

// absFilter is Pebble's abs: the absolute value, of the same type (-5 | abs is 5,
// -5.2 | abs is 5.2); null or a value other than a number is an error, as in Pebble.
func absFilter(_ *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, errors.New(`Can not pass null value to "abs" filter.`)
	}
	i, f, isInt, ok := toNumber(in)
	if !ok {
		return nil, errors.New("The 'abs' filter does require as input a number.")
	}
	if !isInt {
		return math.Abs(f), nil
	}
	if i == math.MinInt64 {
		// Java's Math.abs leaves Long.MIN_VALUE as it is.
		return i, nil
	}
	if i < 0 {
		i = -i
	}
	return i, nil
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
	// Pebble's LengthFilter: an Integer; a string's Java length (UTF-16 units, so an emoji
	// counts 2); 0 for null and for anything that is not text, a list or a map.
	switch x := in.(type) {
	case nil:
		return int32(0), nil
	case string:
		n := 0
		for _, r := range x {
			n += utf16.RuneLen(r)
		}
		return int32(n), nil
	}
	if l, ok := asList(in); ok {
		return int32(len(l)), nil
	}
	if m, ok := asMap(in); ok {
		return int32(len(m)), nil
	}
	return int32(0), nil
}

// joinFilter joins the elements of a list as text. The result's size is known, and charged,
// before it is built: a list may hold the same long string many times.
func joinFilter(c *evalCtx, in any, args []any) (any, error) {
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
	size := len(sep) * max(len(list)-1, 0)
	for i, v := range list {
		if err := c.b.step(1); err != nil {
			return nil, err
		}
		// StringBuilder.append: Java's toString, "null" for null (Pebble's JoinFilter).
		if parts[i], err = c.javaText(v, "null"); err != nil {
			return nil, err
		}
		size += len(parts[i])
		if err := c.b.fits(size); err != nil {
			return nil, err
		}
	}
	return strings.Join(parts, sep), nil
}

// toJSONFilter encodes any value as JSON; null gives the string "null", so it always renders.
func toJSONFilter(c *evalCtx, in any, _ []any) (any, error) {
	s, err := c.json(in)
	if c.b.stop != nil {
		return nil, c.b.stop
	}
	if err != nil {
		return nil, fmt.Errorf("cannot encode %s as JSON: %v", describe(in), err)
	}
	return s, nil
}

// keysFilter lists a map's keys: in the order they were written for a map literal or
// fromJson's, sorted for the maps a caller gives, whose order would change from run to run.
// A list's keys are its indexes, as Kestra's KeysFilter gives them.
func keysFilter(c *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	if list, ok := asList(in); ok {
		if err := c.b.step(int64(len(list))); err != nil {
			return nil, err
		}
		out := make([]any, len(list))
		for i := range list {
			out[i] = int64(i)
		}
		return out, nil
	}
	keys, _, ok := AsMap(in)
	if !ok {
		return nil, fmt.Errorf("'keys' filter can only be applied to List, Map, Array. Actual type was: %s", javaClassName(in))
	}
	if err := c.b.step(int64(len(keys))); err != nil {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

// replaceFilter is Kestra's replace: each key of the map is replaced by its value, in a
// string, or in every string of a list or map. Pairs apply longest key first (then in key
// order), so that overlapping keys give the same result on every run.
func replaceFilter(c *evalCtx, in any, args []any) (any, error) {
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
	ps := make([]replacement, len(keys))
	for i, k := range keys {
		s, err := c.str(pairs[k])
		if err != nil {
			return nil, err
		}
		ps[i] = replacement{old: k, new: s}
		if useRegexp {
			re, err := c.compile("regular expression", k)
			if err != nil {
				return nil, err
			}
			ps[i].re = re
			ps[i].new = goGroupRefs(ps[i].new)
		}
	}
	// Every value made below the top one is charged here; the top one is charged by
	// filterNode as every filter's result is.
	var apply func(v any) (any, error)
	charged := func(v any) (any, error) {
		out, err := apply(v)
		if err == nil {
			err = c.b.grow(sizeOf(out))
		}
		return out, err
	}
	apply = func(v any) (any, error) {
		if err := c.b.step(1); err != nil {
			return nil, err
		}
		if list, ok := asList(v); ok {
			out := make([]any, len(list))
			for i, x := range list {
				var err error
				if out[i], err = charged(x); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
		if m, ok := asMap(v); ok {
			out := make(map[string]any, len(m))
			for k, x := range m {
				var err error
				if out[k], err = charged(x); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
		s, err := c.str(v)
		for _, p := range ps {
			if err != nil {
				break
			}
			s, err = c.replace(s, p)
		}
		return s, err
	}
	return apply(in)
}

// replacement is one pair of replace: a string or a regular expression, and what replaces it.
type replacement struct {
	re       *regexp.Regexp
	old, new string
}

// replace applies one pair to s, once the size of the result is known to fit the budget.
func (c *evalCtx) replace(s string, p replacement) (string, error) {
	if p.re == nil {
		if err := c.b.scan(len(s)); err != nil {
			return "", err
		}
		n := strings.Count(s, p.old)
		if err := c.b.fits(len(s) + n*(len(p.new)-len(p.old))); err != nil {
			return "", err
		}
		return strings.ReplaceAll(s, p.old, p.new), nil
	}
	matches, err := c.matches(p.re, s, -1)
	if err != nil {
		return "", err
	}
	// Each match becomes the replacement, whose group references expand to at most the
	// text the match covered.
	size, refs := len(s), strings.Count(p.new, "$")
	for _, m := range matches {
		size += len(p.new) + (refs-1)*(m[1]-m[0])
	}
	if err := c.b.fits(size); err != nil {
		return "", err
	}
	return p.re.ReplaceAllString(s, p.new), nil
}

// goGroupRefs rewrites Java's $1 group references as Go's ${1}: Go would read $1abc as the
// group named 1abc.
func goGroupRefs(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) || !isDigit(s[i+1]) {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		b.WriteString("${" + s[i+1:j] + "}")
		i = j - 1
	}
	return b.String()
}

// splitFilter is Java's String.split, which Pebble's split calls: the delimiter is a regular
// expression; without a limit, trailing empty strings are dropped.
func splitFilter(c *evalCtx, in any, args []any) (any, error) {
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
	re, err := c.compile("delimiter", delim)
	if err != nil {
		return nil, err
	}
	s, err := c.str(in)
	if err != nil {
		return nil, err
	}
	most := -1
	if limit > 0 {
		// One more match than pieces: javaSplit skips a zero-width match at the start.
		most = int(min(limit, int64(len(s))+1)) + 1
	}
	matches, err := c.matches(re, s, most)
	if err != nil {
		return nil, err
	}
	parts := javaSplit(s, matches, limit)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

// javaSplit follows java.lang.String.split, given the delimiter's matches in s: no match
// gives the whole string; a zero-width match at the start gives no leading empty string; a
// positive limit caps the number of pieces; a zero limit drops trailing empty strings.
func javaSplit(s string, matches [][]int, limit int64) []string {
	if s == "" {
		return []string{""}
	}
	var parts []string
	last := 0
	for _, m := range matches {
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
