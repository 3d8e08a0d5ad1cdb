package tasks

import (
	"context"
	"errors"
	"fmt"
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
	kv, ns, key, err := tc.kvEntry(t.Namespace, t.Key)
	if err != nil {
		return Result{}, err
	}
	raw, err := tc.renderValue("value", t.Value, true)
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
		if errors.Is(err, ErrKVSecret) {
			return Result{}, &PropError{Prop: "value", Err: err}
		}
		return Result{}, err
	}
	return Result{}, nil
}
