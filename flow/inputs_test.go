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
