package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// This file is the task-run tree: a flowable task gets one task run and schedules its
// children, each with its own run whose parentTaskRunId is the flowable's, as Kestra does.
// The flowable's state resolves from the runs of its `tasks` children.

// frame is what a run inherits from the flowable it runs under.
type frame struct {
	// parent is the flowable's run; nil at the top of the tree.
	parent *TaskRun
	// retry is the nearest retry policy of the ancestors: it applies to a failing
	// runnable task that has none of its own.
	retry *flow.Retry
	// created, when set, is called once a run is in the task run list (see runJobs).
	created func()
	// workDir is the folder of the WorkingDirectory the runs share; "" elsewhere.
	workDir string
	// iteration, when set, is the iteration of the runs made with the frame (a WaitFor's
	// children).
	iteration *int
}

// siblings are the runs of one branch of a flowable (or of the flow), gathered from every
// goroutine that starts one.
type siblings struct {
	mu   sync.Mutex
	runs []*TaskRun
	// stopOnFailure: once a run FAILED no further run of the branch starts (the runs
	// already running finish), as in a flow's `tasks`.
	stopOnFailure bool
	failed        bool
}

func newSiblings(stopOnFailure bool) *siblings { return &siblings{stopOnFailure: stopOnFailure} }

// stopped reports whether no further run may start.
func (s *siblings) stopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed && s.stopOnFailure
}

// add records tr once it ended.
func (s *siblings) add(tr *TaskRun) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs = append(s.runs, tr)
	if tr.State.Current == StateFailed || tr.State.Current == StateCancelled {
		s.failed = true
	}
}

// list returns the runs recorded so far.
func (s *siblings) list() []*TaskRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*TaskRun(nil), s.runs...)
}

// lockedSink hands events to a Sink one at a time, whichever branch they come from.
type lockedSink struct {
	mu sync.Mutex
	s  Sink
	// holds says s is a HoldingSink.
	holds bool
}

// hold and release hand a batch's Hold and Release to a HoldingSink.
func (l *lockedSink) hold() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s.(HoldingSink).Hold()
}

func (l *lockedSink) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s.(HoldingSink).Release()
}

// executionStarted hands the start of the execution to a sink that wants it.
func (l *lockedSink) executionStarted(x *Execution) {
	if s, ok := l.s.(ExecutionSink); ok {
		l.mu.Lock()
		defer l.mu.Unlock()
		s.ExecutionStarted(x)
	}
}

func (l *lockedSink) TaskStarted(tr *TaskRun) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s.TaskStarted(tr)
}

func (l *lockedSink) Log(tr *TaskRun, line LogLine) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s.Log(tr, line)
}

func (l *lockedSink) TaskEnded(tr *TaskRun) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s.TaskEnded(tr)
}

// runList runs specs one after another in branch, each with value, recording their runs in
// sib; it stops when ctx ends or sib is stopped. It returns sib.
func (e *engine) runList(ctx context.Context, specs []*flow.TaskSpec, branch string, fr frame, sib *siblings) *siblings {
	return e.runValue(ctx, specs, branch, fr, sib, "")
}

// runValue is runList for the runs of one loop value.
func (e *engine) runValue(ctx context.Context, specs []*flow.TaskSpec, branch string, fr frame, sib *siblings, value string) *siblings {
	for _, spec := range specs {
		if ctx.Err() != nil || sib.stopped() {
			break
		}
		if spec.Disabled {
			continue
		}
		sib.add(e.runTask(ctx, spec, branch, fr, value))
	}
	return sib
}

// runJobs runs n jobs, at most limit at once (0: all at once); a job starts only while ctx
// lives, and, past the first limit jobs, while sib is not stopped. It returns when every started job ended. With a limit of 1
// the jobs run on the calling goroutine. A job is given the frame of its first run: the
// next job starts once that run is created, so the task run list holds the runs of jobs
// started together in the order of the jobs.
func (e *engine) runJobs(ctx context.Context, n, limit int, fr frame, sib *siblings, job func(i int, fr frame)) {
	if limit == 1 || n == 1 {
		for i := 0; i < n && ctx.Err() == nil && !sib.stopped(); i++ {
			job(i, fr)
		}
		return
	}
	if limit <= 0 || limit > n {
		limit = n
	}
	slots := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		// The first limit jobs are created together, as Kestra creates a parallel flowable's
		// children in one pass: a sibling that failed at once stops only the later ones.
		if ctx.Err() != nil || (i >= limit && sib.stopped()) {
			break
		}
		wg.Add(1)
		created := make(chan struct{})
		var once sync.Once
		signal := func() { once.Do(func() { close(created) }) }
		jfr := fr
		jfr.created = signal
		go func() {
			defer func() {
				signal()
				<-slots
				wg.Done()
			}()
			job(i, jfr)
		}()
		<-created
	}
	wg.Wait()
}

