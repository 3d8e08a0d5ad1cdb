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
