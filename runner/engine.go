// Package runner executes loaded flows (package flow): the engine of Kestra's execution
// model (the task-run tree of flowable tasks, errors, finally, retries, timeouts), masking, and
// the execution document.
// The reports that read that document (text, CI, JUnit, JSON) are in package report, which
// imports runner for its types: runner never imports report, and flow never imports runner.
package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/runner/storage"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// Sink receives what happens during an execution, as it happens. The engine calls it from one
// goroutine at a time.
type Sink interface {
	// TaskStarted is called when a task run starts (SKIPPED ones included).
	TaskStarted(tr *TaskRun)
	// Log is called for every line a task run logs, already masked.
	Log(tr *TaskRun, line LogLine)
	// TaskEnded is called when a task run reached its final state.
	TaskEnded(tr *TaskRun)
}

// HoldingSink is a Sink that can hold the lines logged in a batch (tasks.Logger.Batch: the
// lines of one read of a script's output) and write them at once: a million lines then cost
// a few thousand writes, not a million.
type HoldingSink interface {
	Sink
	// Hold starts holding lines; Release ends one Hold and writes what is held once no Hold
	// is left. Holds nest: branches running at once may each hold.
	Hold()
	Release()
}

// ExecutionSink is a Sink that also hears when the execution starts running, once, before
// its first task run (a log naming the execution on its first line).
type ExecutionSink interface {
	Sink
	ExecutionStarted(x *Execution)
}

// Options are what an execution needs from the outside world. The zero value of each field
// has a sensible default, except Sink, which may be nil to discard events.
type Options struct {
	// Inputs are the typed input values (see ParseInputs).
	Inputs map[string]any
	// Masker hides secrets; the engine registers each secret it resolves.
	Masker *Masker
	// Environ is the environment: secrets (SECRET_*), envs.* (ENV_*) and the processes' env.
	Environ []string
	// Now is the clock.
	Now func() time.Time
	// HTTP is the client tasks call out with.
	HTTP *http.Client
	// TempDir holds the task runs' working folders.
	TempDir string
	// CacheDir is where tasks keep what they reuse across runs (tasks.Context.CacheDir);
	// "" makes it for each run.
	CacheDir string
	// Sink receives events.
	Sink Sink
	// Trigger is set on executions a trigger started; exposed as trigger.*.
	Trigger *ExecTrigger
	// CorrelationID is the label system.correlationId of the execution: the id of the
	// execution that started its chain (the one whose end fired a Flow trigger). Empty: the
	// execution's own id, as for every execution that starts a chain.
	CorrelationID string
	// UserAgent is sent by tasks that call out over HTTP.
	UserAgent string
	// Lookup finds a recorded execution by id (SlackExecution's summary of another
	// execution); nil when there is no state.
	Lookup func(id string) (*Execution, error)
	// CountExecutions counts recorded executions by flow (execution.Count); nil when there
	// is no state.
	CountExecutions func(q tasks.ExecutionCountQuery) ([]tasks.ExecutionCount, error)
	// PurgeExecutions deletes recorded executions (execution.PurgeExecutions), never the
	// one given as except; nil when there is no state.
	PurgeExecutions func(q tasks.PurgeQuery, except string) (tasks.PurgeCounts, error)
	// PurgeLogs deletes recorded log lines (log.PurgeLogs), never those of the execution
	// given as except; nil when there is no state.
	PurgeLogs func(q tasks.LogPurgeQuery, except string) (int, error)
	// Revision is the flow's revision in the state (0: the flow's own, 1 for a file).
	Revision int
	// OnStart is called once the execution is RUNNING, before its first task: the place to
	// record it, so that one cut off by a crash is found RUNNING. An error stops the
	// execution before any task runs; it ends FAILED with that error.
	OnStart func(x *Execution) error
	// Journal, when set, receives the execution while it runs, from OnStart to its last
	// task: its document each time a task run starts or ends, and the lines its task runs
	// keep, in batches (at most 500 lines or 200 ms apart). What was not written when the
	// tasks end is left for the caller's record of the end (LogEntries leaves out what
	// was written).
	Journal Journal
	// Admit, when set, is called once the execution exists (CREATED), before it runs, to
	// apply the flow's concurrency limit: it returns RUNNING to go on, or CANCELLED or FAILED
	// for an execution that must not run. While it waits for a slot it may call queued once,
	// which moves the execution to QUEUED. ctx carries the execution's Timeout: when ctx
	// ends first, the execution ends KILLED (interrupted) or FAILED (timed out). An error
	// ends the execution FAILED before any task, and Run returns it.
	Admit func(ctx context.Context, x *Execution, queued func()) (string, error)
	// Inherit are open files every task process holds too (the lease of a concurrency
	// slot: see state.Lease).
	Inherit []*os.File
	// LogCap is how many bytes of messages each task run keeps of its log, in memory and
	// in the state (state.DefaultLogCap when zero); past it lines are counted, not kept.
	LogCap int64
	// Timeout bounds the whole execution (`run --timeout`), a wait for a concurrency slot
	// included: when it passes, the running task's processes are killed and its task run
	// FAILS with "Execution timeout after HH:MM:SS.mmm"; errors and finally still run.
	// Zero: no bound.
	Timeout time.Duration
	// Storage keeps the files the tasks hand each other (kestra:// URIs): the state's
	// storage.ForState. Nil keeps them in a folder of the execution's own, removed when it
	// ends.
	Storage *storage.Root
	// Subflow runs the child execution of a Subflow task of this execution (parent); nil
	// when the run has no state to find applied flows in.
	Subflow func(ctx context.Context, parent *Execution, req tasks.SubflowRequest) (tasks.SubflowResult, error)
	// Labels are added to the flow's own (a Subflow child's: its parent's, the task's).
	Labels map[string]string
	// Warn receives, already masked, a problem outside any task run that the user must hear
	// about: working folders that could not be removed. Nil writes it to os.Stderr.
	Warn func(msg string)
	// KV is the KV store of the kv tasks and of kv() in templates (see KV); nil when there
	// is no state, and they fail saying so.
	KV tasks.KV
	// Retries is the execution ended RETRIED that this one retries (see StateRetried):
	// its parent, whose original id, creation date and attempt number it carries on.
	Retries *Execution
	// Pauser records a Pause task's pause where `flowctl executions resume` reaches it, and
	// hears the resume; nil when there is no state, and a Pause without a duration or a
	// timeout fails saying so.
	Pauser Pauser
	// Resume resumes a PAUSED execution for a Resume task; nil when there is no state.
	Resume func(ctx context.Context, req tasks.ResumeRequest) error
	// ToggleTrigger enables or disables a trigger for a Toggle task; nil when there is no
	// state.
	ToggleTrigger func(ctx context.Context, req tasks.ToggleRequest) error
	// Restart, when set, is a recorded execution prepared by PlanRestart: Run runs it
	// again, under its id, from its failed task runs (see restart.go); Inputs are its
	// inputs, typed again.
	Restart *Execution
}

