package flow

import (
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/flowctl/flowctl/tasks"
)

// A Flowable is the decoded properties of a flowable task: a task that runs no process of its
// own but schedules child tasks (Sequential, Parallel, If, Switch, ForEach, Dag...). The
// engine (package runner) gives each its behaviour; this package only models and checks it.
type Flowable interface {
	// Branches lists the child task lists of the flowable, in the flow's order: what a
	// walk of the tree visits. Errors and finally are the TaskSpec's.
	Branches() [][]*TaskSpec
}

// FlowableDef describes one flowable task type, as tasks.Def does a runnable one.
type FlowableDef struct {
	// Type is the canonical (current Kestra) type name.
	Type string
	// Aliases are older names Kestra still accepts.
	Aliases []string
	// Doc is a one-line description.
	Doc string
	// New returns a pointer to a zero property struct of this type.
	New func() Flowable
}

// The canonical names of the flowable types.
const (
	TypeSequential     = "io.kestra.plugin.core.flow.Sequential"
	TypeParallel       = "io.kestra.plugin.core.flow.Parallel"
	TypeIf             = "io.kestra.plugin.core.flow.If"
	TypeSwitch         = "io.kestra.plugin.core.flow.Switch"
	TypeForEach        = "io.kestra.plugin.core.flow.ForEach"
	TypeEachSequential = "io.kestra.plugin.core.flow.EachSequential"
	TypeEachParallel   = "io.kestra.plugin.core.flow.EachParallel"
	TypeDag            = "io.kestra.plugin.core.flow.Dag"
	TypeAllowFailure   = "io.kestra.plugin.core.flow.AllowFailure"
	TypeWorkingDir     = "io.kestra.plugin.core.flow.WorkingDirectory"
)

// oldFlowPrefix is the package of the deprecated aliases of the flowable types.
const oldFlowPrefix = "io.kestra.core.tasks.flows."

// flowableDefs returns every flowable type, by lower-cased name and alias. It is built once.
var flowableDefs = sync.OnceValue(func() map[string]*FlowableDef {
	defs := []*FlowableDef{
		{Type: TypeSequential, Doc: "Runs its tasks one after another.",
			New: func() Flowable { return &Sequential{} }},
		{Type: TypeParallel, Doc: "Runs its tasks at the same time, up to concurrent at once.",
			New: func() Flowable { return &Parallel{} }},
		{Type: TypeIf, Doc: "Runs then when the condition renders true, else otherwise.",
			New: func() Flowable { return &If{} }},
		{Type: TypeSwitch, Doc: "Runs the case whose key equals the rendered value, else defaults.",
			New: func() Flowable { return &Switch{} }},
		{Type: TypeForEach, Doc: "Runs its tasks once for each value, up to concurrencyLimit values at once.",
			New: func() Flowable { return &ForEach{} }},
		{Type: TypeEachSequential, Doc: "Deprecated: ForEach with concurrencyLimit 1.",
			New: func() Flowable { return &EachSequential{} }},
		{Type: TypeEachParallel, Doc: "Deprecated: runs each task for each value, all at once.",
			New: func() Flowable { return &EachParallel{} }},
		{Type: TypeDag, Doc: "Runs its tasks as soon as the tasks they depend on ended.",
			New: func() Flowable { return &Dag{} }},
		{Type: TypeAllowFailure, Doc: "Deprecated: a Sequential whose failure ends WARNING.",
			New: func() Flowable { return &AllowFailure{} }},
		{Type: TypeWorkingDir, Doc: "Runs its tasks one after another in one shared working folder.",
			Aliases: []string{oldFlowPrefix + "Worker"},
			New:     func() Flowable { return &WorkingDirectory{} }},
		{Type: TypeForEachItem, Doc: "Runs a flow applied to the state once per batch of the lines of a file.",
			New: func() Flowable { return &ForEachItem{} }},
		{Type: TypeWaitFor, Doc: "Runs its tasks again and again until the condition is true.",
			New: func() Flowable { return &WaitFor{} }},
	}
	out := map[string]*FlowableDef{}
	for _, d := range defs {
		if d.Type != TypeForEach && d.Type != TypeWaitFor { // Kestra never had them there
			d.Aliases = append(d.Aliases, oldFlowPrefix+ShortType(d.Type))
		}
		out[strings.ToLower(d.Type)] = d
		for _, a := range d.Aliases {
			out[strings.ToLower(a)] = d
		}
	}
	return out
})

