package flow

import (
	"reflect"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/templating"
)

// inputsFlow declares one input of each type.
const inputsFlow = `id: inputs
namespace: dev
inputs:
  - id: count
    type: INT
  - id: ratio
    type: FLOAT
    defaults: 1.5
  - id: enabled
    type: BOOLEAN
    defaults: false
  - id: when
    type: DATETIME
    required: false
  - id: wait
    type: DURATION
    defaults: PT1M
  - id: conf
    type: JSON
    defaults: '{"a":[0,0]}'
  - id: size
    type: ENUM
    values: [S, M, L]
    defaults: S
  - id: greeting
    type: STRING
    defaults: hello
  - id: pass
    type: SECRET
  - id: token
    type: secret
    defaults: default-token
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.count }}"
`

func TestParseInputsTypes(t *testing.T) {
	f := mustParse(t, inputsFlow)
	values, secrets, err := ParseInputs(f, map[string]string{
		"count": "3", "ratio": "0.5", "enabled": "TRUE", "when": "2026-11-26T18:00:00+01:00",
		"wait": "PT5M", "conf": `{"a":[1,2.5,"x",null,true]}`, "size": "M", "pass": "hunter22",
	})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	want := map[string]any{
		"count": int64(3), "ratio": 0.5, "enabled": true, "when": "2026-11-26T17:00:00Z",
		"wait": "PT5M", "conf": map[string]any{"a": []any{int64(1), 2.5, "x", nil, true}},
		"size": "M", "greeting": "hello", "pass": "hunter22", "token": "default-token",
	}
	if !reflect.DeepEqual(plain(values), want) {
		t.Errorf("values:\ngot  %#v\nwant %#v", values, want)
	}
	if want := []string{"hunter22", "default-token"}; !reflect.DeepEqual(secrets, want) {
		t.Errorf("secrets: got %q, want %q", secrets, want)
	}
}

func TestParseInputsDefaults(t *testing.T) {
	f := mustParse(t, inputsFlow)
	values, _, err := ParseInputs(f, map[string]string{"count": "-7", "pass": "x"})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	want := map[string]any{
		"count": int64(-7), "ratio": 1.5, "enabled": false, "wait": "PT1M",
		"conf": map[string]any{"a": []any{int64(0), int64(0)}}, "size": "S", "greeting": "hello",
		"pass": "x", "token": "default-token",
	}
	if !reflect.DeepEqual(plain(values), want) {
		t.Errorf("values:\ngot  %#v\nwant %#v", values, want)
	}
	if _, ok := values["when"]; ok {
		t.Errorf("when: got a value for an optional input without default, want none")
	}
}

