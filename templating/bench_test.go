package templating

import (
	"errors"
	"testing"
)

// slackPayload is a realistic Slack message body with four tags, as a flow's notify task
// would carry it.
const slackPayload = `{
  "channel": "#alerts",
  "username": "flowctl",
  "icon_emoji": ":rotating_light:",
  "text": "Flow {{ flow.namespace }}.{{ flow.id }} ended {{ trigger.state | lower }}",
  "blocks": [
    {"type": "header", "text": {"type": "plain_text", "text": "Execution failed"}},
    {"type": "section", "fields": [
      {"type": "mrkdwn", "text": "*Namespace*\ndev"},
      {"type": "mrkdwn", "text": "*Execution*\n<https://kestra.example.com/ui/executions/{{ execution.id }}|open>"}
    ]},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "sent by flowctl"}]}
  ]
}`

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(slackPayload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	tpl, err := Parse(slackPayload)
	if err != nil {
		b.Fatal(err)
	}
	env := testEnv()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderFanOut renders the fan-out, render() ten calls a level nine levels
// deep, until the default budget stops it: how long a runaway template can hold a task.
func BenchmarkRenderFanOut(b *testing.B) {
	tpl, err := Parse("{{ render(vars.a9) }}")
	if err != nil {
		b.Fatal(err)
	}
	env := testEnv()
	for b.Loop() {
		var be *BudgetError
		if _, err := tpl.Render(env); !errors.As(err, &be) {
			b.Fatalf("got %v, want the budget exceeded", err)
		}
	}
}
