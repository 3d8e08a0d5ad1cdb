// Package service is what a front end calls to run flows: it admits an execution to its
// flow's concurrency slots, records it in the state (RUNNING, its task runs and logs as they
// happen, then its end), runs the Flow triggers its end fires, and runs the Schedule
// triggers that came due. The CLI is one front end; an HTTP API or a UI would be others,
// calling the same methods.
//
// It imports the engine (runner), the language (flow), the state, tasks and templating; it
// prints nothing itself: what it has to say goes to a Notifier, which the front end writes
// as it likes.
// Nothing here imports cmd.
package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// Notifier receives what the service has to say while it works. The CLI writes it on its
// streams with its palettes; tests keep it.
type Notifier interface {
	// Note is one line about the work (a slot freed or taken, a trigger skipped), already
	// masked; a warning starts with "warning: ".
	Note(msg string)
	// Fired says that trigger t of flow f was fired by the ended execution by; it returns
	// the sink the execution it starts logs to.
	Fired(f *flow.Flow, t *flow.Trigger, by *runner.Execution) runner.Sink
	// FiredEnded says that y, started by a Flow trigger of f, has ended.
	FiredEnded(f *flow.Flow, y *runner.Execution)
	// Scheduled says that trigger t of f runs for the scheduled date (RFC 3339, UTC); it
	// returns the sink the execution logs to.
	Scheduled(f *flow.Flow, t *flow.Trigger, date string) runner.Sink
	// ScheduledEnded says that x, run by trigger t of f for a scheduled date, has ended.
	ScheduledEnded(f *flow.Flow, t *flow.Trigger, x *runner.Execution)
	// Polled says that polling trigger t of f starts an execution, its request having
	// answered code; it returns the sink of the execution's events.
	Polled(f *flow.Flow, t *flow.Trigger, code string) runner.Sink
	// PolledEnded says that x, started by polling trigger t of f, has ended.
	PolledEnded(f *flow.Flow, t *flow.Trigger, x *runner.Execution)
	// DateSkipped says that the scheduled date of trigger t of f was handled without a
	// run: its conditions do not hold.
	DateSkipped(f *flow.Flow, t *flow.Trigger, date string)
	// Subflow says that the Subflow task taskID of execution parent runs flow f; it
	// returns the sink the child execution logs to. Children not waited for call it from
	// their own goroutines.
	Subflow(f *flow.Flow, taskID string, parent *runner.Execution) runner.Sink
	// SubflowEnded says that y, a child execution of flow f, has ended.
	SubflowEnded(f *flow.Flow, y *runner.Execution)
}

// MaxTriggerDepth stops chains of Flow triggers (a flow whose execution fires another whose
// execution fires another...): Kestra has no such limit, but one machine's cron job must end.
const MaxTriggerDepth = 5

// Waiting for a concurrency slot: a try that finds the line unmoved is a short read
// transaction, so tries are frequent and a freed slot is taken quickly.
const (
	slotPollFirst = 20 * time.Millisecond
	slotPollMax   = 100 * time.Millisecond
	// slotNoteEvery is how often a waiting execution says it still waits.
	slotNoteEvery = 30 * time.Second
)

// Service runs flows against one state. A Service serves one front-end call (a run and
// the chain of executions it fires, a scheduler's ticks) from one goroutine at a time, or
// the requests of a webhook server at once (Webhook, without Timeout): it keeps that
// call's deadline and the first failure to record an execution, under its lock.
type Service struct {
	// Store is the state executions are recorded in and applied flows read from.
	Store *state.Store
	// Registry is the task types flows are parsed with.
	Registry tasks.Registry
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Notify receives what the service has to say; it must be set.
	Notify Notifier
	// UserAgent is sent by tasks that call out over HTTP.
	UserAgent string
	// Environ is the environment: SECRET_* values masked in notes, envs.* and secret() of
	// trigger inputs; nil is os.Environ().
	Environ []string
	// Timeout is run --timeout: it bounds the first execution and, all together, the ones
	// its triggers start, through deadline (set when the first starts). Zero: no bound.
	Timeout time.Duration
	// Location is the zone of schedules without a timezone; nil is time.Local, as for cron.
	Location *time.Location

	// mu guards deadline, recordErr and masker: the children of Subflow tasks that are not
	// waited for run on goroutines of their own.
	mu       sync.Mutex
	deadline time.Time
	// recordErr is the first failure to record an execution, reported once at the end.
	recordErr error
	// masker hides the environment's secrets in notes (see secrets).
	masker *runner.Masker
	// pending counts the children of Subflow tasks still running unwaited for.
	pending sync.WaitGroup
}

