package runner

import (
	"context"
	"maps"

	"github.com/flowctl/flowctl/templating"
)

// varsRenderer is tasks.Context.RenderVars: a template rendered with extra variables over
// the attempt's, each call on its own copy of the top-level names, so one record's fields
// never leak into the next render.
func (e *engine) varsRenderer(ctx context.Context, env *templating.Env) func(string, map[string]any) (string, error) {
	return func(src string, vars map[string]any) (string, error) {
		t, err := e.template(src)
		if err != nil {
			return "", err
		}
		e.addTasksVars(env, src)
		over := *env
		over.Vars = maps.Clone(env.Vars)
		maps.Copy(over.Vars, vars)
		return t.RenderContext(ctx, &over)
	}
}