// LookupFlowable finds the flowable type named typ, compared without regard to case.
func LookupFlowable(typ string) (*FlowableDef, bool) {
	d, ok := flowableDefs()[strings.ToLower(typ)]
	return d, ok
}

// FlowableDefs returns each flowable type once, sorted by canonical name.
func FlowableDefs() []*FlowableDef {
	seen := map[*FlowableDef]bool{}
	var out []*FlowableDef
	for _, d := range flowableDefs() {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// Sequential runs its tasks in order.
type Sequential struct {
	Tasks []*TaskSpec `flow:"tasks,required" doc:"The tasks, run one after another."`
}

// Branches implements Flowable.
func (s *Sequential) Branches() [][]*TaskSpec { return [][]*TaskSpec{s.Tasks} }

// AllowFailure is the deprecated Sequential whose failure ends WARNING.
type AllowFailure struct {
	Tasks []*TaskSpec `flow:"tasks,required" doc:"The tasks, run one after another."`
}

// Branches implements Flowable.
func (s *AllowFailure) Branches() [][]*TaskSpec { return [][]*TaskSpec{s.Tasks} }

// Parallel runs its tasks at once.
type Parallel struct {
	Tasks      []*TaskSpec `flow:"tasks,required" doc:"The tasks, run at the same time."`
	Concurrent int         `flow:"concurrent" doc:"How many tasks run at once; 0 (the default): all."`
}

// Branches implements Flowable.
func (p *Parallel) Branches() [][]*TaskSpec { return [][]*TaskSpec{p.Tasks} }

// If runs Then or Else by its condition.
type If struct {
	Condition string      `flow:"condition,required" doc:"Rendered once; false, 0, -0 and empty are false, anything else true."`
	Then      []*TaskSpec `flow:"then,required" doc:"The tasks run when the condition is true."`
	Else      []*TaskSpec `flow:"else" doc:"The tasks run when the condition is false."`
}

// Branches implements Flowable.
func (f *If) Branches() [][]*TaskSpec { return [][]*TaskSpec{f.Then, f.Else} }

// Switch runs the case whose key equals its rendered value.
type Switch struct {
	Value    string      `flow:"value,required" doc:"Rendered; the key of the case to run."`
	Cases    Cases       `flow:"cases" doc:"The tasks of each value, by value."`
	Defaults []*TaskSpec `flow:"defaults" doc:"The tasks run when no case matches."`
}

// Branches implements Flowable.
func (s *Switch) Branches() [][]*TaskSpec {
	out := make([][]*TaskSpec, 0, len(s.Cases)+1)
	for _, c := range s.Cases {
		out = append(out, c.Tasks)
	}
	return append(out, s.Defaults)
}

// Cases are a Switch's cases in the flow's order.
type Cases []Case

// Case is one case of a Switch.
type Case struct {
	Key   string
	Tasks []*TaskSpec
	Pos   Pos
}

// ForEach runs its tasks once per value.
type ForEach struct {
	Values           any         `flow:"values,required" doc:"A list, or a string rendering to a JSON array."`
	ConcurrencyLimit *int        `flow:"concurrencyLimit" doc:"How many values run at once: 1 (the default) one after another, 0 all."`
	Tasks            []*TaskSpec `flow:"tasks,required" doc:"The tasks run for each value, in order."`
}

// Branches implements Flowable.
func (f *ForEach) Branches() [][]*TaskSpec { return [][]*TaskSpec{f.Tasks} }

// EachSequential is the deprecated ForEach with a limit of 1.
type EachSequential struct {
	Value any         `flow:"value,required" doc:"A list, or a string rendering to a JSON array."`
	Tasks []*TaskSpec `flow:"tasks,required" doc:"The tasks run for each value, in order."`
}

// Branches implements Flowable.
func (f *EachSequential) Branches() [][]*TaskSpec { return [][]*TaskSpec{f.Tasks} }

// EachParallel is the deprecated loop running every task of every value at once.
type EachParallel struct {
	Value      any         `flow:"value,required" doc:"A list, or a string rendering to a JSON array."`
	Concurrent int         `flow:"concurrent" doc:"How many task runs run at once; 0 (the default): all."`
	Tasks      []*TaskSpec `flow:"tasks,required" doc:"The tasks run for each value."`
}

// Branches implements Flowable.
func (f *EachParallel) Branches() [][]*TaskSpec { return [][]*TaskSpec{f.Tasks} }

// Dag runs each task once the tasks it depends on ended.
type Dag struct {
	Tasks      []*DagTask `flow:"tasks,required" doc:"The tasks, each with the ids it depends on."`
	Concurrent int        `flow:"concurrent" doc:"How many tasks run at once; 0 (the default): all."`
}

// DagTask is one task of a Dag.
type DagTask struct {
	Task      *TaskSpec `flow:"task,required" doc:"The task."`
	DependsOn []string  `flow:"dependsOn" doc:"The ids of the tasks of the Dag that must end before it starts."`
}

// Branches implements Flowable.
func (d *Dag) Branches() [][]*TaskSpec {
	out := make([]*TaskSpec, 0, len(d.Tasks))
	for _, t := range d.Tasks {
		if t != nil && t.Task != nil {
			out = append(out, t.Task)
		}
	}
	return [][]*TaskSpec{out}
}

// WorkingDirectory runs its tasks in order in one working folder they all share: a script
// sees the files the scripts before it wrote.
type WorkingDirectory struct {
	Tasks          []*TaskSpec            `flow:"tasks,required" doc:"The tasks, runnable only, run one after another in the shared folder."`
	InputFiles     any                    `flow:"inputFiles" doc:"Files written into the folder first: a mapping of relative name to content or kestra:// URI, or a string rendering to a JSON object of them."`
	OutputFiles    []string               `flow:"outputFiles" doc:"Globs of files of the folder stored once the tasks ended; their kestra:// URIs are in outputs.outputFiles."`
	NamespaceFiles *tasks.NamespaceFiles  `flow:"namespaceFiles" doc:"Files of the flow's namespace copied into the folder before the tasks (flowctl namespace files push)."`
	Cache          *WorkingDirectoryCache `flow:"cache" doc:"Files of the folder kept between executions: restored before the tasks, saved after them."`
}

// WorkingDirectoryCache is a WorkingDirectory's cache: the files its patterns match are
// zipped into the internal storage after the tasks and unzipped into the next execution's
// folder before them, until ttl has passed since they were saved.
type WorkingDirectoryCache struct {
	Patterns []string      `flow:"patterns,required" doc:"Globs of the files to cache, relative to the folder: node_modules/** or *.txt."`
	TTL      time.Duration `flow:"ttl" doc:"How long the cache lives after it was saved (ISO-8601, PT1H); none means for ever."`
}

// Branches implements Flowable.
func (w *WorkingDirectory) Branches() [][]*TaskSpec { return [][]*TaskSpec{w.Tasks} }

// Walk calls fn for each task of specs and, depth first, for every task under it.
func Walk(specs []*TaskSpec, fn func(*TaskSpec)) {
	for _, s := range specs {
		if s == nil {
			continue
		}
		fn(s)
		if s.Flowable != nil {
			for _, b := range s.Flowable.Branches() {
				Walk(b, fn)
			}
		}
		Walk(s.Children, fn)
		Walk(s.Errors, fn)
		Walk(s.Finally, fn)
	}
}

var (
	taskSpecPtrType = reflect.TypeFor[*TaskSpec]()
	taskListType    = reflect.TypeFor[[]*TaskSpec]()
	casesType       = reflect.TypeFor[Cases]()
)