// runFlowable runs the children of a flowable task, then its errors (when a child failed)
// and finally, and ends tr with the state its children resolve to.
func (e *engine) runFlowable(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, fr frame) {
	fctx := ctx
	if spec.Timeout > 0 {
		var cancel context.CancelFunc
		fctx, cancel = context.WithTimeoutCause(ctx, spec.Timeout, &execTimeout{after: spec.Timeout, task: true})
		defer cancel()
	}
	child := frame{parent: tr, retry: cmp.Or(spec.Retry, fr.retry)}
	sib := newSiblings(true)
	err := e.runChildren(fctx, spec, tr, child, sib)
	state := resolveState(sib.list())
	if t := timedOut(fctx); t != nil {
		// This flowable's timeout, or the execution's, stopped its runs: it fails.
		state, err = StateFailed, t
	} else if retried(ctx) {
		// A run under it failed and a new execution retries the flow: it ends with it.
		e.end(tr, StateRetried)
		return
	} else if ctx.Err() != nil {
		state, err = StateKilled, nil
	}
	if err != nil {
		state = StateFailed
		e.setError(tr, e.describe(spec, err))
	}
	if state == StateFailed && ctx.Err() == nil {
		e.runList(ctx, spec.Errors, BranchErrors, child, newSiblings(false))
	}
	if ctx.Err() == nil {
		e.runList(ctx, spec.Finally, BranchFinally, child, newSiblings(false))
	}
	if ctx.Err() != nil && timedOut(ctx) == nil {
		state = StateKilled
	}
	state = allowed(spec, state)
	if _, ok := spec.Flowable.(*flow.AllowFailure); ok && state == StateFailed {
		// The deprecated AllowFailure ends WARNING once its errors ran.
		state = StateWarning
	}
	e.end(tr, state)
}

// runChildren runs the `tasks` children of a flowable task by its type's rule, recording
// their runs in sib. An error fails the flowable (values that are not a list, a Switch with
// no case for its value).
func (e *engine) runChildren(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, child frame, sib *siblings) error {
	switch f := spec.Flowable.(type) {
	case *flow.Sequential:
		e.runList(ctx, f.Tasks, BranchTasks, child, sib)
	case *flow.AllowFailure:
		e.runList(ctx, f.Tasks, BranchTasks, child, sib)
	case *flow.Parallel:
		list := enabled(f.Tasks)
		e.runJobs(ctx, len(list), f.Concurrent, child, sib, func(i int, fr frame) {
			sib.add(e.runTask(ctx, list[i], BranchTasks, fr, ""))
		})
	case *flow.If:
		out, err := e.renderOnce(ctx, spec, tr, f.Condition)
		if err != nil {
			return &tasks.PropError{Prop: "condition", Err: err}
		}
		ok := isTrue(out)
		e.putOutputs(tr, map[string]any{"evaluationResult": ok})
		if ok {
			e.runList(ctx, f.Then, BranchTasks, child, sib)
		} else {
			e.runList(ctx, f.Else, BranchTasks, child, sib)
		}
	case *flow.Switch:
		value, err := e.renderOnce(ctx, spec, tr, f.Value)
		if err != nil {
			return &tasks.PropError{Prop: "value", Err: err}
		}
		list, found := f.Defaults, false
		for _, c := range f.Cases {
			if c.Key == value {
				list, found = c.Tasks, true
				break
			}
		}
		e.putOutputs(tr, map[string]any{"value": value, "defaults": !found})
		if !found && len(f.Defaults) == 0 {
			return fmt.Errorf("No task found on flow '%s.%s', task '%s', execution '%s': no case is %q and there are no defaults",
				e.flow.Namespace, e.flow.ID, spec.ID, e.exec.ID, value)
		}
		e.runList(ctx, list, BranchTasks, child, sib)
	case *flow.ForEach:
		limit := 1
		if f.ConcurrencyLimit != nil {
			limit = *f.ConcurrencyLimit
		}
		return e.runLoop(ctx, spec, tr, "values", f.Values, f.Tasks, limit, child, sib)
	case *flow.EachSequential:
		return e.runLoop(ctx, spec, tr, "value", f.Value, f.Tasks, 1, child, sib)
	case *flow.EachParallel:
		values, err := e.loopValues(ctx, spec, tr, "value", f.Value)
		if err != nil {
			return err
		}
		list := enabled(f.Tasks)
		e.runJobs(ctx, len(values)*len(list), f.Concurrent, child, sib, func(i int, fr frame) {
			sib.add(e.runTask(ctx, list[i%len(list)], BranchTasks, fr, values[i/len(list)]))
		})
	case *flow.Dag:
		e.runDag(ctx, f, child, sib)
	case *flow.WorkingDirectory:
		return e.runWorkingDirectory(ctx, spec, tr, f, child, sib)
	case *flow.ForEachItem:
		e.runForEachItem(ctx, spec, f, child, sib)
	case *flow.WaitFor:
		return e.runWaitFor(ctx, spec, tr, f, child, sib)
	default:
		return fmt.Errorf("flowable task type %s has no runner (internal error)", spec.Type)
	}
	return nil
}

