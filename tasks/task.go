// Package tasks holds the task types flowctl runs: the Task interface, the Registry of every
// accepted type name, the Context a task gets for one run, and one file per task type.
//
// A task type is a struct of its properties. The loader (package flow) decodes a flow's
// task into that struct by its `flow` field tags, so the struct is the one definition of the
// type's properties: no second list exists to drift from it.
//
// Field tags: `flow:"name"` names the property; `flow:"name,required"` makes it required;
// `doc:"..."` describes it; `enum:"A,B"` lists allowed values (checked when not templated);
// `flow:"name,ignored"` accepts a Kestra property that has no effect here, with one warning.
package tasks

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/flowctl/flowctl/internal/units"
	"github.com/flowctl/flowctl/templating"
)

// A Task is one task type's properties, decoded from the flow; Run does the work.
//
// Properties are raw template strings: Run renders them through tc.Render, so a task sees the
// outputs of the tasks before it. Run returns the outputs it produced even when it fails, and
// a non-nil error to end the attempt FAILED.
type Task interface {
	Run(ctx context.Context, tc *Context) (Result, error)
}

// Result is what one attempt of a task produced.
type Result struct {
	// Outputs are exposed to later tasks as outputs.<taskId>.*.
	Outputs map[string]any
	// Warning ends the attempt WARNING instead of SUCCESS (a script that wrote to stderr).
	Warning bool
	// Metrics are the metrics the task reported.
	Metrics []Metric
}

// Metric is one metric reported by a task (Kestra's counter or timer).
type Metric struct {
	Name  string            `json:"name"`
	Type  string            `json:"type"`
	Value float64           `json:"value"`
	Tags  map[string]string `json:"tags,omitempty"`
}

// Context is what the runner lends a task for one run. Tasks never import runner.
type Context struct {
	// TaskID is the id of the task in the flow.
	TaskID string
	// Render renders one template (both << >> and {{ }}) with the execution's variables.
	// Secrets it resolves are registered for masking before it returns.
	Render func(tmpl string) (string, error)
	// RenderTyped renders a template that is one expression and nothing else to the
	// expression's value (a map stays a map, a number a number), as Kestra's renderTyped
	// does; any other template renders to text. Nil falls back to Render.
	RenderTyped func(tmpl string) (any, error)
	// RenderVars renders a template as Render does, with vars added over the execution's
	// variables (Kestra's render(expression, map): FilterItems' record fields). Nil makes the
	// tasks that need it fail.
	RenderVars func(tmpl string, vars map[string]any) (string, error)
	// Log records a line of the task run: prefixed, masked, kept in the execution.
	Log *Logger
	// HTTP is the client for tasks that call out; tests point it at an httptest server.
	HTTP *http.Client
	// Now is the clock.
	Now func() time.Time
	// Sleep waits d, or less when ctx ends first, and then returns context.Cause(ctx). Nil
	// means a real timer; tests record the waits a task asks for without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Environ is the environment processes inherit (os.Environ() in production).
	Environ []string
	// Inherit are open files the task's processes hold too (as file descriptors 3, 4 ...):
	// the lease of a concurrency slot, held while any of them runs.
	Inherit []*os.File
	// TempDir is where per-run working folders are made ("" means os.TempDir()).
	TempDir string
	// CacheDir is where tasks keep what they reuse across runs (the virtual environments of
	// Python dependencies), beside the state; "" when the run has none, and such things are
	// made for each run.
	CacheDir string
	// WorkDir, when set, returns a fresh, empty working folder for this run with an
	// `outputs` subfolder; the runner removes it after the run. When nil, a task that needs
	// one makes and removes its own under TempDir.
	WorkDir func() (string, error)
	// Warn reports a problem with the flow that does not stop the task (logged once at WARN).
	Warn func(msg string)
	// Mask registers a value to be masked like a secret from now on (a webhook URL written
	// in clear in the flow, say).
	Mask func(value string)
	// Execution returns an execution by id: the running one, or one recorded in the state.
	// Nil when no lookup is available.
	Execution func(id string) (*ExecutionView, error)
	// UserAgent is the User-Agent of outgoing HTTP requests ("flowctl/<version>").
	UserAgent string
	// Subflow runs a Subflow task's child execution and returns how it ended; nil when the
	// run has no state to find applied flows in.
	Subflow func(ctx context.Context, req SubflowRequest) (SubflowResult, error)
	// Storage keeps the execution's files (Kestra's internal storage, kestra:// URIs); nil
	// when the run has none, and a task that needs it fails saying so.
	Storage Storage
	// Namespace is the files of the flow's namespace (namespaceFiles); nil when the run has
	// none, and a task that needs them fails saying so.
	Namespace NamespaceStore
	// Namespaces is every namespace's files, for the namespace tasks; nil when the run has
	// no storage.
	Namespaces Namespaces
	// KV is the KV store of Kestra's kv tasks; nil when the run has no state, and a task
	// that needs it fails saying so.
	KV KV
	// Pause pauses the execution until a resume or a duration (see PauseWait); nil when
	// the run has no state a resume could reach it through.
	Pause PauseWait
	// SetLabels adds labels to the running execution, replacing those of the same keys
	// (Kestra's execution.Labels); nil when the caller runs no execution.
	SetLabels func(labels map[string]string) error
	// Logs returns the log lines of an execution that q selects, oldest first (Kestra's
	// log.Fetch); nil when the caller keeps none.
	Logs func(q LogQuery) ([]LogRecord, error)
	// CountExecutions counts the recorded executions by flow (execution.Count); nil when the
	// run has no state.
	CountExecutions func(q ExecutionCountQuery) ([]ExecutionCount, error)
	// PurgeExecutions deletes recorded executions, their logs or files, that q selects
	// (execution.PurgeExecutions); never the running one. Nil when the run has no state.
	PurgeExecutions func(q PurgeQuery) (PurgeCounts, error)
	// PurgeLogs deletes recorded log lines that q selects (log.PurgeLogs), never the running
	// execution's; it returns how many went. Nil when the run has no state.
	PurgeLogs func(q LogPurgeQuery) (int, error)
	// Resume resumes a PAUSED execution (Kestra's execution.Resume; an empty ID is the
	// running one); nil when the run has no state.
	Resume func(ctx context.Context, req ResumeRequest) error
	// ToggleTrigger enables or disables a trigger of an applied flow (Kestra's
	// trigger.Toggle; empty Namespace and FlowID are the running flow's); nil when the run
	// has no state.
	ToggleTrigger func(ctx context.Context, req ToggleRequest) error
}