// RunOptions are what an execution starts with, besides its flow.
type RunOptions struct {
	// Inputs are the typed input values (flow.ParseInputs) and Secrets the values among
	// them to mask.
	Inputs  map[string]any
	Secrets []string
	// Trigger is set on executions a trigger started.
	Trigger *runner.ExecTrigger
	// CorrelationID is the id of the execution that started the chain ("": this one).
	CorrelationID string
	// Revision is the flow's revision in the state (0: a file not applied).
	Revision int
	// Sink receives the execution's events as they happen.
	Sink runner.Sink

	// labels are added to the flow's (a Subflow child's), chain names the flows of the
	// Subflow executions that led to this one, and started hears the execution's id once it
	// runs.
	labels  map[string]string
	chain   []string
	started func(id string)
	// failed records the execution FAILED before it runs anything, as Kestra's scheduler
	// records one for a trigger whose conditions could not be evaluated.
	failed bool
	// restart is the document a restart runs (see Restart).
	restart *runner.Execution
	// runLease is the run lease a restart took before claiming the execution's record.
	runLease *state.Lease
	// created hears the execution once it exists (CREATED), before it waits for a
	// concurrency slot or runs: a webhook answers with it.
	created func(x *runner.Execution)
}

// inputsKV gives the templates of a flow's inputs (a SELECT's expression) the KV store of the
// state.
func (s *Service) inputsKV() flow.InputOption {
	return flow.WithKV(runner.KVLookup(runner.KV(s.Store)))
}

// RecordErr is the first failure to record the end of an execution: the run happened but
// its record is incomplete. Nil when every record was written.
func (s *Service) RecordErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recordErr
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) environ() []string {
	if s.Environ == nil {
		return os.Environ()
	}
	return s.Environ
}

