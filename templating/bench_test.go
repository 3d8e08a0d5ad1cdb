package templating

import "testing"

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
