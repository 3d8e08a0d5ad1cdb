package templating

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
)

// Map is a map that keeps its keys in the order they were written. Kestra's maps are Java
// LinkedHashMaps: a flow's variables, a mapping property, a script's outputs, a map literal
// or an object read by fromJson keep the order of their text, so {'b': 1, 'a': 2} prints
// {"b":1,"a":2}, its keys come out b then a, and a for loop goes through it in that order.
// The flow decoder and the tasks produce Maps for the values users see printed; code that
// reads a map without caring for order takes it through AsMap.
type Map struct {
	keys []string
	m    map[string]any
}

// NewMap returns an empty Map with room for n entries.
func NewMap(n int) *Map {
	return &Map{keys: make([]string, 0, n), m: make(map[string]any, n)}
}

// Set adds or replaces an entry; a key written again keeps its first place, as in a
// LinkedHashMap.
func (o *Map) Set(k string, v any) {
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

// Get returns the value of key k and whether it is there.
func (o *Map) Get(k string) (any, bool) {
	v, ok := o.m[k]
	return v, ok
}

// Keys returns the keys in their order. The slice is the map's own: read it, never change it.
func (o *Map) Keys() []string { return o.keys }

// Len is the number of entries.
func (o *Map) Len() int { return len(o.keys) }

// MarshalJSON writes the entries in their order (encoding/json sorts a Go map's keys).
func (o *Map) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		vb, err := json.Marshal(o.m[k])
		if err != nil {
			return nil, err
		}
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// AsMap lists a map's keys with its entries: in their order for a Map, sorted for a Go map,
// whose order would change from one run to the next. ok is false when v is not a map with
// string keys. The returned Go map is the Map's own: read it, never change it.
func AsMap(v any) (keys []string, m map[string]any, ok bool) {
	if o, isMap := v.(*Map); isMap {
		return o.keys, o.m, true
	}
	m, ok = asMap(v)
	if !ok {
		return nil, nil, false
	}
	return sortedKeys(m), m, true
}

// DecodeJSON reads one JSON value from dec, which must have UseNumber set: objects as Maps in
// the order of the text, numbers as number turns them (nil: as Jackson reads them for
// Kestra, see jsonNumber).
func DecodeJSON(dec *json.Decoder, number func(json.Number) any) (any, error) {
	if number == nil {
		number = jsonNumber
	}
	return decodeJSON(dec, number)
}

// decodeJSON reads one JSON value from dec: objects as Maps in the order of the text,
// numbers as Jackson reads them for Kestra (see jsonNumber).
func decodeJSON(dec *json.Decoder, number func(json.Number) any) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		if x == '[' {
			list := []any{}
			for dec.More() {
				v, err := decodeJSON(dec, number)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		m := NewMap(0)
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, errors.New("an object key must be a string")
			}
			v, err := decodeJSON(dec, number)
			if err != nil {
				return nil, err
			}
			m.Set(k, v)
		}
		_, err := dec.Token()
		return m, err
	case json.Number:
		return number(x), nil
	}
	return t, nil
}

// jsonNumber is a JSON number as Jackson reads it: a whole number as an Integer (int32) when
// it fits, else a Long (int64), else a BigInteger (*big.Int); any other number as a Double.
// A whole number of more digits than Jackson reads is read as a Double.
func jsonNumber(x json.Number) any {
	if checkNumberLength(x.String()) == nil {
		if b, ok := new(big.Int).SetString(x.String(), 10); ok {
			return narrowInt(b)
		}
	}
	if f, err := x.Float64(); err == nil {
		return f
	}
	return x.String()
}