func TestParseInputsErrors(t *testing.T) {
	f := mustParse(t, inputsFlow)
	base := map[string]string{"count": "1", "pass": "x"}
	cases := []struct {
		given map[string]string // added to base; an empty value removes the key
		want  string
	}{
		{map[string]string{"count": ""}, `input "count" (INT) is required: give it with -i count=VALUE`},
		{map[string]string{"count": "three"}, `input "count": "three" is not a valid INT: expected a whole number such as 42`},
		{map[string]string{"count": "3.0"}, `input "count": "3.0" is not a valid INT`},
		{map[string]string{"count": " 3"}, `input "count": " 3" is not a valid INT`},
		{map[string]string{"count": "9223372036854775808"}, `is not a valid INT`},
		{map[string]string{"ratio": "abc"}, `input "ratio": "abc" is not a valid FLOAT: expected a number such as 1.5`},
		{map[string]string{"ratio": "NaN"}, `input "ratio": "NaN" is not a valid FLOAT`},
		{map[string]string{"ratio": "Inf"}, `input "ratio": "Inf" is not a valid FLOAT`},
		{map[string]string{"ratio": "0x1p-2"}, `input "ratio": "0x1p-2" is not a valid FLOAT`},
		{map[string]string{"enabled": "yes"}, `input "enabled": "yes" is not a valid BOOLEAN: expected true or false`},
		{map[string]string{"when": "2026-11-26"}, `input "when": "2026-11-26" is not a valid DATETIME: expected an RFC 3339 date-time`},
		{map[string]string{"when": "2026-11-26T18:00:00"}, `is not a valid DATETIME`},
		{map[string]string{"wait": "5m"}, `input "wait": "5m" is not a valid DURATION: expected an ISO-8601 duration`},
		{map[string]string{"conf": "{"}, `input "conf": "{" is not valid JSON`},
		{map[string]string{"conf": "1 2"}, `input "conf": "1 2" is not valid JSON: more than one value`},
		{map[string]string{"conf": "{}}"}, `is not valid JSON`},
		{map[string]string{"size": "XXL"}, `input "size": "XXL" is not one of S, M, L`},
		{map[string]string{"size": "m"}, `input "size": "m" is not one of S, M, L (did you mean "M"?)`},
		{map[string]string{"cuont": "2"}, `unknown input "cuont" (did you mean "count"?)`},
		{map[string]string{"zzzzzz": "2"}, `unknown input "zzzzzz" (the flow's inputs: count, ratio, enabled, when, wait, conf, size, greeting, pass, token)`},
	}
	for _, c := range cases {
		given := map[string]string{}
		for k, v := range base {
			given[k] = v
		}
		for k, v := range c.given {
			given[k] = v
			if v == "" {
				delete(given, k)
			}
		}
		values, secrets, err := ParseInputs(f, given)
		if err == nil {
			t.Errorf("%v: got no error, want %q", c.given, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %q, want it to contain %q", c.given, err, c.want)
		}
		if values != nil || secrets != nil {
			t.Errorf("%v: got values %v and secrets %v with an error, want none", c.given, values, secrets)
		}
	}
}

func TestParseInputsReportsEveryProblem(t *testing.T) {
	f := mustParse(t, inputsFlow)
	_, _, err := ParseInputs(f, map[string]string{"count": "x", "size": "XL", "nope": "1"})
	if err == nil {
		t.Fatal("got no error, want three problems and the missing SECRET")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{`unknown input "nope"`, `input "count"`, `input "size"`, `input "pass" (SECRET) is required`}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%v\nwant %d", len(lines), err, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: got %q, want it to start with %q", i, lines[i], w)
		}
	}
}

func TestParseInputsNeverShowsASecret(t *testing.T) {
	f := mustParse(t, inputsFlow)
	const secret = "s3cr3t-value"
	_, _, err := ParseInputs(f, map[string]string{"count": "bad", "pass": secret, "token": secret, "cuont": secret})
	if err == nil {
		t.Fatal("got no error, want one")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("got %q, want the SECRET value left out", err)
	}
}

func TestParseInputsNoInputsDeclared(t *testing.T) {
	f := mustParse(t, "id: none\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
	values, secrets, err := ParseInputs(f, nil)
	if err != nil || len(values) != 0 || secrets != nil {
		t.Errorf("no inputs: got %v %v %v, want an empty map and no error", values, secrets, err)
	}
	_, _, err = ParseInputs(f, map[string]string{"x": "1"})
	if err == nil || err.Error() != `unknown input "x": flow none declares no inputs` {
		t.Errorf("got %v, want the flow to declare no inputs", err)
	}
}

func TestInputDefaultsFromYAML(t *testing.T) {
	f := loadTestdata(t, "inputs-valid.yml")
	values, _, err := ParseInputs(f, map[string]string{"legacy": "x"})
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	want := map[string]any{"legacy": "x", "flag": true, "conf": map[string]any{"a": []any{1, 2}}, "when": "2026-11-26T17:00:00Z"}
	if !reflect.DeepEqual(values, want) {
		t.Errorf("got %#v, want %#v", values, want)
	}
	if got := f.Inputs[1].Type; got != InputBoolean {
		t.Errorf("BOOL: got type %q, want %q", got, InputBoolean)
	}
}

func TestParseInputsShowsOnlyTheStartOfALongValue(t *testing.T) {
	f := mustParse(t, inputsFlow)
	long := strings.Repeat("7x", 64<<10) // 128 KiB, as long as one argument of a command line
	for _, c := range []struct{ key, want string }{
		{"count", `input "count": "7x7x`},
		{"conf", `input "conf": "7x7x`},
		{"size", `input "size": "7x7x`},
		{long, `unknown input "7x7x`},
	} {
		given := map[string]string{"count": "1", "pass": "x", c.key: long}
		_, _, err := ParseInputs(f, given)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || !strings.Contains(err.Error(), `…"`) || len(err.Error()) > 400 {
			t.Errorf("%.10s: got %.500q, want an error of at most 400 bytes starting %q, the value cut with …", c.key, err, c.want)
		}
	}
}

// plain is v with its templating.Maps as Go maps, to compare values whatever their order.
func plain(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case *templating.Map, map[string]any:
		_, m, _ := templating.AsMap(x)
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = plain(e)
		}
		return out
	}
	return v
}

