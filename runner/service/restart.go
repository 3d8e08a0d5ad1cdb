package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
)

// RestartOptions are what a restart takes besides the execution.
type RestartOptions struct {
	// Flow is the flow to run the execution with (`--flow FILE`); nil takes the flow
	// applied to the state, which must be of the execution's revision.
	Flow *flow.Flow
	// Inputs give again the values of SECRET inputs, which the state does not keep (it
	// holds them masked); no other input may be given: a restart keeps the execution's.
	Inputs map[string]string
	// Force restarts an execution that has not ended (RUNNING, PAUSED...): one whose
	// process was cut off (kill -9, the OOM killer, a reboot), which the state cannot tell
	// from one a process still runs.
	Force bool
}

// Restart is a restart ready to run (see PlanRestart).
type Restart struct {
	// Flow is the flow the execution runs with.
	Flow *flow.Flow
	// Execution is the document the restart starts from: RESTARTED, its runs to run again
	// RESTARTED or RUNNING (see runner.PlanRestart).
	Execution *runner.Execution

	revision int
	values   map[string]any
	secrets  []string
	// cutOff: the execution had not ended (restarted with Force).
	cutOff bool
	// was is the record the restart was planned from: Restart claims the execution only
	// while it is still so.
	was state.ExecRecord
}

// PlanRestart prepares the restart of the recorded execution id, as Kestra restarts one: a
// new attempt of the same execution, from its failed task runs, with the outputs of the
// runs that ended well (see runner.PlanRestart). An error means nothing can run: the
// execution is not restartable (not FAILED nor KILLED), its flow cannot be found or lost one
// of its tasks, or its inputs no longer fit the flow.
func (s *Service) PlanRestart(id string, o RestartOptions) (*Restart, error) {
	rec, ok, err := s.Store.Execution(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no execution %q in %s", id, s.Store.Path())
	}
	x, err := runner.Decode(rec)
	if err != nil {
		return nil, err
	}
	if err := runner.Restartable(x); err != nil && !(o.Force && runner.Unfinished(x.State.Current)) {
		if retry, st, ok, rerr := RetriedBy(s.Store, x); rerr == nil && ok {
			return nil, &runner.NotRestartableError{ID: x.ID, State: x.State.Current,
				Reason: fmt.Sprintf("No task found to restart execution from! It ended RETRIED: execution %s (%s) retries it; "+
					"restart that one if it failed: flowctl executions restart %s", retry, st, retry)}
		}
		return nil, err
	}
	if runner.Unfinished(x.State.Current) && s.Store.RunnerOf(x.ID) == state.RunnerAlive {
		// Its run lease is held: Force would run it a second time, at once.
		reason := "a process is running it (it holds the execution's run lease): wait for it to end, or stop it, then restart"
		if x.State.Current == runner.StatePaused {
			reason = "a process is running it, waiting in a Pause task (it holds the execution's run lease): resume it: flowctl executions resume " + x.ID
		}
		return nil, &runner.NotRestartableError{ID: x.ID, State: x.State.Current, Reason: reason}
	}
	f, revision, err := s.restartFlow(x, o.Flow)
	if err != nil {
		return nil, err
	}
	// The inputs read again with their numbers as written: an INT past 2^53 stays exact.
	var doc struct {
		Inputs map[string]any `json:"inputs"`
	}
	dec := json.NewDecoder(bytes.NewReader(rec.Doc))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("execution %q: damaged record: %w", id, err)
	}
	values, secrets, err := restartInputs(f, x.ID, doc.Inputs, o.Inputs)
	if err != nil {
		return nil, err
	}
	y, err := runner.PlanRestart(f, x, s.now())
	if err != nil {
		return nil, err
	}
	return &Restart{Flow: f, Execution: y, revision: revision, values: values, secrets: secrets,
		cutOff: runner.Unfinished(x.State.Current), was: rec}, nil
}

// Restart runs the restart r, recorded as Run records an execution, under its id; sink
// receives its events as they happen.
func (s *Service) Restart(ctx context.Context, r *Restart, sink runner.Sink) (*runner.Execution, error) {
	// Claimed RESTARTED first, while the record is as planned: two restarts of one
	// execution at once (two shells, overlapping cron jobs) run it once.
	rec, err := runner.Record(r.Execution)
	if err != nil {
		return nil, err
	}
	// The run lease first: from the claim on, a reader must find this process running it
	// (a lease a killed process left is taken over).
	runLease, _ := s.Store.TakeRunLease(r.Execution.ID)
	ok, err := s.Store.ReplaceExecution(rec, r.was)
	switch {
	case err != nil:
		runLease.Release()
		return nil, fmt.Errorf("execution %s not restarted: %w", r.Execution.ID, err)
	case !ok:
		runLease.Release()
		return nil, fmt.Errorf("execution %s changed since the restart read it (restarted by another process, or still running): nothing was run; see flowctl executions show %s", r.Execution.ID, r.Execution.ID)
	}
	if r.cutOff {
		// Its process is gone, not its concurrency slot: held under the same id, it would
		// count as the restart's own, with the holder of the dead process.
		s.releaseSlot(r.Flow, r.Execution)
	}
	return s.Run(ctx, r.Flow, RunOptions{Inputs: r.values, Secrets: r.secrets, Revision: r.revision, Sink: sink, restart: r.Execution, runLease: runLease})
}

