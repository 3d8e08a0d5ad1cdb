package tasks

import "context"

// kvGetKeysDef is Kestra's kv.GetKeys task.
var kvGetKeysDef = &Def{
	Type: "io.kestra.plugin.core.kv.GetKeys",
	Doc:  "List the keys of a namespace's KV store, those starting with a prefix when given.",
	New:  func() Task { return &KVGetKeys{} },
}

// KVGetKeys lists keys of the KV store.
type KVGetKeys struct {
	Prefix    string `flow:"prefix" doc:"only the keys starting with this text (default: all)"`
	Namespace string `flow:"namespace" doc:"the namespace whose store to list (default: the flow's)"`
}

// Run lists the keys into outputs.<id>.keys, in order.
func (t *KVGetKeys) Run(ctx context.Context, tc *Context) (Result, error) {
	kv, ns, err := tc.kvStore(t.Namespace)
	if err != nil {
		return Result{}, err
	}
	prefix, err := tc.render("prefix", t.Prefix)
	if err != nil {
		return Result{}, err
	}
	keys, err := kv.Keys(ns, prefix)
	if err != nil {
		return Result{}, err
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return Result{Outputs: map[string]any{"keys": out}}, nil
}
