package service

import (
	"bytes"
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/templating"
)

// WebhookRequest is an HTTP request to a flow's webhook URL
// (/api/v1/executions/webhook/{namespace}/{flowId}/{key}), as the front end read it.
type WebhookRequest struct {
	Namespace, FlowID, Key string
	// Body is the request's body; empty is no body (trigger.body is null, as in Kestra).
	Body []byte
	// Headers and Parameters are the request's headers and query parameters, each name
	// with its values in order.
	Headers, Parameters map[string][]string
}

// WebhookOutcome is what a webhook request came to; the front end answers it as Kestra's
// ExecutionController does.
type WebhookOutcome int

const (
	// WebhookStarted: an execution was created (200 with its document).
	WebhookStarted WebhookOutcome = iota
	// WebhookFlowNotFound: no flow of that namespace and id is applied (404).
	WebhookFlowNotFound
	// WebhookKeyNotFound: the flow has no enabled Webhook trigger of that key (404).
	WebhookKeyNotFound
	// WebhookFlowDisabled: the flow is disabled (409 in Kestra, "Illegal state").
	WebhookFlowDisabled
	// WebhookFlowInvalid: the applied flow no longer loads (409).
	WebhookFlowInvalid
	// WebhookConditionsUnmet: a condition of the trigger does not hold (204, no body).
	WebhookConditionsUnmet
	// WebhookInputsInvalid: the trigger's inputs do not render, or a value does not fit
	// its input (422).
	WebhookInputsInvalid
	// WebhookNotStarted: the execution could not start, its record refused (500).
	WebhookNotStarted
)

// WebhookResult is the outcome of a webhook request.
type WebhookResult struct {
	Outcome WebhookOutcome
	// Message says why the request was refused, as Kestra's message says it.
	Message string
	// Execution is the document of the execution created (WebhookStarted), as it was
	// created: CREATED, before its first task.
	Execution json.RawMessage
	// ExecutionID is the id of the execution created.
	ExecutionID string
}

// WebhookHooks are how a webhook's execution speaks: Sink gives the sink it logs to,
// Ended hears it end, and Done is called once its goroutine is over (the Flow triggers it
// fired run too), however it ended: it may not have started at all. Ended and Done are
// called from the execution's goroutine; Done only when Webhook went as far as starting it.
type WebhookHooks struct {
	Sink  func(f *flow.Flow, t *flow.Trigger) runner.Sink
	Ended func(f *flow.Flow, t *flow.Trigger, x *runner.Execution)
	Done  func()
}

// Webhook starts the applied flow a webhook request names, as Kestra's webhook endpoint
// does: the flow must be applied and enabled, one of its enabled Webhook triggers must
// have the request's key (rendered, trimmed), and its conditions must hold for the
// request. The execution then runs on its own goroutine, under ctx (the server's life:
// when it ends, the execution is killed and recorded KILLED), admitted to the flow's
// concurrency slots and recorded as `run` records it, then the Flow triggers its end
// fires run; Webhook returns once it is created. Wait waits for the executions started.
func (s *Service) Webhook(ctx context.Context, req WebhookRequest, hooks WebhookHooks) WebhookResult {
	rec, ok, err := s.Store.Flow(req.Namespace, req.FlowID)
	switch {
	case err != nil:
		return WebhookResult{Outcome: WebhookNotStarted, Message: err.Error()}
	case !ok:
		return WebhookResult{Outcome: WebhookFlowNotFound, Message: "Flow not found"}
	case rec.Disabled:
		return WebhookResult{Outcome: WebhookFlowDisabled, Message: "Cannot execute a disabled flow"}
	}
	f, err := flow.Parse(fmt.Sprintf("%s.%s (applied revision %d)", rec.Namespace, rec.ID, rec.Revision), rec.Source, s.Registry)
	if err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		return WebhookResult{Outcome: WebhookFlowInvalid, Message: "Cannot execute an invalid flow: " + first}
	}
	if f.Disabled {
		return WebhookResult{Outcome: WebhookFlowDisabled, Message: "Cannot execute a disabled flow"}
	}
	t := s.webhookTrigger(f, rec.Revision, req.Key)
	if t == nil {
		return WebhookResult{Outcome: WebhookKeyNotFound, Message: "Webhook not found"}
	}
	vars := WebhookVariables(req)
	holds, err := t.RequestHolds(s.requestRenderer(f, rec.Revision, vars))
	if err != nil {
		s.warnf("webhook %s.%s/%s: the request starts nothing: %v", f.Namespace, f.ID, t.ID, err)
	}
	if !holds {
		return WebhookResult{Outcome: WebhookConditionsUnmet}
	}
	name := fmt.Sprintf("webhook %s.%s/%s", f.Namespace, f.ID, t.ID)
	// The trigger's inputs (Kestra 0.22+) are rendered with the request; the flow's
	// defaults give the others, and a required input given by neither is said, as for a
	// Flow trigger.
	given, err := s.renderTriggerInputs(t.Inputs, s.requestVars(f, rec.Revision, vars))
	if err != nil {
		return WebhookResult{Outcome: WebhookInputsInvalid, Message: fmt.Sprintf("Unable to render the inputs: %v", err)}
	}
	inputs, secrets, missing, err := flow.ParseTriggerInputs(f, given, s.inputsKV())
	if err != nil {
		return WebhookResult{Outcome: WebhookInputsInvalid, Message: err.Error()}
	}
	for _, in := range missing {
		s.warnf("%s: input %q is required but the trigger does not give it: the execution starts without it", name, in)
	}
	type start struct {
		doc json.RawMessage
		id  string
		err error
	}
	started := make(chan start, 1)
	o := RunOptions{
		Inputs:   inputs,
		Secrets:  secrets,
		Trigger:  &runner.ExecTrigger{ID: t.ID, Type: t.Type, Variables: vars},
		Revision: rec.Revision,
		created: func(x *runner.Execution) {
			r, err := runner.Record(x)
			started <- start{doc: r.Doc, id: x.ID, err: err}
		},
	}
	if hooks.Sink != nil {
		o.Sink = hooks.Sink(f, t)
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		if hooks.Done != nil {
			defer hooks.Done()
		}
		x, err := s.Run(ctx, f, o)
		if err != nil {
			select {
			case started <- start{err: err}:
			default: // the request has its answer: say it here
				s.warnf("%s: %v", name, err)
			}
			return
		}
		if hooks.Ended != nil {
			hooks.Ended(f, t, x)
		}
		if x.State.Current == runner.StateKilled && ctx.Err() != nil {
			return // stopped: an interrupted execution fires nothing
		}
		s.Fire(ctx, x)
	}()
	st := <-started
	if st.err != nil {
		return WebhookResult{Outcome: WebhookNotStarted, Message: fmt.Sprintf("%s: %v", name, st.err)}
	}
	return WebhookResult{Outcome: WebhookStarted, Execution: st.doc, ExecutionID: st.id}
}