// execTimeout is the cause of a context ended by Options.Timeout or, with task set, by
// the timeout of a flowable task, which bounds the runs under it.
type execTimeout struct {
	after time.Duration
	task  bool
	// sla, when set, is the violation of an SLA that ended the execution (see sla.go).
	sla string
}

func (t *execTimeout) Error() string {
	if t.sla != "" {
		return t.sla
	}
	if t.task {
		return "Timeout after " + duration.FormatClock(t.after)
	}
	return "Execution timeout after " + duration.FormatClock(t.after)
}

// timedOut returns the timeout that ended ctx, or nil when ctx is live or was cancelled for
// another reason (an interrupt).
func timedOut(ctx context.Context) *execTimeout {
	var t *execTimeout
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &t) {
		return t
	}
	return nil
}

// engine runs one execution.
type engine struct {
	flow   *flow.Flow
	opts   Options
	exec   *Execution
	secret func(string) (string, error)
	base   map[string]any // variables shared by every task

	workdirs *workdirs
	files    *storage.Execution // the execution's files in the internal storage
	// timedOut is set when Options.Timeout ended the tasks branch.
	timedOut bool
	// live writes the execution to Options.Journal as it runs; nil without one, and once
	// the tasks are done.
	live *live

	// mu guards what runs of concurrent branches share: the task run list, the states,
	// attempts and logs of the runs, outputs and the templates.
	mu sync.Mutex
	// outputs is outputs.<taskId> (nested under loop values). A render reads the tree it
	// took without a lock: a write changes in place only the maps no render holds (pins).
	outputs   map[string]any
	pins      outputsPins
	templates map[string]*templating.Template
	// paused counts the runs waiting in a Pause: the execution is PAUSED while any is.
	paused int
	// restart holds the runs of the document a restart started from; nil otherwise.
	restart *restart
	// stopTasks ends the tasks branch with a cause (errRetried).
	stopTasks context.CancelCauseFunc
	// sla watches the flow's SLAs; nil without any.
	sla *slaWatch
	// labels is the labels variable once a Labels task changed the labels (see
	// labelsVar), replaced on each change.
	labels map[string]any
}

