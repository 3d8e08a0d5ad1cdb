package flow

import (
	"strings"
	"testing"

	"github.com/flowctl/flowctl/tasks"
)

func TestRefProblemsNameWhatATemplateReadsAndTheFlowLacks(t *testing.T) {
	src := `id: refs
namespace: dev
inputs:
  - id: version
    type: STRING
variables:
  greeting: hi
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.verison }} {{ vars.greting }} {{ outptus.a.exitCode }}"
  - id: b
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.nosuchtask.x }} {{ outputs.c.value }} {{ outputs.b.x }} {{ flow.nmespace }}"
  - id: c
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.a }} {{ inputs.x | default('d') }} {{ taskrun.value ?? '' }} {% for i in [1] %}{{ i }}{% endfor %}"
  - id: loop
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }} {{ parent.taskrun.value }} {{ outputs.c.value }} {{ outputs.inner2 }}"
      - id: inner2
        type: io.kestra.plugin.core.log.Log
        message: "{{ outputs.inner }}"
errors:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.loop }} {{ outputs.b }}"
`
	f, err := Parse("refs.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatalf("Parse: %v (a flow whose templates read missing names still loads)", err)
	}
	var got []string
	for _, p := range f.RefProblems {
		got = append(got, p.Error())
	}
	want := []string{
		`refs.yml:11:15: task "a": message: inputs.verison: the flow has no input "verison" (did you mean "version"?)`,
		`refs.yml:11:36: task "a": message: vars.greting: the flow has no variable "greting" (did you mean "greeting"?)`,
		`refs.yml:11:55: task "a": message: unknown variable "outptus" (did you mean "outputs"?)`,
		`refs.yml:14:15: task "b": message: outputs.nosuchtask: the flow has no task "nosuchtask" (its tasks: a, alert, b, c, inner, inner2, loop)`,
		`refs.yml:14:42: task "b": message: outputs.c: task "c" runs after task "b", so its outputs do not exist yet`,
		`refs.yml:14:64: task "b": message: outputs.b: a task cannot read its own outputs: they exist once it has ended`,
		`refs.yml:14:82: task "b": message: flow.nmespace: flow has no "nmespace" (did you mean "namespace"?)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if re := f.RefError(); re == nil || !strings.Contains(re.Explain(), "  11 |") {
		t.Errorf("RefError: got %v, want the problems with their source lines", re)
	}
}