// webhookTrigger returns the first enabled Webhook trigger of f whose key, rendered and
// trimmed as Kestra renders it, is key; nil when none is. A key that does not render is
// said and skipped, as Kestra skips it, without the request's key.
func (s *Service) webhookTrigger(f *flow.Flow, revision int, key string) *flow.Trigger {
	var toggles map[string]state.Toggle // read once a Webhook trigger is found
	for _, t := range f.Triggers {
		tmpl, ok := t.WebhookKey()
		if !ok || t.Disabled {
			continue
		}
		if toggles == nil {
			toggles = s.toggles()
		}
		if toggledOff(toggles, f, t) {
			// A Toggle task disabled it, as it disables Flow and Schedule triggers.
			continue
		}
		want, err := s.renderWith(tmpl, map[string]any{"flow": flowVars(f, revision)})
		if err != nil {
			msg := err.Error()
			var te *templating.Error
			if errors.As(err, &te) {
				msg = te.Msg // its line and column are the template's; the file position says more
			}
			p := t.WebhookKeyPos()
			s.warnf("%s:%d:%d: trigger %q: key: does not render, the trigger is skipped: %s (give the secret or variable the key uses, then send the request again)", f.File, p.Line, p.Col, t.ID, msg)
			continue
		}
		// Compared in constant time: the key is the webhook's only secret.
		if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(want)), []byte(key)) == 1 {
			return t
		}
	}
	return nil
}

// requestRenderer renders a condition's template with what Kestra's condition context
// holds: flow.*, trigger.* (the request), labels.*, envs.* and secrets.
func (s *Service) requestRenderer(f *flow.Flow, revision int, trigger map[string]any) func(string) (string, error) {
	vars := s.requestVars(f, revision, trigger)
	return func(tmpl string) (string, error) { return s.renderWith(tmpl, vars) }
}

// requestVars are the variables a request's conditions and inputs are rendered with:
// flow.*, trigger.* and labels.* (envs.* and secrets come with the rendering).
func (s *Service) requestVars(f *flow.Flow, revision int, trigger map[string]any) map[string]any {
	labels := map[string]any{}
	for _, l := range f.Labels {
		labels[l.Key] = l.Value
	}
	return map[string]any{"flow": flowVars(f, revision), "trigger": trigger, "labels": labels}
}

// renderWith renders tmpl with vars, envs.*, secrets and the KV store.
func (s *Service) renderWith(tmpl string, vars map[string]any) (string, error) {
	t, err := templating.Parse(tmpl)
	if err != nil {
		return "", err
	}
	all := map[string]any{"envs": templating.EnvVars(s.environ())}
	for k, v := range vars {
		all[k] = v
	}
	return t.Render(&templating.Env{Vars: all, Secret: templating.EnvSecrets(s.lookupEnv()), KV: runner.KVLookup(runner.KV(s.Store))})
}

// flowVars are the flow.* variables of f at revision.
func flowVars(f *flow.Flow, revision int) map[string]any {
	return map[string]any{"id": f.ID, "namespace": f.Namespace, "revision": cmp.Or(revision, 1)}
}

// WebhookVariables are the trigger.* variables of a webhook request, as Kestra's Webhook
// trigger makes them: body (a JSON object or array read as such, any other body as its
// text, null when there is none), headers and parameters (each name with its list of
// values).
func WebhookVariables(req WebhookRequest) map[string]any {
	return map[string]any{
		"body":       webhookBody(req.Body),
		"headers":    valueLists(req.Headers),
		"parameters": valueLists(req.Parameters),
	}
}

// webhookBody reads a body as Kestra's Webhook.evaluate: a JSON object, else a JSON array,
// else the text (a JSON string or number stays text). As Jackson, what follows the first
// JSON value is not read.
func webhookBody(body []byte) any {
	if len(body) == 0 {
		return nil
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if v, err := templating.DecodeJSON(dec, nil); err == nil {
			return v
		}
	}
	if utf8.Valid(body) {
		return string(body)
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}

// valueLists turns name → values into what templates read: lists of strings.
func valueLists(m map[string][]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, vs := range m {
		l := make([]any, len(vs))
		for i, v := range vs {
			l[i] = v
		}
		out[k] = l
	}
	return out
}
