package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// Polling triggers (Kestra's http.Trigger) have an entry among the schedules: Last is their
// last evaluation and Next the one after, an interval later. A tick evaluates each that is
// due once, claiming it first so that overlapping ticks never evaluate it twice.

// pollingTrigger returns f's enabled polling trigger with this id, or nil.
func pollingTrigger(f *flow.Flow, id string) *flow.Trigger {
	for _, t := range f.Triggers {
		if _, _, ok := t.Polling(); ok && t.ID == id && !t.Disabled {
			return t
		}
	}
	return nil
}

// poll evaluates the polling trigger t of f, due at now: as Kestra's scheduler, its
// conditions are tested, then the request is sent, then responseCondition is rendered with
// the answer; when it is truthy an execution starts with the answer as trigger.*, and the
// Flow triggers it fires follow. True when ctx ended while the execution ran.
func (s *Service) poll(ctx context.Context, en state.ScheduleEntry, f *flow.Flow, revision int, t *flow.Trigger, now time.Time) (killed bool) {
	name := fmt.Sprintf("%s.%s/%s", f.Namespace, f.ID, t.ID)
	p, interval, _ := t.Polling()
	claimed, err := s.Store.ClaimPoll(en.Namespace, en.FlowID, en.TriggerID, en.Last, now, now.Add(interval))
	switch {
	case err != nil:
		s.warnf("trigger %s: %v", name, err)
		return false
	case !claimed: // an overlapping tick has it
		return false
	case toggledOff(s.toggles(), f, t):
		// A Toggle disabled it: Kestra's scheduler leaves it alone, no request is sent.
		return false
	}
	vars := map[string]any{"flow": flowVars(f, revision)}
	render := func(tmpl string) (string, error) { return s.renderWith(tmpl, vars) }
	if holds, err := t.RequestHolds(render); err != nil {
		// As Kestra's scheduler: a FAILED execution says so, and the trigger waits an
		// interval rather than failing at every tick.
		s.warnf("trigger %s: unable to evaluate the trigger: %v", name, err)
		x, err := s.Run(ctx, f, RunOptions{Revision: revision, failed: true})
		if err != nil {
			s.warnf("trigger %s: %v", name, err)
			return false
		}
		s.stopAfter(f, t, x)
		s.Fire(ctx, x)
		return false
	} else if !holds {
		return false
	}
	tc := s.pollContext(t, render, name)
	// What authenticates the request (a password in the URL, a token parameter or header)
	// is masked in trigger.uri and in the execution's logs, as the Request task's.
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	out, err := tasks.HTTPPoll(ctx, tc, p.HTTPCallProperties)
	if err != nil {
		s.warnf("trigger %s: %v", name, err)
		return false
	}
	response := map[string]any{"statusCode": out["code"], "body": out["body"], "headers": out["headers"]}
	cond, err := s.renderWith(p.ResponseCondition, map[string]any{"flow": vars["flow"], "response": response})
	if err != nil {
		s.warnf("trigger %s: responseCondition: %v", name, err)
		return false
	}
	if !truthy(cond) {
		return false
	}
	if err := s.Store.SetScheduleRan(en.Namespace, en.FlowID, en.TriggerID, now); err != nil {
		s.warnf("trigger %s: %v", name, err)
	}
	inputs, secrets, err := flow.ParseInputs(f, nil, s.inputsKV())
	if err != nil {
		s.warnf("trigger %s: %v", name, err)
		return false
	}
	if uri, ok := out["uri"].(string); ok && len(masked) > 0 {
		m := runner.NewMasker()
		for _, v := range masked {
			m.Add(v)
		}
		out["uri"] = m.String(uri)
	}
	secrets = append(secrets, masked...)
	sink := s.Notify.Polled(f, t, fmt.Sprint(out["code"]))
	x, err := s.Run(ctx, f, RunOptions{
		Inputs:   inputs,
		Secrets:  secrets,
		Trigger:  &runner.ExecTrigger{ID: t.ID, Type: t.Type, Variables: out},
		Revision: revision,
		Sink:     sink,
	})
	if err != nil {
		s.warnf("trigger %s: %v", name, err)
		return false
	}
	s.Notify.PolledEnded(f, t, x)
	if x.State.Current == runner.StateKilled && ctx.Err() != nil {
		return true
	}
	s.stopAfter(f, t, x)
	s.Fire(ctx, x)
	return false
}

// pollContext is what the request of a polling trigger renders and logs with: the flow's
// variables, and its warnings said as the service's.
func (s *Service) pollContext(t *flow.Trigger, render func(string) (string, error), name string) *tasks.Context {
	return &tasks.Context{
		TaskID: t.ID,
		Render: render,
		// The Request's own line (the code and size) is Kestra's debug line: not said.
		Log: tasks.NewLogger(func(level tasks.Level, msg string) {
			if level >= tasks.LevelWarn {
				s.warnf("trigger %s: %s", name, msg)
			}
		}),
		Now:       s.now,
		Environ:   s.environ(),
		UserAgent: s.UserAgent,
		Warn:      func(msg string) { s.warnf("trigger %s: %s", name, msg) },
	}
}

// truthy is Kestra's TruthUtils.isTruthy: every rendering but false, 0, -0 and the empty
// string.
func truthy(s string) bool {
	return !slices.Contains([]string{"false", "0", "-0", ""}, s)
}

// stopAfter disables trigger t of f, as Kestra's stopAfter does, when x, an execution it
// started, ended in one of its stopAfter states: it is recorded as a Toggle would record it.
func (s *Service) stopAfter(f *flow.Flow, t *flow.Trigger, x *runner.Execution) {
	if !slices.Contains(t.StopAfter, x.State.Current) {
		return
	}
	name := fmt.Sprintf("%s.%s/%s", f.Namespace, f.ID, t.ID)
	tg := state.Toggle{Namespace: f.Namespace, FlowID: f.ID, TriggerID: t.ID, Disabled: true, At: s.now().UTC()}
	if err := s.Store.SetToggle(tg); err != nil {
		s.warnf("trigger %s: stopAfter: not disabled: %v", name, err)
		return
	}
	s.notef("trigger %s disabled: execution %s ended %s, one of its stopAfter states (a Toggle task enables it again)", name, x.ID, x.State.Current)
}
