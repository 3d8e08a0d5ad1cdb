package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/templating"
)

// flowOutputs renders the flow's outputs once the execution's final state is known, every
// task's outputs in scope, and converts each to its type, as Kestra's executor does at the
// end. It returns the final state: FAILED when an output fails to render or to convert, and
// then the execution has no outputs. An interrupted (KILLED) execution is left as it is: its
// outputs would name tasks that never ran.
func (e *engine) flowOutputs(ctx context.Context, final string) string {
	if len(e.flow.Outputs) == 0 || final == StateKilled {
		return final
	}
	// The execution's own time limit is over; a template still has its work budget.
	ctx = context.WithoutCancel(ctx)
	env, release := e.endEnv()
	defer release()
	out := make(map[string]any, len(e.flow.Outputs))
	text := make(map[string]any, len(e.flow.Outputs))
	for _, o := range e.flow.Outputs {
		v, err := e.renderOutput(ctx, env, o.Value)
		if err == nil {
			text[o.ID] = v
			if o.Type == flow.InputFile {
				v, err = e.fileOutput(o.ID, v)
			} else {
				v, err = flow.TypedOutput(o, v)
			}
		}
		if err != nil {
			where := ""
			if e.flow.File != "" {
				where = fmt.Sprintf("%s:%d:%d: ", e.flow.File, o.Pos.Line, o.Pos.Col)
			}
			var te *templating.Error
			msg := err.Error()
			if errors.As(err, &te) {
				msg = te.Msg
			}
			e.opts.Warn(e.opts.Masker.String(fmt.Sprintf("Failed to render output values: %soutput %q: value: %s", where, o.ID, msg)))
			return StateFailed
		}
		out[o.ID] = v
	}
	e.exec.Outputs = e.opts.Masker.Value(out).(map[string]any)
	e.exec.textOutputs = e.opts.Masker.Value(text).(map[string]any)
	return final
}

// renderOutput renders the strings of an output's value at any depth, keys included.
func (e *engine) renderOutput(ctx context.Context, env *templating.Env, v any) (any, error) {
	switch x := v.(type) {
	case string:
		t, err := e.template(x)
		if err != nil {
			return nil, err
		}
		e.addTasksVars(env, x)
		return t.RenderContext(ctx, env)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			r, err := e.renderOutput(ctx, env, item)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case *templating.Map:
		out := templating.NewMap(x.Len())
		for _, k := range x.Keys() {
			rk, err := e.renderOutput(ctx, env, k)
			if err != nil {
				return nil, err
			}
			item, _ := x.Get(k)
			r, err := e.renderOutput(ctx, env, item)
			if err != nil {
				return nil, err
			}
			out.Set(rk.(string), r)
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			rk, err := e.renderOutput(ctx, env, k)
			if err != nil {
				return nil, err
			}
			if out[rk.(string)], err = e.renderOutput(ctx, env, x[k]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// endEnv is what templates rendered once the tasks have ended see (the flow's outputs): the
// execution's variables and every task's outputs, as the last task saw them; and the function
// to call once they are rendered (see pinOutputs).
func (e *engine) endEnv() (*templating.Env, func()) {
	vars := maps.Clone(e.base)
	e.mu.Lock()
	outputs, release := e.pinOutputs()
	vars["outputs"] = outputs
	vars["labels"] = e.labelsVar()
	e.mu.Unlock()
	return &templating.Env{Vars: vars, Secret: e.secret, Now: e.opts.Now, KV: e.kvLookup(), ErrorLogs: e.errorLogs, Files: e.files}, release
}
