package flow

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flowctl/flowctl/tasks"

	"gopkg.in/yaml.v3"
)

// checkFlowable checks what the decoder cannot see in one property: a flowable with no
// child to run, a Switch with neither cases nor defaults, a Dag's dependencies, a negative
// concurrency, loop values that can never make a list.
func (l *loader) checkFlowable(spec *TaskSpec, n *yaml.Node, ctx string) {
	at := func(prop string) Pos {
		if p, ok := spec.PropPos[prop]; ok {
			return p
		}
		return posOf(n)
	}
	nonEmpty := func(prop string, list []*TaskSpec) {
		if _, given := spec.PropPos[prop]; given && len(list) == 0 {
			l.errorAt(at(prop), "%s%s: at least one task is required", ctx, prop)
		}
	}
	notNegative := func(prop string, v int) {
		if v < 0 {
			l.errorAt(at(prop), "%s%s: must be 0 (no limit) or more, got %d", ctx, prop, v)
		}
	}
	switch f := spec.Flowable.(type) {
	case *Sequential:
		nonEmpty("tasks", f.Tasks)
	case *AllowFailure:
		nonEmpty("tasks", f.Tasks)
	case *Parallel:
		nonEmpty("tasks", f.Tasks)
		notNegative("concurrent", f.Concurrent)
	case *If:
		nonEmpty("then", f.Then)
	case *Switch:
		empty := len(f.Defaults) == 0
		for _, c := range f.Cases {
			empty = empty && len(c.Tasks) == 0
		}
		if empty {
			l.errorAt(posOf(n), "%sNo task defined, neither cases or default have any tasks (give cases, defaults or both)", ctx)
		}
	case *ForEach:
		nonEmpty("tasks", f.Tasks)
		if f.ConcurrencyLimit != nil {
			notNegative("concurrencyLimit", *f.ConcurrencyLimit)
		}
		l.checkLoopValues(spec, "values", f.Values, ctx)
	case *EachSequential:
		nonEmpty("tasks", f.Tasks)
		l.checkLoopValues(spec, "value", f.Value, ctx)
	case *EachParallel:
		nonEmpty("tasks", f.Tasks)
		notNegative("concurrent", f.Concurrent)
		l.checkLoopValues(spec, "value", f.Value, ctx)
	case *WorkingDirectory:
		l.checkWorkingDirectory(spec, f, at, ctx)
	case *ForEachItem:
		l.checkForEachItem(f, at, ctx)
	case *WaitFor:
		l.checkWaitFor(spec, f, at, ctx)
	case *Dag:
		if _, given := spec.PropPos["tasks"]; given && len(f.Tasks) == 0 {
			l.errorAt(at("tasks"), "%stasks: at least one task is required", ctx)
		}
		notNegative("concurrent", f.Concurrent)
		for i, t := range f.Tasks {
			if t == nil {
				l.errorAt(at(fmt.Sprintf("tasks[%d]", i)), "%stasks[%d]: expected a mapping with task and dependsOn, got nothing (null)", ctx, i)
			}
		}
		l.checkDag(spec, f, ctx)
	}
}

// checkLoopValues checks the values of a loop written in the flow: a list holds strings,
// integers and mappings only (Kestra's "Unknown value element type" at run time), and a
// string without a template must be a JSON array. A template is only known when rendered.
func (l *loader) checkLoopValues(spec *TaskSpec, prop string, v any, ctx string) {
	switch v := v.(type) {
	case []any:
		for i, item := range v {
			switch item.(type) {
			case string, int, int64, map[string]any:
				continue
			}
			p := spec.PropPos[fmt.Sprintf("%s[%d]", prop, i)]
			if p.Line == 0 {
				p = spec.PropPos[prop]
			}
			l.errorAt(p, "%s%s[%d]: Unknown value element type: %s (use strings, integers or mappings)", ctx, prop, i, valueKind(item))
		}
	case string:
		if hasTemplate(v) {
			return
		}
		var list []any
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			l.errorAt(spec.PropPos[prop], "%s%s: expected a list or a JSON array, got %q (%v)", ctx, prop, short(v), err)
		}
	case nil:
	default:
		l.errorAt(spec.PropPos[prop], "%s%s: expected a list or a string holding a JSON array, got %s", ctx, prop, valueKind(v))
	}
}

// valueKind names the kind of a decoded YAML value for messages.
func valueKind(v any) string {
	switch v.(type) {
	case nil:
		return "nothing (null)"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case int, int64:
		return "an integer"
	}
	return "a string"
}