// Run executes f and returns its execution document, in its final state. It returns when the
// execution ended: SUCCESS, WARNING, FAILED, or KILLED when ctx is cancelled (SIGINT/SIGTERM).
// The error is OnStart's, when it refused the execution.
func Run(ctx context.Context, f *flow.Flow, opts Options) (*Execution, error) {
	if opts.Masker == nil {
		opts.Masker = NewMasker()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTP == nil {
		opts.HTTP = http.DefaultClient
	}
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	if opts.LogCap <= 0 {
		opts.LogCap = state.DefaultLogCap
	}
	if opts.Warn == nil {
		opts.Warn = func(msg string) { fmt.Fprintf(os.Stderr, "flowctl: warning: %s\n", msg) }
	}
	id := NewID()
	if opts.Restart != nil {
		id = opts.Restart.ID
	}
	// One folder per execution holds the task runs' working folders: they live as long as
	// the execution, so a cron job running for years leaves nothing behind. Only a process
	// killed with SIGKILL cannot remove it; the folder is named after the execution, which
	// the state then shows RUNNING.
	base := opts.TempDir
	if base == "" {
		base = os.TempDir()
	}
	opts.TempDir = filepath.Join(base, "flowctl-"+id)
	if opts.Sink != nil {
		// Branches run at once; the sink hears them one at a time.
		_, holds := opts.Sink.(HoldingSink)
		opts.Sink = &lockedSink{s: opts.Sink, holds: holds}
	}
	e := &engine{flow: f, opts: opts, outputs: map[string]any{}, templates: map[string]*templating.Template{},
		workdirs: newWorkdirs(opts.TempDir)}
	defer e.removeWorkdirs()
	e.secret = e.secretFunc()
	addLiteralSecrets(opts.Masker, f)
	defer e.openFiles(id)()
	inputs, inputsErr := e.storeInputFiles(opts.Inputs)
	inputs = flow.NestInputs(inputs)
	e.opts.Inputs = inputs
	e.exec = &Execution{
		ID:           id,
		Namespace:    f.Namespace,
		FlowID:       f.ID,
		FlowRevision: f.Revision,
		Labels:       map[string]string{},
		Inputs:       opts.Masker.Value(orEmpty(inputs)).(map[string]any),
		TaskRunList:  []*TaskRun{},
		Trigger:      opts.Trigger,
	}
	for _, l := range f.Labels {
		e.exec.Labels[l.Key] = l.Value
	}
	maps.Copy(e.exec.Labels, opts.Labels)
	// Every Kestra execution carries the id of the execution that started its chain.
	e.exec.Labels[LabelCorrelationID] = cmp.Or(opts.CorrelationID, id)
	now := opts.Now()
	if opts.Revision > 0 {
		e.exec.FlowRevision = opts.Revision
	}
	e.exec.State.Set(StateCreated, now)
	e.exec.retryFields(opts.Retries, now)
	if inputsErr != nil {
		// A FILE input's file gone, or the storage full: nothing can run.
		e.exec.State.End(StateFailed, opts.Now())
		return e.exec, inputsErr
	}
	if opts.Restart != nil {
		e.startRestart(opts.Restart)
	}
	// tctx bounds what Timeout bounds: the wait for a slot and the tasks; errors and
	// finally run under ctx, after a timeout too.
	tctx := ctx
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		tctx, cancel = context.WithTimeoutCause(ctx, opts.Timeout, &execTimeout{after: opts.Timeout})
		defer cancel()
	}
	tctx, e.sla = e.watchSLA(tctx)
	defer e.sla.stop()
	if opts.Admit != nil {
		st, err := opts.Admit(tctx, e.exec, func() { e.exec.State.Set(StateQueued, opts.Now()) })
		switch {
		case err != nil:
			e.exec.State.End(StateFailed, opts.Now())
			return e.exec, err
		case ctx.Err() != nil:
			e.exec.State.End(StateKilled, opts.Now())
			return e.exec, nil
		case tctx.Err() != nil:
			e.sla.stop()
			e.exec.State.End(e.sla.state(StateFailed), opts.Now())
			return e.exec, nil
		case st != StateRunning:
			e.exec.State.End(st, opts.Now())
			return e.exec, nil
		}
	}
	e.exec.State.Set(StateRunning, opts.Now())
	e.base = e.baseVars()
	gen := opts.Masker.Generation()
	if opts.OnStart != nil {
		if err := opts.OnStart(e.exec); err != nil {
			e.exec.State.End(StateFailed, opts.Now())
			return e.exec, err
		}
	}
	if l, ok := opts.Sink.(*lockedSink); ok {
		l.executionStarted(e.exec)
	}
	if opts.Journal != nil {
		e.startLive(opts.Journal)
	}

	rctx, stop := context.WithCancelCause(tctx)
	defer stop(nil)
	e.stopTasks = stop
	e.sla.check()
	failed := e.runList(rctx, f.Tasks, BranchTasks, frame{}, newSiblings(true)).failed
	e.sla.stop()
	if timedOut(tctx) != nil {
		failed = true
		e.timedOut = true
	}
	// An execution a new one retries has ended: its errors and finally are the last
	// attempt's to run. One an SLA ended has ended too.
	if ctx.Err() == nil && !retried(rctx) && !e.sla.ended() {
		if failed {
			e.runList(ctx, f.Errors, BranchErrors, frame{}, newSiblings(false))
		}
		if ctx.Err() == nil {
			e.runList(ctx, f.Finally, BranchFinally, frame{}, newSiblings(false))
		}
	}
	e.endUnreached()
	// The end is the caller's to record, with what the journal has not written.
	e.stopLive()
	final := finalState(e.exec, ctx.Err() != nil)
	if e.timedOut && final != StateKilled {
		final = StateFailed // also when the time ran out between two tasks
	}
	switch {
	case retried(rctx) && final != StateKilled:
		// Ended by Kestra's executor without its end (onEnd): no outputs.
		final = StateRetried
	case e.sla.ended():
		final = e.sla.state(final)
	default:
		final = e.flowOutputs(ctx, final)
	}
	e.exec.State.End(final, opts.Now())
	if opts.Masker.Generation() != gen {
		// A task registered a value to mask while running (a webhook URL written in clear in
		// the flow): what was logged or kept before it knew must not carry it into the record.
		e.remask()
	}
	return e.exec, nil
}