// enabled returns specs without the disabled ones.
func enabled(specs []*flow.TaskSpec) []*flow.TaskSpec {
	out := make([]*flow.TaskSpec, 0, len(specs))
	for _, s := range specs {
		if !s.Disabled {
			out = append(out, s)
		}
	}
	return out
}

// isTrue is If's rule: "false", "0", "-0" and "" are false, anything else is true.
func isTrue(s string) bool {
	switch s {
	case "false", "0", "-0", "":
		return false
	}
	return true
}

// runLoop runs tasks once per value of a ForEach, up to limit values at once (0: all), each
// value's tasks one after another.
func (e *engine) runLoop(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, prop string, raw any, list []*flow.TaskSpec, limit int, child frame, sib *siblings) error {
	values, err := e.loopValues(ctx, spec, tr, prop, raw)
	if err != nil {
		return err
	}
	e.runJobs(ctx, len(values), limit, child, sib, func(i int, fr frame) {
		e.runValue(ctx, list, BranchTasks, fr, sib, values[i])
	})
	return nil
}

// loopValues resolves the values of a loop as Kestra does: a string is rendered and read as
// a JSON array; a list keeps its strings (rendered), integers (as text) and mappings
// (rendered). Values that are not strings become JSON text; repeated values are dropped.
func (e *engine) loopValues(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, prop string, raw any) ([]string, error) {
	render, release := e.renderer(ctx, spec, tr)
	defer release()
	propErr := func(err error) error { return &tasks.PropError{Prop: prop, Err: err} }
	var values []any
	switch v := raw.(type) {
	case string:
		out, err := render(v)
		if err != nil {
			return nil, propErr(err)
		}
		dec := json.NewDecoder(strings.NewReader(out))
		dec.UseNumber() // 12345678901234567890 stays as written
		err = dec.Decode(&values)
		if err == nil {
			if _, extra := dec.Token(); extra != io.EOF {
				err = errors.New("text after the array")
			}
		}
		if err != nil {
			return nil, propErr(fmt.Errorf("expected a JSON array, got %q: %v", short(out), err))
		}
	case []any:
		for i, item := range v {
			switch item := item.(type) {
			case string:
				out, err := render(item)
				if err != nil {
					return nil, &tasks.PropError{Prop: fmt.Sprintf("%s[%d]", prop, i), Err: err}
				}
				values = append(values, out)
			case int:
				values = append(values, strconv.Itoa(item))
			case map[string]any:
				m, err := renderMap(render, item)
				if err != nil {
					return nil, &tasks.PropError{Prop: fmt.Sprintf("%s[%d]", prop, i), Err: err}
				}
				values = append(values, m)
			default:
				return nil, propErr(fmt.Errorf("Unknown value element type: %T", item))
			}
		}
	default:
		return nil, propErr(fmt.Errorf("Unknown value type: %T", raw))
	}
	out := make([]string, 0, len(values))
	seen := map[string]bool{}
	nulls := 0
	for _, v := range values {
		if v == nil {
			nulls++
			continue
		}
		if n, ok := v.(json.Number); ok && strings.ContainsAny(string(n), ".eE") {
			// A decimal is written as a double: 1.50 is 1.5; integers stay exact.
			f, err := n.Float64()
			if err != nil {
				return nil, propErr(err)
			}
			v = f
		}
		s, ok := v.(string)
		if !ok {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, propErr(err)
			}
			s = string(b)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if nulls > 0 {
		// Kestra counts the distinct nulls: there is one.
		return nil, propErr(fmt.Errorf("Found '1' null values on Each, with values=%s", javaList(values)))
	}
	return out, nil
}

// javaList writes values as Java's Arrays.toString does, for Kestra's message.
func javaList(values []any) string {
	b := []byte{'['}
	for i, v := range values {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Append(b, javaString(v))
	}
	return string(append(b, ']'))
}

func javaString(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		b := []byte{'{'}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = fmt.Appendf(b, "%s=%s", k, javaString(v[k]))
		}
		return string(append(b, '}'))
	case []any:
		return javaList(v)
	}
	return fmt.Sprint(v)
}

