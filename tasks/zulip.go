package tasks

import (
	"context"
	"encoding/json"
	"time"
)

// zulipIncomingWebhookDef is Kestra's ZulipIncomingWebhook.
var zulipIncomingWebhookDef = &Def{
	Type:    "io.kestra.plugin.notifications.zulip.ZulipIncomingWebhook",
	Aliases: []string{"io.kestra.plugin.zulip.ZulipIncomingWebhook"},
	Doc:     "Post a message to a Zulip incoming webhook integration (the Slack-compatible one takes {\"text\": ...}).",
	New:     func() Task { return &ZulipIncomingWebhook{} },
}

// zulipURLExample is the form of a Zulip webhook URL, for the message of a wrong one.
const zulipURLExample = "https://yourZulipDomain.zulipchat.com/api/v1/external/slack_incoming?api_key=...&stream=..."

// ZulipIncomingWebhook posts one payload to a Zulip incoming webhook.
type ZulipIncomingWebhook struct {
	URL     string       `flow:"url,required" doc:"the webhook URL with its api_key, rendered (usually {{ secret('ZULIP_WEBHOOK') }}); a secret, never printed whole"`
	Payload string       `flow:"payload" doc:"the message as the integration's JSON ({\"text\": \"...\"} for slack_incoming), rendered; it must be a JSON object once rendered, so write values into it with {{ value | toJson }}; required"`
	Options *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// Run renders the URL first, so it is masked before anything else could print it, and
// checks the payload before anything is sent.
func (t *ZulipIncomingWebhook) Run(ctx context.Context, tc *Context) (Result, error) {
	m, err := renderWebhookMessage(tc, t.URL, zulipURLExample, t.Options, t.Payload, `a Zulip message is {"text": "..."}`)
	if err != nil {
		return Result{}, err
	}
	return postZulip(ctx, tc, m.url, []byte(m.payload), m.opts)
}

// postZulip posts a message to a Zulip webhook, which answers {"result": "success", ...} or
// {"result": "error", "msg": "...", "code": "..."}.
func postZulip(ctx context.Context, tc *Context, url string, body []byte, opts chatOpts) (Result, error) {
	return postChat(ctx, tc, chatPost{service: "zulip", url: url, body: body, opts: opts, explain: zulipAnswer})
}

// zulipAnswer reads Zulip's error answer as "msg (code)"; anything else as answerWord does.
func zulipAnswer(body []byte) (word, detail string) {
	var v struct {
		Msg  string `json:"msg"`
		Code string `json:"code"`
	}
	if json.Unmarshal(body, &v) != nil || v.Msg == "" {
		return answerWord(body)
	}
	detail = v.Msg
	if v.Code != "" {
		detail += " (" + v.Code + ")"
	}
	return "", CutRunes(detail, 200)
}

// zulipExecutionDef is Kestra's ZulipExecution.
var zulipExecutionDef = &Def{
	Type:    "io.kestra.plugin.notifications.zulip.ZulipExecution",
	Aliases: []string{"io.kestra.plugin.zulip.ZulipExecution"},
	Doc:     "Post a summary of an execution to a Zulip incoming webhook, in Slack's format: its state, the task that failed, its duration, a link to it.",
	New:     func() Task { return &ZulipExecution{} },
	// Kestra's template properties: the message here is built, not templated.
	Unsupported: []string{"templateUri", "templateRenderMap"},
}

// ZulipExecution posts a summary of one execution as Kestra's zulip-template.peb lays it out
// (see zulipExecutionMessage), with the channel and the sender's look of ZulipTemplate.
type ZulipExecution struct {
	URL string `flow:"url,required" doc:"the webhook URL with its api_key, rendered (usually {{ secret('ZULIP_WEBHOOK') }}); a secret, never printed whole"`
	SummaryProperties
	CustomMessage string       `flow:"customMessage" doc:"a text shown first, in its own section, rendered"`
	CustomFields  StringMap    `flow:"customFields" doc:"more fields of the summary, keys and values rendered, shown after the others in the order they are written"`
	Channel       string       `flow:"channel" doc:"the channel to post to, rendered"`
	Username      string       `flow:"username" doc:"the name to post as, rendered"`
	IconURL       string       `flow:"iconUrl" doc:"the URL of the icon to post with, rendered"`
	IconEmoji     string       `flow:"iconEmoji" doc:"the emoji to post with (:warning:), rendered"`
	Payload       string       `flow:"payload" doc:"not sent: Kestra replaces it by the summary (a warning says so)"`
	Options       *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// Run renders the URL first, so it is masked before anything else could print it.
func (t *ZulipExecution) Run(ctx context.Context, tc *Context) (Result, error) {
	sum, err := startWebhookSummary(tc, t.URL, zulipURLExample, t.Options, t.Payload, t.SummaryProperties, "ZulipExecution")
	if err != nil {
		return Result{}, err
	}
	in, err := renderSummaryInput(tc, t.CustomMessage, t.CustomFields)
	if err != nil {
		return Result{}, err
	}
	msg := zulipExecutionMessage(sum.x, sum.link, in, chatNow(tc))
	if err := msg.renderSender(tc, t.Channel, t.Username, t.IconURL, t.IconEmoji); err != nil {
		return Result{}, err
	}
	return postZulip(ctx, tc, sum.url, slackJSON(msg), sum.opts)
}

// zulipExecutionMessage builds the message of Kestra's zulip-template.peb, Slack's format as
// Zulip's slack_incoming integration reads it: text and a section *<LINK|[ns] flow ➛ STATE>*
// then "> Succeeded after ..." or "> Failed on task `id` after ...", the customMessage's
// section before it, a Details button when there is a link; one attachment coloured
// good/warning/danger with the fields Namespace, Flow ID, Execution ID, Execution Status,
// Final task ID, then the custom fields; ts, the start in epoch seconds. Unlike
// SlackExecution's, no Start date, Duration nor error lines: Kestra's template has none.
func zulipExecutionMessage(x *ExecutionView, link string, in summaryInput, now time.Time) slackMsg {
	head := "*" + executionTitle(x) + "*"
	if link != "" {
		head = "*<" + link + "|" + executionTitle(x) + ">*"
	}
	main := head + "\n> " + executionOutcome(x, now)
	msg := slackMsg{Text: main}
	if in.customMessage != "" {
		msg.Blocks = append(msg.Blocks, slackMsgBlock{Type: "section", Text: &slackMsgText{Type: "mrkdwn", Text: in.customMessage}})
	}
	section := slackMsgBlock{Type: "section", Text: &slackMsgText{Type: "mrkdwn", Text: main}}
	if link != "" {
		section.Accessory = &slackMsgButton{Type: "button", Text: slackMsgText{Type: "plain_text", Text: "Details"}, URL: link}
	}
	msg.Blocks = append(msg.Blocks, section)
	att := slackMsgAttachment{Color: stateColor(x.State)}
	field := func(title, value string) {
		att.Fields = append(att.Fields, slackMsgField{Title: title, Value: value, Short: true})
	}
	field("Namespace", x.Namespace)
	field("Flow ID", x.FlowID)
	field("Execution ID", x.ID)
	field("Execution Status", x.State)
	field("Final task ID", finalTaskID(x))
	for _, k := range in.customFields.Keys {
		field(k, in.customFields.Values[k])
	}
	if !x.StartDate.IsZero() {
		att.TS = x.StartDate.Unix()
	}
	msg.Attachments = []slackMsgAttachment{att}
	return msg
}