// remask masks again, with every value registered so far, what the execution keeps: inputs,
// and each task run's outputs, error and log lines.
func (e *engine) remask() {
	m := e.opts.Masker
	e.mu.Lock()
	defer e.mu.Unlock()
	e.exec.Inputs = m.Value(e.exec.Inputs).(map[string]any)
	if e.exec.Outputs != nil {
		e.exec.Outputs = m.Value(e.exec.Outputs).(map[string]any)
	}
	for _, tr := range e.exec.TaskRunList {
		if tr.Outputs != nil {
			tr.Outputs = m.Value(tr.Outputs).(map[string]any)
		}
		tr.Error = m.String(tr.Error)
		remaskLines(m, tr.Logs)
		if c := tr.LogCut; c != nil {
			remaskLines(m, c.tail.lines)
			remaskLines(m, c.errors.lines)
		}
	}
}

// remaskLines masks again the messages of lines, in place.
func remaskLines(m *Masker, lines []LogLine) {
	for i := range lines {
		lines[i].Message = m.String(lines[i].Message)
	}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// finalState applies Kestra's rule: only the task runs of the flow's `tasks` count (a run
// under a flowable counts through the flowable's state); KILLED beats FAILED beats WARNING;
// SKIPPED counts as success.
func finalState(x *Execution, interrupted bool) string {
	if interrupted {
		return StateKilled
	}
	var top []*TaskRun
	for _, tr := range x.TaskRunList {
		if tr.Branch == BranchTasks && tr.ParentTaskRunID == "" {
			top = append(top, tr)
		}
	}
	return resolveState(top)
}

// resolveState is the state of runs taken together, Kestra's rule for a flowable and for an
// execution: KILLED beats CANCELLED (a Pause's behavior) beats FAILED beats WARNING beats
// SUCCESS.
func resolveState(runs []*TaskRun) string {
	st := StateSuccess
	for _, tr := range runs {
		switch tr.State.Current {
		case StateKilled:
			return StateKilled
		case StateCancelled:
			st = StateCancelled
		case StateFailed:
			if st != StateCancelled {
				st = StateFailed
			}
		case StateWarning:
			if st == StateSuccess {
				st = StateWarning
			}
		}
	}
	return st
}

// secretFunc resolves secret('NAME') from the environment and registers every value it
// returns with the masker before any template output can carry it.
func (e *engine) secretFunc() func(string) (string, error) {
	lookup := AddEnvSecrets(e.opts.Masker, e.opts.Environ)
	return func(name string) (string, error) {
		v, err := lookup(name)
		if err == nil {
			e.opts.Masker.Add(v)
		}
		return v, err
	}
}

// baseVars builds the variables every task sees.
func (e *engine) baseVars() map[string]any {
	f, x := e.flow, e.exec
	vars := map[string]any{
		"flow":      map[string]any{"id": f.ID, "namespace": f.Namespace, "revision": x.FlowRevision},
		"execution": executionVars(x),
		"vars":      orEmpty(f.Variables),
		"labels":    labelVars(x.Labels),
		"envs":      templating.EnvVars(e.opts.Environ),
	}
	// As in Kestra, inputs is there only when there is one: {{ inputs.x }} in a flow without
	// inputs is "Unable to find `inputs`".
	if len(e.opts.Inputs) > 0 {
		vars["inputs"] = e.opts.Inputs
	}
	if t := e.opts.Trigger; t != nil {
		vars["trigger"] = t.Variables
	}
	return vars
}

// template returns the parsed template of src, parsing each distinct source once.
func (e *engine) template(src string) (*templating.Template, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, ok := e.templates[src]; ok {
		return t, nil
	}
	t, err := templating.Parse(src)
	if err != nil {
		return nil, err
	}
	e.templates[src] = t
	return t, nil
}

// renderer returns the Render function lent to one attempt of a task run, and the function
// to call once it is no longer used (see pinOutputs). It stops when ctx ends, so that an
// interrupt or a timeout ends a template as it ends a process.
func (e *engine) renderer(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun) (func(string) (string, error), func()) {
	env, release := e.templateEnv(spec, tr)
	return e.renderWith(ctx, env), release
}

// renderOnce renders src as the templates of tr see it.
func (e *engine) renderOnce(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, src string) (string, error) {
	render, release := e.renderer(ctx, spec, tr)
	defer release()
	return render(src)
}

// templateEnv is what the templates of one attempt of a task run see, and the function to
// call once they are rendered (see pinOutputs).
func (e *engine) templateEnv(spec *flow.TaskSpec, tr *TaskRun) (*templating.Env, func()) {
	vars := make(map[string]any, len(e.base)+5)
	for k, v := range e.base {
		vars[k] = v
	}
	vars["task"] = map[string]any{"id": spec.ID, "type": spec.Type}
	e.mu.Lock()
	outputs, release := e.pinOutputs()
	vars["outputs"] = outputs
	vars["taskrun"] = taskrunVars(tr)
	vars["labels"] = e.labelsVar()
	e.mu.Unlock()
	parents := parentsVars(tr)
	vars["parents"] = parents
	if len(parents) > 0 {
		vars["parent"] = parents[0]
	}
	return &templating.Env{Vars: vars, Secret: e.secret, Now: e.opts.Now, KV: e.kvLookup(), ErrorLogs: e.errorLogs, Files: e.files}, release
}

// renderWith renders templates against env until ctx ends.
func (e *engine) renderWith(ctx context.Context, env *templating.Env) func(string) (string, error) {
	return func(src string) (string, error) {
		t, err := e.template(src)
		if err != nil {
			return "", err
		}
		e.addTasksVars(env, src)
		return t.RenderContext(ctx, env)
	}
}

// addTasksVars adds the tasks variable to env when src may name it: tasks.<id>.state walks
// every run, so it is made only for the templates that need it.
func (e *engine) addTasksVars(env *templating.Env, src string) {
	if _, ok := env.Vars["tasks"]; !ok && strings.Contains(src, "tasks") {
		env.Vars["tasks"] = e.tasksVars()
	}
}

// tasksVars is the tasks variable, Kestra's: tasks.<id>.state of each task's last run, and
// tasks.<id>[value].state of the runs with a loop value.
func (e *engine) tasksVars() map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]any{}
	for _, tr := range e.exec.TaskRunList {
		st := map[string]any{"state": tr.State.Current}
		if tr.Value == "" {
			out[tr.TaskID] = st
			continue
		}
		m, ok := out[tr.TaskID].(map[string]any)
		if !ok || m["state"] != nil {
			m = map[string]any{}
			out[tr.TaskID] = m
		}
		m[tr.Value] = st
	}
	return out
}

