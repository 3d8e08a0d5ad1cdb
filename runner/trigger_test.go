package runner

import (
	"testing"

	"github.com/flowctl/flowctl/flow"
)

func TestTriggerFires(t *testing.T) {
	exec := func(ns, flow, state string) *Execution {
		return &Execution{Namespace: ns, FlowID: flow, State: State{Current: state}}
	}
	terminal := []string{StateSuccess, StateWarning, StateFailed, StateKilled}
	cases := []struct {
		name string
		trig flow.Trigger
		x    *Execution
		want bool
	}{
		{"status in", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Conditions: []*flow.Condition{
			{Type: flow.CondExecutionStatus, In: []string{StateFailed, StateWarning}}}}, exec("dev", "a", StateFailed), true},
		{"status in, success", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Conditions: []*flow.Condition{
			{Type: flow.CondExecutionStatus, In: []string{StateFailed, StateWarning}}}}, exec("dev", "a", StateSuccess), false},
		{"status notIn", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Conditions: []*flow.Condition{
			{Type: flow.CondExecutionStatus, NotIn: []string{StateSuccess}}}}, exec("dev", "a", StateKilled), true},
		{"states", flow.Trigger{Type: flow.TriggerFlow, States: []string{StateFailed}}, exec("dev", "a", StateWarning), false},
		{"disabled", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Disabled: true}, exec("dev", "a", StateFailed), false},
		{"schedule never fires on executions", flow.Trigger{Type: flow.TriggerSchedule, States: terminal}, exec("dev", "a", StateFailed), false},
		{"flow matches", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Conditions: []*flow.Condition{
			{Type: flow.CondExecutionFlow, Namespace: "dev", FlowID: "a"}}}, exec("dev", "a", StateSuccess), true},
		{"flow differs", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Conditions: []*flow.Condition{
			{Type: flow.CondExecutionFlow, Namespace: "dev", FlowID: "a"}}}, exec("dev", "b", StateSuccess), false},
		{"namespace equals", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Conditions: []*flow.Condition{
			{Type: flow.CondExecutionNS, Namespace: "dev", Comparison: "EQUALS"}}}, exec("dev.team", "a", StateSuccess), false},
		{"namespace prefix", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Conditions: []*flow.Condition{
			{Type: flow.CondExecutionNS, Namespace: "dev", Comparison: "PREFIX"}}}, exec("dev.team", "a", StateSuccess), true},
		{"namespace suffix", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Conditions: []*flow.Condition{
			{Type: flow.CondExecutionNS, Namespace: ".team", Comparison: "SUFFIX"}}}, exec("dev.team", "a", StateSuccess), true},
		{"all conditions must hold", flow.Trigger{Type: flow.TriggerFlow, States: terminal, Conditions: []*flow.Condition{
			{Type: flow.CondExecutionNS, Namespace: "dev", Comparison: "PREFIX"},
			{Type: flow.CondExecutionStatus, In: []string{StateFailed}}}}, exec("dev.team", "a", StateSuccess), false},
	}
	for _, c := range cases {
		if got := Fires(&c.trig, c.x); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
