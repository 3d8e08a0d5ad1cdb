package flow

import (
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

const webhookTriggerDoc = "Start the flow from an HTTP request to /api/v1/executions/webhook/{namespace}/{flowId}/{key} (flowctl webhook serve)."

// maxWebhookKeyLen is Kestra's bound on a webhook key (@Size(max = 256)), on the key as
// written in the flow.
const maxWebhookKeyLen = 256

// WebhookTrigger is Kestra's Webhook trigger: an HTTP request to the flow's webhook URL
// whose last segment is Key starts the flow, with the request's body, headers and query
// parameters as trigger.body, trigger.headers and trigger.parameters, when every
// condition holds for them.
type WebhookTrigger struct {
	// Key is rendered (flow.*, secret(), envs.*) when a request comes, then trimmed, as
	// Kestra renders it: "{{ secret('WEBHOOK_KEY') }}" keeps the key out of the flow.
	Key string `flow:"key,required" doc:"The secret last segment of the webhook URL (rendered: {{ secret('WEBHOOK_KEY') }} keeps it out of the flow). At most 256 characters."`
	// Inputs are Kestra 0.22's: rendered with the request's trigger.* when it comes.
	Inputs Inputs `flow:"inputs" doc:"The inputs of the execution the trigger starts, rendered with {{ trigger.body }}, {{ trigger.headers }}, {{ trigger.parameters }}."`
	// InputsPos holds the position of each key of Inputs.
	InputsPos map[string]Pos
	// KeyPos is where Key is written, so a key that does not render when a request comes
	// is said at its place in the file.
	KeyPos Pos
}

// takes: a Webhook trigger's conditions test the request (Expression).
func (*WebhookTrigger) takes(c ConditionType) bool {
	_, ok := c.(RequestCondition)
	return ok
}

// finish checks the key: a template must parse, and the key as written holds at most 256
// characters, as Kestra requires.
func (t *WebhookTrigger) finish(f *finishing) {
	t.InputsPos = inputsPos(f.seen["inputs"])
	n := f.seen["key"]
	if n == nil || resolve(n).Kind != yaml.ScalarNode {
		return
	}
	t.KeyPos = posOf(resolve(n))
	if c := utf8.RuneCountInString(t.Key); c > maxWebhookKeyLen {
		f.l.errorf(n, "%skey: %d characters, Kestra takes at most %d", f.ctx, c, maxWebhookKeyLen)
	}
	if strings.TrimSpace(t.Key) == "" {
		f.l.errorf(n, "%skey: empty: no request could reach the webhook; use a long random string, or {{ secret('WEBHOOK_KEY') }}", f.ctx)
		return
	}
	f.l.checkTemplate(n, t.Key, f.ctx+"key: ")
}

// WebhookKey returns the key of the Webhook trigger t as written in the flow (a template
// to render with RenderWebhookKey); ok is false when t is not a Webhook trigger.
func (t *Trigger) WebhookKey() (key string, ok bool) {
	w, ok := t.spec().(*WebhookTrigger)
	if !ok || w == nil {
		return "", false
	}
	return w.Key, true
}

// WebhookKeyPos returns where the key of the Webhook trigger t is written; the zero Pos
// when t is not a Webhook trigger.
func (t *Trigger) WebhookKeyPos() Pos {
	if w, ok := t.spec().(*WebhookTrigger); ok && w != nil {
		return w.KeyPos
	}
	return Pos{}
}

// RequestHolds reports whether every condition of t holds for a request, render being the
// renderer of the request's variables (trigger.body...). The error is a condition that
// could not be evaluated; without conditions, t holds.
func (t *Trigger) RequestHolds(render func(tmpl string) (string, error)) (bool, error) {
	for i, c := range t.Conditions {
		spec, ok := c.spec().(RequestCondition)
		if !ok {
			return false, nil
		}
		holds, err := spec.HoldsWith(render)
		if err != nil {
			return false, conditionErr(i, c, err)
		}
		if !holds {
			return false, nil
		}
	}
	return true, nil
}
