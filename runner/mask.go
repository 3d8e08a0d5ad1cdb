package runner

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/flowctl/flowctl/templating"
)

// Mask is what a secret is replaced by wherever it could surface.
const Mask = "******"

// minSecretLen is the length under which a value is not masked: masking "a" or "no" would
// shred every line while hiding nothing worth hiding (Kestra's rule too).
const minSecretLen = 4

// Masker replaces every registered secret value by Mask. It is safe for concurrent use: script
// tasks log from two pipes while the engine registers secrets as templates resolve them.
type Masker struct {
	mu       sync.RWMutex
	values   map[string]bool
	replacer *strings.Replacer
	gen      int // incremented each time the set of values changes
	longest  int // length of the longest value
	// few holds the values, longest first, while they are few enough to look for one by
	// one (strings.Contains is vectorised): most lines hold no secret, and the replacer
	// costs more to find that out.
	few      []string
	shortest int
}

// fewValues is how many values are looked for one by one before the replacer runs.
const fewValues = 8

// NewMasker returns an empty Masker.
func NewMasker() *Masker {
	return &Masker{values: map[string]bool{}}
}

// Add registers a secret value. Each of its lines and its JSON-escaped form are registered
// too, since a multi-line secret is logged line by line and a secret pasted into a JSON
// payload appears escaped.
func (m *Masker) Add(secret string) {
	forms := []string{secret}
	if strings.Contains(secret, "\n") {
		forms = append(forms, strings.Split(secret, "\n")...)
	}
	if b, err := json.Marshal(secret); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := false
	for _, f := range forms {
		f = strings.TrimRight(f, "\r")
		if len(f) >= minSecretLen && !m.values[f] {
			m.values[f] = true
			changed = true
		}
	}
	if changed {
		m.rebuild()
	}
}

// rebuild makes the replacer, longest values first so a secret that contains another is
// replaced whole.
func (m *Masker) rebuild() {
	m.gen++
	vals := make([]string, 0, len(m.values))
	for v := range m.values {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool {
		if len(vals[i]) != len(vals[j]) {
			return len(vals[i]) > len(vals[j])
		}
		return vals[i] < vals[j]
	})
	if len(vals) > 0 {
		m.longest = len(vals[0])
		m.shortest = len(vals[len(vals)-1])
	}
	m.few = nil
	if len(vals) <= fewValues {
		m.few = vals
	}
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, Mask)
	}
	m.replacer = strings.NewReplacer(pairs...)
}

// Generation counts the changes to the set of secrets: text masked under one generation may
// still hold a value registered in a later one.
func (m *Masker) Generation() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.gen
}

// Longest is the length in bytes of the longest value registered: a text cut in pieces
// must hold back that many bytes less one, or a secret across the cut escapes masking.
func (m *Masker) Longest() int {
	if m == nil {
		return 0
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.longest
}

// String masks every secret in s.
func (m *Masker) String(s string) string {
	if m == nil {
		return s
	}
	m.mu.RLock()
	r, few, shortest := m.replacer, m.few, m.shortest
	m.mu.RUnlock()
	if r == nil || len(s) < shortest {
		return s
	}
	if few != nil && !slices.ContainsFunc(few, func(v string) bool { return strings.Contains(s, v) }) {
		return s
	}
	return r.Replace(s)
}

// Value returns v with every string inside it masked (map keys included). What holds no
// secret is returned as it is, not copied: outputs are the largest values an execution
// holds, and a masked copy of them would double what it takes. Lists and maps of strings
// come back as []any and map[string]any when a string in them was masked.
func (m *Masker) Value(v any) any {
	out, _ := m.value(v)
	return out
}

// value masks v, copying only the lists and maps a secret was found in; changed says
// whether it did.
func (m *Masker) value(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		s := m.String(x)
		return s, s != x
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			mk := m.String(k)
			me, changed := m.value(e)
			if out == nil && (changed || mk != k) {
				out = make(map[string]any, len(x))
				for k2, e2 := range x {
					out[k2] = e2
				}
			}
			if out != nil {
				if mk != k {
					delete(out, k)
				}
				out[mk] = me
			}
		}
		if out == nil {
			return x, false
		}
		return out, true
	case *templating.Map:
		// Copied whole when a secret is found, in the same order.
		changed := false
		out := templating.NewMap(x.Len())
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			mk := m.String(k)
			me, c := m.value(e)
			changed = changed || c || mk != k
			out.Set(mk, me)
		}
		if !changed {
			return x, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range x {
			me, changed := m.value(e)
			if out == nil && changed {
				out = append([]any(nil), x...)
			}
			if out != nil {
				out[i] = me
			}
		}
		if out == nil {
			return x, false
		}
		return out, true
	case map[string]string:
		out := make(map[string]any, len(x))
		changed := false
		for k, e := range x {
			mk, me := m.String(k), m.String(e)
			changed = changed || mk != k || me != e
			out[mk] = me
		}
		return out, changed
	case []string:
		out := make([]any, len(x))
		changed := false
		for i, e := range x {
			out[i] = m.String(e)
			changed = changed || out[i] != e
		}
		return out, changed
	default:
		return v, false
	}
}

// AddEnvSecrets registers with m every SECRET_* value of environ, decoded and as written
// (script tasks inherit the variables, and a message may quote either form), and returns
// the lookup secret('NAME') reads them with. An empty SECRET_X counts as missing: a CI
// variable that expanded to nothing should fail with the hint, not render an empty token.
func AddEnvSecrets(m *Masker, environ []string) func(name string) (string, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && v != "" && strings.HasPrefix(k, "SECRET_") {
			env[k] = v
		}
	}
	lookup := templating.EnvSecrets(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	for k, v := range env {
		m.Add(v)
		if plain, err := lookup(strings.TrimPrefix(k, "SECRET_")); err == nil {
			m.Add(plain)
		}
	}
	return lookup
}
