package runner

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

func TestPlanRendersWhatIsKnownAndMasksSecrets(t *testing.T) {
	src := `id: dry
namespace: dev
inputs:
  - id: who
    type: STRING
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "hi {{ inputs.who }} {{ secret('TOKEN') }}"
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a"]
    tasks:
      - id: say
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - echo {{ taskrun.value }} in {{ flow.namespace }}
finally:
  - id: bye
    type: io.kestra.plugin.core.log.Log
    disabled: true
    message: "{{ outputs.greet.value }}"
`
	f, err := flow.Parse("dry.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"SECRET_TOKEN=" + base64.StdEncoding.EncodeToString([]byte("s3cr3t-value"))}
	plan := Plan(f, PlanOptions{Inputs: map[string]any{"who": "ann"}, Environ: env})
	var got []string
	for _, pt := range plan {
		line := strings.Repeat(">", pt.Depth) + pt.Branch + " " + pt.ID
		if pt.Disabled {
			line += " (disabled)"
		}
		for _, pr := range pt.Props {
			line += " | " + pr.Name + "=" + pr.Value
			if pr.Pending != "" {
				line += " (pending)"
			}
		}
		got = append(got, line)
	}
	want := []string{
		"tasks greet | message=hi ann ******",
		"tasks each | values[0]=a",
		">tasks say | commands[0]=echo {{ taskrun.value }} in {{ flow.namespace }} (pending)",
		"finally bye (disabled) | message={{ outputs.greet.value }} (pending)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, pt := range plan {
		for _, pr := range pt.Props {
			if strings.Contains(pr.Value+pr.Pending, "s3cr3t-value") {
				t.Errorf("the secret is in the plan: %+v", pr)
			}
		}
	}
}

// TestPlanMasksSecretsWrittenInClear: a dry run prints every property, so the secrets a
// flow writes in clear (a password, a token in a URL, a webhook URL) are masked in it as
// they are in a run.
func TestPlanMasksSecretsWrittenInClear(t *testing.T) {
	src := `id: dry
namespace: dev
tasks:
  - id: clone
    type: io.kestra.plugin.git.Clone
    url: https://user:hunter2secret@example.com/repo.git
    username: bob
    password: s3cr3tpassw0rd
  - id: token
    type: io.kestra.plugin.git.Clone
    url: https://ghp_tokentoken123@github.com/x/y.git
  - id: get
    type: io.kestra.plugin.core.http.Request
    uri: https://example.com/x?token=tok123456
    options:
      basicAuthUser: a
      basicAuthPassword: pa55word99
  - id: notify
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: https://hooks.slack.com/services/T000/B000/XXXXXXXX
    payload: '{"text":"hi"}'
`
	f, err := flow.Parse("dry.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	var printed strings.Builder
	for _, pt := range Plan(f, PlanOptions{Environ: []string{}}) {
		for _, pr := range pt.Props {
			printed.WriteString(pt.ID + "." + pr.Name + "=" + pr.Value + "\n")
		}
	}
	for _, secret := range []string{"hunter2secret", "s3cr3tpassw0rd", "ghp_tokentoken123", "tok123456", "pa55word99", "hooks.slack.com/services"} {
		if strings.Contains(printed.String(), secret) {
			t.Errorf("the plan shows %q:\n%s", secret, printed.String())
		}
	}
	if !strings.Contains(printed.String(), "clone.url=https://user:******@example.com/repo.git") {
		t.Errorf("the plan should still show the URL around its password:\n%s", printed.String())
	}
}
