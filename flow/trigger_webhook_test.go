package flow

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/tasks"
)

const webhookFlowHead = `id: hook
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.body }}"
triggers:
`

func TestWebhookTriggerLoads(t *testing.T) {
	f, err := Parse("hook.yml", []byte(webhookFlowHead+`  - id: gh
    type: io.kestra.core.models.triggers.types.Webhook
    key: "{{ secret('WEBHOOK_KEY') }}"
    conditions:
      - type: io.kestra.core.models.conditions.types.VariableCondition
        expression: "{{ trigger.body.hello == 'world' }}"
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	tr := f.Triggers[0]
	if tr.Type != TriggerWebhook {
		t.Errorf("type: got %s, want %s (the alias resolved)", tr.Type, TriggerWebhook)
	}
	key, ok := tr.WebhookKey()
	if !ok || key != "{{ secret('WEBHOOK_KEY') }}" {
		t.Errorf("WebhookKey: got %q, %v; want the template as written", key, ok)
	}
	if len(tr.Conditions) != 1 || tr.Conditions[0].Type != CondExpression {
		t.Fatalf("conditions: got %+v, want one Expression", tr.Conditions)
	}
	if tr.Inputs != nil {
		t.Errorf("inputs: got %v, want none", tr.Inputs)
	}
	if _, ok := (&Trigger{Type: TriggerFlow}).WebhookKey(); ok {
		t.Error("a Flow trigger has a webhook key")
	}
}

// TestRequestHolds reads an Expression's result as Kestra's Expression.test: empty, blank
// or "false" (blanks around it ignored) does not hold; anything else does, "0" included.
func TestRequestHolds(t *testing.T) {
	tr := &Trigger{Type: TriggerWebhook, Conditions: []*Condition{{Type: CondExpression, Props: &Expression{Expression: "x"}}}}
	for rendered, want := range map[string]bool{"true": true, "0": true, "yes": true, " false ": false, "false": false, "": false, "  \n": false, "False": true} {
		got, err := tr.RequestHolds(func(string) (string, error) { return rendered, nil })
		if err != nil || got != want {
			t.Errorf("expression rendered %q: got %v, %v; want %v", rendered, got, err, want)
		}
	}
	boom := errors.New("Unable to find `nope`")
	got, err := tr.RequestHolds(func(string) (string, error) { return "", boom })
	if got || !errors.Is(err, boom) || !strings.Contains(err.Error(), "conditions[0]: Expression") {
		t.Errorf("a render error: got %v, %v; want false and the error naming the condition", got, err)
	}
	if got, err := (&Trigger{Type: TriggerWebhook}).RequestHolds(nil); !got || err != nil {
		t.Errorf("no conditions: got %v, %v; want true", got, err)
	}
}

func TestWebhookTriggerErrors(t *testing.T) {
	for name, tc := range map[string]struct{ trigger, want string }{
		"no key": {`  - id: w
    type: io.kestra.plugin.core.trigger.Webhook
`, `hook.yml:8:5: trigger "w": missing required property "key"`},
		"long key": {`  - id: w
    type: io.kestra.plugin.core.trigger.Webhook
    key: ` + strings.Repeat("k", 257) + "\n", `hook.yml:10:10: trigger "w": key: 257 characters, Kestra takes at most 256`},
		"empty key": {`  - id: w
    type: io.kestra.plugin.core.trigger.Webhook
    key: " "
`, `trigger "w": key: empty`},
		"bad template": {`  - id: w
    type: io.kestra.plugin.core.trigger.Webhook
    key: "{{ flow.id "
`, `hook.yml:10:`},
		"an Execution condition": {`  - id: w
    type: io.kestra.plugin.core.trigger.Webhook
    key: k
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [FAILED]
`, `ExecutionStatus is an Execution condition: it belongs to Flow triggers, not to Webhook triggers`},
		"an Expression in a Flow trigger": {`  - id: f
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: "{{ true }}"
`, `Expression is a request condition: it belongs to Webhook triggers, not to Flow triggers`},
		"wait": {`  - id: w
    type: io.kestra.plugin.core.trigger.Webhook
    key: k
    wait: true
`, `flowctl does not support "wait" yet`},
		"an input the flow lacks": {`  - id: w
    type: io.kestra.plugin.core.trigger.Webhook
    key: k
    inputs: {a: "{{ trigger.body.a }}"}
`, `hook.yml:11:14: trigger "w": inputs: "a" is not an input of the flow`},
		"empty expression": {`  - id: w
    type: io.kestra.plugin.core.trigger.Webhook
    key: k
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: ""
`, `expression: empty`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("hook.yml", []byte(webhookFlowHead+tc.trigger), tasks.Builtin())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error holding %q", err, tc.want)
			}
		})
	}
}
