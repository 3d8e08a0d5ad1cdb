package flow

import (
	"strings"
	"testing"

	"github.com/flowctl/flowctl/tasks"
)

// TestLoadChecksLiteralValues: a value written without a template that a run would refuse
// (a port that is not a number, an unknown charset, a label without a key) is said when
// the flow loads, at its place; the same property holding a template is left to the run.
func TestLoadChecksLiteralValues(t *testing.T) {
	src := `id: f
namespace: dev
tasks:
  - id: mail
    type: io.kestra.plugin.email.MailSend
    host: localhost
    port: "abc"
  - id: csv
    type: io.kestra.plugin.serdes.csv.CsvToIon
    from: "{{ inputs.file }}"
    charset: NOPE-8
  - id: json
    type: io.kestra.plugin.serdes.json.IonToJson
    from: "{{ inputs.file }}"
    charset: "{{ vars.cs }}"
  - id: tag
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: ok
        value: yes
      - key: ""
        value: x
  - id: tagmap
    type: io.kestra.plugin.core.execution.Labels
    labels:
      "": x
  - id: fine
    type: io.kestra.plugin.email.MailSend
    host: localhost
    port: "{{ vars.port }}"
`
	_, err := Parse("flow.yml", []byte(src), tasks.Builtin())
	if err == nil {
		t.Fatal("loaded, want the literal values refused")
	}
	got := err.Error()
	for _, want := range []string{
		`flow.yml:7:11: task "mail": port: "abc" is not an integer`,
		`flow.yml:11:14: task "csv": charset: "NOPE-8": not a charset flowctl knows`,
		`flow.yml:21:14: task "tag": labels[1].key: empty`,
		`flow.yml:26:7: task "tagmap": labels: a label has an empty key`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors:\n%s\nwant one with %q", got, want)
		}
	}
	for _, not := range []string{`"json"`, `"fine"`} {
		if strings.Contains(got, not) {
			t.Errorf("errors:\n%s\nwant none for task %s, whose value is a template", got, not)
		}
	}
}
