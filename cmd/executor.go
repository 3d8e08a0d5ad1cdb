package cmd

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// maxTriggerDepth stops chains of Flow triggers (a flow whose execution fires another whose
// execution fires another...): Kestra has no such limit, but one machine's cron job must end.
const maxTriggerDepth = 5

// executor runs executions, records them in the state and runs the Flow triggers they fire.
type executor struct {
	store    *state.Store
	registry tasks.Registry
	stderr   io.Writer
	errPal   *report.Palette
	// timeout is run --timeout: it bounds the first execution and, all together, the ones
	// its triggers start, through deadline (set when the first starts). Zero: no bound.
	timeout  time.Duration
	deadline time.Time
	// recordErr is the first failure to record an execution, reported once at the end.
	recordErr error
	// masker hides the environment's secrets in notes (see secrets).
	masker *runner.Masker
}

// Waiting for a concurrency slot: a try that finds the line unmoved is a short read
// transaction, so tries are frequent and a freed slot is taken quickly.
const (
	slotPollFirst = 20 * time.Millisecond
	slotPollMax   = 100 * time.Millisecond
	// slotNoteEvery is how often a waiting execution says it still waits.
	slotNoteEvery = 30 * time.Second
)

// admit returns the Options.Admit of f: nil without a concurrency limit; else a function
// that takes a slot of the limit for the execution, or does what the flow's behavior says
// when none is free: CANCEL and FAIL end the execution at once, QUEUE records it QUEUED and
// waits its turn. Slots held by processes that are gone are freed, and said so.
func (e *executor) admit(f *runner.Flow, lease *state.Lease) func(context.Context, *runner.Execution, func()) (string, error) {
	c := f.Concurrency
	if c == nil {
		return nil
	}
	name := f.Namespace + "." + f.ID
	return func(ctx context.Context, x *runner.Execution, queued func()) (string, error) {
		self := state.Self()
		self.Since = time.Now().UTC()
		self.Lease = lease.Name()
		queue := c.Behavior == runner.ConcurrencyQueue
		wait, start := slotPollFirst, time.Now()
		var noted time.Time
		for {
			res, err := e.store.AcquireSlot(f.Namespace, f.ID, x.ID, self, c.Limit, queue, e.store.SlotAlive)
			if err != nil {
				return "", fmt.Errorf("concurrency limit of %s: %w", name, err)
			}
			for _, r := range res.Released {
				e.notef("%s: freed the concurrency slot of execution %s: its process (pid %d, since %s) is gone", name,
					r.ExecID, r.Holder.PID, r.Holder.Since.Local().Format(time.DateTime))
			}
			if res.Acquired {
				if !noted.IsZero() {
					e.notef("%s: execution %s got a concurrency slot after %s", name, x.ID, report.HumanDuration(time.Since(start)))
				}
				return runner.StateRunning, nil
			}
			why := fmt.Sprintf("%s (concurrency limit %d, behavior %s)", slotsHeld(res), c.Limit, c.Behavior)
			switch c.Behavior {
			case runner.ConcurrencyCancel:
				e.notef("%s: execution %s CANCELLED: %s", name, x.ID, why)
				return runner.StateCancelled, nil
			case runner.ConcurrencyFail:
				e.notef("%s: execution %s FAILED: %s", name, x.ID, why)
				return runner.StateFailed, nil
			}
			if noted.IsZero() {
				queued()
				rec, err := runner.Record(x)
				if err != nil {
					return "", err
				}
				if err := e.store.PutExecution(rec); err != nil {
					return "", err
				}
			}
			if time.Since(noted) >= slotNoteEvery {
				e.notef("%s: execution %s QUEUED: %s; %d ahead in line, waiting", name, x.ID, why, res.Ahead)
				noted = time.Now()
			}
			select {
			case <-ctx.Done():
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					e.notef("%s: execution %s FAILED: Execution timeout after %s, still waiting for a concurrency slot", name, x.ID,
						duration.FormatClock(time.Since(start).Round(time.Millisecond)))
				}
				return "", nil
			case <-time.After(wait):
			}
			wait = min(wait*2, slotPollMax)
		}
	}
}