// restartFlow returns the flow a restart of x runs with, and its revision: given (a file),
// whose revision is the applied one when it is the applied flow, else x's; or the flow
// applied to the state, when it is the revision x ran (the state keeps the latest revision
// only, as it keeps no flow file).
func (s *Service) restartFlow(x *runner.Execution, given *flow.Flow) (*flow.Flow, int, error) {
	name := x.Namespace + "." + x.FlowID
	if given != nil {
		if given.Namespace != x.Namespace || given.ID != x.FlowID {
			return nil, 0, fmt.Errorf("execution %s is of flow %s, and %s is flow %s.%s", x.ID, name, given.File, given.Namespace, given.ID)
		}
		if given.Disabled {
			return nil, 0, fmt.Errorf("%s: flow %s is disabled (disabled: true): nothing was run", given.File, name)
		}
		return given, max(s.AppliedRevision(given), x.FlowRevision), nil
	}
	rec, ok, err := s.Store.Flow(x.Namespace, x.FlowID)
	switch {
	case err != nil:
		return nil, 0, err
	case !ok:
		return nil, 0, fmt.Errorf("flow %s of execution %s is not applied to %s (it ran from a file?): give its file with --flow FILE", name, x.ID, s.Store.Path())
	case rec.Revision != x.FlowRevision:
		return nil, 0, fmt.Errorf("execution %s ran revision %d of flow %s, and %s holds revision %d (it keeps the latest only): give the flow with --flow FILE",
			x.ID, x.FlowRevision, name, s.Store.Path(), rec.Revision)
	case rec.Disabled:
		return nil, 0, fmt.Errorf("flow %s is disabled: nothing was run", name)
	}
	f, err := flow.Parse(fmt.Sprintf("%s (applied revision %d)", name, rec.Revision), rec.Source, s.Registry)
	if err != nil {
		return nil, 0, fmt.Errorf("applied flow %s is no longer valid: %w", name, err)
	}
	return f, rec.Revision, nil
}

// restartInputs types again the inputs x recorded, as flow inputs are typed from the command
// line. A SECRET input the execution had is recorded masked: its value must be given again
// in given, which holds nothing else.
func restartInputs(f *flow.Flow, id string, recorded map[string]any, given map[string]string) (map[string]any, []string, error) {
	secret := map[string]bool{}
	for _, in := range f.Inputs {
		if in.Type == flow.InputSecret {
			secret[in.ID] = true
		}
	}
	recorded = flow.FlatInputs(f, recorded) // dotted ids are recorded nested
	text := make(map[string]string, len(recorded))
	var missing []string
	for k, v := range recorded {
		if secret[k] {
			if _, ok := given[k]; !ok {
				missing = append(missing, k)
			}
			continue
		}
		if v == nil {
			continue
		}
		t, err := inputText(v)
		if err != nil {
			return nil, nil, fmt.Errorf("input %q of execution %s: %w", k, id, err)
		}
		text[k] = t
	}
	for _, k := range slices.Sorted(maps.Keys(given)) {
		if !secret[k] {
			return nil, nil, fmt.Errorf("input %q cannot be given: a restart keeps the execution's inputs; only SECRET inputs, which the state keeps masked, are given again", k)
		}
		text[k] = given[k]
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		var flags []string
		for _, k := range missing {
			flags = append(flags, "-i "+k+"=VALUE")
		}
		return nil, nil, fmt.Errorf("the state keeps SECRET inputs masked: give %s again with %s", strings.Join(missing, ", "), strings.Join(flags, " "))
	}
	values, secrets, err := flow.ParseInputs(f, text)
	if err != nil {
		return nil, nil, fmt.Errorf("the inputs of execution %s do not fit flow %s.%s: %w", id, f.Namespace, f.ID, err)
	}
	return values, secrets, nil
}

// inputText is the text of a recorded input value, as it would be given with -i.
func inputText(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case json.Number:
		return v.String(), nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}