// A JSON input keeps the order of its text, as Kestra's LinkedHashMap does.
func TestParseInputsJSONKeepsOrder(t *testing.T) {
	f := mustParse(t, inputsFlow)
	values, _, err := ParseInputs(f, map[string]string{"count": "1", "pass": "x", "conf": `{"zeta":1,"alpha":{"y":2,"b":[{"d":1,"c":2}]}}`})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if got, want := jsonOf(t, values["conf"]), `{"zeta":1,"alpha":{"y":2,"b":[{"d":1,"c":2}]}}`; got != want {
		t.Errorf("conf: got %s, want %s", got, want)
	}
}

func TestNestInputs(t *testing.T) {
	// Kestra's InputsTest: nested.string, nested.more.int and nested.bool are
	// inputs.nested.string, inputs.nested.more.int and inputs.nested.bool.
	f := mustParse(t, `id: nested
namespace: dev
inputs:
  - id: nested.string
    type: STRING
  - id: nested.more.int
    type: INT
  - id: nested.bool
    type: BOOLEAN
  - id: conf
    type: JSON
    defaults: '{"x": 1}'
  - id: bare
    type: STRING
    defaults: "{{ inputs.nested.string }} and more"
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.nested.more.int }} {{ inputs.nested }}"
`)
	values, _, err := ParseInputs(f, map[string]string{"nested.string": "a string", "nested.more.int": "123", "nested.bool": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if values["nested.string"] != "a string" || values["bare"] != "a string and more" {
		t.Errorf("values by id: got %v, want nested.string and the default rendered from it", values)
	}
	got := NestInputs(values)
	want := map[string]any{
		"nested": map[string]any{"string": "a string", "bool": true, "more": map[string]any{"int": int64(123)}},
		"conf":   map[string]any{"x": int64(1)},
		"bare":   "a string and more",
	}
	if !reflect.DeepEqual(plain(got), want) {
		t.Errorf("nested:\ngot  %#v\nwant %#v", got, want)
	}
	plainIDs := map[string]any{"a": 1, "b": "x"}
	if got := NestInputs(plainIDs); reflect.ValueOf(got).Pointer() != reflect.ValueOf(plainIDs).Pointer() {
		t.Errorf("without a dotted id: got a copy, want the map itself")
	}
	// A clash the loader would refuse: the first in sorted order wins, and a JSON input's
	// value is not written into.
	conf := map[string]any{"x": 1}
	got = NestInputs(map[string]any{"conf": conf, "conf.y": 2})
	if !reflect.DeepEqual(got, map[string]any{"conf": map[string]any{"x": 1}}) || len(conf) != 1 {
		t.Errorf("clash: got %v (conf %v), want conf alone and untouched", got, conf)
	}
}

func TestDottedInputIDsThatClash(t *testing.T) {
	got := parseProblems(t, `id: clash
namespace: dev
inputs:
  - id: request
    type: STRING
  - id: request.name
    type: STRING
  - id: a.b.c
    type: STRING
  - id: a.b
    type: STRING
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.request }}"
`)
	want := []string{
		`flow.yml:6:9: input "request.name": its id clashes with input "request" (first defined at line 4): a dotted id is a path, inputs.request.name, so "request" cannot be a value and hold other inputs too`,
		`flow.yml:10:9: input "a.b": its id clashes with input "a.b.c" (first defined at line 8): a dotted id is a path, inputs.a.b, so "a.b" cannot be a value and hold other inputs too`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDottedInputsAreReadAsPaths(t *testing.T) {
	// inputs.request is the group of request.name and request.date; a name no input starts
	// with is still an unknown input.
	f := mustParse(t, `id: dotted
namespace: dev
inputs:
  - id: request.name
    type: STRING
  - id: request.date
    type: DATE
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.request }} {{ inputs.request.name }}"
`)
	if len(f.RefProblems) != 0 {
		t.Errorf("got %v, want no problem", f.RefProblems)
	}
	f = mustParse(t, `id: dotted
namespace: dev
inputs:
  - id: request.name
    type: STRING
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.requests.name }}"
`)
	if len(f.RefProblems) != 1 || !strings.Contains(f.RefProblems[0].Error(), `inputs.requests: the flow has no input "requests"`) {
		t.Errorf("got %v, want inputs.requests refused", f.RefProblems)
	}
}

func TestSelectExpression(t *testing.T) {
	// Kestra's SelectInput.expression: the values are what the template renders to when the
	// execution starts, after the inputs it depends on; kv() reads the KV store given.
	f := mustParse(t, `id: pick
namespace: company.team
inputs:
  - id: cloud
    type: SELECT
    values: [AWS, GCP]
  - id: vm
    type: SELECT
    expression: "{{ kv('cloud_vms')[inputs.cloud] }}"
    dependsOn:
      inputs: [cloud]
  - id: apps
    type: MULTISELECT
    expression: "{{ kv('apps', 'company') }}"
    required: false
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.vm }}"
`)
	store := map[string]any{
		"company.team/cloud_vms": map[string]any{"AWS": []any{"t3.micro", "m5.large", nil}, "GCP": []any{"e2-small"}},
		"company/apps":           []any{"Slack", "Notion"},
		"company.team/text":      "not a list",
	}
	var read []string
	kv := WithKV(func(ns, key string) (any, bool, error) {
		read = append(read, ns+"/"+key)
		v, ok := store[ns+"/"+key]
		return v, ok, nil
	})
	values, _, err := ParseInputs(f, map[string]string{"cloud": "GCP", "vm": "e2-small", "apps": `["Notion"]`}, kv)
	if err != nil {
		t.Fatal(err)
	}
	if values["vm"] != "e2-small" || !reflect.DeepEqual(values["apps"], []any{"Notion"}) {
		t.Errorf("values: got %v", values)
	}
	if !reflect.DeepEqual(read, []string{"company.team/cloud_vms", "company/apps"}) {
		t.Errorf("keys read: got %v", read)
	}
	_, _, err = ParseInputs(f, map[string]string{"cloud": "AWS", "vm": "e2-small"}, kv)
	if err == nil || err.Error() != "input \"vm\": it must match the values `[t3.micro, m5.large]`, but received `e2-small`" {
		t.Errorf("a value not listed: got %v", err)
	}
	_, _, err = ParseInputs(f, map[string]string{"cloud": "AWS", "vm": "t3.micro"})
	if err == nil || !strings.Contains(err.Error(), `input "vm": Cannot render 'expression'. Cause: `) || !strings.Contains(err.Error(), "the KV store needs a state file") {
		t.Errorf("without a KV store: got %v", err)
	}

	f = mustParse(t, `id: pick
namespace: company.team
inputs:
  - id: vm
    type: SELECT
    expression: "{{ kv('text') }}"
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.vm }}"
`)
	_, _, err = ParseInputs(f, map[string]string{"vm": "x"}, kv)
	if want := "input \"vm\": Invalid expression result. Expected a list of strings, but received String (expression: {{ kv('text') }})"; err == nil || err.Error() != want {
		t.Errorf("not a list: got %v, want %q", err, want)
	}
}

func TestSelectExpressionMistakes(t *testing.T) {
	got := parseProblems(t, `id: pick
namespace: dev
inputs:
  - id: both
    type: SELECT
    values: [a]
    expression: "{{ kv('x') }}"
  - id: text
    type: STRING
    expression: "{{ kv('x') }}"
  - id: broken
    type: SELECT
    expression: "{{ kv('x' }}"
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: hi
`)
	want := []string{
		`flow.yml:7:17: input "both": expression: give the values or an expression rendering to them, not both`,
		`flow.yml:10:17: input "text": expression: only SELECT and MULTISELECT inputs take an expression (the template of their values)`,
		`flow.yml:13:`,
	}
	if len(got) != len(want) {
		t.Fatalf("got\n%s\nwant %d problems", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d: got %q, want it to start %q", i, got[i], want[i])
		}
	}
	if !strings.Contains(got[2], `input "broken": expression: `) {
		t.Errorf("a broken template: got %q, want it named", got[2])
	}
}

func TestFlatInputsUndoesNestInputs(t *testing.T) {
	f := mustParse(t, `id: nested
namespace: dev
inputs:
  - id: nested.string
    type: STRING
  - id: nested.more.int
    type: INT
  - id: plain
    type: STRING
    required: false
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.nested.string }}"
`)
	flat := map[string]any{"nested.string": "a", "nested.more.int": int64(1), "plain": "p"}
	if got := FlatInputs(f, NestInputs(flat)); !reflect.DeepEqual(got, flat) {
		t.Errorf("got %v, want %v", got, flat)
	}
	// A key that is no input is kept, for ParseInputs to name it.
	got := FlatInputs(f, map[string]any{"nested": map[string]any{"string": "a"}, "other": 1})
	if !reflect.DeepEqual(got, map[string]any{"nested.string": "a", "other": 1}) {
		t.Errorf("got %v", got)
	}
}

// A YAML input keeps the order of its mappings, as Kestra's Jackson reads them into
// LinkedHashMaps; aliases and merge keys are followed.
func TestParseInputsYAMLKeepsOrder(t *testing.T) {
	f := mustParse(t, `id: yamlin
namespace: dev
inputs:
  - id: conf
    type: YAML
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.conf }}"
`)
	text := "base: &b {zeta: 1, alpha: 2}\nitem:\n  <<: *b\n  alpha: 3\n  mid: [{d: 1, c: 2}]\nwhen: 2024-01-02\n"
	values, _, err := ParseInputs(f, map[string]string{"conf": text})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	want := `{"base":{"zeta":1,"alpha":2},"item":{"zeta":1,"alpha":3,"mid":[{"d":1,"c":2}]},"when":"2024-01-02"}`
	if got := jsonOf(t, values["conf"]); got != want {
		t.Errorf("conf: got %s, want %s", got, want)
	}
}

// A YAML input whose aliases name aliases is refused once it expands past the bound, not
// expanded without end.
func TestParseInputsYAMLAliasBomb(t *testing.T) {
	f := mustParse(t, `id: yamlin
namespace: dev
inputs:
  - id: conf
    type: YAML
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.conf }}"
`)
	text := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 8; i++ {
		name := string(rune('b' + i))
		text += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	_, _, err := ParseInputs(f, map[string]string{"conf": text})
	if err == nil || !strings.Contains(err.Error(), "YAML expands to more than 1000000 values") {
		t.Errorf("got %v, want the expansion refused", err)
	}
}