// slotsHeld says why no slot was free: who holds them, or who is ahead in line for the one
// that is free.
func slotsHeld(res state.SlotResult) string {
	ids := make([]string, len(res.Holders))
	for i, h := range res.Holders {
		ids[i] = h.ExecID
	}
	switch len(ids) {
	case 0:
		return fmt.Sprintf("%d execution%s ahead in line", res.Ahead, plural(res.Ahead))
	case 1:
		return "execution " + ids[0] + " is running"
	}
	return fmt.Sprintf("%d executions are running (%s)", len(ids), strings.Join(ids, ", "))
}

// execute runs f and records it: RUNNING before its first task, then its final document and
// its logs. A state that refuses the first record stops the run before anything ran.
// correlation is the id of the execution that started the chain ("": this one starts it).
func (e *executor) execute(ctx context.Context, f *runner.Flow, inputs map[string]any, secrets []string,
	trig *runner.ExecTrigger, correlation string, revision int, sink runner.Sink) (*runner.Execution, error) {
	masker := runner.NewMasker()
	for _, v := range secrets {
		masker.Add(v)
	}
	// A flow with a concurrency limit holds a lease while its execution (or a task process
	// of it) lives: its slot is freed when the lease is, however the process ends.
	var lease *state.Lease
	var inherit []*os.File
	if f.Concurrency != nil {
		var err error
		if lease, err = e.store.TakeLease(runner.NewID()); err != nil {
			return nil, fmt.Errorf("execution not started: %w", err)
		}
		defer lease.Release()
		inherit = []*os.File{lease.File()}
	}
	x, err := runner.Run(ctx, f, runner.Options{
		Inputs:   inputs,
		Masker:   masker,
		Sink:     sink,
		Trigger:  trig,
		Revision: revision,
		// The chain's first execution, for the label system.correlationId.
		CorrelationID: correlation,
		UserAgent:     "flowctl/" + version(),
		Lookup:        runner.Lookup(e.store),
		Timeout:       e.remaining(),
		Admit:         e.admit(f, lease),
		Inherit:       inherit,
		Warn:          func(msg string) { e.warnf("%s", msg) },
		OnStart: func(x *runner.Execution) error {
			rec, err := runner.Record(x)
			if err != nil {
				return err
			}
			return e.store.PutExecution(rec)
		},
	})
	if err != nil {
		// Refused before its first task (the state could not take its record, or its place
		// in line): try once more to record it FAILED, and never leave its slot held.
		if rerr := runner.Save(e.store, x); rerr != nil {
			e.releaseSlot(f, x)
		}
		return nil, fmt.Errorf("execution not started, it could not be recorded: %w", err)
	}
	if err := runner.Save(e.store, x); err != nil {
		e.releaseSlot(f, x)
		if e.recordErr == nil {
			e.recordErr = fmt.Errorf("execution %s ended %s but its record could not be written: %w", x.ID, x.State.Current, err)
		}
	}
	return x, nil
}

// releaseSlot lets go of the concurrency slot (or place in line) of x when recording its end,
// which does it too, failed: a long-lived process (the scheduler) must not keep it held.
func (e *executor) releaseSlot(f *runner.Flow, x *runner.Execution) {
	if f.Concurrency == nil || x == nil {
		return
	}
	if err := e.store.ReleaseSlot(f.Namespace, f.ID, x.ID); err != nil {
		e.warnf("%s.%s: the concurrency slot of execution %s could not be released: %v (it is freed when this process ends)",
			f.Namespace, f.ID, x.ID, err)
	}
}

// remaining is the timeout of the next execution: run --timeout for the first, what is left
// of it for the ones its triggers start; zero without --timeout.
func (e *executor) remaining() time.Duration {
	switch {
	case e.timeout <= 0:
		return 0
	case e.deadline.IsZero():
		e.deadline = time.Now().Add(e.timeout)
		return e.timeout
	}
	return max(time.Until(e.deadline), time.Nanosecond)
}