// log records one line of tr, masked, and hands it to the sink.
func (e *engine) log(tr *TaskRun, level tasks.Level, msg string) {
	line := LogLine{Time: e.opts.Now().UTC(), Level: level, Message: e.opts.Masker.String(msg)}
	e.mu.Lock()
	if tr.keepLog(line, e.opts.LogCap) && e.live != nil {
		e.live.loggedLine(tr)
	}
	e.mu.Unlock()
	if e.opts.Sink != nil {
		e.opts.Sink.Log(tr, line)
	}
}

// batch runs fn, which logs many lines, with the sink holding them (see HoldingSink).
func (e *engine) batch(fn func()) {
	if l, ok := e.opts.Sink.(*lockedSink); ok && l.holds {
		l.hold()
		defer l.release()
	}
	fn()
}

// runTask runs one task: runIf, then a flowable's children or a runnable task's attempts
// with retries and timeouts, then the state rewrites. value is the loop value of a run a
// ForEach creates, "" otherwise.
func (e *engine) runTask(ctx context.Context, spec *flow.TaskSpec, branch string, fr frame, value string) *TaskRun {
	// A restart keeps the runs that ended well and runs the others again under their ids.
	tr, kept := e.previousRun(spec, fr, value)
	if kept {
		return tr
	}
	start := e.opts.Now()
	e.mu.Lock()
	if tr == nil {
		tr = &TaskRun{ID: NewID(), TaskID: spec.ID, Branch: branch, Value: value, Iteration: fr.iteration, parent: fr.parent}
		if spec.Flowable == nil {
			tr.Attempts = []*Attempt{}
		}
		if fr.parent != nil {
			tr.ParentTaskRunID = fr.parent.ID
		}
		tr.State.Set(StateCreated, start)
		e.exec.TaskRunList = append(e.exec.TaskRunList, tr)
	}
	e.changed()
	e.mu.Unlock()
	if fr.created != nil {
		fr.created()
	}
	if e.opts.Sink != nil {
		e.opts.Sink.TaskStarted(tr)
	}
	defer func() {
		e.mu.Lock()
		e.changed()
		e.mu.Unlock()
		if e.opts.Sink != nil {
			e.opts.Sink.TaskEnded(tr)
		}
		e.sla.check()
	}()

	if spec.HasRunIf {
		out, err := e.renderOnce(ctx, spec, tr, spec.RunIf)
		if err != nil {
			// A template stopped by an interrupt or a timeout ends the task run as an
			// attempt so stopped would.
			switch t := timedOut(ctx); {
			case ctx.Err() == nil || !errors.Is(err, ctx.Err()):
				e.fail(tr, e.describe(spec, &tasks.PropError{Prop: "runIf", Err: err}))
			case t != nil:
				e.fail(tr, t.Error())
			default:
				e.end(tr, StateKilled)
			}
			return tr
		}
		if !templating.Truthy(out) {
			e.log(tr, tasks.LevelInfo, fmt.Sprintf("skipped: runIf rendered %q", out))
			e.end(tr, StateSkipped)
			return tr
		}
	}
	e.set(tr, StateRunning)
	if spec.Flowable != nil {
		e.runFlowable(ctx, spec, tr, fr)
		return tr
	}
	retry := e.retryOf(spec, fr)

	// A restarted run keeps its attempts and, as Kestra's TaskRun.nextRetryDate, counts
	// them all: maxAttempt is the run's total (a restart still makes one attempt, as
	// Kestra's does, even when it is reached) and maxDuration runs from its first attempt.
	tried := len(tr.Attempts)
	first := start
	if tried > 0 && !tr.Attempts[0].State.StartDate.IsZero() {
		first = tr.Attempts[0].State.StartDate
	}
	state, childrenOnly := e.childrenOnly(tr)
	var lastErr error
	for n := tried + 1; !childrenOnly; n++ {
		state, lastErr = e.attempt(ctx, spec, tr, fr.workDir)
		if state != StateFailed || ctx.Err() != nil || inNewExecution(retry) || !retriable(spec) {
			break
		}
		wait, ok := nextWait(retry, n, e.opts.Now().Sub(first))
		if !ok {
			break
		}
		why := ""
		if lastErr != nil {
			why = ": " + e.describe(spec, lastErr)
		}
		e.log(tr, tasks.LevelWarn, fmt.Sprintf("attempt %d failed%s; retrying in %s", n, why, wait.Round(time.Millisecond)))
		if !sleep(ctx, wait) {
			state = StateKilled
			break
		}
	}
	if t := timedOut(ctx); t != nil {
		state, lastErr = StateFailed, t
	} else if ctx.Err() != nil {
		state = StateKilled
	}
	if lastErr != nil && state != StateKilled {
		e.setError(tr, e.describe(spec, lastErr))
	}
	if state == StateFailed && retriable(spec) && e.retryExecution(ctx, retry, tr) {
		e.end(tr, StateRetried)
		return tr
	}
	if len(spec.Children) > 0 && (state == StateSuccess || state == StateWarning) && ctx.Err() == nil {
		state = e.runChildTasks(ctx, spec, tr, fr, state)
	}
	// Kestra's order of rewrites: warningOnRetry (the task's own retry's, as Kestra's
	// worker reads it), then allowFailure, then allowWarning. A restarted run counts its
	// earlier attempts too, as Kestra's TaskRun.attemptNumber does.
	if state == StateSuccess && len(tr.Attempts) > 1 && spec.Retry != nil && spec.Retry.WarningOnRetry {
		state = StateWarning
	}
	e.end(tr, allowed(spec, state))
	return tr
}