// renderMap renders the strings of m at any depth.
func renderMap(render func(string) (string, error), m map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		r, err := renderValue(render, v)
		if err != nil {
			return nil, err
		}
		out[k] = r
	}
	return out, nil
}

func renderValue(render func(string) (string, error), v any) (any, error) {
	switch v := v.(type) {
	case string:
		return render(v)
	case map[string]any:
		return renderMap(render, v)
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			r, err := renderValue(render, item)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// runDag starts each task of a Dag once the tasks it depends on ended, at most concurrent at
// once (0: all); once one FAILED no other starts.
func (e *engine) runDag(ctx context.Context, d *flow.Dag, child frame, sib *siblings) {
	type result struct {
		id string
		tr *TaskRun
	}
	done := map[string]bool{}
	started := map[string]bool{}
	for _, t := range d.Tasks {
		if t.Task.Disabled {
			// A disabled task is dropped; what depends on it waits for nothing.
			done[t.Task.ID], started[t.Task.ID] = true, true
		}
	}
	ended := make(chan result)
	running := 0
	for {
		if ctx.Err() == nil && !sib.stopped() {
			for _, t := range d.Tasks {
				if started[t.Task.ID] || d.Concurrent > 0 && running >= d.Concurrent {
					continue
				}
				ready := true
				for _, dep := range t.DependsOn {
					ready = ready && done[dep]
				}
				if !ready {
					continue
				}
				started[t.Task.ID] = true
				running++
				go func() {
					ended <- result{t.Task.ID, e.runTask(ctx, t.Task, BranchTasks, child, "")}
				}()
			}
		}
		if running == 0 {
			return
		}
		r := <-ended
		running--
		done[r.id] = true
		sib.add(r.tr)
	}
}

// putOutputs records the outputs of tr: on the run (masked: what is shown or recorded) and
// under outputs.<taskId>, nested under the values of its ancestors then its own (the real
// values: later tasks read them).
func (e *engine) putOutputs(tr *TaskRun, out map[string]any) {
	masked := e.opts.Masker.Value(out).(map[string]any)
	path := valuePath(tr)
	e.mu.Lock()
	defer e.mu.Unlock()
	tr.Outputs = masked
	e.writeOutputs(tr.TaskID, path, out)
}

// valuePath lists the values of tr's ancestors that have one, outermost first, then its own.
func valuePath(tr *TaskRun) []string {
	var path []string
	if tr.Value != "" {
		path = append(path, tr.Value)
	}
	for p := tr.parent; p != nil; p = p.parent {
		if p.Value != "" {
			path = append(path, p.Value)
		}
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

// taskrunVars are the taskrun.* variables of tr. A run under a loop value sees it as
// taskrun.value: its own, else its nearest ancestor's.
func taskrunVars(tr *TaskRun) map[string]any {
	v := map[string]any{
		"id":            tr.ID,
		"startDate":     templateDate(tr.State.StartDate),
		"attemptsCount": len(tr.Attempts),
	}
	if tr.ParentTaskRunID != "" {
		v["parentId"] = tr.ParentTaskRunID
	}
	if value := tr.LoopValue(); value != "" {
		v["value"] = value
	}
	if tr.Iteration != nil {
		v["iteration"] = *tr.Iteration
	}
	return v
}

// parentsVars are the parents variable of tr: its ancestors, nearest first, each with
// taskrun.value and outputs when it has them; those with neither are left out.
func parentsVars(tr *TaskRun) []any {
	out := []any{}
	for p := tr.parent; p != nil; p = p.parent {
		m := map[string]any{}
		if p.Value != "" {
			m["taskrun"] = map[string]any{"value": p.Value}
		}
		if len(p.Outputs) > 0 {
			m["outputs"] = p.Outputs
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
	return out
}
