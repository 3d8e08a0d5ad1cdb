package runner

import (
	"maps"
	"strconv"
)

// The outputs variable is a tree of maps (task id, the loop values of a run's ancestors then
// its own, the outputs) that renders read without a lock while runs write to it. A render
// takes the tree as it stands (pinOutputs) and gives it back when done (the release
// returned). A write changes in place the maps no render holds: all of them when none is
// pinned, else those made since the last pin; it copies the others on its path. Copying a
// loop's map at each value cost the square of the values; a loop that runs one value at a
// time now writes each value's outputs in place.

// outputsPins are the renders holding the outputs tree, and the maps of the tree made since
// the last pin (keyed by their path, see pathKey): no render has seen them.
type outputsPins struct {
	held  int
	fresh map[string]bool
}

// pinOutputs returns the outputs tree for a render and the function that releases it, to
// call once the render is done (not calling it is safe: writes then copy). e.mu is held.
func (e *engine) pinOutputs() (map[string]any, func()) {
	e.pins.held++
	e.pins.fresh = nil
	released := false
	return e.outputs, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if !released {
			released = true
			e.pins.held--
		}
	}
}

// writable says whether the map at key may be changed in place: no render holds it.
func (e *engine) writable(key string) bool {
	return e.pins.held == 0 || e.pins.fresh[key]
}

// made records that the map at key was made by a write: renders pinned before do not see it.
func (e *engine) made(key string) {
	if e.pins.held == 0 {
		return
	}
	if e.pins.fresh == nil {
		e.pins.fresh = map[string]bool{}
	}
	e.pins.fresh[key] = true
}

// writeOutputs sets out under outputs.<id> at path, merged with what it held (later runs
// overwrite, maps merge), as Kestra nests a run's outputs. e.mu is held.
func (e *engine) writeOutputs(id string, path []string, out map[string]any) {
	if !e.writable("") {
		e.outputs = maps.Clone(e.outputs)
		e.made("")
	}
	e.outputs[id] = e.writeAt(e.outputs[id], pathKey("", id), path, out)
}

// writeAt returns cur, the map at key, with out set at path below it.
func (e *engine) writeAt(cur any, key string, path []string, out map[string]any) any {
	m, ok := cur.(map[string]any)
	switch {
	case !ok:
		m = make(map[string]any, len(out))
		e.made(key)
	case !e.writable(key):
		next := make(map[string]any, len(m)+1)
		maps.Copy(next, m)
		m = next
		e.made(key)
	}
	if len(path) == 0 {
		maps.Copy(m, out)
		return m
	}
	sub := pathKey(key, path[0])
	m[path[0]] = e.writeAt(m[path[0]], sub, path[1:], out)
	return m
}

// pathKey is the key of the map at name below the map at parent: each name prefixed with its
// length, so that no two paths share a key whatever their values hold.
func pathKey(parent, name string) string {
	return parent + strconv.Itoa(len(name)) + ":" + name
}

// detached returns v with the maps and lists it holds copied: a typed render's value may be
// a map of the outputs tree, which later writes may change in place.
func detached(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			out[k] = detached(item)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = detached(item)
		}
		return out
	}
	return v
}