// runOnce runs f once and records it: admitted to its flow's concurrency slots first,
// recorded RUNNING before its first task, its task runs and logs as they happen (in
// batches: see runner.Options.Journal), then its final document and the logs not yet
// written. A state that refuses the first record stops the run before anything ran: the
// error says so. retries is the execution ended RETRIED that this one retries, or nil.
func (s *Service) runOnce(ctx context.Context, f *flow.Flow, o RunOptions, retries *runner.Execution) (*runner.Execution, error) {
	masker := runner.NewMasker()
	for _, v := range o.Secrets {
		masker.Add(v)
	}
	// A flow with a concurrency limit holds a lease while its execution (or a task process
	// of it) lives: its slot is freed when the lease is, however the process ends.
	var lease *state.Lease
	var inherit []*os.File
	if f.Concurrency != nil {
		var err error
		if lease, err = s.Store.TakeLease(runner.NewID()); err != nil {
			return nil, fmt.Errorf("execution not started: %w", err)
		}
		defer lease.Release()
		inherit = []*os.File{lease.File()}
	}
	// The run lease says this process runs the execution: taken before its first record,
	// let go after its last (deferred: after Save below), so that a reader finding it
	// RUNNING with nobody holding the lease knows it was cut off. Not taken, the readers
	// cannot tell, as before leases: nothing else depends on it.
	runLease := o.runLease
	holdRun := func(id string) {
		if runLease == nil {
			runLease, _ = s.Store.TakeRunLease(id)
		}
	}
	defer func() { runLease.Release() }()
	// gen is the masker's once the execution is first recorded: a value registered later
	// may be in lines the journal wrote before (see MaskLogs below).
	gen := -1
	admit := s.admit(f, lease, holdRun)
	if o.failed {
		admit = func(context.Context, *runner.Execution, func()) (string, error) { return runner.StateFailed, nil }
	}
	x, err := runner.Run(ctx, f, runner.Options{
		Inputs:   o.Inputs,
		Masker:   masker,
		Sink:     o.Sink,
		Trigger:  o.Trigger,
		Revision: o.Revision,
		// The chain's first execution, for the label system.correlationId.
		CorrelationID: o.CorrelationID,
		UserAgent:     s.UserAgent,
		Lookup:        runner.Lookup(s.Store),
		KV:            runner.KV(s.Store),
		Storage:       s.Store.Storage(),
		CacheDir:      s.Store.Path() + ".cache",
		Timeout:       s.remaining(),
		Admit:         withCreated(admit, o.created),
		Inherit:       inherit,
		Environ:       s.Environ,
		Now:           s.Now,
		Warn:          func(msg string) { s.warnf("%s", msg) },
		Labels:        o.labels,
		Subflow:       s.subflow(ctx, f, o.chain),
		Pauser:        &statePauser{store: s.Store, poll: resumePoll},
		Resume:        s.resumeTask,
		ToggleTrigger: s.toggleTrigger,
		Journal:       s.Store,
		Restart:       o.restart,
		Retries:       retries,
		// The state-reading tasks (execution.Count, the purges) reach the state through these.
		CountExecutions: runner.CountExecutions(s.Store),
		PurgeExecutions: runner.PurgeExecutions(s.Store),
		PurgeLogs:       runner.PurgeLogs(s.Store),
		OnStart: func(x *runner.Execution) error {
			holdRun(x.ID)
			gen = masker.Generation()
			rec, err := runner.Record(x)
			if err != nil {
				return err
			}
			if err := s.Store.PutExecution(rec); err != nil {
				return err
			}
			if o.started != nil {
				o.started(x.ID)
			}
			return nil
		},
	})
	if err != nil {
		// Refused before its first task (the state could not take its record, or its place
		// in line): try once more to record it FAILED, and never leave its slot held.
		if rerr := runner.Save(s.Store, x); rerr != nil {
			s.releaseSlot(f, x)
		}
		return nil, fmt.Errorf("execution not started, it could not be recorded: %w", err)
	}
	if err := runner.Save(s.Store, x); err != nil {
		// The logs are most of what the end writes: on a full disk the execution alone may
		// still fit, and then the state shows how it ended rather than RUNNING for ever.
		end := fmt.Errorf("execution %s ended %s but its record could not be written: %w", x.ID, x.State.Current, err)
		if rec, rerr := runner.Record(x); rerr == nil && s.Store.PutExecution(rec) == nil {
			end = fmt.Errorf("execution %s ended %s, recorded so, but its logs could not be written: %w", x.ID, x.State.Current, err)
		} else {
			s.releaseSlot(f, x)
		}
		s.mu.Lock()
		if s.recordErr == nil {
			s.recordErr = end
		}
		s.mu.Unlock()
	} else if gen >= 0 && masker.Generation() != gen {
		// The engine masked again what it keeps; the lines written while it ran are the
		// state's to mask.
		if err := s.Store.MaskLogs(x.ID, masker.String); err != nil {
			s.warnf("execution %s: its log lines written before a value to mask was known could not be masked: %v", x.ID, err)
		}
	}
	return x, nil
}