// short cuts a long value for a message.
func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// checkDag reports, as Kestra does, dependencies on ids that are not tasks of the Dag, then
// tasks that depend on themselves through others.
func (l *loader) checkDag(spec *TaskSpec, d *Dag, ctx string) {
	ids := map[string]int{}
	for i, t := range d.Tasks {
		if t != nil && t.Task != nil {
			ids[t.Task.ID] = i
		}
	}
	unknown := false
	for i, t := range d.Tasks {
		if t == nil {
			continue
		}
		for j, dep := range t.DependsOn {
			if _, ok := ids[dep]; !ok {
				unknown = true
				l.errorAt(spec.PropPos[fmt.Sprintf("tasks[%d].dependsOn[%d]", i, j)],
					"%stasks[%d].dependsOn[%d]: Not existing task id in dependency: %s (the ids of the Dag's tasks: %s)",
					ctx, i, j, dep, quoteJoin(sortedKeys(ids), ", "))
			}
		}
	}
	if unknown {
		return
	}
	deps := map[string][]string{}
	for _, t := range d.Tasks {
		if t != nil && t.Task != nil {
			deps[t.Task.ID] = t.DependsOn
		}
	}
	var cyclic []string
	first := -1
	for i, t := range d.Tasks {
		if t == nil || t.Task == nil || len(t.DependsOn) == 0 {
			continue
		}
		if reaches(deps, t.DependsOn, t.Task.ID) {
			cyclic = append(cyclic, t.Task.ID)
			if first < 0 {
				first = i
			}
		}
	}
	if len(cyclic) > 0 {
		l.errorAt(spec.PropPos[fmt.Sprintf("tasks[%d].dependsOn", first)], "%stasks: Cyclic dependency detected: %s",
			ctx, strings.Join(cyclic, ", "))
	}
}

// reaches reports whether target is among from or what they depend on, at any depth.
func reaches(deps map[string][]string, from []string, target string) bool {
	seen := map[string]bool{}
	stack := slices.Clone(from)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id == target {
			return true
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		stack = append(stack, deps[id]...)
	}
	return false
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkWorkingDirectory checks a WorkingDirectory: its children are runnable tasks (a
// flowable child would schedule runs outside the shared folder), its inputFiles can make
// files, and what flowctl does not do yet is said rather than silently skipped.
func (l *loader) checkWorkingDirectory(spec *TaskSpec, w *WorkingDirectory, at func(string) Pos, ctx string) {
	if _, given := spec.PropPos["tasks"]; given && len(w.Tasks) == 0 {
		l.errorAt(at("tasks"), "%stasks: The 'tasks' property cannot be empty", ctx)
	}
	for _, child := range w.Tasks {
		if child != nil && child.Flowable != nil {
			l.errorAt(child.Pos, "%stasks: task %q (%s): Only runnable tasks are allowed as children of a WorkingDirectory task (move it out of the WorkingDirectory, or run its tasks directly in it)",
				ctx, child.ID, ShortType(child.Type))
		}
	}
	if err := checkInputFiles(w.InputFiles); err != nil {
		l.errorAt(at("inputFiles"), "%sinputFiles: %v", ctx, err)
	}
	if nf := w.NamespaceFiles; nf != nil {
		if err := tasks.CheckPatterns("include", nf.Include); err != nil {
			l.errorAt(at("namespaceFiles"), "%snamespaceFiles.%v", ctx, err)
		}
		if err := tasks.CheckPatterns("exclude", nf.Exclude); err != nil {
			l.errorAt(at("namespaceFiles"), "%snamespaceFiles.%v", ctx, err)
		}
	}
	if c := w.Cache; c != nil {
		if err := tasks.CheckPatterns("patterns", c.Patterns); err != nil {
			l.errorAt(at("cache"), "%scache.%v", ctx, err)
		}
		if c.Patterns != nil && len(c.Patterns) == 0 {
			l.errorAt(at("cache"), "%scache.patterns: give at least one glob of the files to cache (node_modules/**, say)", ctx)
		}
		if c.TTL < 0 {
			l.errorAt(at("cache"), "%scache.ttl: must not be negative", ctx)
		}
	}
}

// checkInputFiles checks inputFiles as written: a mapping of relative file names to text, or
// a string holding a JSON object of them. A template is only known when rendered.
func checkInputFiles(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		if hasTemplate(v) {
			return nil
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return fmt.Errorf("expected a mapping of file names to contents, or a JSON object of them, got %q (%v)", short(v), err)
		}
		return checkInputFiles(m)
	case map[string]any:
		for _, name := range slices.Sorted(maps.Keys(v)) {
			switch v[name].(type) {
			case string, nil, bool, int, int64, float64:
			default:
				return fmt.Errorf("%s: expected the file's content as text or a kestra:// URI, got %s", name, valueKind(v[name]))
			}
			if !hasTemplate(name) {
				if err := tasks.CheckFileName(name); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("expected a mapping of file names to contents, or a JSON object of them, got %s", valueKind(v))
}