// allowed applies a task's allowFailure (FAILED ends WARNING) then allowWarning (WARNING
// ends SUCCESS) to its state.
func allowed(spec *flow.TaskSpec, state string) string {
	if state == StateFailed && spec.AllowFailure {
		state = StateWarning
	}
	if state == StateWarning && spec.AllowWarning {
		state = StateSuccess
	}
	return state
}

// setError records msg, masked, as tr's error and logs it.
func (e *engine) setError(tr *TaskRun, msg string) {
	msg = e.opts.Masker.String(msg)
	e.mu.Lock()
	tr.Error = msg
	e.mu.Unlock()
	e.log(tr, tasks.LevelError, msg)
}

// set moves tr to st now; a run already in st (a restarted flowable, RUNNING) stays as it is,
// as Kestra's State.withState does.
func (e *engine) set(tr *TaskRun, st string) {
	now := e.opts.Now()
	e.mu.Lock()
	if tr.State.Current != st {
		tr.State.Set(st, now)
	}
	e.mu.Unlock()
}

// end moves tr to the final st now.
func (e *engine) end(tr *TaskRun, st string) {
	now := e.opts.Now()
	e.mu.Lock()
	tr.State.End(st, now)
	e.mu.Unlock()
}

// describe writes a task's error for the user. An error about a property (a template that
// did not render) points at the property in the flow file, names the task and the property:
//
//	flow.yml:6:14: task "b": message: Unable to find `outputs.zz` used in the expression ...
func (e *engine) describe(spec *flow.TaskSpec, err error) string {
	var pe *tasks.PropError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	msg := pe.Err.Error()
	var te *templating.Error
	if errors.As(pe.Err, &te) {
		msg = te.Msg // its line and column are the template's; the file position says more
	}
	where := ""
	if p, ok := spec.PropPos[pe.Prop]; ok && e.flow.File != "" {
		where = fmt.Sprintf("%s:%d:%d: ", e.flow.File, p.Line, p.Col)
	}
	prop := pe.Prop
	if p, ok := strings.CutSuffix(prop, "[0]"); ok && spec.OneOfList[p] {
		prop = p
	}
	return fmt.Sprintf("%stask %q: %s: %s", where, spec.ID, prop, msg)
}

