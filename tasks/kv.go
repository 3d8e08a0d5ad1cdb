package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/templating"
)

// KV is the KV store as a task run sees it: Kestra's key-value pairs, one set per namespace,
// shared by every flow and every process using the same state. The runner fills it from the
// state; nil means the run has no state, and a KV task fails saying so.
type KV interface {
	// Get returns the value under key in namespace; ok is false when there is none (or it
	// expired).
	Get(namespace, key string) (v KVValue, ok bool, err error)
	// Set stores v under key in namespace.
	Set(namespace, key string, v KVValue, opts KVSetOptions) error
	// Keys returns the keys of namespace that start with prefix, in order.
	Keys(namespace, prefix string) ([]string, error)
	// Delete removes key from namespace and tells whether it was there.
	Delete(namespace, key string) (bool, error)
}

// ErrKVSecret is the error KV.Set wraps when it refuses a value that holds one of the
// execution's secrets (the state keeps values in clear): the task says it of the property
// the value came from.
var ErrKVSecret = errors.New("holds a secret")

// KVSetOptions are the options of KV.Set.
type KVSetOptions struct {
	// TTL, when positive, makes the pair vanish that long after it is set.
	TTL time.Duration
	// Overwrite lets Set replace a pair that is there; without it Set fails with Kestra's
	// "Key already exists" error.
	Overwrite bool
}

// errNoKV is the error of a KV task, or of kv() in a template, run without a state.
var errNoKV = errors.New("the KV store needs a state file, and this run has none")

// The types of a KV value, as Kestra's KVType names them.
const (
	KVString   = "STRING"
	KVNumber   = "NUMBER"
	KVBoolean  = "BOOLEAN"
	KVDateTime = "DATETIME"
	KVDate     = "DATE"
	KVDuration = "DURATION"
	KVJSON     = "JSON"
)

// KVTypes lists the types in Kestra's order, for flags and messages.
func KVTypes() []string {
	return []string{KVString, KVNumber, KVBoolean, KVDateTime, KVDate, KVDuration, KVJSON}
}

// KVValue is a typed value of the KV store. Value holds, by Type: STRING a string, NUMBER an
// int64 or a float64, BOOLEAN a bool, DATETIME a time.Time in UTC, DATE a time.Time at
// midnight UTC, DURATION a time.Duration, JSON what encoding/json gives (maps, lists,
// scalars, integers as int64).
type KVValue struct {
	Type  string
	Value any
}

// Plain returns the value as templates and outputs hold it: a date as "2006-01-02" and a
// duration as ISO-8601 (as Kestra's LocalDate and Duration print), the rest as it is.
func (v KVValue) Plain() any {
	switch x := v.Value.(type) {
	case time.Duration:
		return duration.Format(x)
	case time.Time:
		if v.Type == KVDate {
			return x.Format(time.DateOnly)
		}
	}
	return v.Value
}

// MarshalJSON writes the value as the state keeps it: dates and durations as their ISO text.
func (v KVValue) MarshalJSON() ([]byte, error) {
	switch x := v.Plain().(type) {
	case time.Time:
		return json.Marshal(x.UTC().Format(time.RFC3339Nano))
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return nil, err
		}
		return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
	}
}

// DecodeKVValue reads back a value of type typ that MarshalJSON wrote.
func DecodeKVValue(typ string, raw []byte) (KVValue, error) {
	v, err := decodeJSON(raw)
	if err != nil {
		return KVValue{}, fmt.Errorf("KV value of type %s: %v", typ, err)
	}
	if typ == KVJSON {
		return KVValue{Type: typ, Value: v}, nil
	}
	return ConvertKVValue(typ, v)
}

// NewKVValue types a value rendered from a template, as Kestra stores one set without a
// kvType: text, numbers, booleans, dates, maps and lists each keep their kind.
func NewKVValue(v any) (KVValue, error) {
	switch x := v.(type) {
	case nil:
		return KVValue{}, errors.New("the value is null")
	case string:
		return KVValue{Type: KVString, Value: x}, nil
	case bool:
		return KVValue{Type: KVBoolean, Value: x}, nil
	case time.Time:
		return KVValue{Type: KVDateTime, Value: x.UTC()}, nil
	case time.Duration:
		return KVValue{Type: KVDuration, Value: x}, nil
	case map[string]any, []any:
		return KVValue{Type: KVJSON, Value: x}, nil
	}
	if n, ok := number(v); ok {
		return KVValue{Type: KVNumber, Value: n}, nil
	}
	// Any other map or list: its JSON form.
	raw, err := json.Marshal(v)
	if err != nil {
		return KVValue{}, fmt.Errorf("cannot store a %T in the KV store", v)
	}
	return DecodeKVValue(KVJSON, raw)
}

