package flow

import (
	"reflect"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/templating"
)

// kindsFlow declares one input of each type Kestra added after the first ones, with the
// constraints each type takes.
const kindsFlow = `id: kinds
namespace: dev
inputs:
  - id: size
    type: SELECT
    values: [S, M, L]
    defaults: M
  - id: free
    type: SELECT
    values: [a, b]
    allowCustomValue: true
    required: false
  - id: tags
    type: MULTISELECT
    values: [red, green, blue]
    defaults: [red]
  - id: ports
    type: ARRAY
    itemType: INT
    required: false
  - id: days
    type: ARRAY
    itemType: DATE
    required: false
  - id: day
    type: DATE
    after: 2026-01-01
    before: 2026-12-31
    required: false
  - id: at
    type: TIME
    after: "08:00:00"
    before: "18:00"
    required: false
  - id: when
    type: DATETIME
    after: 2026-01-01T00:00:00Z
    required: false
  - id: site
    type: URI
    required: false
  - id: conf
    type: YAML
    required: false
  - id: mail
    type: EMAIL
    required: false
  - id: code
    type: STRING
    validator: A\d+
    required: false
  - id: count
    type: INT
    min: 10
    max: 20
    required: false
  - id: ratio
    type: FLOAT
    min: 0.1
    max: 0.5
    required: false
  - id: wait
    type: DURATION
    min: PT10S
    max: PT1M
    required: false
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: hi
`

func TestParseInputsNewTypes(t *testing.T) {
	f := mustParse(t, kindsFlow)
	cases := []struct {
		id, given string
		want      any
	}{
		{"size", "L", "L"},
		{"free", "zzz", "zzz"},
		{"tags", `["green","blue"]`, []any{"green", "blue"}},
		{"tags", `[]`, []any{}},
		{"ports", `[80, "443"]`, []any{int64(80), int64(443)}},
		{"days", `["2026-03-01"]`, []any{"2026-03-01"}},
		{"day", "2026-06-15", "2026-06-15"},
		{"day", "2026-01-01", "2026-01-01"},
		{"at", "12:30", "12:30"},
		{"at", "08:00:00.500", "08:00:00.500"},
		{"at", "17:59:59", "17:59:59"},
		{"when", "2026-02-01T10:00:00+01:00", "2026-02-01T09:00:00Z"},
		{"site", "https://example.com/data.csv?x=1", "https://example.com/data.csv?x=1"},
		{"site", "http://127.0.0.1:8080/a", "http://127.0.0.1:8080/a"},
		{"conf", "a: [1, x]\nb: {c: true}", func() any {
			b := templating.NewMap(1)
			b.Set("c", true)
			m := templating.NewMap(2)
			m.Set("a", []any{int64(1), "x"})
			m.Set("b", b)
			return m
		}()},
		{"mail", "ops+alerts@example.com", "ops+alerts@example.com"},
		{"code", "A123", "A123"},
		{"count", "10", int64(10)},
		{"count", "20", int64(20)},
		{"ratio", "0.25", 0.25},
		{"wait", "PT30S", "PT30S"},
	}
	for _, c := range cases {
		values, _, err := ParseInputs(f, map[string]string{c.id: c.given})
		if err != nil {
			t.Errorf("%s=%s: got error %v, want none", c.id, c.given, err)
			continue
		}
		if got := values[c.id]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s=%s: got %#v, want %#v", c.id, c.given, got, c.want)
		}
	}
}