// admit returns the Options.Admit of f: nil without a concurrency limit; else a function
// that takes a slot of the limit for the execution, or does what the flow's behavior says
// when none is free: CANCEL and FAIL end the execution at once, QUEUE records it QUEUED and
// waits its turn. Slots held by processes that are gone are freed, and said so. holdRun takes
// the run lease of an execution about to be recorded QUEUED.
func (s *Service) admit(f *flow.Flow, lease *state.Lease, holdRun func(id string)) func(context.Context, *runner.Execution, func()) (string, error) {
	c := f.Concurrency
	if c == nil {
		return nil
	}
	name := f.Namespace + "." + f.ID
	return func(ctx context.Context, x *runner.Execution, queued func()) (string, error) {
		self := state.Self()
		self.Since = s.now().UTC()
		self.Lease = lease.Name()
		queue := c.Behavior == flow.ConcurrencyQueue
		wait, start := slotPollFirst, time.Now()
		var noted time.Time
		for {
			res, err := s.Store.AcquireSlot(f.Namespace, f.ID, x.ID, self, c.Limit, queue, s.Store.SlotAlive)
			if err != nil {
				return "", fmt.Errorf("concurrency limit of %s: %w", name, err)
			}
			for _, r := range res.Released {
				s.notef("%s: freed the concurrency slot of execution %s: its process (pid %d, since %s) is gone", name,
					r.ExecID, r.Holder.PID, r.Holder.Since.Local().Format(time.DateTime))
			}
			if res.Acquired {
				if !noted.IsZero() {
					s.notef("%s: execution %s got a concurrency slot after %s", name, x.ID, duration.Human(time.Since(start)))
				}
				return runner.StateRunning, nil
			}
			why := fmt.Sprintf("%s (concurrency limit %d, behavior %s)", slotsHeld(res), c.Limit, c.Behavior)
			switch c.Behavior {
			case flow.ConcurrencyCancel:
				s.notef("%s: execution %s CANCELLED: %s", name, x.ID, why)
				return runner.StateCancelled, nil
			case flow.ConcurrencyFail:
				s.notef("%s: execution %s FAILED: %s", name, x.ID, why)
				return runner.StateFailed, nil
			}
			if noted.IsZero() {
				queued()
				holdRun(x.ID)
				rec, err := runner.Record(x)
				if err != nil {
					return "", err
				}
				if err := s.Store.PutExecution(rec); err != nil {
					return "", err
				}
			}
			if time.Since(noted) >= slotNoteEvery {
				s.notef("%s: execution %s QUEUED: %s; %d ahead in line, waiting", name, x.ID, why, res.Ahead)
				noted = time.Now()
			}
			select {
			case <-ctx.Done():
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					s.notef("%s: execution %s FAILED: Execution timeout after %s, still waiting for a concurrency slot", name, x.ID,
						duration.FormatClock(time.Since(start).Round(time.Millisecond)))
				}
				return "", nil
			case <-time.After(wait):
			}
			wait = min(wait*2, slotPollMax)
		}
	}
}

// withCreated makes admit call created first, with the execution as it was created; admit
// nil admits every execution.
func withCreated(admit func(context.Context, *runner.Execution, func()) (string, error), created func(*runner.Execution)) func(context.Context, *runner.Execution, func()) (string, error) {
	if created == nil {
		return admit
	}
	return func(ctx context.Context, x *runner.Execution, queued func()) (string, error) {
		created(x)
		if admit == nil {
			return runner.StateRunning, nil
		}
		return admit(ctx, x, queued)
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

// releaseSlot lets go of the concurrency slot (or place in line) of x when recording its end,
// which does it too, failed: a long-lived process (the scheduler) must not keep it held.
func (s *Service) releaseSlot(f *flow.Flow, x *runner.Execution) {
	if f.Concurrency == nil || x == nil {
		return
	}
	if err := s.Store.ReleaseSlot(f.Namespace, f.ID, x.ID); err != nil {
		s.warnf("%s.%s: the concurrency slot of execution %s could not be released: %v (it is freed when this process ends)",
			f.Namespace, f.ID, x.ID, err)
	}
}

// remaining is the timeout of the next execution: Timeout for the first, what is left of it
// for the ones its triggers start; zero without Timeout. It runs on the machine's clock,
// as the engine's timeout does.
func (s *Service) remaining() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.Timeout <= 0:
		return 0
	case s.deadline.IsZero():
		s.deadline = time.Now().Add(s.Timeout)
		return s.Timeout
	}
	return max(time.Until(s.deadline), time.Nanosecond)
}

// notef says one line about the work. Its arguments may hold an execution's text (an
// output a trigger's input was rendered from): it is masked, since a trigger input that
// failed to render may quote the secret it read.
func (s *Service) notef(format string, args ...any) {
	s.Notify.Note(s.secrets().String(fmt.Sprintf(format, args...)))
}

func (s *Service) warnf(format string, args ...any) {
	s.notef("warning: "+format, args...)
}

// secrets is the masker of the environment's SECRET_* values, made on first use.
func (s *Service) secrets() *runner.Masker {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.masker == nil {
		s.masker = runner.NewMasker()
		runner.AddEnvSecrets(s.masker, s.environ())
	}
	return s.masker
}

// plural is the "s" of a count's noun.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