// LogQuery selects log lines: those of an execution at a level or above. ExecutionID ""
// is the running execution; Namespace and FlowID "" are the running flow's, and an
// execution of another flow has no lines for the query.
type LogQuery struct {
	ExecutionID, Namespace, FlowID string
	Level                          Level
}

// LogRecord is one log line of an execution, with Kestra's LogEntry fields.
type LogRecord struct {
	Namespace, FlowID, TaskID, ExecutionID, TaskRunID string
	// AttemptNumber counts from 0.
	AttemptNumber int
	Time          time.Time
	Level         Level
	Message       string // already masked
}

// Storage is the internal storage as one task run sees it: the files it stores land under
// its own path (kestra:///<namespace>/<flow>/executions/<execution>/tasks/<task>/<taskrun>/),
// and it may read only the files of its execution (or of the execution that started it).
type Storage interface {
	// Put stores what r yields as a file called name of this task run and returns its
	// kestra:// URI. name is a base name; a file of that name stored before is replaced.
	Put(name string, r io.Reader) (uri string, err error)
	// Open opens the file at a kestra:// URI, refusing one outside what the run may read.
	Open(uri string) (io.ReadCloser, error)
	// Stat returns the size of the file at a kestra:// URI (fs.ErrNotExist when there is
	// none), under Open's rule.
	Stat(uri string) (size int64, err error)
}

// ExecutionView is what a task can read of an execution (SlackExecution's summary).
type ExecutionView struct {
	ID        string
	Namespace string
	FlowID    string
	State     string    // CREATED, RUNNING, SUCCESS, WARNING, FAILED, KILLED
	StartDate time.Time // UTC
	EndDate   time.Time // zero while running
	Labels    map[string]string
	TaskRuns  []TaskRunView
}

// TaskRunView is one task run of an ExecutionView, in execution order.
type TaskRunView struct {
	ID     string
	TaskID string
	// ParentID is the run of the flowable task this run is a child of; "" at the top.
	ParentID string
	// Value is the loop value of a run a ForEach created.
	Value     string
	Branch    string // tasks, errors, finally (of the flow, or of the flowable parent)
	State     string
	StartDate time.Time
	EndDate   time.Time
	Error     string // already masked
	// ErrorLog is the last lines the task run logged at ERROR level (a script's traceback),
	// oldest first, already masked; at most ErrorLogLines of them.
	ErrorLog []string
}

// ErrorLogLines is how many of a task run's last ERROR lines an ExecutionView carries.
const ErrorLogLines = 8

// Def is one task type: its canonical name, the older names it is also accepted under, and a
// constructor of the property struct the loader decodes into.
type Def struct {
	// Type is the canonical (current Kestra) type name.
	Type string
	// Aliases are older names Kestra still accepts.
	Aliases []string
	// Doc is a one-line description.
	Doc string
	// New returns a pointer to a zero property struct of this type.
	New func() Task
	// Unsupported lists properties Kestra has for this type that flowctl does not implement.
	Unsupported []string
}

