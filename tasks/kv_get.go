package tasks

import (
	"context"
	"fmt"
)

// kvGetDef is Kestra's kv.Get task.
var kvGetDef = &Def{
	Type: "io.kestra.plugin.core.kv.Get",
	Doc:  "Read the value of a key of a namespace's KV store into the output value.",
	New:  func() Task { return &KVGet{} },
}

// KVGet reads a value of the KV store.
type KVGet struct {
	Key            string `flow:"key,required" doc:"the key to read"`
	Namespace      string `flow:"namespace" doc:"the namespace whose store holds the key (default: the flow's)"`
	ErrorOnMissing bool   `flow:"errorOnMissing" doc:"fail when the key is missing; otherwise the output value is null (default false)"`
}

// Run reads the key into outputs.<id>.value, null when it is missing.
func (t *KVGet) Run(ctx context.Context, tc *Context) (Result, error) {
	kv, ns, key, err := tc.kvEntry(t.Namespace, t.Key)
	if err != nil {
		return Result{}, err
	}
	v, ok, err := kv.Get(ns, key)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		if t.ErrorOnMissing {
			return Result{}, missingKey(key, ns)
		}
		return Result{Outputs: map[string]any{"value": nil}}, nil
	}
	return Result{Outputs: map[string]any{"value": v.Plain()}}, nil
}

// missingKey is Kestra's error of Get and Delete with errorOnMissing.
func missingKey(key, ns string) error {
	return fmt.Errorf("No value found for key '%s' in namespace '%s' and `errorOnMissing` is set to true", key, ns)
}
