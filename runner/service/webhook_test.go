package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// ended keeps the executions webhooks started, once they end.
type ended struct {
	mu sync.Mutex
	xs map[string]*runner.Execution
}

func (e *ended) hooks() WebhookHooks {
	return WebhookHooks{Ended: func(_ *flow.Flow, _ *flow.Trigger, x *runner.Execution) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.xs == nil {
			e.xs = map[string]*runner.Execution{}
		}
		e.xs[x.ID] = x
	}}
}

// webhook sends req, waits for the execution it started to end and returns the result and
// the execution (nil when none started).
func webhook(t *testing.T, s *Service, req WebhookRequest) (WebhookResult, *runner.Execution) {
	t.Helper()
	e := &ended{}
	res := s.Webhook(context.Background(), req, e.hooks())
	s.Wait()
	if res.Outcome != WebhookStarted {
		return res, nil
	}
	x := e.xs[res.ExecutionID]
	if x == nil {
		t.Fatalf("execution %s started but never ended", res.ExecutionID)
	}
	return res, x
}

// TestWebhookKestra is Kestra's ExecutionControllerTest.webhook: the body read as a JSON
// object, a JSON array or text, null for a GET; query parameters as lists; the flow's
// labels on the execution; the Return task sees the whole trigger.
func TestWebhookKestra(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "webhook.yaml")
	req := func(body string, params map[string][]string) WebhookRequest {
		return WebhookRequest{Namespace: "io.kestra.tests", FlowID: "webhook", Key: "a-secret-key", Body: []byte(body), Parameters: params,
			Headers: map[string][]string{"Content-Type": {"application/json"}}}
	}

	res, x := webhook(t, s, req(`{"a":1,"b":true}`, map[string][]string{"name": {"john"}, "age": {"12", "13"}}))
	if res.Outcome != WebhookStarted || x.State.Current != runner.StateSuccess {
		t.Fatalf("got %+v, want an execution that ends SUCCESS", res)
	}
	var doc struct {
		State   struct{ Current string }
		Labels  map[string]string
		Trigger struct {
			ID, Type  string
			Variables struct {
				Body       map[string]any
				Parameters map[string][]string
			}
		}
	}
	if err := json.Unmarshal(res.Execution, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.State.Current != runner.StateCreated {
		t.Errorf("answered with the execution %s, want it as created", doc.State.Current)
	}
	if doc.Trigger.Variables.Body["a"] != 1.0 || doc.Trigger.Variables.Body["b"] != true {
		t.Errorf("trigger.body: got %v, want {a: 1, b: true}", doc.Trigger.Variables.Body)
	}
	if p := doc.Trigger.Variables.Parameters; !reflect.DeepEqual(p["name"], []string{"john"}) || !reflect.DeepEqual(p["age"], []string{"12", "13"}) {
		t.Errorf("trigger.parameters: got %v", p)
	}
	if doc.Labels["flow-label-1"] != "flow-label-1" || doc.Labels["flow-label-2"] != "flow-label-2" {
		t.Errorf("labels: got %v, want the flow's", doc.Labels)
	}
	if doc.Trigger.ID != "webhook" || doc.Trigger.Type != flow.TriggerWebhook {
		t.Errorf("trigger: got %s %s", doc.Trigger.ID, doc.Trigger.Type)
	}
	if got := recorded(t, s, x.ID); got != runner.StateSuccess {
		t.Errorf("recorded %s, want SUCCESS", got)
	}
	if out := x.TaskRunList[0].Outputs["value"]; !strings.Contains(out.(string), `"body":{"a":1,"b":true}`) {
		t.Errorf("the Return task's {{ trigger | json }}: got %v", out)
	}

	for _, c := range []struct {
		name, body string
		want       any
	}{
		{"a JSON array", `[{"a":1,"b":true}]`, []any{map[string]any{"a": 1.0, "b": true}}},
		{"text", "bla", "bla"},
		{"no body (GET)", "", nil},
		{"escaped JSON is text", `{\"a\":\"\",\"b\":{\"c\":{\"d\":{\"e\":\"\",\"f\":\"1\"}}}}`, `{\"a\":\"\",\"b\":{\"c\":{\"d\":{\"e\":\"\",\"f\":\"1\"}}}}`},
		{"a JSON string is text", `"quoted"`, `"quoted"`},
	} {
		res, _ := webhook(t, s, req(c.body, nil))
		var doc struct {
			Trigger struct{ Variables struct{ Body any } }
		}
		if err := json.Unmarshal(res.Execution, &doc); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !reflect.DeepEqual(doc.Trigger.Variables.Body, c.want) {
			t.Errorf("%s: trigger.body %#v, want %#v", c.name, doc.Trigger.Variables.Body, c.want)
		}
	}
}

