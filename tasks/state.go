package tasks

import (
	"context"
	"errors"
	"fmt"
	"github.com/flowctl/flowctl/internal/murmur3"
	"github.com/flowctl/flowctl/templating"
	"maps"
	"strings"
)

// Kestra's state tasks (state.Set, state.Get, state.Delete, deprecated there for the KV
// store): a JSON object per name, kept in the KV store of the flow's namespace under the key
// Kestra's StateStore gives it — <flow slug>_states_<name>[_<hash of taskrun.value>], or
// states_<name>... shared by the namespace — so `flowctl kv` shows it and the kv tasks read it.

var (
	stateSetDef = &Def{
		Type:    "io.kestra.plugin.core.state.Set",
		Aliases: []string{"io.kestra.core.tasks.states.Set"},
		Doc:     "Merge data into a named state of the flow (Kestra's deprecated state store, kept in the KV store).",
		New:     func() Task { return &StateSet{} },
	}
	stateGetDef = &Def{
		Type:    "io.kestra.plugin.core.state.Get",
		Aliases: []string{"io.kestra.core.tasks.states.Get"},
		Doc:     "Read a named state of the flow (Kestra's deprecated state store, kept in the KV store).",
		New:     func() Task { return &StateGet{} },
	}
	stateDeleteDef = &Def{
		Type:    "io.kestra.plugin.core.state.Delete",
		Aliases: []string{"io.kestra.core.tasks.states.Delete"},
		Doc:     "Delete a named state of the flow (Kestra's deprecated state store, kept in the KV store).",
		New:     func() Task { return &StateDelete{} },
	}
)

// stateProps are the properties every state task has.
type stateProps struct {
	Name         string `flow:"name" doc:"the state's name (default \"default\")"`
	Namespace    *bool  `flow:"namespace" doc:"share the state with the whole namespace rather than the flow (default false)"`
	TaskrunValue *bool  `flow:"taskrunValue" doc:"keep one state per loop value, taskrun.value (default true)"`
}

// key renders the state's KV key, as Kestra's StateStore.statePrefix with the task run
// value hashed.
func (p *stateProps) key(tc *Context) (KV, string, string, error) {
	kv, ns, err := tc.kvStore("")
	if err != nil {
		return nil, "", "", err
	}
	name := p.Name
	if name == "" {
		name = "default"
	}
	if name, err = tc.render("name", name); err != nil {
		return nil, "", "", err
	}
	key := "states_" + name
	if p.Namespace == nil || !*p.Namespace {
		flowID, err := tc.render("name", "{{ flow.id }}")
		if err != nil {
			return nil, "", "", err
		}
		key = kestraSlug(flowID) + "_" + key
	}
	if p.TaskrunValue == nil || *p.TaskrunValue {
		value, err := tc.render("taskrunValue", "{{ taskrun.value ?? '' }}")
		if err != nil {
			return nil, "", "", err
		}
		if value != "" {
			key += "_" + murmur3.Hex(value)
		}
	}
	return kv, ns, key, nil
}

// get reads the state; ok is false when there is none.
func (p *stateProps) get(kv KV, ns, key string) (map[string]any, bool, error) {
	v, ok, err := kv.Get(ns, key)
	if err != nil || !ok {
		return nil, false, err
	}
	// A JSON object read back from the store keeps its order (a templating.Map).
	_, m, isMap := templating.AsMap(v.Value)
	if !isMap {
		return nil, false, fmt.Errorf("the KV pair %s of namespace %s is not a state (a JSON object) but a %s", key, ns, v.Type)
	}
	return m, true, nil
}

// StateSet merges its data into the state, as Kestra's state.Set.
type StateSet struct {
	stateProps
	Data map[string]any `flow:"data" doc:"the data merged into the state (strings rendered)"`
}

// Run merges the data in; outputs.<id>.count is the number of the state's keys, key its KV key.
func (t *StateSet) Run(ctx context.Context, tc *Context) (Result, error) {
	kv, ns, key, err := t.key(tc)
	if err != nil {
		return Result{}, err
	}
	cur, _, err := t.get(kv, ns, key)
	if err != nil {
		return Result{}, err
	}
	data := map[string]any{}
	if t.Data != nil {
		v, err := tc.renderValue("data", t.Data, false)
		if err != nil {
			return Result{}, err
		}
		data, _ = v.(map[string]any)
	}
	merged := mergeMaps(cur, data)
	if err := kv.Set(ns, key, KVValue{Type: KVJSON, Value: merged}, KVSetOptions{Overwrite: true}); err != nil {
		if errors.Is(err, ErrKVSecret) {
			return Result{}, &PropError{Prop: "data", Err: err}
		}
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"count": len(merged), "key": key}}, nil
}

// mergeMaps is Kestra's MapUtils.merge: b over a, mappings merged at any depth.
func mergeMaps(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range b {
		am, aok := out[k].(map[string]any)
		bm, bok := v.(map[string]any)
		if aok && bok {
			out[k] = mergeMaps(am, bm)
			continue
		}
		out[k] = v
	}
	return out
}

// StateGet reads the state, as Kestra's state.Get.
type StateGet struct {
	stateProps
	ErrorOnMissing bool `flow:"errorOnMissing" doc:"fail when there is no such state (default false: empty data)"`
}

// Run reads the state: outputs.<id>.data and count.
func (t *StateGet) Run(ctx context.Context, tc *Context) (Result, error) {
	kv, ns, key, err := t.key(tc)
	if err != nil {
		return Result{}, err
	}
	data, ok, err := t.get(kv, ns, key)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		if t.ErrorOnMissing {
			return Result{}, fmt.Errorf("state %s not found", key)
		}
		data = map[string]any{}
	}
	return Result{Outputs: map[string]any{"count": len(data), "data": data}}, nil
}

// StateDelete deletes the state, as Kestra's state.Delete.
type StateDelete struct {
	stateProps
	ErrorOnMissing bool `flow:"errorOnMissing" doc:"fail when there is no such state (default false)"`
}

// Run deletes the state: outputs.<id>.deleted says whether it was there.
func (t *StateDelete) Run(ctx context.Context, tc *Context) (Result, error) {
	kv, ns, key, err := t.key(tc)
	if err != nil {
		return Result{}, err
	}
	deleted, err := kv.Delete(ns, key)
	if err != nil {
		return Result{}, err
	}
	if !deleted && t.ErrorOnMissing {
		name := t.Name
		if name == "" {
			name = "default"
		}
		rendered, _ := tc.render("name", name)
		return Result{}, fmt.Errorf("unable to find the state file '%s'", rendered)
	}
	return Result{Outputs: map[string]any{"deleted": deleted}}, nil
}

// kestraSlug is Kestra's Slugify.of, as the storage's paths use it: lower case, letters and
// digits kept, spaces, "_" and "-" made one "-", anything else dropped.
func kestraSlug(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '_' || c == '-':
			b.WriteByte('-')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			b.WriteRune(c + 'a' - 'A')
		}
	}
	out := b.String()
	for strings.Contains(out, "--") {
		out = strings.ReplaceAll(out, "--", "-")
	}
	return strings.Trim(out, "-")
}
