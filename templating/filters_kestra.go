package templating

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The string filters of Kestra and Pebble. Null goes through as null, as in Kestra, unless
// the filter says otherwise.

// textOf is Java's input.toString() for the filters that take any value as text: strings as
// they are, other values as a tag would print them.
func (c *evalCtx) textOf(in any) (string, error) { return c.str(in) }

// needString is the input of a filter that Pebble casts to String.
func needString(in any) (string, error) {
	s, ok := in.(string)
	if !ok {
		return "", fmt.Errorf("needs a string, got %s", describe(in))
	}
	return s, nil
}

// titleFilter is Pebble's title: the first letter after each run of white space is put in
// title case, the rest is left as it is.
func titleFilter(_ *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s, err := needString(in)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	next := true
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			next = true
		case next:
			r = unicode.ToTitle(r)
			next = false
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

// capitalizeFilter is Pebble's capitalize: the first letter that is not white space is put
// in title case.
func capitalizeFilter(_ *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s, err := needString(in)
	if err != nil {
		return nil, err
	}
	for i, r := range s {
		if !unicode.IsSpace(r) {
			_, n := utf8.DecodeRuneInString(s[i:])
			return s[:i] + string(unicode.ToTitle(r)) + s[i+n:], nil
		}
	}
	return s, nil
}

func base64EncodeFilter(c *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s, err := c.textOf(in)
	if err != nil {
		return nil, err
	}
	if err := c.b.fits(base64.StdEncoding.EncodedLen(len(s))); err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// base64DecodeFilter is Java's basic Base64 decoder: the padding may be left out; bytes that
// are not UTF-8 read as U+FFFD, as new String(bytes, UTF_8) reads them.
func base64DecodeFilter(_ *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s, ok := in.(string)
	if !ok {
		return nil, errors.New("This filter applies to String")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	if err != nil {
		return nil, errors.New("Please provide a correctly Base64 encoded string containing an UTF-8 string")
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

// urlEncodeFilter is Java's URLEncoder (application/x-www-form-urlencoded): letters, digits
// and . - * _ stay, a space becomes +, every other byte of the UTF-8 text is %XX.
func urlEncodeFilter(c *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s, err := needString(in)
	if err != nil {
		return nil, err
	}
	if err := c.b.fits(3 * len(s)); err != nil {
		return nil, err
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9',
			ch == '.', ch == '-', ch == '*', ch == '_':
			b.WriteByte(ch)
		case ch == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[ch>>4])
			b.WriteByte(hexDigits[ch&15])
		}
	}
	return b.String(), nil
}

// urlDecodeFilter is Java's URLDecoder: + is a space, %XX a byte of UTF-8 text.
func urlDecodeFilter(_ *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s, err := needString(in)
	if err != nil {
		return nil, err
	}
	out, err := url.QueryUnescape(s)
	if err != nil {
		return nil, fmt.Errorf("URLDecoder: Illegal hex characters in escape (%%) pattern: %v", err)
	}
	return strings.ToValidUTF8(out, "\uFFFD"), nil
}

// hashFilter digests the UTF-8 text of a string and writes it in lower-case hex.
func hashFilter(newHash func() hash.Hash) func(*evalCtx, any, []any) (any, error) {
	return func(c *evalCtx, in any, _ []any) (any, error) {
		if in == nil {
			return nil, nil
		}
		s, ok := in.(string)
		if !ok {
			return nil, errors.New("Need a string to hash")
		}
		if err := c.b.scan(len(s)); err != nil {
			return nil, err
		}
		h := newHash()
		h.Write([]byte(s))
		return hex.EncodeToString(h.Sum(nil)), nil
	}
}

var (
	md5Filter    = hashFilter(md5.New)
	sha1Filter   = hashFilter(sha1.New)
	sha256Filter = hashFilter(sha256.New)
	sha512Filter = hashFilter(sha512.New)
)

// Kestra's Slugify: white space becomes -, accents are split from their letters (NFD) and
// everything but [A-Za-z0-9_-] dropped, _ becomes -, runs of - shrink to one, - is trimmed
// from both ends, and the result is lower case. The patterns are compiled on first use, not
// at start-up.
var slugPatterns = sync.OnceValue(func() (p struct{ space, nonLatin, dashes *regexp.Regexp }) {
	p.space = regexp.MustCompile(`\s`)
	p.nonLatin = regexp.MustCompile(`[^A-Za-z0-9_-]`)
	p.dashes = regexp.MustCompile(`-{2,}`)
	return p
})

func slugifyFilter(c *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s, err := c.textOf(in)
	if err != nil {
		return nil, err
	}
	if err := c.b.scan(len(s) * 8); err != nil {
		return nil, err
	}
	p := slugPatterns()
	s = p.space.ReplaceAllString(s, "-")
	s = norm.NFD.String(s)
	s = p.nonLatin.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "_", "-")
	s = p.dashes.ReplaceAllString(s, "-")
	s = strings.TrimPrefix(s, "-")
	s = strings.TrimSuffix(s, "-")
	return strings.ToLower(s), nil
}

// affixFilter is startsWith or endsWith: whether the text of the input starts (or ends) with
// the text of the value.
func affixFilter(test func(s, affix string) bool) func(*evalCtx, any, []any) (any, error) {
	return func(c *evalCtx, in any, args []any) (any, error) {
		if in == nil {
			return nil, errors.New("cannot test null: the input has no value")
		}
		if args[0] == nil {
			return nil, errors.New("value must not be null")
		}
		s, err := c.textOf(in)
		if err != nil {
			return nil, err
		}
		affix, err := c.textOf(args[0])
		if err != nil {
			return nil, err
		}
		return test(s, affix), nil
	}
}

var (
	startsWithFilter = affixFilter(strings.HasPrefix)
	endsWithFilter   = affixFilter(strings.HasSuffix)
)

// substringFilter is one of Apache Commons' StringUtils.substring{Before,After}[Last],
// which Kestra's filters call, given the text and a separator.
func substringFilter(name string, cut func(s, sep string) string) func(*evalCtx, any, []any) (any, error) {
	return func(c *evalCtx, in any, args []any) (any, error) {
		if in == nil {
			return nil, nil
		}
		sep, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("The '%s' filter expects an argument 'separator' of type string, got %s", name, describe(args[0]))
		}
		s, err := c.textOf(in)
		if err != nil {
			return nil, err
		}
		return cut(s, sep), nil
	}
}

var (
	substringBeforeFilter = substringFilter("substringBefore", func(s, sep string) string {
		if s == "" {
			return s
		}
		if sep == "" {
			return ""
		}
		if i := strings.Index(s, sep); i >= 0 {
			return s[:i]
		}
		return s
	})
	substringAfterFilter = substringFilter("substringAfter", func(s, sep string) string {
		if i := strings.Index(s, sep); i >= 0 {
			return s[i+len(sep):]
		}
		return ""
	})
	substringBeforeLastFilter = substringFilter("substringBeforeLast", func(s, sep string) string {
		if sep == "" {
			return s
		}
		if i := strings.LastIndex(s, sep); i >= 0 {
			return s[:i]
		}
		return s
	})
	substringAfterLastFilter = substringFilter("substringAfterLast", func(s, sep string) string {
		if sep == "" {
			return ""
		}
		if i := strings.LastIndex(s, sep); i >= 0 {
			return s[i+len(sep):]
		}
		return ""
	})
)

// escapeCharFilter escapes one kind of quote in a string, or in every value of a list or a
// map, for the type given: single (' → \'), double (" → \") or shell (' → '\”).
func escapeCharFilter(c *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	kind, _ := args[0].(string)
	var quote, escaped string
	switch strings.ToLower(kind) {
	case "single":
		quote, escaped = "'", `\'`
	case "double":
		quote, escaped = `"`, `\"`
	case "shell":
		quote, escaped = "'", `'\''`
	default:
		return nil, errors.New("The 'escapeChar' filter expects the value of 'type' to be either 'single', 'double', or 'shell'.")
	}
	p := replacement{old: quote, new: escaped}
	var apply func(v any) (any, error)
	apply = func(v any) (any, error) {
		if err := c.b.step(1); err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		if list, ok := asList(v); ok {
			out := make([]any, len(list))
			for i, x := range list {
				var err error
				if out[i], err = apply(x); err != nil {
					return nil, err
				}
			}
			return out, c.b.grow(sizeOf(out))
		}
		if m, ok := asMap(v); ok {
			out := make(map[string]any, len(m))
			for k, x := range m {
				var err error
				if out[k], err = apply(x); err != nil {
					return nil, err
				}
			}
			return out, c.b.grow(sizeOf(out))
		}
		s, err := c.textOf(v)
		if err != nil {
			return nil, err
		}
		s, err = c.replace(s, p)
		if err == nil {
			err = c.b.grow(len(s))
		}
		return s, err
	}
	return apply(in)
}

// indentFilter is Kestra's indent (newline=false) or nindent (newline=true): prefix,
// repeated amount times, goes after each line break of the text (the break the text uses:
// \r\n, \n\r, \n or \r); nindent also starts with a line break. Empty text stays empty.
func indentFilter(name string, newline bool) func(*evalCtx, any, []any) (any, error) {
	return func(c *evalCtx, in any, args []any) (any, error) {
		if in == nil {
			return nil, nil
		}
		s, err := c.textOf(in)
		if err != nil || s == "" {
			return s, err
		}
		amount, err := intArg("amount", args[0])
		if err != nil {
			return nil, fmt.Errorf("The '%s' filter expects an integer as argument 'amount'.", name)
		}
		if amount < 0 {
			return nil, fmt.Errorf("The '%s' filter expects a positive integer >=0 as argument 'amount'.", name)
		}
		prefix, err := stringArg("prefix", args[1], " ")
		if err != nil {
			return nil, err
		}
		if amount > c.b.room() || int64(len(prefix)) > c.b.room()/max(amount, 1) {
			return nil, c.b.grow(int(min(amount, c.b.room()+1)) * max(len(prefix), 1))
		}
		nl := lineBreak(s)
		if newline {
			s = nl + s
		}
		return c.replace(s, replacement{old: nl, new: nl + strings.Repeat(prefix, int(amount))})
	}
}

// lineBreak is the line break a text uses, "\n" when it has none.
func lineBreak(s string) string {
	for _, nl := range []string{"\r\n", "\n\r", "\n", "\r"} {
		if strings.Contains(s, nl) {
			return nl
		}
	}
	return "\n"
}

// The filters on lists and maps.

// flattenFilter lifts the elements of the lists inside a list one level up.
func flattenFilter(c *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	list, ok := asList(in)
	if !ok {
		return nil, errors.New("The 'flatten' filter can only be applied to lists.")
	}
	out := []any{}
	for _, v := range list {
		if inner, ok := asList(v); ok {
			if err := c.b.step(int64(len(inner))); err != nil {
				return nil, err
			}
			if err := c.b.fits(elemBytes * (len(out) + len(inner))); err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

// valuesFilter lists a map's values, in the order keys lists its keys.
func valuesFilter(c *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	m, ok := asMap(in)
	if !ok {
		return nil, fmt.Errorf("'values' filter can only be applied to Map. Actual type was: %s", javaClassName(in))
	}
	if err := c.b.step(int64(len(m))); err != nil {
		return nil, err
	}
	out := make([]any, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out, nil
}

// chunkFilter cuts a list into lists of size elements, the last one shorter when they do
// not divide evenly.
func chunkFilter(c *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	list, ok := asList(in)
	if !ok {
		return nil, fmt.Errorf("'chunk' filter can only be applied to List. Actual type was: %s", javaClassName(in))
	}
	size, err := intArg("size", args[0])
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("size must be greater than 0, got %d", size)
	}
	out := []any{}
	for i := 0; i < len(list); i += int(size) {
		end := min(i+int(size), len(list))
		if err := c.b.grow(elemBytes * (end - i + 1)); err != nil {
			return nil, err
		}
		out = append(out, list[i:end:end])
	}
	return out, nil
}

// distinctFilter keeps the first of each set of equal elements of a list, in order.
func distinctFilter(c *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	list, ok := asList(in)
	if !ok {
		return nil, fmt.Errorf("'distinct' filter can only be applied to List. Actual type was: %s", javaClassName(in))
	}
	out := []any{}
	seen := map[string]bool{}
	for _, v := range list {
		key, err := c.json(v)
		if err != nil {
			return nil, err
		}
		key = typeName(v) + ":" + key
		if !seen[key] {
			seen[key] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// sliceFilter is Pebble's slice: the elements (or characters) from fromIndex up to, not
// including, toIndex (default: the end).
func sliceFilter(_ *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	from := int64(0)
	if args[0] != nil {
		i, ok := javaLongValue(args[0])
		if !ok {
			return nil, fmt.Errorf("Argument fromIndex must be a number. Actual type: %s", javaClassName(args[0]))
		}
		from = i
	}
	if from < 0 {
		return nil, errors.New("fromIndex must be greater than 0")
	}
	var length int
	var runes []rune
	list, isList := asList(in)
	switch {
	case isList:
		length = len(list)
	default:
		s, ok := in.(string)
		if !ok {
			return nil, fmt.Errorf("Slice filter can only be applied to String, List and array inputs. Actual type was: %s", javaClassName(in))
		}
		runes = []rune(s)
		length = len(runes)
	}
	to := int64(length)
	if args[1] != nil {
		i, ok := javaLongValue(args[1])
		if !ok {
			return nil, fmt.Errorf("Argument toIndex must be a number. Actual type: %s", javaClassName(args[1]))
		}
		if i > int64(length) {
			return nil, fmt.Errorf("toIndex must be smaller than input size: %d", length)
		}
		if from >= i {
			return nil, errors.New("toIndex must be greater than fromIndex")
		}
		to = i
	}
	if from > to {
		return nil, fmt.Errorf("fromIndex %d is past the end (%d)", from, length)
	}
	if isList {
		return append([]any{}, list[from:to]...), nil
	}
	return string(runes[from:to]), nil
}

// listIndexes is what Kestra's keys gives for a list: its indexes.
func listIndexes(c *evalCtx, in any) (any, error) {
	list, ok := asList(in)
	if !ok {
		return nil, fmt.Errorf("'keys' filter can only be applied to List, Map, Array. Actual type was: %s", javaClassName(in))
	}
	if err := c.b.grow(elemBytes * len(list)); err != nil {
		return nil, err
	}
	out := make([]any, len(list))
	for i := range list {
		out[i] = int32(i)
	}
	return out, nil
}

// javaLongValue is Java's Number.longValue(): a number, its fraction dropped.
func javaLongValue(v any) (int64, bool) {
	i, f, isInt, ok := toNumber(v)
	if ok && !isInt {
		i = int64(f)
	}
	return i, ok
}

// sortFilter sorts a list of numbers, of strings or of dates, ascending or, for rsort,
// descending. Elements that cannot be compared fail, as in Java.
func sortFilter(descending bool) func(*evalCtx, any, []any) (any, error) {
	return func(c *evalCtx, in any, _ []any) (any, error) {
		if in == nil {
			return nil, nil
		}
		list, ok := asList(in)
		if !ok {
			return nil, errors.New("Unsupported input type for sort filter")
		}
		out := append([]any{}, list...)
		var err error
		mergeSortValues(out, func(a, b any) bool {
			if err != nil {
				return false
			}
			if e := c.b.step(1); e != nil {
				err = e
				return false
			}
			d, e := compare(a, b)
			if e != nil {
				err = e
				return false
			}
			if descending {
				return d > 0
			}
			return d < 0
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// mergeSortValues is a merge sort: it calls less O(n log n) times whatever less answers, so that
// a comparison that fails half way leaves a bounded amount of work.
func mergeSortValues(s []any, less func(a, b any) bool) {
	if len(s) < 2 {
		return
	}
	mid := len(s) / 2
	left := append([]any{}, s[:mid]...)
	right := append([]any{}, s[mid:]...)
	mergeSortValues(left, less)
	mergeSortValues(right, less)
	i, j, k := 0, 0, 0
	for i < len(left) && j < len(right) {
		if less(right[j], left[i]) {
			s[k] = right[j]
			j++
		} else {
			s[k] = left[i]
			i++
		}
		k++
	}
	k += copy(s[k:], left[i:])
	copy(s[k:], right[j:])
}

// reverseFilter reverses a list (Pebble reverses lists only).
func reverseFilter(_ *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	list, ok := asList(in)
	if !ok {
		return nil, fmt.Errorf("needs a list, got %s", describe(in))
	}
	out := make([]any, len(list))
	for i, v := range list {
		out[len(list)-1-i] = v
	}
	return out, nil
}

// mergeFilter is Pebble's merge: the input decides the kind of the result. A map takes the
// entries of a map (which win) or the elements of a list as keys with themselves as values;
// a list takes the elements of a list, or the entries of a map as {key, value} maps.
func mergeFilter(c *evalCtx, in any, args []any) (any, error) {
	items := args[0]
	switch {
	case in == nil && items == nil:
		return nil, errors.New("The two arguments to be merged are null")
	case in == nil:
		return items, nil
	case items == nil:
		return in, nil
	}
	if keys1, m, ok := AsMap(in); ok {
		// Pebble's merge fills a java.util.HashMap (new HashMap<>(n1 + n2 + 16)): the result
		// comes in the order of its hash table, as a map literal does (see hashMapOrder).
		var keys []any
		var vals []any
		for _, k := range keys1 {
			keys, vals = append(keys, k), append(vals, m[k])
		}
		if keys2, m2, ok := AsMap(items); ok {
			for _, k := range keys2 {
				keys, vals = append(keys, k), append(vals, m2[k])
			}
			return c.hashMap(keys, vals, len(keys1)+len(keys2)+16)
		}
		if l2, ok := asList(items); ok {
			for _, v := range l2 {
				if _, err := c.scalar(v); err != nil {
					return nil, err
				}
				keys, vals = append(keys, v), append(vals, v)
			}
			return c.hashMap(keys, vals, len(keys1)+len(l2)+16)
		}
		return nil, fmt.Errorf("Currently, only Maps and Lists can be merged with a Map. Arg2: %s", javaClassName(items))
	}
	if l, ok := asList(in); ok {
		out := append([]any{}, l...)
		if l2, ok := asList(items); ok {
			return append(out, l2...), c.b.step(int64(len(out) + len(l2)))
		}
		if keys2, m2, ok := AsMap(items); ok {
			// Pebble adds the map's entries, Map.Entry objects: entry.key and entry.value,
			// written {"k": v} in JSON.
			for _, k := range keys2 {
				out = append(out, mapEntry{key: k, value: m2[k]})
			}
			return out, c.b.step(int64(len(out)))
		}
		return nil, fmt.Errorf("Currently, only Maps and Lists can be merged with a List. Arg2: %s", javaClassName(items))
	}
	return nil, errors.New("The object being filtered is not a Map/List/Array")
}

// classNameFilter names the Java class Kestra would hold the value as.
func classNameFilter(_ *evalCtx, in any, _ []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	return javaClassName(in), nil
}

// javaClassName maps a template value to the Java class of the value Kestra holds in its
// place: int32 for an Integer, int64 for a Long (Pebble's integer literals are Longs),
// float32 for a Float and float64 for a Double.
func javaClassName(v any) string {
	switch v.(type) {
	case string:
		return "java.lang.String"
	case bool:
		return "java.lang.Boolean"
	case int32, int16, int8, uint16, uint8:
		return "java.lang.Integer"
	case int, int64, uint32, uint, uint64:
		return "java.lang.Long"
	case float32:
		return "java.lang.Float"
	case float64:
		return "java.lang.Double"
	case json.Number:
		return "java.math.BigDecimal"
	case *big.Int:
		return "java.math.BigInteger"
	case time.Time:
		return "java.time.ZonedDateTime"
	}
	if _, ok := asList(v); ok {
		return "java.util.ArrayList"
	}
	if _, ok := asMap(v); ok {
		return "java.util.LinkedHashMap"
	}
	return fmt.Sprintf("%T", v)
}
