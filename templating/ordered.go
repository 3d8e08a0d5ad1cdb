package templating

import (
	"encoding/json"
	"errors"
	"math/big"
)

// orderedMap is a map that keeps its keys in the order they were written: a map literal, or
// an object read by fromJson. Kestra's maps are Java LinkedHashMaps, so {'b': 1, 'a': 2}
// prints {"b":1,"a":2}, its keys come out b then a, and a for loop goes through it in that
// order. Everything that reads a map without caring for order takes it through asMap.
type orderedMap struct {
	keys []string
	m    map[string]any
}

func newOrderedMap(n int) *orderedMap {
	return &orderedMap{keys: make([]string, 0, n), m: make(map[string]any, n)}
}

// set adds or replaces an entry; a key written again keeps its first place, as in a
// LinkedHashMap.
func (o *orderedMap) set(k string, v any) {
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

// mapKeys lists a map's keys: in their order for an orderedMap, sorted for a Go map, whose
// order would change from one run to the next.
func mapKeys(v any) ([]string, map[string]any, bool) {
	if o, ok := v.(*orderedMap); ok {
		return o.keys, o.m, true
	}
	m, ok := asMap(v)
	if !ok {
		return nil, nil, false
	}
	return sortedKeys(m), m, true
}

// decodeJSON reads one JSON value from dec: objects as orderedMaps in the order of the text,
// numbers as Jackson reads them for Kestra (see jsonNumber).
func decodeJSON(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		if x == '[' {
			list := []any{}
			for dec.More() {
				v, err := decodeJSON(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		m := newOrderedMap(0)
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, errors.New("an object key must be a string")
			}
			v, err := decodeJSON(dec)
			if err != nil {
				return nil, err
			}
			m.set(k, v)
		}
		_, err := dec.Token()
		return m, err
	case json.Number:
		return jsonNumber(x), nil
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