func TestParseInputsNewTypesRefused(t *testing.T) {
	f := mustParse(t, kindsFlow)
	cases := []struct{ id, given, want string }{
		{"size", "XL", "input \"size\": it must match the values `[S, M, L]`, but received `XL`"},
		{"size", "m", "input \"size\": it must match the values `[S, M, L]`, but received `m` (did you mean \"M\"?)"},
		{"tags", `["red","pink"]`, "input \"tags\": it must match the values `[red, green, blue]`, but received `pink`"},
		{"tags", `red`, `input "tags": "red" is not a valid MULTISELECT: expected a JSON list such as ["red","green"]`},
		{"ports", `[80, "x"]`, `input "ports": element [1]: "x" is not a valid INT: expected a whole number such as 42`},
		{"ports", `{"a": 1}`, `input "ports": "{\"a\": 1}" is not a valid ARRAY: expected a JSON list such as [1, 2]`},
		{"ports", `[[1]]`, `input "ports": element [0] is a list, not a valid INT`},
		{"days", `["2026-02-30"]`, `input "days": element [0]: "2026-02-30" is not a valid DATE`},
		{"day", "2025-12-31", "input \"day\": it must be after `2026-01-01`, but received `2025-12-31`"},
		{"day", "2027-01-01", "input \"day\": it must be before `2026-12-31`, but received `2027-01-01`"},
		{"day", "01/02/2026", `input "day": "01/02/2026" is not a valid DATE: expected an ISO-8601 date such as 2026-11-26`},
		{"at", "07:59:59", "input \"at\": it must be after `08:00`, but received `07:59:59`"},
		{"at", "18:00:01", "input \"at\": it must be before `18:00`, but received `18:00:01`"},
		{"at", "24:00", `input "at": "24:00" is not a valid TIME: expected a time of day such as 17:30 or 17:30:15`},
		{"when", "2025-12-31T23:00:00Z", "input \"when\": it must be after `2026-01-01T00:00:00Z`, but received `2025-12-31T23:00:00Z`"},
		{"site", "http:/bla", `input "site": "http:/bla" is not a valid URI`},
		{"site", "not a uri", `input "site": "not a uri" is not a valid URI`},
		{"conf", "a: [1", `input "conf": "a: [1" is not valid YAML`},
		{"mail", "nobody", `input "mail": The input must be a valid email, but received "nobody"`},
		{"code", "B12", "input \"code\": it must match the pattern `A\\d+`, but received `B12`"},
		{"code", "xA12", "input \"code\": it must match the pattern `A\\d+`, but received `xA12`"},
		{"count", "9", "input \"count\": it must be more than `10`, but received `9`"},
		{"count", "21", "input \"count\": it must be less than `20`, but received `21`"},
		{"ratio", "0.01", "input \"ratio\": it must be more than `0.1`, but received `0.01`"},
		{"wait", "PT1S", "input \"wait\": it must be more than `PT10S`, but received `PT1S`"},
		{"wait", "PT2M", "input \"wait\": it must be less than `PT1M`, but received `PT2M`"},
	}
	for _, c := range cases {
		values, _, err := ParseInputs(f, map[string]string{c.id: c.given})
		if err == nil {
			t.Errorf("%s=%s: got %v and no error, want %q", c.id, c.given, values[c.id], c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s=%s:\ngot  %q\nwant %q", c.id, c.given, err, c.want)
		}
	}
}

func TestParseInputsDependsOn(t *testing.T) {
	f := mustParse(t, `id: deps
namespace: dev
inputs:
  - id: region
    type: STRING
    dependsOn:
      inputs: [cloud]
      condition: "{{ inputs.cloud == 'aws' }}"
  - id: cloud
    type: SELECT
    values: [aws, gcp]
  - id: bucket
    type: STRING
    defaults: "{{ flow.namespace }}-{{ inputs.cloud }}-{{ inputs.region ?? 'none' }}"
    dependsOn:
      inputs: [cloud, region]
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: hi
`)
	// aws: region is required and enabled; the default of bucket sees both.
	values, _, err := ParseInputs(f, map[string]string{"cloud": "aws", "region": "eu-west-1"})
	if err != nil {
		t.Fatalf("aws: got %v, want no error", err)
	}
	if want := map[string]any{"cloud": "aws", "region": "eu-west-1", "bucket": "dev-aws-eu-west-1"}; !reflect.DeepEqual(values, want) {
		t.Errorf("aws: got %v, want %v", values, want)
	}
	_, _, err = ParseInputs(f, map[string]string{"cloud": "aws"})
	if err == nil || !strings.Contains(err.Error(), `input "region" (STRING) is required`) {
		t.Errorf("aws without region: got %v, want region required", err)
	}
	// gcp: the condition disables region, so it is not required, and bucket, which
	// depends on it, is disabled with it.
	values, _, err = ParseInputs(f, map[string]string{"cloud": "gcp"})
	if err != nil {
		t.Fatalf("gcp: got %v, want no error", err)
	}
	if want := map[string]any{"cloud": "gcp"}; !reflect.DeepEqual(values, want) {
		t.Errorf("gcp: got %v, want %v", values, want)
	}
}

func TestParseInputsRenderedDefault(t *testing.T) {
	f := mustParse(t, `id: rendered
namespace: dev
inputs:
  - id: n
    type: INT
    defaults: 2
  - id: twice
    type: INT
    defaults: "{{ inputs.n * 2 }}"
  - id: bad
    type: INT
    required: false
    defaults: "{{ 'x' }}"
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: hi
`)
	_, _, err := ParseInputs(f, map[string]string{"n": "5"})
	if err == nil || !strings.Contains(err.Error(), `input "bad": defaults (rendered): "x" is not a valid INT`) {
		t.Fatalf("got %v, want the rendered default of bad refused", err)
	}
	values, _, err := ParseInputs(f, map[string]string{"n": "5", "bad": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if values["twice"] != int64(10) {
		t.Errorf("twice: got %#v, want 10", values["twice"])
	}
}

func TestPrefillIsNotAValue(t *testing.T) {
	f := mustParse(t, "id: p\nnamespace: dev\ninputs:\n  - id: name\n    type: STRING\n    prefill: world\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
	_, _, err := ParseInputs(f, nil)
	if err == nil || !strings.Contains(err.Error(), `input "name" (STRING) is required`) {
		t.Errorf("got %v, want the input required: a prefill is not a default", err)
	}
}

func TestMultiselectOptionsIsTheOldNameOfValues(t *testing.T) {
	f := mustParse(t, "id: m\nnamespace: dev\ninputs:\n  - id: pick\n    type: MULTISELECT\n    options: [x, y]\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
	if !reflect.DeepEqual(f.Inputs[0].Values, []string{"x", "y"}) {
		t.Errorf("values: got %q, want the options", f.Inputs[0].Values)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "options is the old name of values") {
		t.Errorf("warnings: got %q, want one saying to write values", f.Warnings)
	}
	if _, _, err := ParseInputs(f, map[string]string{"pick": `["z"]`}); err == nil || !strings.Contains(err.Error(), "it must match the values `[x, y]`") {
		t.Errorf("got %v, want the options checked as values", err)
	}
}
