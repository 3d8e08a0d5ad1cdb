package tasks

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// kvSetDef is Kestra's kv.Set task.
var kvSetDef = &Def{
	Type: "io.kestra.plugin.core.kv.Set",
	Doc:  "Store a value under a key of a namespace's KV store.",
	New:  func() Task { return &KVSet{} },
}

// KVSet stores a value in the KV store.
type KVSet struct {
	Key       string        `flow:"key,required" doc:"the key: a letter or digit, then letters, digits, dots, underscores and hyphens"`
	Value     any           `flow:"value,required" doc:"the value; one expression keeps its type ({{ outputs.x.body }} stays a map), other text is a string"`
	Namespace string        `flow:"namespace" doc:"the namespace whose store holds the key (default: the flow's)"`
	Overwrite *bool         `flow:"overwrite" doc:"replace a value already stored under the key; false makes the task fail instead (default true)"`
	TTL       time.Duration `flow:"ttl" doc:"how long the pair lives (ISO-8601 duration); it never expires when unset"`
	KVType    string        `flow:"kvType" enum:"STRING,NUMBER,BOOLEAN,DATETIME,DATE,DURATION,JSON" doc:"the type to store the value as, converting text (default: the value's own)"`
}

// Run renders the key, the namespace and the value, and stores it.
func (t *KVSet) Run(ctx context.Context, tc *Context) (Result, error) {
	kv, err := tc.kv()
	if err != nil {
		return Result{}, err
	}
	ns, err := tc.kvNamespace(t.Namespace)
	if err != nil {
		return Result{}, err
	}
	key, err := tc.kvKey(t.Key)
	if err != nil {
		return Result{}, err
	}
	raw, err := tc.renderValue("value", t.Value)
	if err != nil {
		return Result{}, err
	}
	var v KVValue
	if t.KVType != "" {
		if v, err = ConvertKVValue(t.KVType, raw); err != nil {
			err = fmt.Errorf("kvType %s: %w", strings.ToUpper(t.KVType), err)
		}
	} else {
		v, err = NewKVValue(raw)
	}
	if err != nil {
		return Result{}, &PropError{Prop: "value", Err: err}
	}
	opts := KVSetOptions{TTL: t.TTL, Overwrite: t.Overwrite == nil || *t.Overwrite}
	if err := kv.Set(ns, key, v, opts); err != nil {
		return Result{}, err
	}
	return Result{}, nil
}

// renderValue renders a property that may be any YAML value: text through RenderTyped, the
// entries of maps and lists one by one (map keys as text); numbers and booleans stay.
func (tc *Context) renderValue(prop string, v any) (any, error) {
	switch x := v.(type) {
	case string:
		if tc.RenderTyped == nil {
			return tc.render(prop, x)
		}
		out, err := tc.RenderTyped(x)
		if err != nil {
			return nil, &PropError{Prop: prop, Err: err}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			rk, err := tc.render(prop+"."+k, k)
			if err != nil {
				return nil, err
			}
			if out[rk], err = tc.renderValue(prop+"."+k, x[k]); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = tc.renderValue(fmt.Sprintf("%s[%d]", prop, i), e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}
