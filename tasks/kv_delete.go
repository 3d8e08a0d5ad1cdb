package tasks

import "context"

// kvDeleteDef is Kestra's kv.Delete task.
var kvDeleteDef = &Def{
	Type: "io.kestra.plugin.core.kv.Delete",
	Doc:  "Delete a key of a namespace's KV store.",
	New:  func() Task { return &KVDelete{} },
}

// KVDelete removes a key from the KV store.
type KVDelete struct {
	Key            string `flow:"key,required" doc:"the key to delete"`
	Namespace      string `flow:"namespace" doc:"the namespace whose store holds the key (default: the flow's)"`
	ErrorOnMissing bool   `flow:"errorOnMissing" doc:"fail when the key is missing (default false)"`
}

// Run deletes the key; outputs.<id>.deleted tells whether it was there.
func (t *KVDelete) Run(ctx context.Context, tc *Context) (Result, error) {
	kv, ns, key, err := tc.kvEntry(t.Namespace, t.Key)
	if err != nil {
		return Result{}, err
	}
	deleted, err := kv.Delete(ns, key)
	if err != nil {
		return Result{}, err
	}
	if !deleted && t.ErrorOnMissing {
		return Result{}, missingKey(key, ns)
	}
	return Result{Outputs: map[string]any{"deleted": deleted}}, nil
}
