package tasks

import "errors"

// SummaryProperties are the properties every execution summary task (Slack, Teams, Google
// Chat, Zulip, Discord, Telegram, mail) shares, embedded where each wrote its own so that
// the order of its properties is unchanged.
type SummaryProperties struct {
	ExecutionID string `flow:"executionId" doc:"the execution to summarise, rendered (default {{ execution.id }}, the running one; {{ trigger.executionId }} in a flow started by a Flow trigger)"`
}

// execution finds the execution to summarise; task names the type in its errors.
func (p SummaryProperties) execution(tc *Context, task string) (*ExecutionView, error) {
	return summarisedExecution(tc, p.ExecutionID, task)
}

// webhookSummary is what every summary task posting to a webhook has in hand before it
// builds its own message: the URL and options rendered, the execution found and its link.
type webhookSummary struct {
	url  string
	opts chatOpts
	x    *ExecutionView
	link string
}

// startWebhookSummary takes the steps the webhook summary tasks share, in Kestra's order:
// the URL first, so it is masked before anything else could print it, then the options, a
// warning when a payload is given that the summary replaces (replaced is "" for a task that
// sends its payload), then the execution p names (task names the type in its errors).
func startWebhookSummary(tc *Context, urlTmpl, example string, o *ChatOptions, replaced string, p SummaryProperties, task string) (webhookSummary, error) {
	var s webhookSummary
	var err error
	if s.url, err = renderServiceURL(tc, urlTmpl, example); err != nil {
		return s, err
	}
	if s.opts, err = renderChatOptions(tc, o); err != nil {
		return s, err
	}
	warnPayloadReplaced(tc, replaced)
	if s.x, err = p.execution(tc, task); err != nil {
		return s, err
	}
	s.link = executionLink(tc.Environ, s.x)
	return s, nil
}

// renderSummaryInput renders customMessage and customFields, in that order.
func renderSummaryInput(tc *Context, msg string, fields StringMap) (summaryInput, error) {
	var in summaryInput
	var err error
	if in.customMessage, err = tc.render("customMessage", msg); err != nil {
		return in, err
	}
	in.customFields, err = tc.renderStringMap("customFields", fields)
	return in, err
}

// warnPayloadReplaced says that the payload of a summary task is not what is sent: Kestra's
// Teams, Zulip and Telegram summaries replace it, silently.
func warnPayloadReplaced(tc *Context, payload string) {
	if payload != "" {
		tc.Log.Warnf("payload is not sent: this task sends its summary of the execution in its place, as Kestra's does")
	}
}

// renderUnshown renders customMessage and customFields, which Kestra renders (so a mistake in
// them fails the task) though its Teams and Discord templates show neither.
func renderUnshown(tc *Context, msg string, fields StringMap) error {
	_, err := renderSummaryInput(tc, msg, fields)
	return err
}

// webhookMessage is what an incoming webhook task posts: the URL and options rendered, and
// the payload as rendered.
type webhookMessage struct {
	url     string
	opts    chatOpts
	payload string
}

// renderWebhookMessage takes the steps the incoming webhook tasks of Teams, Google Chat,
// Zulip and Discord share: the URL first, so it is masked before anything else could print
// it, then the options, then the payload, required, rendered and checked to be a JSON
// object before anything is sent (shape says what the service's message looks like).
func renderWebhookMessage(tc *Context, urlTmpl, example string, o *ChatOptions, payload, shape string) (webhookMessage, error) {
	var m webhookMessage
	var err error
	if m.url, err = renderServiceURL(tc, urlTmpl, example); err != nil {
		return m, err
	}
	if m.opts, err = renderChatOptions(tc, o); err != nil {
		return m, err
	}
	if payload == "" {
		return m, &PropError{Prop: "payload", Err: errors.New("is required: the message to post")}
	}
	if m.payload, err = tc.render("payload", payload); err != nil {
		return m, err
	}
	if err := checkJSONObject(m.payload, shape); err != nil {
		return m, &PropError{Prop: "payload", Err: err}
	}
	return m, nil
}