// TestWebhookRefusals: Kestra's webhookFlowNotFound, and a key, a flow or a trigger that
// does not take the request.
func TestWebhookRefusals(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "webhook.yaml")
	apply(t, s, logFlow("dev", "off", "disabled: true\ntriggers:\n  - id: w\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: kkkk\n"))
	apply(t, s, logFlow("dev", "toff", "triggers:\n  - id: w\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: kkkk\n    disabled: true\n"))
	// A trigger a Toggle task disabled answers as one disabled in its flow.
	apply(t, s, logFlow("dev", "toggled", "triggers:\n  - id: w\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: kkkk\n"))
	if err := s.Store.SetToggle(state.Toggle{Namespace: "dev", FlowID: "toggled", TriggerID: "w", Disabled: true}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ns, id, key string
		want        WebhookOutcome
		msg         string
	}{
		{"not-found", "webhook", "not-found", WebhookFlowNotFound, "Flow not found"},
		{"io.kestra.tests", "webhook", "a-secret-key-", WebhookKeyNotFound, "Webhook not found"},
		{"io.kestra.tests", "webhook", "", WebhookKeyNotFound, "Webhook not found"},
		{"dev", "off", "kkkk", WebhookFlowDisabled, "Cannot execute a disabled flow"},
		{"dev", "toff", "kkkk", WebhookKeyNotFound, "Webhook not found"},
		{"dev", "toggled", "kkkk", WebhookKeyNotFound, "Webhook not found"},
	} {
		res, _ := webhook(t, s, WebhookRequest{Namespace: c.ns, FlowID: c.id, Key: c.key})
		if res.Outcome != c.want || res.Message != c.msg {
			t.Errorf("%s.%s/%s: got %v %q, want %v %q", c.ns, c.id, c.key, res.Outcome, res.Message, c.want, c.msg)
		}
	}
	recs, err := s.Store.Executions(state.ListFilter{})
	if err != nil || len(recs) != 0 {
		t.Errorf("recorded %d executions, want none: %v", len(recs), err)
	}
}

// TestWebhookRenderedKeys is Kestra's webhookDynamicKey and webhookDynamicKeyFromASecret:
// the key is rendered with flow.* and secret().
func TestWebhookRenderedKeys(t *testing.T) {
	s, n := newService(t)
	s.Environ = []string{"SECRET_WEBHOOK_KEY=" + base64.StdEncoding.EncodeToString([]byte("secretKey"))}
	applyKestra(t, s, "webhook-dynamic-key.yaml")
	applyKestra(t, s, "webhook-secret-key.yaml")
	for id, key := range map[string]string{"webhook-dynamic-key": "webhook-dynamic-key", "webhook-secret-key": "secretKey"} {
		res, x := webhook(t, s, WebhookRequest{Namespace: "io.kestra.tests", FlowID: id, Key: key})
		if res.Outcome != WebhookStarted || x.State.Current != runner.StateSuccess {
			t.Errorf("%s: got %+v, want an execution ending SUCCESS", id, res)
		}
	}
	// Without the secret the key does not render: the trigger is skipped, and said so
	// without the key the request gave.
	s.Environ = []string{}
	res, _ := webhook(t, s, WebhookRequest{Namespace: "io.kestra.tests", FlowID: "webhook-secret-key", Key: "guess-1234"})
	if res.Outcome != WebhookKeyNotFound {
		t.Errorf("without the secret: got %+v, want Webhook not found", res)
	}
	notes := strings.Join(n.all("note"), "\n")
	want := `io.kestra.tests.webhook-secret-key (applied revision 1):13:10: trigger "webhook": key: does not render`
	if !strings.Contains(notes, want) || strings.Contains(notes, "line 1, col") || strings.Contains(notes, "guess-1234") {
		t.Errorf("notes %q: want %q, at the key's place in the flow, never the request's key", notes, want)
	}
}

// TestWebhookConditions is Kestra's webhookWithCondition: a condition that does not hold
// starts nothing (204).
func TestWebhookConditions(t *testing.T) {
	s, _ := newService(t)
	applyKestra(t, s, "webhook-with-condition.yaml")
	req := WebhookRequest{Namespace: "io.kestra.tests", FlowID: "webhook-with-condition", Key: "webhookKey"}
	req.Body = []byte(`{"hello":"world"}`)
	if res, x := webhook(t, s, req); res.Outcome != WebhookStarted || x.State.Current != runner.StateSuccess {
		t.Errorf("hello world: got %+v, want an execution", res)
	}
	req.Body = []byte(`{"hello":"webhook"}`)
	if res, _ := webhook(t, s, req); res.Outcome != WebhookConditionsUnmet {
		t.Errorf("hello webhook: got %+v, want the conditions unmet (204)", res)
	}
	req.Body = []byte(`text`) // trigger.body.hello does not exist: Kestra's condition fails, nothing starts
	if res, _ := webhook(t, s, req); res.Outcome != WebhookConditionsUnmet {
		t.Errorf("a text body: got %+v, want the conditions unmet (204)", res)
	}
}

