package tasks

import (
	"context"
	"time"
)

// teamsIncomingWebhookDef is Kestra's TeamsIncomingWebhook.
var teamsIncomingWebhookDef = &Def{
	Type:    "io.kestra.plugin.notifications.teams.TeamsIncomingWebhook",
	Aliases: []string{"io.kestra.plugin.microsoft365.teams.TeamsIncomingWebhook"},
	Doc:     "Post a message to a Microsoft Teams incoming webhook (a Workflows or a connector URL): a JSON payload, a MessageCard or an Adaptive Card message.",
	New:     func() Task { return &TeamsIncomingWebhook{} },
}

// teamsURLExample is the form of a Teams webhook URL, for the message of a wrong one.
const teamsURLExample = "https://xxx.webhook.office.com/webhookb2/..."

// TeamsIncomingWebhook posts one payload to a Microsoft Teams incoming webhook.
type TeamsIncomingWebhook struct {
	URL     string       `flow:"url,required" doc:"the webhook URL, rendered (usually {{ secret('TEAMS_WEBHOOK') }}); a secret, never printed whole"`
	Payload string       `flow:"payload" doc:"the message as Teams' JSON (a MessageCard, or {\"type\": \"message\", \"attachments\": [...]} holding an Adaptive Card), rendered; it must be a JSON object once rendered, so write values into it with {{ value | toJson }}; required"`
	Options *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// Run renders the URL first, so it is masked before anything else could print it, and
// checks the payload before anything is sent.
func (t *TeamsIncomingWebhook) Run(ctx context.Context, tc *Context) (Result, error) {
	m, err := renderWebhookMessage(tc, t.URL, teamsURLExample, t.Options, t.Payload,
		`a Teams message is {"type": "message", "attachments": [...]} or a MessageCard`)
	if err != nil {
		return Result{}, err
	}
	// Sent as rendered, as Kestra sends it.
	return postTeams(ctx, tc, m.url, []byte(m.payload), m.opts)
}

// postTeams posts a message to a Teams webhook. Teams answers 200 "1" (a connector) or 202
// (a Workflows webhook), and a sentence when it refuses a message.
func postTeams(ctx context.Context, tc *Context, url string, body []byte, opts chatOpts) (Result, error) {
	return postChat(ctx, tc, chatPost{service: "teams", url: url, body: body, opts: opts})
}

// teamsExecutionDef is Kestra's TeamsExecution.
var teamsExecutionDef = &Def{
	Type:    "io.kestra.plugin.notifications.teams.TeamsExecution",
	Aliases: []string{"io.kestra.plugin.microsoft365.teams.TeamsExecution"},
	Doc:     "Post a summary of an execution to a Microsoft Teams incoming webhook, as a MessageCard: its state, the task that failed, its duration, a link to it.",
	New:     func() Task { return &TeamsExecution{} },
	// Kestra's template properties: the message here is built, not templated.
	Unsupported: []string{"templateUri", "templateRenderMap"},
}

// TeamsExecution posts a summary of one execution as Kestra's teams-template.peb lays it out
// (see teamsExecutionMessage).
type TeamsExecution struct {
	URL     string `flow:"url,required" doc:"the webhook URL, rendered (usually {{ secret('TEAMS_WEBHOOK') }}); a secret, never printed whole"`
	Payload string `flow:"payload" doc:"not sent: Kestra replaces it by the summary (a warning says so)"`
	SummaryProperties
	ThemeColor       string       `flow:"themeColor" doc:"the card's colour, hexadecimal RGB, rendered (default 0076D7)"`
	ActivityTitle    string       `flow:"activityTitle" doc:"the title of the card's section, rendered"`
	ActivitySubtitle string       `flow:"activitySubtitle" doc:"the subtitle of the card's section, rendered"`
	CustomMessage    string       `flow:"customMessage" doc:"rendered, but not shown: Kestra's Teams card has no place for it"`
	CustomFields     StringMap    `flow:"customFields" doc:"rendered, but not shown: Kestra's Teams card has no place for them"`
	Options          *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// The MessageCard of a summary; field order is the template's.
type (
	teamsCard struct {
		Type       string         `json:"@type"`
		Context    string         `json:"@context"`
		ThemeColor string         `json:"themeColor"`
		Summary    string         `json:"summary"`
		Sections   []teamsSection `json:"sections"`
	}
	teamsSection struct {
		ActivityTitle    *string     `json:"activityTitle,omitempty"`
		ActivitySubtitle *string     `json:"activitySubtitle,omitempty"`
		Facts            []teamsFact `json:"facts"`
		Markdown         bool        `json:"markdown"`
	}
	teamsFact struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
)

// Run renders the URL first, so it is masked before anything else could print it.
func (t *TeamsExecution) Run(ctx context.Context, tc *Context) (Result, error) {
	sum, err := startWebhookSummary(tc, t.URL, teamsURLExample, t.Options, t.Payload, t.SummaryProperties, "TeamsExecution")
	if err != nil {
		return Result{}, err
	}
	if err := renderUnshown(tc, t.CustomMessage, t.CustomFields); err != nil {
		return Result{}, err
	}
	colour := "0076D7"
	if t.ThemeColor != "" {
		if colour, err = tc.render("themeColor", t.ThemeColor); err != nil {
			return Result{}, err
		}
	}
	card := teamsExecutionMessage(sum.x, sum.link, colour, chatNow(tc))
	sec := &card.Sections[0]
	for _, p := range []struct {
		prop, tmpl string
		dst        **string
	}{
		{"activityTitle", t.ActivityTitle, &sec.ActivityTitle},
		{"activitySubtitle", t.ActivitySubtitle, &sec.ActivitySubtitle},
	} {
		if p.tmpl == "" {
			continue
		}
		s, err := tc.render(p.prop, p.tmpl)
		if err != nil {
			return Result{}, err
		}
		*p.dst = &s
	}
	return postTeams(ctx, tc, sum.url, slackJSON(card), sum.opts)
}

// teamsExecutionMessage builds the card of Kestra's teams-template.peb: the summary
// *<LINK|[NAMESPACE] FLOW ➛ STATE>* (Slack's markup, as Kestra writes it), then "> Succeeded
// after ..." or "> Failed on task `id` after ..."; one section with the facts Namespace, Flow
// ID, Execution ID, Execution Status and Final task ID.
func teamsExecutionMessage(x *ExecutionView, link, colour string, now time.Time) teamsCard {
	head := "*" + executionTitle(x) + "*"
	if link != "" {
		head = "*<" + link + "|" + executionTitle(x) + ">*"
	}
	return teamsCard{
		Type:       "MessageCard",
		Context:    "http://schema.org/extensions",
		ThemeColor: colour,
		Summary:    head + "\n> " + executionOutcome(x, now),
		Sections: []teamsSection{{
			Facts: []teamsFact{
				{"Namespace", x.Namespace},
				{"Flow ID", x.FlowID},
				{"Execution ID", x.ID},
				{"Execution Status", x.State},
				{"Final task ID", finalTaskID(x)},
			},
			Markdown: true,
		}},
	}
}
