package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/runner/state"
)

// Kestra's ToggleTest: the trigger "schedule" of trigger-toggle, disabled, is enabled by
// the flow's own Toggle task, which ends SUCCESS.
func TestKestraToggle(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "trigger-toggle.yaml")
	off := state.Toggle{Namespace: "io.kestra.tests.trigger", FlowID: "trigger-toggle", TriggerID: "schedule", Disabled: true, At: t0}
	if err := s.Store.SetToggle(off); err != nil {
		t.Fatal(err)
	}
	x := runKestra(t, s, "trigger-toggle.yaml", nil)
	if x.State.Current != "SUCCESS" || len(x.TaskRunList) != 1 {
		t.Fatalf("%s with %d task runs, want SUCCESS with 1", x.State.Current, len(x.TaskRunList))
	}
	ts, err := s.Store.Toggles()
	tg := ts[state.ToggleKey("io.kestra.tests.trigger", "trigger-toggle", "schedule")]
	if err != nil || tg.Disabled || tg.TriggerID != "schedule" {
		t.Fatalf("toggle %+v, %v: want the trigger enabled", tg, err)
	}
}

// toggleFlow is a flow of one Toggle task with the given properties.
func toggleFlow(props string) string {
	return "id: toggler\nnamespace: ops\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.trigger.Toggle\n" + props
}

// A Schedule trigger disabled by a Toggle runs none of its dates, which pass; enabled again,
// it runs the next.
func TestToggleDisablesASchedule(t *testing.T) {
	s, n := newService(t)
	apply(t, s, quarterly(""))
	run := func(props string) {
		t.Helper()
		x, err := s.Run(context.Background(), parse(t, toggleFlow(props)), RunOptions{})
		if err != nil || x.State.Current != "SUCCESS" {
			t.Fatalf("toggle %q: %v %v", props, x.State.Current, err)
		}
	}
	run("    namespace: dev\n    flowId: quarterly\n    trigger: every\n")
	if fl, err := s.Flows(); err != nil || len(fl) != 1 || !fl[0].Triggers[0].Toggled || !fl[0].Triggers[0].Disabled {
		t.Fatalf("flow list: %+v, %v; want the trigger disabled by a Toggle", fl, err)
	}
	s.Tick(context.Background(), t0.Add(31*time.Minute))
	if ran := n.all("scheduled dev"); len(ran) != 0 {
		t.Fatalf("disabled, it ran %q", ran)
	}
	if skipped := n.all("note schedule dev.quarterly/every: the date 2026-11-26T12:30:00Z skipped: the trigger is disabled by a Toggle task"); len(skipped) != 1 {
		t.Fatalf("notes %q", n.all("note"))
	}
	run("    namespace: dev\n    flowId: quarterly\n    trigger: every\n    enabled: true\n")
	if fl, _ := s.Flows(); fl[0].Triggers[0].Toggled || fl[0].Triggers[0].Disabled {
		t.Fatalf("flow list: %+v, want the trigger enabled", fl)
	}
	s.Tick(context.Background(), t0.Add(46*time.Minute))
	if ran := n.all("scheduled dev"); len(ran) != 1 || !strings.HasSuffix(ran[0], "12:45:00Z") {
		t.Fatalf("enabled again, it ran %q, want 12:45 only", ran)
	}
}

// A Flow trigger disabled by a Toggle does not fire.
func TestToggleDisablesAFlowTrigger(t *testing.T) {
	s, n := newService(t)
	apply(t, s, logFlow("dev", "listen", "triggers:\n  - id: on-fail\n    type: io.kestra.plugin.core.trigger.Flow\n"))
	x, err := s.Run(context.Background(), parse(t, toggleFlow("    namespace: dev\n    flowId: listen\n    trigger: on-fail\n")), RunOptions{})
	if err != nil || x.State.Current != "SUCCESS" {
		t.Fatalf("toggle: %v %v", x.State.Current, err)
	}
	s.Fire(context.Background(), x)
	if fired := n.all("fired"); len(fired) != 0 {
		t.Fatalf("fired %q although disabled", fired)
	}
}

// A Toggle of a flow that is not applied, or of a trigger it has not, fails saying so.
func TestToggleRefusals(t *testing.T) {
	s, _ := newService(t)
	apply(t, s, quarterly(""))
	for _, c := range []struct{ props, want string }{
		{"    trigger: every\n", `task "t": flowId: unable to find flow ops.toggler: Toggle changes the triggers of applied flows (apply it first: flowctl flow apply FILE)`},
		{"    namespace: elsewhere\n    trigger: every\n", `:6:16: task "t": namespace: unable to find flow elsewhere.toggler`},
		{"    namespace: dev\n    flowId: nope\n    trigger: every\n", `:7:13: task "t": flowId: unable to find flow dev.nope`},
		{"    namespace: dev\n    flowId: quarterly\n    trigger: daily\n", "unable to find trigger daily for the flow dev.quarterly (its triggers: [every])"},
	} {
		x, err := s.Run(context.Background(), parse(t, toggleFlow(c.props)), RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if x.State.Current != "FAILED" || !strings.Contains(x.TaskRunList[0].Error, c.want) {
			t.Errorf("%q: %s %q, want FAILED with %q", c.props, x.State.Current, x.TaskRunList[0].Error, c.want)
		}
	}
}