// fail ends tr FAILED with msg before any attempt ran.
func (e *engine) fail(tr *TaskRun, msg string) {
	e.setError(tr, msg)
	e.end(tr, StateFailed)
}

// removeWorkdirs removes the execution's folder, and says when something of it stays: a
// folder left on disk after every run must not go unnoticed.
func (e *engine) removeWorkdirs() {
	if err := e.workdirs.close(); err != nil {
		e.opts.Warn(e.opts.Masker.String(fmt.Sprintf("working folders of execution %s not removed: %v (remove %s by hand)", e.exec.ID, err, e.opts.TempDir)))
	}
}

// attempt runs one try of the task and records it. shared is the folder of the
// WorkingDirectory the task runs in, "" when it runs in one of its own.
func (e *engine) attempt(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, shared string) (string, error) {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if spec.Timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, spec.Timeout)
	}
	defer cancel()

	// As in Kestra, the attempt's variables are made before the attempt is added: the first
	// attempt sees taskrun.attemptsCount 0.
	env, release := e.templateEnv(spec, tr)
	render := e.renderWith(actx, env)
	defer release() // a no-op once the task is done
	a := &Attempt{}
	a.State.Set(StateRunning, e.opts.Now())
	e.mu.Lock()
	tr.Attempts = append(tr.Attempts, a)
	e.mu.Unlock()

	warned := map[string]bool{}
	logFile := newLogFile(spec, e.opts.Masker, e.opts.Now)
	var lent []string // working folders lent to this attempt, removed after it
	defer func() {
		for _, d := range lent {
			e.workdirs.release(d)
		}
	}()
	workDir := func() (string, error) {
		d, err := e.workdirs.get()
		if err == nil {
			lent = append(lent, d)
		}
		return d, err
	}
	if shared != "" {
		workDir = func() (string, error) { return shared, nil }
	}
	tc := &tasks.Context{
		WorkDir:    workDir,
		TaskID:     spec.ID,
		Render:     render,
		Log:        tasks.NewLogger(logFile.tee(func(l tasks.Level, msg string) { e.log(tr, l, msg) })).WithMasking(e.opts.Masker).WithMinLevel(spec.LogLevel).WithBatch(e.batch),
		HTTP:       e.opts.HTTP,
		Now:        e.opts.Now,
		Environ:    e.opts.Environ,
		Inherit:    e.opts.Inherit,
		TempDir:    e.opts.TempDir,
		CacheDir:   e.opts.CacheDir,
		Mask:       e.opts.Masker.Add,
		UserAgent:  e.opts.UserAgent,
		Execution:  e.executionView,
		Storage:    e.files.Task(spec.ID, tr.ID),
		Namespace:  e.files,
		Namespaces: namespaces{e.files.Root()},
		Subflow:    e.subflowFunc(),
		Warn: func(msg string) {
			if !warned[msg] {
				warned[msg] = true
				e.log(tr, tasks.LevelWarn, msg)
			}
		},
		RenderTyped:   e.typedRenderer(actx, env),
		KV:            e.taskKV(),
		Pause:         e.pauseFunc(spec, tr),
		SetLabels:     e.setLabels,
		Logs:          e.fetchLogs,
		Resume:        e.resumeFunc(),
		ToggleTrigger: e.toggleFunc(),
		// Per-record rendering and the state-reading tasks' ways in.
		RenderVars:      e.varsRenderer(actx, env),
		CountExecutions: e.opts.CountExecutions,
		PurgeExecutions: e.purgeFunc(),
		PurgeLogs:       e.purgeLogsFunc(),
	}
	res, err := runSafely(actx, boundTask(spec.Task, env), tc)
	// The task is done with its templates: its outputs may go in place.
	release()
	e.storeLogFile(spec, tr, a, logFile)
	if res.Outputs != nil {
		e.putOutputs(tr, res.Outputs)
	}
	for _, m := range res.Metrics {
		m.Name = e.opts.Masker.String(m.Name)
		for k, v := range m.Tags {
			m.Tags[k] = e.opts.Masker.String(v)
		}
		tr.Metrics = append(tr.Metrics, m)
	}

	state := StateSuccess
	switch {
	case timedOut(ctx) != nil:
		state, err = StateFailed, timedOut(ctx)
	case ctx.Err() != nil:
		state, err = StateKilled, nil
	case spec.Timeout > 0 && errors.Is(actx.Err(), context.DeadlineExceeded):
		state, err = StateFailed, fmt.Errorf("Timeout after %s", duration.FormatClock(spec.Timeout))
	case errors.Is(err, tasks.ErrCancelled):
		state = StateCancelled
	case err != nil:
		state = StateFailed
	case res.Warning:
		state = StateWarning
	}
	now := e.opts.Now()
	e.mu.Lock()
	a.State.End(state, now)
	e.mu.Unlock()
	return state, err
}

