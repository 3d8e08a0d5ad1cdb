package flow

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/tasks"
)

func TestLoadFlowOutputs(t *testing.T) {
	f := mustParse(t, `id: f
namespace: dev
tasks:
  - {id: t, type: io.kestra.plugin.core.log.Log, message: hi}
outputs:
  - id: key
    type: string
    value: "{{ outputs.t }}"
    description: the key
    displayName: Key
  - id: list
    type: ARRAY
    value: ["{{ flow.id }}", 2]
`)
	want := []*Output{
		{ID: "key", Type: "STRING", Value: "{{ outputs.t }}", Description: "the key", DisplayName: "Key", Pos: Pos{6, 5}},
		{ID: "list", Type: "ARRAY", Value: []any{"{{ flow.id }}", 2}, Pos: Pos{11, 5}},
	}
	if !reflect.DeepEqual(f.Outputs, want) {
		t.Errorf("got %+v\nwant %+v", f.Outputs, want)
	}
}

func TestLoadFlowOutputsProblems(t *testing.T) {
	got := parseProblems(t, `id: f
namespace: dev
tasks:
  - {id: t, type: io.kestra.plugin.core.log.Log, message: hi}
outputs:
  - id: a
    type: STRING
    value: x
  - id: a
    type: INTEGER
    value: "{{ x | nofilter }}"
  - type: SECRET
    value:
    extra: 1
  - id: b
    type: ENUM
`)
	want := []string{
		`flow.yml:9:9: output "a": duplicate output id "a" (first defined at line 6)`,
		`flow.yml:10:11: output "a": unknown output type "INTEGER": use one of STRING, INT, FLOAT, BOOLEAN, DATETIME, DATE, TIME, DURATION, JSON, YAML, URI, EMAIL, ARRAY, FILE`,
		`flow.yml:12:5: outputs[2]: missing required property "id"`,
		`flow.yml:12:11: outputs[2]: output type "SECRET" is not supported by flowctl yet`,
		`flow.yml:14:5: outputs[2]: unknown property "extra"`,
		`flow.yml:15:5: output "b": missing required property "value"`,
		`flow.yml:16:11: output "b": output type "ENUM" is not supported by flowctl yet`,
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %s\ngot:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if !slices.ContainsFunc(got, func(s string) bool {
		return strings.Contains(s, `value: invalid expression`) && strings.Contains(s, "nofilter")
	}) {
		t.Errorf("template syntax not checked:\n%s", strings.Join(got, "\n"))
	}
	if !slices.ContainsFunc(got, func(s string) bool {
		return strings.HasPrefix(s, "flow.yml:13:") && strings.Contains(s, "value: a value is required")
	}) {
		t.Errorf("null value not reported:\n%s", strings.Join(got, "\n"))
	}
}

func TestTypedOutput(t *testing.T) {
	cases := []struct {
		typ     string
		in      any
		want    any
		wantErr string
	}{
		{InputString, "x", "x", ""},
		{InputString, map[string]any{"a": 1}, map[string]any{"a": 1}, ""},
		{InputInt, "42", int64(42), ""},
		{InputInt, 7, int64(7), ""},
		{InputInt, "4.2", nil, `"4.2" is not a valid INT`},
		{InputFloat, "1.5", 1.5, ""},
		{InputBoolean, "true", true, ""},
		{InputDateTime, "2026-01-02T03:04:05+01:00", "2026-01-02T02:04:05Z", ""},
		{InputDuration, "PT5M", "PT5M", ""},
		{InputJSON, `{"a": [1, "b"]}`, map[string]any{"a": []any{int64(1), "b"}}, ""},
		{InputJSON, []any{1}, []any{1}, ""},
		{OutputArray, `["a", 2]`, []any{"a", int64(2)}, ""},
		{OutputArray, []any{"a"}, []any{"a"}, ""},
		{OutputArray, `{"a": 1}`, nil, `expected a list, got "{\"a\": 1}"`},
		{InputInt, []any{1}, nil, "expected a value of type INT, got a list"},
	}
	for _, c := range cases {
		got, err := TypedOutput(&Output{ID: "o", Type: c.typ}, c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s %v: error: got %v, want %q", c.typ, c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(plain(got), c.want) {
			t.Errorf("%s %v: got %#v, %v, want %#v", c.typ, c.in, got, err, c.want)
		}
	}
}

func TestLoadRefusesAFlowThatCallsItself(t *testing.T) {
	r := testRegistry()
	d, _ := tasks.Builtin().Lookup("io.kestra.plugin.core.flow.Subflow")
	r.Add(d)
	src := `id: recursive-flow
namespace: io.kestra.tests
tasks:
  - id: self
    type: io.kestra.core.tasks.flows.Flow
    namespace: io.kestra.tests
    flowId: recursive-flow
  - id: dynamic
    type: io.kestra.plugin.core.flow.Subflow
    namespace: io.kestra.tests
    flowId: "{{ flow.id }}"
`
	_, err := Parse("flow.yml", []byte(src), r)
	want := `flow.yml:4:5: task "self": Recursive call to flow [io.kestra.tests.recursive-flow]`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