// ConvertKVValue gives v the type typ (a Kestra kvType, any case); its errors say what is
// wrong with the value, for the caller to name the type. Text is converted as
// Kestra's Set does with its kvType: NUMBER parses a JSON number, BOOLEAN true or false,
// DATETIME an RFC 3339 date, DATE a date (2024-05-02) or an RFC 3339 date (its day in UTC),
// DURATION an ISO-8601 duration, JSON a JSON document. A value that is already of the type
// is kept; STRING turns anything else into its text (maps and lists as JSON).
func ConvertKVValue(typ string, v any) (KVValue, error) {
	typ = strings.ToUpper(typ)
	if v == nil {
		return KVValue{}, errors.New("the value is null")
	}
	s, isText := v.(string)
	fail := func(want string) (KVValue, error) {
		if isText {
			return KVValue{}, fmt.Errorf("%q is not %s", clip(s), want)
		}
		return KVValue{}, fmt.Errorf("the value is %s, not %s", kindOf(v), want)
	}
	switch typ {
	case KVString:
		if isText {
			return KVValue{Type: typ, Value: s}, nil
		}
		nv, err := NewKVValue(v)
		if err != nil {
			return KVValue{}, err
		}
		raw, err := nv.MarshalJSON()
		if err != nil {
			return KVValue{}, err
		}
		if str, ok := nv.Plain().(string); ok {
			return KVValue{Type: typ, Value: str}, nil
		}
		return KVValue{Type: typ, Value: string(raw)}, nil
	case KVNumber:
		if isText {
			d, err := decodeJSON([]byte(strings.TrimSpace(s)))
			if err == nil {
				v = d
			}
		}
		if n, ok := number(v); ok {
			return KVValue{Type: typ, Value: n}, nil
		}
		return fail("a number")
	case KVBoolean:
		if isText {
			switch {
			case strings.EqualFold(strings.TrimSpace(s), "true"):
				v = true
			case strings.EqualFold(strings.TrimSpace(s), "false"):
				v = false
			}
		}
		if b, ok := v.(bool); ok {
			return KVValue{Type: typ, Value: b}, nil
		}
		return fail("true or false")
	case KVDateTime:
		if isText {
			t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
			if err != nil {
				return fail("a date and time such as 2024-05-02T01:02:03Z")
			}
			v = t
		}
		if t, ok := v.(time.Time); ok {
			return KVValue{Type: typ, Value: t.UTC()}, nil
		}
		return fail("a date and time")
	case KVDate:
		if isText {
			t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
			if err != nil {
				if t, err = time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err != nil {
					return fail("a date such as 2024-05-02")
				}
			}
			v = t
		}
		if t, ok := v.(time.Time); ok {
			y, m, d := t.UTC().Date()
			return KVValue{Type: typ, Value: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}, nil
		}
		return fail("a date")
	case KVDuration:
		if isText {
			d, err := duration.Parse(strings.TrimSpace(s))
			if err != nil {
				return fail("an ISO-8601 duration such as PT5M or P1DT2H")
			}
			v = d
		}
		if d, ok := v.(time.Duration); ok {
			return KVValue{Type: typ, Value: d}, nil
		}
		return fail("a duration")
	case KVJSON:
		if isText {
			d, err := decodeJSON([]byte(s))
			if err != nil {
				return KVValue{}, fmt.Errorf("%q is not JSON: %v", clip(s), err)
			}
			return KVValue{Type: typ, Value: d}, nil
		}
		nv, err := NewKVValue(v)
		if err != nil {
			return KVValue{}, err
		}
		raw, err := nv.MarshalJSON()
		if err != nil {
			return KVValue{}, err
		}
		return DecodeKVValue(KVJSON, raw)
	}
	return KVValue{}, fmt.Errorf("unknown type %q: use one of %s", typ, strings.Join(KVTypes(), ", "))
}

// number returns v as an int64 or a float64 when it is a number.
func number(v any) (any, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
		if f, err := x.Float64(); err == nil {
			return f, true
		}
	}
	return nil, false
}

// decodeJSON parses one JSON document, integers as int64 (so that they print without
// decimals), other numbers as float64, objects as templating.Maps in the order of their text:
// a JSON value read back from the store keeps the order it was written in.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := templating.DecodeJSON(dec, func(n json.Number) any {
		v, _ := number(n)
		return v
	})
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("text after the JSON value")
	}
	return v, nil
}

// kindOf names the kind of a value for messages.
func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date"
	case time.Duration:
		return "a duration"
	case map[string]any, *templating.Map:
		return "a map"
	case []any:
		return "a list"
	}
	if _, ok := number(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// clip shortens text quoted in an error.
func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	return s[:57] + "..."
}

// kvStore returns the run's KV store (or the error saying there is none) and a KV task's
// namespace rendered, Kestra's default being the flow's.
func (tc *Context) kvStore(nsTmpl string) (KV, string, error) {
	if tc.KV == nil {
		return nil, "", errNoKV
	}
	if nsTmpl == "" {
		nsTmpl = "{{ flow.namespace }}"
	}
	ns, err := tc.render("namespace", nsTmpl)
	return tc.KV, ns, err
}

// kvEntry is kvStore and a KV task's key rendered.
func (tc *Context) kvEntry(nsTmpl, keyTmpl string) (KV, string, string, error) {
	kv, ns, err := tc.kvStore(nsTmpl)
	if err != nil {
		return nil, "", "", err
	}
	key, err := tc.render("key", keyTmpl)
	return kv, ns, key, err
}
