package runner

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// runWaitFor runs a WaitFor as Kestra does: its tasks one after another, then, once every
// one of them ended well (SUCCESS, WARNING or SKIPPED), the bounds, then the condition;
// while neither stops it, it waits the interval and runs them again.
//
// During iteration n the WaitFor's output iterationCount is n and its children carry
// iteration n (taskrun.iteration); the WaitFor's own run carries the iteration from the
// second on. The bounds are Kestra's: the loop stops once iterationCount is above
// maxIterations, or an iteration ends more than maxDuration after the WaitFor started.
// Kestra drops the runs of an iteration when the next starts; flowctl keeps them (their
// logs are on them) but, as Kestra, the next iteration no longer sees their outputs, and
// the WaitFor's state resolves from the last iteration's runs only.
func (e *engine) runWaitFor(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, w *flow.WaitFor, child frame, sib *siblings) error {
	maxIterations, maxDuration, interval := w.CheckFrequency.Bounds()
	list := enabled(w.Tasks)
	if len(list) == 0 {
		return nil // Kestra: a flowable whose children are all disabled ends SUCCESS
	}
	var descendants []string
	flow.Walk(w.Tasks, func(s *flow.TaskSpec) { descendants = append(descendants, s.ID) })
	e.mu.Lock()
	started := tr.State.StartDate
	e.mu.Unlock()
	var last *siblings
	defer func() {
		if last != nil {
			for _, r := range last.list() {
				sib.add(r)
			}
		}
	}()
	// A restart goes on with the iteration that failed (its run carries it from the second
	// on; the doc keeps that iteration's runs and outputs), not again from the first.
	first := 1
	e.mu.Lock()
	if tr.Iteration != nil && *tr.Iteration > 1 {
		first = *tr.Iteration
	}
	e.mu.Unlock()
	for n := first; ; n++ {
		if n > first {
			e.mu.Lock()
			it := n
			tr.Iteration = &it
			e.mu.Unlock()
			e.dropOutputs(tr, descendants)
		}
		e.putOutputs(tr, map[string]any{"iterationCount": n})
		fr := child
		it := n
		fr.iteration = &it
		last = e.runList(ctx, w.Tasks, BranchTasks, fr, newSiblings(true))
		if ctx.Err() != nil || !iterationDone(last.list(), len(list)) {
			return nil
		}
		if n > maxIterations {
			return maxReached(e, tr, w, fmt.Sprintf("Max iterations reached: iteration %d is above maxIterations %d", n, maxIterations))
		}
		if elapsed := e.opts.Now().Sub(started); elapsed > maxDuration {
			return maxReached(e, tr, w, fmt.Sprintf("Max duration reached: %s since the WaitFor started, above maxDuration %s",
				duration.FormatClock(elapsed.Round(time.Millisecond)), duration.Format(maxDuration)))
		}
		out, err := e.renderOnce(ctx, spec, tr, w.Condition)
		if err != nil {
			return &tasks.PropError{Prop: "condition", Err: err}
		}
		if templating.Truthy(out) {
			return nil
		}
		if !sleep(ctx, interval) {
			return nil
		}
	}
}

// iterationDone reports whether every one of the want tasks of an iteration ran and ended
// without failing: only then does a WaitFor go on.
func iterationDone(runs []*TaskRun, want int) bool {
	if len(runs) != want {
		return false
	}
	for _, r := range runs {
		switch r.State.Current {
		case StateSuccess, StateWarning, StateSkipped:
		default:
			return false
		}
	}
	return true
}

// maxReached ends a WaitFor whose bound is reached: FAILED with failOnMaxReached, else
// as its children (a warning is logged).
func maxReached(e *engine, tr *TaskRun, w *flow.WaitFor, msg string) error {
	if w.FailOnMaxReached {
		return fmt.Errorf("%s", msg)
	}
	e.log(tr, tasks.LevelWarn, msg)
	return nil
}

// dropOutputs removes the outputs of the tasks ids under tr (at tr's loop values), as Kestra
// forgets them when it drops the runs of a WaitFor's iteration.
func (e *engine) dropOutputs(tr *TaskRun, ids []string) {
	path := valuePath(tr)
	e.mu.Lock()
	defer e.mu.Unlock()
	next := maps.Clone(e.outputs)
	for _, id := range ids {
		if len(path) == 0 {
			delete(next, id)
			continue
		}
		if v, ok := withoutPath(next[id], path); ok {
			next[id] = v
		}
	}
	e.outputs = next
}

// withoutPath returns cur without what lies at path (copies of the maps on the way), and
// whether cur held it.
func withoutPath(cur any, path []string) (any, bool) {
	m, ok := cur.(map[string]any)
	if !ok {
		return cur, false
	}
	if _, has := m[path[0]]; !has {
		return cur, false
	}
	out := maps.Clone(m)
	if len(path) == 1 {
		delete(out, path[0])
		return out, true
	}
	v, changed := withoutPath(m[path[0]], path[1:])
	out[path[0]] = v
	return out, changed
}