// fire runs, one after another in namespace.id order, every applied flow whose Flow trigger
// matches the ended execution x; then what their executions fire, down to maxTriggerDepth.
// Triggered executions log on stderr and never change the exit code.
func (e *executor) fire(ctx context.Context, x *runner.Execution, depth int) {
	flows, err := e.store.Flows()
	if err != nil {
		e.warnf("triggers not evaluated: %v", err)
		return
	}
	for _, rec := range flows {
		if ctx.Err() != nil {
			return
		}
		if rec.Disabled || (rec.Namespace == x.Namespace && rec.ID == x.FlowID) {
			continue // as in Kestra, a flow never fires on its own executions
		}
		if !bytes.Contains(rec.Source, []byte("triggers")) {
			// A flow without a `triggers` key cannot fire: skip parsing it, so that a run
			// stays fast with hundreds of applied flows.
			continue
		}
		f, err := runner.Parse(fmt.Sprintf("%s.%s (applied revision %d)", rec.Namespace, rec.ID, rec.Revision), rec.Source, e.registry)
		if err != nil {
			e.warnf("applied flow %s.%s is no longer valid, its triggers are skipped: %v", rec.Namespace, rec.ID, err)
			continue
		}
		if f.Disabled {
			continue
		}
		for _, t := range f.Triggers {
			if !t.Fires(x) {
				continue
			}
			if depth > maxTriggerDepth {
				e.warnf("trigger %s.%s/%s not run: chains of Flow triggers stop after %d executions", f.Namespace, f.ID, t.ID, maxTriggerDepth)
				continue
			}
			e.runTriggered(ctx, f, rec.Revision, t, x, depth)
		}
	}
}

// runTriggered runs flow f for its trigger t, fired by x.
func (e *executor) runTriggered(ctx context.Context, f *runner.Flow, revision int, t *runner.Trigger, x *runner.Execution, depth int) {
	name := fmt.Sprintf("%s.%s", f.Namespace, f.ID)
	given, err := renderTriggerInputs(t.Inputs, runner.TriggerContext(f, revision, x))
	if err != nil {
		e.warnf("trigger %s/%s: inputs: %v", name, t.ID, err)
		return
	}
	inputs, secrets, missing, err := runner.ParseTriggerInputs(f, given)
	if err != nil {
		e.warnf("trigger %s/%s: %v", name, t.ID, err)
		return
	}
	for _, in := range missing {
		// Kestra starts the execution all the same: a listener that works on a Kestra
		// server must not silently never run here.
		e.warnf("trigger %s/%s: input %q is required but the trigger does not give it: the execution starts without it", name, t.ID, in)
	}
	fmt.Fprintf(e.stderr, "flowctl: trigger %s/%s fired by %s.%s %s (%s)\n", name, t.ID, x.Namespace, x.FlowID, x.ID, e.errPal.State(x.State.Current))
	y, err := e.execute(ctx, f, inputs, secrets,
		&runner.ExecTrigger{ID: t.ID, Type: t.Type, Variables: runner.TriggerVariables(x)},
		cmp.Or(x.Labels[runner.LabelCorrelationID], x.ID), revision,
		report.NewTextSink(e.stderr, e.errPal, f))
	if err != nil {
		e.warnf("trigger %s/%s: %v", name, t.ID, err)
		return
	}
	fmt.Fprintf(e.stderr, "flowctl: triggered execution %s of %s ended %s in %s\n", y.ID, name,
		e.errPal.State(y.State.Current), report.HumanDuration(y.State.Duration()))
	e.fire(ctx, y, depth+1)
}

// renderTriggerInputs renders a trigger's inputs with vars (runner.TriggerContext) and the
// environment's envs.* and secrets, as strings for ParseTriggerInputs.
func renderTriggerInputs(in map[string]any, vars map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(in))
	all := maps.Clone(vars)
	all["envs"] = templating.EnvVars(os.Environ())
	env := &templating.Env{Vars: all, Secret: templating.EnvSecrets(os.LookupEnv)}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		s, ok := in[k].(string)
		if !ok {
			out[k] = templating.ToString(in[k])
			continue
		}
		t, err := templating.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		r, err := t.Render(env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = r
	}
	return out, nil
}

// notef writes one line about the run on stderr. Its arguments may hold an execution's
// text (an output a trigger's input was rendered from): it is shown as a log line is, and
// masked, since a trigger input that failed to render may quote the secret it read.
func (e *executor) notef(format string, args ...any) {
	fmt.Fprintf(e.stderr, "flowctl: %s\n", e.errPal.Text(e.secrets().String(fmt.Sprintf(format, args...))))
}

// secrets is the masker of the environment's SECRET_* values, made on first use.
func (e *executor) secrets() *runner.Masker {
	if e.masker == nil {
		e.masker = runner.NewMasker()
		runner.AddEnvSecrets(e.masker, os.Environ())
	}
	return e.masker
}

func (e *executor) warnf(format string, args ...any) {
	e.notef("warning: "+format, args...)
}
