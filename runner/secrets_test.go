package runner

import (
	"context"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// A webhook URL written in clear in the flow is masked from the start: a task before the
// Slack task that prints it leaves it neither in its log nor in the document.
func TestSecretsWrittenInClearAreMaskedFromTheStart(t *testing.T) {
	src := `id: clear
namespace: dev
tasks:
  - id: leak
    type: io.kestra.plugin.core.log.Log
    message: "posting to https://hooks.slack.com/services/T0/B0/clearsecret0123 and token tok-9876-clear"
  - id: notify
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: https://hooks.slack.com/services/T0/B0/clearsecret0123
    runIf: "false"
    payload: '{"text": "hi"}'
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: http://127.0.0.1:1/
    runIf: "false"
    headers:
      Authorization: Bearer tok-9876-clear
`
	f, err := flow.Parse("clear.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x, err := Run(context.Background(), f, Options{Environ: []string{}, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range x.TaskRunList[0].Logs {
		if strings.Contains(l.Message, "clearsecret0123") || strings.Contains(l.Message, "tok-9876-clear") {
			t.Errorf("log line carries a secret written in clear in the flow: %q", l.Message)
		}
	}
	if len(x.TaskRunList[0].Logs) == 0 {
		t.Fatal("the Log task logged nothing")
	}
}
