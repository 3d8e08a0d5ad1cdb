package flow

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/templating"
)

// A template that names an input the flow does not declare, a variable it does not define
// or the outputs of a task it does not have fails when it renders, after the tasks before it
// had their effects. The loader checks the names a task's templates read (templating's Refs)
// once the whole flow is known, so `validate` says so first, with a did-you-mean.

// templateUse is one template of a task, kept for the reference check.
type templateUse struct {
	n    *yaml.Node
	src  string
	ctx  string
	task *TaskSpec
	tmpl *templating.Template
	vars []string // variables the task adds for this property (AnsibleCLI's workingDir)
}

// The variables every task's templates see, and the names each of the fixed ones holds.
// labels, envs, trigger, parent, parents and tasks depend on how the execution starts or on
// the loop it is in: their names are not checked.
var (
	templateRoots = []string{"flow", "execution", "task", "taskrun", "inputs", "vars", "outputs",
		"labels", "envs", "trigger", "parent", "parents", "tasks"}
	fixedNames = map[string][]string{
		"flow":      {"id", "namespace", "revision"},
		"execution": {"id", "startDate", "originalId"},
		"task":      {"id", "type"},
		"taskrun":   {"id", "startDate", "attemptsCount", "value", "parentId", "iteration", "items"},
	}
)

// checkRefs checks the names the templates of f's tasks read.
func (l *loader) checkRefs(f *Flow) {
	if f == nil || len(l.uses) == 0 {
		return
	}
	inputs := make([]string, 0, len(f.Inputs))
	for _, in := range f.Inputs {
		inputs = append(inputs, in.ID)
	}
	vars := slices.Sorted(maps.Keys(f.Variables))
	// top is the index in f.Tasks of the top-level task each task of the tasks branch sits
	// under: a task reading the outputs of one under a later top-level task reads nothing.
	top := map[*TaskSpec]int{}
	byID := map[string]*TaskSpec{}
	for i, t := range f.Tasks {
		Walk([]*TaskSpec{t}, func(s *TaskSpec) { top[s] = i })
	}
	Walk(f.AllTasks(), func(s *TaskSpec) {
		if _, dup := byID[s.ID]; !dup {
			byID[s.ID] = s
		}
		if _, ok := s.Flowable.(*ForEachItem); ok {
			// Its three runs have outputs of their own: outputs.<id>_merge.subflowOutputs.
			for _, suffix := range ForEachItemSuffixes {
				byID[s.ID+suffix] = s
			}
		}
	})
	ids := slices.Sorted(maps.Keys(byID))
	for _, u := range l.uses {
		seen := map[string]bool{}
		for _, r := range u.tmpl.Refs() {
			if slices.Contains(u.vars, r.Path[0]) {
				continue
			}
			msg := refProblem(r.Path, u.task, inputs, vars, ids, byID, top)
			if msg == "" || seen[msg] {
				continue
			}
			seen[msg] = true
			if len(l.refProblems) < maxProblems {
				p := l.templatePos(u.n, u.src, &templating.Error{Line: r.Line, Col: r.Col})
				l.refProblems = append(l.refProblems, Problem{File: l.file, Line: p.Line, Col: p.Col, Msg: u.ctx + msg})
			}
		}
	}
}

// refProblem says what is wrong with a variable path read by a template of task cur, or "".
func refProblem(path []string, cur *TaskSpec, inputs, vars, ids []string, byID map[string]*TaskSpec, top map[*TaskSpec]int) string {
	root := path[0]
	if !slices.Contains(templateRoots, root) {
		if s, ok := Suggest(root, templateRoots); ok {
			return fmt.Sprintf("unknown variable %q (did you mean %q?)", root, s)
		}
		return fmt.Sprintf("unknown variable %q: templates see %s", root, strings.Join(templateRoots, ", "))
	}
	if len(path) < 2 {
		return ""
	}
	name := path[1]
	switch root {
	case "inputs":
		// A dotted input id is a path (Kestra nests request.name under inputs.request).
		if !slices.Contains(inputs, name) && !slices.ContainsFunc(inputs, func(id string) bool { return inputPath(id)[0] == name }) {
			return fmt.Sprintf("inputs.%s: the flow has no input %q%s", name, name, listOrSuggest(name, inputs, "inputs"))
		}
	case "vars":
		if !slices.Contains(vars, name) {
			return fmt.Sprintf("vars.%s: the flow has no variable %q%s", name, name, listOrSuggest(name, vars, "variables"))
		}
	case "outputs":
		t, ok := byID[name]
		switch {
		case !ok:
			return fmt.Sprintf("outputs.%s: the flow has no task %q%s", name, name, listOrSuggest(name, ids, "tasks"))
		case t == cur && !readsOwnOutputs(t):
			return fmt.Sprintf("outputs.%s: a task cannot read its own outputs: they exist once it has ended", name)
		}
		ti, tOK := top[t]
		ci, cOK := top[cur]
		if tOK && cOK && ti > ci {
			return fmt.Sprintf("outputs.%s: task %q runs after task %q, so its outputs do not exist yet", name, name, cur.ID)
		}
	default:
		if known, ok := fixedNames[root]; ok && !slices.Contains(known, name) {
			return fmt.Sprintf("%s.%s: %s has no %q%s", root, name, root, name, listOrSuggest(name, known, "names"))
		}
	}
	return ""
}

// readsOwnOutputs reports whether a task's templates may read its own outputs: a WaitFor's
// condition reads its iterationCount.
func readsOwnOutputs(t *TaskSpec) bool {
	_, ok := t.Flowable.(*WaitFor)
	return ok
}

// listOrSuggest is a did-you-mean when a name is close, else the list of names there are.
func listOrSuggest(name string, names []string, what string) string {
	if s := didYouMean(name, names); s != "" {
		return s
	}
	if len(names) == 0 {
		return fmt.Sprintf(" (it has no %s)", what)
	}
	if len(names) > 10 {
		names = append(names[:10:10], "...")
	}
	return fmt.Sprintf(" (its %s: %s)", what, strings.Join(names, ", "))
}

// RefError is the flow's RefProblems as a *LoadError (nil when there are none), for
// `validate`, which refuses a flow for them.
func (f *Flow) RefError() *LoadError {
	if len(f.RefProblems) == 0 {
		return nil
	}
	return &LoadError{File: f.File, Problems: f.RefProblems, src: f.Source}
}
