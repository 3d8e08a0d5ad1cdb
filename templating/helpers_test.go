package templating

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// fixedNow is the clock of every test env.
var fixedNow = time.Date(2026, 11, 26, 17, 4, 5, 123456789, time.UTC)

// testEnv is the variables a task of a real flow would see, plus a few odd values.
func testEnv() *Env {
	env := &Env{
		Vars: map[string]any{
			"flow": map[string]any{"id": "hello", "namespace": "dev", "revision": 3},
			"execution": map[string]any{
				"id":        "5xWq0m3RkAgYyBvdcxOuUz",
				"startDate": "2026-11-26T17:00:00.123456Z",
			},
			"task":    map[string]any{"id": "notify", "type": "io.kestra.plugin.core.log.Log"},
			"taskrun": map[string]any{"id": "7Fh2", "attemptsCount": 1},
			"inputs": map[string]any{
				"name":    "world",
				"count":   int64(3),
				"ratio":   0.5,
				"flag":    true,
				"off":     "false",
				"blank":   "  ",
				"nothing": nil,
				"when":    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
				"json":    `{"a": 1, "b": [true, null, 2.5], "c": {"d": "e"}}`,
				"html":    "<b>&</b>",
			},
			"vars": map[string]any{
				"tpl":      "{{ flow.id }}",
				"twice":    "{{ vars.tpl }}",
				"loop":     "{{ render(vars.loop) }}",
				"grow":     "x{{ vars.grow }}",
				"greeting": "hi << inputs.name >>",
			},
			"outputs": map[string]any{
				"build":   map[string]any{"exitCode": 0, "vars": map[string]any{"version": "1.2.3"}},
				"my-task": map[string]any{"value": "mine"},
			},
			"labels":  map[string]any{"team": "data", "env": "prod"},
			"trigger": map[string]any{"executionId": "abc", "state": "FAILED"},
			"envs":    map[string]any{"region": "eu"},
			"items":   []any{"a", "b", "c"},
			"nums":    []any{int64(1), 2, 3.5},
			"empty":   []any{},
			"strs":    []string{"x", "y"},
			"obj":     map[string]any{"b": 2, "a": 1, "nested": map[string]any{"k": "v"}},
			"smap":    map[string]string{"k": "v"},
			"jnum":    json.Number("42"),
			"jfloat":  json.Number("1.25"),
			"big":     float64(1e21),
			"int":     42,
			"counts":  map[string]int{"a": 1, "b": 0},
			"ints":    []int{4, 5},
			"huge":    uint64(1 << 63),
		},
		Secret: func(name string) (string, error) {
			if name == "TOKEN" {
				return "s3cr3t", nil
			}
			return "", fmt.Errorf("Cannot find secret for key '%s'", name)
		},
		Now: func() time.Time { return fixedNow },
	}
	vars := env.Vars["vars"].(map[string]any)
	fanOut(vars, "a", "{{ render(vars.a%d) }}")
	fanOut(vars, "b", "{{ render(vars.b%d) == 'x' }}")
	return env
}

// fanOut adds vars.<name>0 to vars.<name>9, a template bomb of a 1 KB flow: <name>0 is "x"
// and each next one holds leaf, naming the one before, ten times. Nine levels deep,
// render(vars.<name>9) evaluates a billion leaves: with "{{ render(vars.a%d) }}" it asks for
// 10^9 bytes; with "{{ render(vars.b%d) == 'x' }}" it only ever holds a few bytes, so that
// only a check of the steps or of the context can end it.
func fanOut(vars map[string]any, name, leaf string) {
	vars[name+"0"] = "x"
	for i := 1; i <= 9; i++ {
		vars[fmt.Sprintf("%s%d", name, i)] = strings.Repeat(fmt.Sprintf(leaf, i-1), 10)
	}
}

// renderString parses and renders src against env.
func renderString(src string, env *Env) (string, error) {
	t, err := Parse(src)
	if err != nil {
		return "", err
	}
	return t.Render(env)
}

// renderCase is a template and its exact expected output.
type renderCase struct {
	name, src, want string
}

// runRenderCases checks each case renders exactly to want.
func runRenderCases(t *testing.T, cases []renderCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderString(tc.src, testEnv())
			if err != nil {
				t.Fatalf("render %q: unexpected error: %v", tc.src, err)
			}
			if got != tc.want {
				t.Errorf("render %q: got %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

// errorCase is a template and the exact error it must give, at Parse or at Render.
type errorCase struct {
	name, src string
	want      string // the whole Error() text
}

// runErrorCases checks each case fails with exactly want, as an *Error.
func runErrorCases(t *testing.T, cases []errorCase) {
	t.Helper()
	runErrorCasesIn(t, testEnv(), cases)
}

// runErrorCasesIn is runErrorCases against env.
func runErrorCasesIn(t *testing.T, env *Env, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderString(tc.src, env)
			if err == nil {
				t.Fatalf("render %q: got %q and no error, want error %q", tc.src, got, tc.want)
			}
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("render %q: got error of type %T, want *Error", tc.src, err)
			}
			if err.Error() != tc.want {
				t.Errorf("render %q:\n got error %q\nwant error %q", tc.src, err.Error(), tc.want)
			}
		})
	}
}
