package templating

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Truthy applies Kestra's runIf rule to a rendered string: "false", "0", "-0" and "" (after
// trimming spaces, "false" in any case) are false, anything else is true.
func Truthy(s string) bool {
	s = strings.TrimSpace(s)
	switch s {
	case "", "0", "-0":
		return false
	}
	return !strings.EqualFold(s, "false")
}

// ToString renders a value the way a tag does, as Kestra prints it: strings as they are,
// integers without a point, floating-point numbers as Java writes a double (always with a
// point: 6.0, 2.5, 1.0E21), booleans as true/false, dates as Kestra's default format, maps
// and lists as JSON with keys in sorted order. nil gives "": a tag only lets a null
// through when the expression asked for it with default or ??.
func ToString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case float64:
		return javaDouble(x, 64)
	case float32:
		return javaDouble(float64(x), 32)
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return x.String()
		}
		if f, err := x.Float64(); err == nil {
			return javaDouble(f, 64)
		}
		return x.String()
	case time.Time:
		return formatTime(x)
	case []byte:
		return string(x)
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	}
	if _, ok := asList(v); ok {
		return jsonText(v)
	}
	if _, ok := asMap(v); ok {
		return jsonText(v)
	}
	return fmt.Sprint(v)
}

// isoOffsetDateTime is java.time's ISO_OFFSET_DATE_TIME, as Jackson writes a date in JSON,
// YAML and Ion: seconds always, the fraction only as far as it is not zero.
const isoOffsetDateTime = "2006-01-02T15:04:05.999999999Z07:00"

// formatTime writes a date as Kestra's default "iso" format does
// (yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX): Java's microseconds, always six digits, UTC written Z.
func formatTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000000Z07:00") }

// toJSON encodes v compactly without HTML escaping: a Slack payload with "<url|text>" links
// must come out as written, not as \u003c.
func toJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// typeName names v's kind in the words of the template language, for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case time.Time:
		return "date"
	}
	if _, _, _, ok := toNumber(v); ok {
		return "number"
	}
	if _, ok := asList(v); ok {
		return "list"
	}
	if _, ok := asMap(v); ok {
		return "map"
	}
	return fmt.Sprintf("%T", v)
}

// describe renders a value for an error message: its type, and short scalar values in full.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if utf8.RuneCountInString(x) > 40 {
			return "a string"
		}
		return fmt.Sprintf("the string %q", x)
	case bool:
		return "the boolean " + strconv.FormatBool(x)
	}
	if _, _, _, ok := toNumber(v); ok {
		return "the number " + ToString(v)
	}
	return "a " + typeName(v)
}

// toNumber reads any Go number (and json.Number) as an int64 or a float64, the two kinds
// Pebble's arithmetic widens to.
func toNumber(v any) (i int64, f float64, isInt, ok bool) {
	switch x := v.(type) {
	case int:
		return int64(x), 0, true, true
	case int64:
		return x, 0, true, true
	case int32:
		return int64(x), 0, true, true
	case int16:
		return int64(x), 0, true, true
	case int8:
		return int64(x), 0, true, true
	case uint:
		return uintNumber(uint64(x))
	case uint64:
		return uintNumber(x)
	case uint32:
		return int64(x), 0, true, true
	case uint16:
		return int64(x), 0, true, true
	case uint8:
		return int64(x), 0, true, true
	case float64:
		return 0, x, false, true
	case float32:
		return 0, float64(x), false, true
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, 0, true, true
		}
		if g, err := x.Float64(); err == nil {
			return 0, g, false, true
		}
	}
	return 0, 0, false, false
}

func uintNumber(u uint64) (int64, float64, bool, bool) {
	if u > math.MaxInt64 {
		return 0, float64(u), false, true
	}
	return int64(u), 0, true, true
}

// asList returns v as a []any when it is any kind of slice or array.
func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	case nil, string, []byte:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// asMap returns v as a map[string]any when it is a map with string keys.
func asMap(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case *Map:
		return x.m, true
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out, true
	case nil:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		out[iter.Key().String()] = iter.Value().Interface()
	}
	return out, true
}

// lookup resolves base[key] (or base.key): a map entry, or a list element by index. ok is
// false when there is nothing there, whatever the reason, so that the caller reports one
// "Unable to find" error and default/?? can catch it.
func lookup(base, key any) (any, bool) {
	switch b := base.(type) {
	case map[string]any:
		v, ok := b[keyString(key)]
		return v, ok
	case map[string]string:
		v, ok := b[keyString(key)]
		return v, ok
	case *Map:
		v, ok := b.m[keyString(key)]
		return v, ok
	case loopVars:
		return b.get(keyString(key))
	case mapEntry:
		return b.get(keyString(key))
	case nil, string, bool:
		return nil, false
	}
	if i, _, isInt, ok := toNumber(key); ok && isInt {
		if list, ok := asList(base); ok {
			if i < 0 || i >= int64(len(list)) {
				return nil, false
			}
			return list[i], true
		}
		return nil, false
	}
	if m, ok := asMap(base); ok {
		v, ok := m[keyString(key)]
		return v, ok
	}
	return nil, false
}

