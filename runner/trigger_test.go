package runner

import "testing"

func TestTriggerFires(t *testing.T) {
	exec := func(ns, flow, state string) *Execution {
		return &Execution{Namespace: ns, FlowID: flow, State: State{Current: state}}
	}
	terminal := []string{StateSuccess, StateWarning, StateFailed, StateKilled}
	cases := []struct {
		name string
		trig Trigger
		x    *Execution
		want bool
	}{
		{"status in", Trigger{Type: TriggerFlow, States: terminal, Conditions: []*Condition{
			{Type: CondExecutionStatus, In: []string{StateFailed, StateWarning}}}}, exec("dev", "a", StateFailed), true},
		{"status in, success", Trigger{Type: TriggerFlow, States: terminal, Conditions: []*Condition{
			{Type: CondExecutionStatus, In: []string{StateFailed, StateWarning}}}}, exec("dev", "a", StateSuccess), false},
		{"status notIn", Trigger{Type: TriggerFlow, States: terminal, Conditions: []*Condition{
			{Type: CondExecutionStatus, NotIn: []string{StateSuccess}}}}, exec("dev", "a", StateKilled), true},
		{"states", Trigger{Type: TriggerFlow, States: []string{StateFailed}}, exec("dev", "a", StateWarning), false},
		{"disabled", Trigger{Type: TriggerFlow, States: terminal, Disabled: true}, exec("dev", "a", StateFailed), false},
		{"schedule never fires on executions", Trigger{Type: TriggerSchedule, States: terminal}, exec("dev", "a", StateFailed), false},
		{"flow matches", Trigger{Type: TriggerFlow, States: terminal, Conditions: []*Condition{
			{Type: CondExecutionFlow, Namespace: "dev", FlowID: "a"}}}, exec("dev", "a", StateSuccess), true},
		{"flow differs", Trigger{Type: TriggerFlow, States: terminal, Conditions: []*Condition{
			{Type: CondExecutionFlow, Namespace: "dev", FlowID: "a"}}}, exec("dev", "b", StateSuccess), false},
		{"namespace equals", Trigger{Type: TriggerFlow, States: terminal, Conditions: []*Condition{
			{Type: CondExecutionNS, Namespace: "dev", Comparison: "EQUALS"}}}, exec("dev.team", "a", StateSuccess), false},
		{"namespace prefix", Trigger{Type: TriggerFlow, States: terminal, Conditions: []*Condition{
			{Type: CondExecutionNS, Namespace: "dev", Comparison: "PREFIX"}}}, exec("dev.team", "a", StateSuccess), true},
		{"namespace suffix", Trigger{Type: TriggerFlow, States: terminal, Conditions: []*Condition{
			{Type: CondExecutionNS, Namespace: ".team", Comparison: "SUFFIX"}}}, exec("dev.team", "a", StateSuccess), true},
		{"all conditions must hold", Trigger{Type: TriggerFlow, States: terminal, Conditions: []*Condition{
			{Type: CondExecutionNS, Namespace: "dev", Comparison: "PREFIX"},
			{Type: CondExecutionStatus, In: []string{StateFailed}}}}, exec("dev.team", "a", StateSuccess), false},
	}
	for _, c := range cases {
		if got := c.trig.Fires(c.x); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
