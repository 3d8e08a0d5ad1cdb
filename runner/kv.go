package runner

import (
	"context"
	"fmt"

	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// KV returns the KV store of a state, as tasks and the kv() template function use it
// (Options.KV): values are kept as the JSON of their typed form (tasks.KVValue).
func KV(s *state.Store) tasks.KV { return stateKV{s} }

type stateKV struct{ s *state.Store }

func (k stateKV) Get(ns, key string) (tasks.KVValue, bool, error) {
	e, ok, err := k.s.GetKV(ns, key)
	if err != nil || !ok {
		return tasks.KVValue{}, false, err
	}
	v, err := tasks.DecodeKVValue(e.Type, e.Value)
	if err != nil {
		return tasks.KVValue{}, false, fmt.Errorf("key '%s' of namespace '%s' in %s: %v", key, ns, k.s.Path(), err)
	}
	return v, true, nil
}

func (k stateKV) Set(ns, key string, v tasks.KVValue, opts tasks.KVSetOptions) error {
	raw, err := v.MarshalJSON()
	if err != nil {
		return err
	}
	return k.s.SetKV(ns, key, state.KVWrite{Type: v.Type, Value: raw, TTL: opts.TTL, Overwrite: opts.Overwrite})
}

func (k stateKV) Keys(ns, prefix string) ([]string, error) {
	list, err := k.s.ListKV(ns, prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(list))
	for i, e := range list {
		keys[i] = e.Key
	}
	return keys, nil
}

func (k stateKV) Delete(ns, key string) (bool, error) { return k.s.DeleteKV(ns, key) }

// unmaskedKV is the KV store as an execution lends it to its tasks: a value that holds one
// of the execution's secrets is refused, since the state keeps values in clear and the state
// never holds a secret.
type unmaskedKV struct {
	tasks.KV
	masker *Masker
}

func (k unmaskedKV) Set(ns, key string, v tasks.KVValue, opts tasks.KVSetOptions) error {
	raw, err := v.MarshalJSON()
	if err != nil {
		return err
	}
	if k.masker.String(string(raw)) != string(raw) {
		return fmt.Errorf("the value of key '%s' %w: the KV store keeps values in clear in the state file, so flowctl does not store it (read the secret where it is needed with secret())", key, tasks.ErrKVSecret)
	}
	return k.KV.Set(ns, key, v, opts)
}

// taskKV is the KV store lent to the tasks, nil when the execution has none.
func (e *engine) taskKV() tasks.KV {
	if e.opts.KV == nil {
		return nil
	}
	return unmaskedKV{e.opts.KV, e.opts.Masker}
}

// kvLookup is kv()'s way into the KV store (templating.Env.KV); nil when there is none.
func (e *engine) kvLookup() func(ns, key string) (any, bool, error) {
	return KVLookup(e.opts.KV)
}

// KVLookup is kv's Get as templating.Env.KV wants it, values as templates hold them; nil when
// kv is nil.
func KVLookup(kv tasks.KV) func(ns, key string) (any, bool, error) {
	if kv == nil {
		return nil
	}
	return func(ns, key string) (any, bool, error) {
		v, ok, err := kv.Get(ns, key)
		return v.Plain(), ok, err
	}
}

// typedRenderer is the RenderTyped of one attempt: kv.Set's value keeps the type of the one
// expression it is (see templating.Template.ValueContext).
func (e *engine) typedRenderer(ctx context.Context, env *templating.Env) func(string) (any, error) {
	return func(src string) (any, error) {
		t, err := e.template(src)
		if err != nil {
			return nil, err
		}
		e.addTasksVars(env, src)
		v, err := t.ValueContext(ctx, env)
		return detached(v), err
	}
}