// StringList is a property written either as one string or as a list of strings, as Kestra
// accepts for Log's message.
type StringList []string

// render renders one property through tc.Render and names the property in the error, so a
// user sees which of a task's templates failed. A nil Render leaves templates as written, for
// callers that do not template.
func (tc *Context) render(prop, tmpl string) (string, error) {
	if tc.Render == nil {
		return tmpl, nil
	}
	out, err := tc.Render(tmpl)
	if err != nil {
		return "", &PropError{Prop: prop, Err: err}
	}
	return out, nil
}

// PropError is an error about one property of a task (a template that failed to render,
// say). Prop is the property's path: `message`, `commands[1]`, `env.TOKEN`; the runner uses
// it to point at the property's line in the flow file.
type PropError struct {
	Prop string
	Err  error
}

// Error returns "prop: err".
func (e *PropError) Error() string { return e.Prop + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PropError) Unwrap() error { return e.Err }

// renderList renders each element of a list property; errors name the element (prop[i]).
func (tc *Context) renderList(prop string, list []string) ([]string, error) {
	if list == nil {
		return nil, nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		r, err := tc.render(fmt.Sprintf("%s[%d]", prop, i), s)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// renderMap renders the keys and the values of a map property, as Kestra's renderMap does;
// errors name the entry (prop.key).
func (tc *Context) renderMap(prop string, m map[string]string) (map[string]string, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		rk, err := tc.render(prop+"."+k, k)
		if err != nil {
			return nil, err
		}
		rv, err := tc.render(prop+"."+k, m[k])
		if err != nil {
			return nil, err
		}
		if _, dup := out[rk]; dup {
			return nil, fmt.Errorf("%s: two keys render to %q", prop, rk)
		}
		out[rk] = rv
	}
	return out, nil
}

// warn reports a problem with the flow through tc.Warn, or logs it at WARN when the caller
// gave no Warn.
func (tc *Context) warn(msg string) {
	if tc.Warn != nil {
		tc.Warn(msg)
		return
	}
	tc.Log.Log(LevelWarn, msg)
}

// sleep waits d as tc.Sleep does, with a real timer when the caller gave no Sleep.
func (tc *Context) sleep(ctx context.Context, d time.Duration) error {
	if tc.Sleep != nil {
		return tc.Sleep(ctx, d)
	}
	return timerSleep(ctx, d)
}

// timerSleep waits d on a timer, or less when ctx ends first.
func timerSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// renderValue renders a property that may be any YAML value (a string, a list, a mapping,
// or a scalar kept as is) at any depth: map keys as text, each string as text, or, when
// typed and the runner lends RenderTyped, as the value of its one expression (Kestra's
// renderTyped: `{{ outputs.a.list }}` stays a list). Errors name the path (values.a[2].b).
func (tc *Context) renderValue(path string, v any, typed bool) (any, error) {
	switch v := v.(type) {
	case string:
		if typed && tc.RenderTyped != nil {
			out, err := tc.RenderTyped(v)
			if err != nil {
				return nil, &PropError{Prop: path, Err: err}
			}
			return out, nil
		}
		s, err := tc.render(path, v)
		if err != nil {
			return nil, err
		}
		if len(s) > maxOutput {
			return nil, &PropError{Prop: path, Err: fmt.Errorf("renders to %d bytes, over the %s an output may hold", len(s), units.Bytes(maxOutput))}
		}
		return s, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := tc.renderValue(fmt.Sprintf("%s[%d]", path, i), e, typed)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case *templating.Map:
		if v == nil {
			return nil, nil
		}
		out := templating.NewMap(v.Len())
		for _, k := range v.Keys() {
			rk, err := tc.render(path+"."+k, k)
			if err != nil {
				return nil, err
			}
			if _, dup := out.Get(rk); dup {
				return nil, fmt.Errorf("%s: two keys render to %q", path, rk)
			}
			e, _ := v.Get(k)
			r, err := tc.renderValue(path+"."+k, e, typed)
			if err != nil {
				return nil, err
			}
			out.Set(rk, r)
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			rk, err := tc.render(path+"."+k, k)
			if err != nil {
				return nil, err
			}
			if _, dup := out[rk]; dup {
				return nil, fmt.Errorf("%s: two keys render to %q", path, rk)
			}
			if out[rk], err = tc.renderValue(path+"."+k, v[k], typed); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// Checker is a task whose properties written literally, without a template, can be found
// wrong when the flow loads: `flowctl validate` then says what a run would only say later.
// A value holding a template is left to the run, which renders it.
type Checker interface {
	// Check returns the problems of the literal properties, each naming its property.
	Check() []*PropError
}

// isLiteral reports whether s is written without a template, so its value is known
// before the run.
func isLiteral(s string) bool { return !hasTemplateMark(s) }