// keyString turns a map key of any type into the string it is stored under.
func keyString(k any) string {
	if s, ok := k.(string); ok {
		return s
	}
	if k == nil {
		return "null"
	}
	if _, _, ok := AsMap(k); ok {
		return javaToString(k)
	}
	if _, ok := asList(k); ok {
		return javaToString(k)
	}
	return ToString(k)
}

// javaToString writes a map or a list as Java's toString does ({k=v, k2=v2}, [a, b]): what
// Jackson prints for a map key that is itself a map or a list.
func javaToString(v any) string {
	if keys, m, ok := AsMap(v); ok {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + javaToString(m[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	if list, ok := asList(v); ok {
		parts := make([]string, len(list))
		for i, e := range list {
			parts[i] = javaToString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if v == nil {
		return "null"
	}
	return ToString(v)
}

// accessor writes how key was reached, for the path in a missing-variable message:
// .name for plain names, ['a-b'] for others, [0] for indexes.
func accessor(key any) string {
	if s, ok := key.(string); ok {
		if isIdentifier(s) {
			return "." + s
		}
		return "['" + strings.ReplaceAll(s, "'", `\'`) + "']"
	}
	return "[" + ToString(key) + "]"
}

func isIdentifier(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}

// isEmpty is Pebble's empty test, which default() uses: null, a blank string, an empty list
// or map.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	if l, ok := asList(v); ok {
		return len(l) == 0
	}
	if m, ok := asMap(v); ok {
		return len(m) == 0
	}
	return false
}

// equal is Pebble's ==: numbers compare by value whatever their type, lists and maps
// element by element, anything else only with a value of the same type. Each value compared
// is a step: lists may hold the same large list many times over.
func (c *evalCtx) equal(a, b any) (bool, error) {
	if err := c.b.step(1); err != nil {
		return false, err
	}
	if a == nil || b == nil {
		return a == nil && b == nil, nil
	}
	if ai, af, aInt, ok := toNumber(a); ok {
		bi, bf, bInt, ok := toNumber(b)
		if !ok {
			return false, nil
		}
		if aInt && bInt {
			return ai == bi, nil
		}
		return toFloat(ai, af, aInt) == toFloat(bi, bf, bInt), nil
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y, nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y, nil
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y), nil
	}
	if la, ok := asList(a); ok {
		lb, ok := asList(b)
		if !ok || len(la) != len(lb) {
			return false, nil
		}
		for i := range la {
			if eq, err := c.equal(la[i], lb[i]); !eq || err != nil {
				return false, err
			}
		}
		return true, nil
	}
	if ma, ok := asMap(a); ok {
		mb, ok := asMap(b)
		if !ok || len(ma) != len(mb) {
			return false, nil
		}
		for k, v := range ma {
			w, ok := mb[k]
			if !ok {
				return false, nil
			}
			if eq, err := c.equal(v, w); !eq || err != nil {
				return false, err
			}
		}
		return true, nil
	}
	return reflect.DeepEqual(a, b), nil
}

func toFloat(i int64, f float64, isInt bool) float64 {
	if isInt {
		return float64(i)
	}
	return f
}

// compare orders two numbers, two strings or two dates; anything else cannot be ordered.
func compare(a, b any) (int, error) {
	if ai, af, aInt, ok := toNumber(a); ok {
		if bi, bf, bInt, ok := toNumber(b); ok {
			if aInt && bInt {
				return cmp3(ai < bi, ai > bi), nil
			}
			x, y := toFloat(ai, af, aInt), toFloat(bi, bf, bInt)
			return cmp3(x < y, x > y), nil
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y), nil
		}
	}
	return 0, fmt.Errorf("cannot compare %s with %s", describe(a), describe(b))
}

func cmp3(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}

// byName indexes defs by the name each gives.
func byName[T any](defs []T, name func(T) string) map[string]T {
	m := make(map[string]T, len(defs))
	for _, d := range defs {
		m[name(d)] = d
	}
	return m
}

// sortedKeys returns the keys of m in order, so output never depends on map iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// isNumber reports whether v is a number of any of the kinds a template holds.
func isNumber(v any) bool {
	_, _, _, ok := toNumber(v)
	return ok
}
