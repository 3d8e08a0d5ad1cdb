package templating

import (
	"errors"
	"fmt"
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

// slackLoopPayload is a 40-line Slack message whose fields come from a {% for %} over the
// items of a list: issue 13's measure, a hundred items rendered under 100 µs.
const slackLoopPayload = `{
  "channel": "#alerts",
  "username": "flowctl",
  "icon_emoji": ":rotating_light:",
  "text": "Flow {{ flow.namespace }}.{{ flow.id }} ended {{ trigger.state | lower }}",
  "blocks": [
    {
      "type": "header",
      "text": {"type": "plain_text", "text": "Execution failed"}
    },
    {
      "type": "section",
      "fields": [
        {"type": "mrkdwn", "text": "*Namespace*\n{{ flow.namespace }}"},
        {"type": "mrkdwn", "text": "*Execution*\n<https://kestra.example.com/ui/executions/{{ execution.id }}|open>"}
      ]
    },
    {
      "type": "section",
      "fields": [
        {%- for row in rows %}
        {
          "type": "mrkdwn",
          "text": "*{{ row.name | upper }}* {{ row.state }} in {{ row.ms }} ms"
        }{% if not loop.last %},{% endif %}
        {%- endfor %}
      ]
    },
    {
      "type": "context",
      "elements": [
        {"type": "mrkdwn", "text": "sent by flowctl"},
        {"type": "mrkdwn", "text": "{{ rows | length }} task runs"}
      ]
    }
  ]
}`

func BenchmarkRenderLoop(b *testing.B) {
	tpl, err := Parse(slackLoopPayload)
	if err != nil {
		b.Fatal(err)
	}
	env := testEnv()
	rows := make([]any, 100)
	for i := range rows {
		rows[i] = map[string]any{"name": fmt.Sprintf("task-%d", i), "state": "SUCCESS", "ms": int64(i * 7)}
	}
	env.Vars["rows"] = rows
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(env); err != nil {
			b.Fatal(err)
		}
	}
}
