package tasks

import (
	"context"
	"encoding/json"
	"time"
)

// googleChatIncomingWebhookDef is Kestra's GoogleChatIncomingWebhook.
var googleChatIncomingWebhookDef = &Def{
	Type:    "io.kestra.plugin.notifications.google.GoogleChatIncomingWebhook",
	Aliases: []string{"io.kestra.plugin.googleworkspace.chat.GoogleChatIncomingWebhook"},
	Doc:     "Post a message to a Google Chat incoming webhook: a JSON payload ({\"text\": ...}, or cards).",
	New:     func() Task { return &GoogleChatIncomingWebhook{} },
}

// googleChatURLExample is the form of a Google Chat webhook URL, for the message of a wrong one.
const googleChatURLExample = "https://chat.googleapis.com/v1/spaces/.../messages?key=...&token=..."

// GoogleChatIncomingWebhook posts one payload to a Google Chat space's webhook.
type GoogleChatIncomingWebhook struct {
	URL     string       `flow:"url,required" doc:"the webhook URL, rendered (usually {{ secret('GOOGLE_WEBHOOK') }}); a secret, never printed whole"`
	Payload string       `flow:"payload" doc:"the message as Google Chat's JSON ({\"text\": \"...\"}, or cardsV2), rendered; it must be a JSON object once rendered, so write values into it with {{ value | toJson }}; required"`
	Options *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// Run renders the URL first, so it is masked before anything else could print it, and
// checks the payload before anything is sent.
func (t *GoogleChatIncomingWebhook) Run(ctx context.Context, tc *Context) (Result, error) {
	m, err := renderWebhookMessage(tc, t.URL, googleChatURLExample, t.Options, t.Payload, `a Google Chat message is {"text": "..."}`)
	if err != nil {
		return Result{}, err
	}
	// Sent as rendered, as Kestra sends it.
	return postGoogleChat(ctx, tc, m.url, []byte(m.payload), m.opts)
}

// postGoogleChat posts a message to a Google Chat webhook, which answers 200 with the message
// it made, or a Google API error.
func postGoogleChat(ctx context.Context, tc *Context, url string, body []byte, opts chatOpts) (Result, error) {
	return postChat(ctx, tc, chatPost{service: "google chat", url: url, body: body, opts: opts, explain: googleAnswer})
}

// googleAnswer reads a Google API error, {"error": {"code": 400, "message": "...", "status":
// "INVALID_ARGUMENT"}}, as "INVALID_ARGUMENT: message"; anything else as answerWord reads it.
func googleAnswer(body []byte) (word, detail string) {
	var v struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil || v.Error.Message == "" {
		return answerWord(body)
	}
	detail = v.Error.Message
	if v.Error.Status != "" {
		detail = v.Error.Status + ": " + detail
	}
	return "", CutRunes(detail, 200)
}

// googleChatExecutionDef is Kestra's GoogleChatExecution.
var googleChatExecutionDef = &Def{
	Type:    "io.kestra.plugin.notifications.google.GoogleChatExecution",
	Aliases: []string{"io.kestra.plugin.googleworkspace.chat.GoogleChatExecution"},
	Doc:     "Post a summary of an execution to a Google Chat incoming webhook: its state, the task that failed, its duration, a link to it.",
	New:     func() Task { return &GoogleChatExecution{} },
	// Kestra's template properties: the message here is built, not templated.
	Unsupported: []string{"templateUri", "templateRenderMap"},
}

// GoogleChatExecution posts a summary of one execution as Kestra's google-chat-template.peb
// words it, or the text given in its place.
type GoogleChatExecution struct {
	URL string `flow:"url,required" doc:"the webhook URL, rendered (usually {{ secret('GOOGLE_WEBHOOK') }}); a secret, never printed whole"`
	SummaryProperties
	Text          string       `flow:"text" doc:"a text sent in place of the summary, rendered (as Kestra does)"`
	Payload       string       `flow:"payload" doc:"not sent: Kestra replaces it by the summary (a warning says so)"`
	CustomMessage string       `flow:"customMessage" doc:"rendered, but not shown: Kestra's Google Chat message has no place for it"`
	CustomFields  StringMap    `flow:"customFields" doc:"rendered, but not shown: Kestra's Google Chat message has no place for them"`
	Options       *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// Run renders the URL first, so it is masked before anything else could print it.
func (t *GoogleChatExecution) Run(ctx context.Context, tc *Context) (Result, error) {
	sum, err := startWebhookSummary(tc, t.URL, googleChatURLExample, t.Options, t.Payload, t.SummaryProperties, "GoogleChatExecution")
	if err != nil {
		return Result{}, err
	}
	if err := renderUnshown(tc, t.CustomMessage, t.CustomFields); err != nil {
		return Result{}, err
	}
	text := googleChatExecutionText(sum.x, sum.link, chatNow(tc))
	if t.Text != "" {
		if text, err = tc.render("text", t.Text); err != nil {
			return Result{}, err
		}
	}
	return postGoogleChat(ctx, tc, sum.url, slackJSON(map[string]string{"text": text}), sum.opts)
}

// googleChatExecutionText is the text of Kestra's google-chat-template.peb: "Kestra Google
// notification: Namespace ns, Flow ID f, Execution ID id, Execution Status S, Final task ID t.
// *<LINK|[ns] f ➛ S>*\n> Failed on task `x` after HH:mm:ss.SSS".
func googleChatExecutionText(x *ExecutionView, link string, now time.Time) string {
	head := "*" + executionTitle(x) + "*"
	if link != "" {
		head = "*<" + link + "|" + executionTitle(x) + ">*"
	}
	return "Kestra Google notification: Namespace " + x.Namespace + ", Flow ID " + x.FlowID +
		", Execution ID " + x.ID + ", Execution Status " + x.State + ", Final task ID " + finalTaskID(x) +
		". " + head + "\n> " + executionOutcome(x, now)
}