// TestWebhookConcurrencyAndFlowTriggers: the flow's concurrency limit holds for webhook
// executions, and their end fires Flow triggers.
func TestWebhookConcurrencyAndFlowTriggers(t *testing.T) {
	s, n := newService(t)
	apply(t, s, logFlow("dev", "hook", "concurrency:\n  limit: 1\n  behavior: CANCEL\ntriggers:\n  - id: w\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: kkkk\n"))
	apply(t, s, logFlow("dev", "after", onFlow("dev", "hook")))
	req := WebhookRequest{Namespace: "dev", FlowID: "hook", Key: "kkkk"}
	if res, x := webhook(t, s, req); res.Outcome != WebhookStarted || x.State.Current != runner.StateSuccess {
		t.Fatalf("got %+v, want an execution", res)
	}
	if got := n.all("ended"); len(got) != 1 || got[0] != "ended dev.after SUCCESS" {
		t.Errorf("Flow triggers: %q, want dev.after run once", got)
	}
	holdSlot(t, s, "dev", "hook")
	if res, x := webhook(t, s, req); res.Outcome != WebhookStarted || x.State.Current != runner.StateCancelled {
		t.Errorf("with the slot held: got %+v, %v; want an execution CANCELLED", res, x)
	}
}

// BenchmarkWebhook measures one webhook request through to its recorded end: the applied
// flow read and parsed, its key rendered, a one-Log execution run and recorded.
func BenchmarkWebhook(b *testing.B) {
	store, err := state.Open(b.TempDir()+"/state.db", state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	s := &Service{Store: store, Registry: tasks.Builtin(), Notify: &notes{}, Environ: []string{}}
	f, err := flow.Parse("hook.yml", []byte(logFlow("dev", "hook", "triggers:\n  - id: w\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: \"{{ flow.id }}-k3y\"\n")), tasks.Builtin())
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := s.Apply(f, t0); err != nil {
		b.Fatal(err)
	}
	req := WebhookRequest{Namespace: "dev", FlowID: "hook", Key: "hook-k3y", Body: []byte(`{"a":1,"b":[true,null]}`)}
	b.ReportAllocs()
	for b.Loop() {
		if res := s.Webhook(context.Background(), req, WebhookHooks{}); res.Outcome != WebhookStarted {
			b.Fatalf("got %+v", res)
		}
		s.Wait()
	}
}

// TestWebhookInputs: the trigger's inputs are rendered with the request and typed as the
// flow's; one that does not render or fit is refused (422) and starts nothing.
func TestWebhookInputs(t *testing.T) {
	s, _ := newService(t)
	apply(t, s, `id: hook
namespace: dev
inputs:
  - id: user
    type: STRING
  - id: n
    type: INT
  - id: greeting
    type: STRING
    defaults: hello
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.greeting }} {{ inputs.user }} x{{ inputs.n + 1 }}"
triggers:
  - id: w
    type: io.kestra.plugin.core.trigger.Webhook
    key: kkkk
    inputs:
      user: "{{ trigger.body.user }}"
      n: "{{ trigger.parameters.n[0] }}"
`)
	req := WebhookRequest{Namespace: "dev", FlowID: "hook", Key: "kkkk", Body: []byte(`{"user":"ann"}`), Parameters: map[string][]string{"n": {"41"}}}
	res, x := webhook(t, s, req)
	if res.Outcome != WebhookStarted || x.State.Current != runner.StateSuccess {
		t.Fatalf("got %+v, want an execution ending SUCCESS", res)
	}
	if got := x.TaskRunList[0].Logs[0].Message; got != "hello ann x42" {
		t.Errorf("logged %q, want the inputs typed (n an INT) with the default", got)
	}
	req.Parameters = map[string][]string{"n": {"many"}}
	if res, _ := webhook(t, s, req); res.Outcome != WebhookInputsInvalid || !strings.Contains(res.Message, `"n"`) {
		t.Errorf("n=many: got %+v, want the inputs refused naming n", res)
	}
	req.Body = []byte(`{"name":"ann"}`)
	req.Parameters = map[string][]string{"n": {"1"}}
	if res, _ := webhook(t, s, req); res.Outcome != WebhookInputsInvalid || !strings.HasPrefix(res.Message, "Unable to render the inputs: user:") {
		t.Errorf("no body.user: got %+v, want the inputs refused", res)
	}
	recs, err := s.Store.Executions(state.ListFilter{})
	if err != nil || len(recs) != 1 {
		t.Errorf("recorded %d executions, want only the first: %v", len(recs), err)
	}
}
