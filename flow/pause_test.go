package flow

import (
	"strings"
	"testing"

	"github.com/flowctl/flowctl/tasks"
)

func TestLoadRefusesASelfCallNestedInFlowables(t *testing.T) {
	src := `id: recursive-flow
namespace: io.kestra.tests
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: if
        type: io.kestra.plugin.core.flow.If
        condition: "true"
        then:
          - id: deep
            type: io.kestra.plugin.core.flow.Subflow
            namespace: io.kestra.tests
            flowId: recursive-flow
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT1S
    tasks:
      - id: under-pause
        type: io.kestra.plugin.core.flow.Subflow
        namespace: io.kestra.tests
        flowId: recursive-flow
`
	_, err := Parse("flow.yml", []byte(src), tasks.Builtin())
	for _, want := range []string{
		`flow.yml:11:13: task "deep": Recursive call to flow [io.kestra.tests.recursive-flow]`,
		`flow.yml:19:9: task "under-pause": Recursive call to flow [io.kestra.tests.recursive-flow]`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %s", err, want)
		}
	}
}

func TestOnResumeKeptAsTextAndCheckedOnResume(t *testing.T) {
	src := `id: f
namespace: dev
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - &ok
        id: approved
        type: BOOLEAN
      - id: reason
        type: STRING
        required: false
`
	f, err := Parse("flow.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	spec := f.Tasks[0]
	if len(spec.OnResume) != 2 || spec.OnResume[0].Type != "BOOLEAN" {
		t.Fatalf("OnResume = %+v", spec.OnResume)
	}
	defs, err := ParseOnResume(spec.OnResumeSrc)
	if err != nil || len(defs) != 2 {
		t.Fatalf("ParseOnResume(%q) = %v, %v", spec.OnResumeSrc, defs, err)
	}
	got, err := ResumeValues("wait", defs, map[string]string{"approved": "true"})
	if err != nil || got["approved"] != true || len(got) != 1 {
		t.Errorf("ResumeValues = %v, %v; want approved=true alone", got, err)
	}
	if _, err := ResumeValues("wait", defs, map[string]string{"approved": "maybe"}); err == nil ||
		!strings.Contains(err.Error(), `task "wait": onResume: input "approved": "maybe" is not a valid BOOLEAN`) {
		t.Errorf("bad value: got %v", err)
	}
	if _, err := ResumeValues("wait", defs, nil); err == nil || !strings.Contains(err.Error(), "approved") {
		t.Errorf("missing required value: got %v", err)
	}
	if _, err := ResumeValues("wait", nil, map[string]string{"x": "1"}); err == nil ||
		err.Error() != `task "wait" declares no onResume inputs: resume it without -i` {
		t.Errorf("values without onResume: got %v", err)
	}
	if _, err := Parse("flow.yml", []byte(strings.Replace(src, "type: BOOLEAN", "type: BOOLEEN", 1)), tasks.Builtin()); err == nil ||
		!strings.Contains(err.Error(), `flow.yml:9:15: input "approved": unknown input type "BOOLEEN"`) {
		t.Errorf("bad onResume definition: got %v", err)
	}
}
