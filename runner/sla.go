package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// This file is a flow's `sla`, as Kestra's executor watches it: a MAX_DURATION SLA is
// violated when the execution runs longer than its duration from its creation, an
// EXECUTION_ASSERTION SLA when its assert renders false as the execution changes (when it
// starts running, and each time a task run ends). A violation is logged, adds the SLA's
// labels, and, when its behavior is FAIL or CANCEL, ends the execution at once, FAILED or
// CANCELLED: its running task runs fail with the violation, and its errors and finally
// tasks do not run (Kestra ends such an execution without them). The SLAs are watched
// until the tasks branch ends.

// slaWatch watches the SLAs of one execution.
type slaWatch struct {
	e      *engine
	cancel context.CancelCauseFunc
	timers []*time.Timer

	// mu guards what follows: the timers fire on their own goroutines, and runs of
	// parallel branches end at once.
	mu sync.Mutex
	// done: the tasks branch ended; no SLA counts any more.
	done bool
	// seen holds the SLAs already violated: each is processed once.
	seen map[*flow.SLA]bool
	// ignored holds the messages of assertions that did not render, said once each (an
	// assertion is evaluated again at each change: it may render later).
	ignored map[string]bool
	// violated is the first violation that ended the execution: its final state.
	violated string
}

// watchSLA starts watching the SLAs of the execution: the context it returns ends, with
// an *execTimeout saying the violation, when one ends the execution. Nil when the flow has
// no SLA.
func (e *engine) watchSLA(ctx context.Context) (context.Context, *slaWatch) {
	if len(e.flow.SLA) == 0 {
		return ctx, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	w := &slaWatch{e: e, cancel: cancel, seen: map[*flow.SLA]bool{}, ignored: map[string]bool{}}
	created := e.exec.State.StartDate
	for _, s := range e.flow.SLA {
		// Kestra monitors a MAX_DURATION from the execution's creation only: a restart,
		// which keeps the first start date, would be ended at once by the time since.
		if s.Type != flow.SLAMaxDuration || e.restart != nil {
			continue
		}
		w.timers = append(w.timers, time.AfterFunc(s.Duration-e.opts.Now().Sub(created), func() {
			took := e.opts.Now().Sub(created).Truncate(time.Millisecond)
			w.violate(s, fmt.Sprintf("execution duration of %s exceed the maximum duration of %s.", duration.Format(took), duration.Format(s.Duration)))
		}))
	}
	return ctx, w
}

// stop ends the watch, once the tasks branch ended.
func (w *slaWatch) stop() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
	for _, t := range w.timers {
		t.Stop()
	}
}

// state is the final state a violation gave the execution, or final when none did.
func (w *slaWatch) state(final string) string {
	if w == nil {
		return final
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.violated == "" || final == StateKilled {
		return final
	}
	return w.violated
}

// ended reports whether a violation ended the execution.
func (w *slaWatch) ended() bool {
	return w.state("") != ""
}

// check evaluates the EXECUTION_ASSERTION SLAs against the execution as it stands. A
// template that does not render leaves its SLA aside, as Kestra ignores it, saying why.
func (w *slaWatch) check() {
	if w == nil {
		return
	}
	for _, s := range w.e.flow.SLA {
		if s.Type != flow.SLAExecutionAssertion {
			continue
		}
		w.mu.Lock()
		skip := w.done || w.seen[s]
		w.mu.Unlock()
		if skip {
			continue
		}
		env, release := w.e.endEnv()
		out, err := w.e.renderWith(context.Background(), env)(s.Assert)
		release()
		if err != nil {
			why := err.Error()
			var te *templating.Error
			if errors.As(err, &te) {
				why = te.Msg // its line and column are the template's; the file position says more
			}
			where := ""
			if w.e.flow.File != "" && s.AssertPos.Line > 0 {
				where = fmt.Sprintf("%s:%d:%d: ", w.e.flow.File, s.AssertPos.Line, s.AssertPos.Col)
			}
			// Kestra's sentence first, then where and what.
			msg := fmt.Sprintf("Ignoring SLA '%s' because of the error: %sassert: %s (the SLA is not checked until its assert renders)", s.ID, where, why)
			w.mu.Lock()
			again := w.ignored[msg]
			w.ignored[msg] = true
			w.mu.Unlock()
			if !again {
				w.say(tasks.LevelError, msg)
			}
			continue
		}
		if !isTrue(out) {
			w.violate(s, fmt.Sprintf("assertion is false: %s.", s.Assert))
		}
	}
}

// violate processes a violation of s, once: Kestra's processViolation.
func (w *slaWatch) violate(s *flow.SLA, reason string) {
	w.mu.Lock()
	if w.done || w.seen[s] {
		w.mu.Unlock()
		return
	}
	w.seen[s] = true
	end := ""
	switch s.Behavior {
	case flow.SLAFail:
		end = StateFailed
	case flow.SLACancel:
		end = StateCancelled
	}
	first := end != "" && w.violated == ""
	if first {
		w.violated = end
	}
	w.mu.Unlock()

	w.say(tasks.LevelWarn, fmt.Sprintf("SLA '%s' violated: %s", s.ID, reason))
	if len(s.Labels) > 0 {
		labels := make(map[string]string, len(s.Labels))
		for _, l := range s.Labels {
			labels[l.Key] = l.Value
		}
		_ = w.e.setLabels(labels)
	}
	if !first {
		return
	}
	msg := fmt.Sprintf("SLA '%s' violated: %s", s.ID, reason)
	if end == StateFailed {
		msg = "Execution failed due to " + msg
		if w.running() == nil {
			// Else the running task runs fail with msg as their error, which they log.
			w.say(tasks.LevelError, msg)
		}
	}
	w.cancel(&execTimeout{sla: msg})
}

// say logs what the watch has to say on the last task run not ended, as the execution's
// own lines would be in Kestra, or warns when no task run is running.
func (w *slaWatch) say(level tasks.Level, msg string) {
	e := w.e
	if tr := w.running(); tr != nil {
		e.log(tr, level, msg)
		return
	}
	e.opts.Warn(e.opts.Masker.String(fmt.Sprintf("execution %s: %s", e.exec.ID, msg)))
}

// running is the last task run not ended, or nil.
func (w *slaWatch) running() *TaskRun {
	e := w.e
	var last *TaskRun
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, tr := range e.exec.TaskRunList {
		if tr.State.EndDate.IsZero() {
			last = tr
		}
	}
	return last
}