// executionView returns what a task may read of an execution: the running one, as it stands,
// or one recorded in the state.
func (e *engine) executionView(id string) (*tasks.ExecutionView, error) {
	if id == e.exec.ID {
		e.mu.Lock()
		defer e.mu.Unlock()
		return View(e.exec), nil
	}
	if e.opts.Lookup == nil {
		return nil, errNoLookup(id)
	}
	x, err := e.opts.Lookup(id)
	if err != nil {
		return nil, err
	}
	return View(x), nil
}

// errNoLookup says that execution id cannot be found: the run has no state.
func errNoLookup(id string) error {
	return fmt.Errorf("execution %q not found: there is no state to look it up in", id)
}

// runSafely runs t, turning a panic in a task into a FAILED attempt: one broken task type
// must not lose the execution record.
func runSafely(ctx context.Context, t tasks.Task, tc *tasks.Context) (res tasks.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in task: %v", r)
		}
	}()
	return t.Run(ctx, tc)
}

// nextWait says how long to wait before attempt n+1, and whether there is one, given how
// long the task run has taken so far.
func nextWait(r *flow.Retry, n int, elapsed time.Duration) (time.Duration, bool) {
	if r == nil {
		return 0, false
	}
	if r.MaxAttempt > 0 && n >= r.MaxAttempt {
		return 0, false
	}
	var wait time.Duration
	switch r.Type {
	case "constant":
		wait = r.Interval
	case "exponential":
		factor := r.DelayFactor
		if factor == 0 {
			factor = 2
		}
		w := float64(r.Interval) * math.Pow(factor, float64(n-1))
		if r.MaxInterval > 0 && w > float64(r.MaxInterval) {
			w = float64(r.MaxInterval)
		}
		wait = time.Duration(w)
	case "random":
		span := r.MaxInterval - r.MinInterval
		wait = r.MinInterval
		if span > 0 {
			wait += rand.N(span)
		}
	}
	if r.MaxDuration > 0 && elapsed+wait > r.MaxDuration {
		return 0, false
	}
	return wait, true
}

// sleep waits d or until ctx is done; it reports whether the wait ran out normally.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// addLiteralSecrets registers the secrets written in clear in f's tasks (a webhook URL, a
// password) with m, so that they are masked from the start, not only once their task runs:
// a task before it may print them, and a dry run prints every property.
func addLiteralSecrets(m *Masker, f *flow.Flow) {
	flow.Walk(f.AllTasks(), func(s *flow.TaskSpec) {
		if ls, ok := s.Task.(tasks.LiteralSecrets); ok {
			for _, v := range ls.LiteralSecrets() {
				m.Add(v)
			}
		}
	})
}
