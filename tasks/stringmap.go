package tasks

import "fmt"

// StringMap is a mapping of strings that keeps the order of the flow file, for a property
// whose entries are shown in that order (SlackExecution's customFields), as Kestra's
// LinkedHashMaps keep it. The flow decoder reads it as it reads a map[string]string.
type StringMap struct {
	Keys   []string          // in the order of the file
	Values map[string]string // by key
}

// NewStringMap builds a StringMap from keys and values taken in turns: k1, v1, k2, v2...
func NewStringMap(kv ...string) StringMap {
	m := StringMap{Values: make(map[string]string, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i], kv[i+1])
	}
	return m
}

// Set adds or replaces an entry; a key written again keeps its first place.
func (m *StringMap) Set(k, v string) {
	if m.Values == nil {
		m.Values = map[string]string{}
	}
	if _, ok := m.Values[k]; !ok {
		m.Keys = append(m.Keys, k)
	}
	m.Values[k] = v
}

// Len is the number of entries.
func (m StringMap) Len() int { return len(m.Keys) }

// renderStringMap renders the keys and values of m, in its order.
func (tc *Context) renderStringMap(prop string, m StringMap) (StringMap, error) {
	var out StringMap
	for _, k := range m.Keys {
		rk, err := tc.render(prop+"."+k, k)
		if err != nil {
			return StringMap{}, err
		}
		rv, err := tc.render(prop+"."+k, m.Values[k])
		if err != nil {
			return StringMap{}, err
		}
		if _, dup := out.Values[rk]; dup {
			return StringMap{}, fmt.Errorf("%s: two keys render to %q", prop, rk)
		}
		out.Set(rk, rv)
	}
	return out, nil
}
