package templating

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Expected values come from Kestra's JqFilterTest (core/src/test/java/io/kestra/core/runners/
// pebble/filters/JqFilterTest.java at Kestra 58c1ca2), named in each case.
func TestJQ(t *testing.T) {
	env := testEnv()
	env.Vars["my_vars"] = map[string]any{"test": []any{int64(1), int64(2), int64(3)}}
	env.Vars["jqvars"] = map[string]any{
		"second": map[string]any{
			"string": "string",
			"int":    int64(1),
			"float":  1.123,
			"list":   []any{"string", int64(1), 1.123},
			"bool":   true,
			"map":    map[string]any{"string": "string", "int": int64(1), "float": 1.123},
			"null":   nil,
		},
		"array":  []string{"arrayValue"},
		"object": map[string]any{"key": "value"},
	}
	env.Vars["first"] = map[string]any{"second": map[string]any{"third": "{{third}}"}}
	env.Vars["end"] = "awesome"
	env.Vars["third"] = "{{end}}"
	ordered := NewMap(2)
	ordered.Set("zeta", int64(1))
	ordered.Set("alpha", int64(2))
	env.Vars["ordered"] = ordered
	for _, tc := range []renderCase{
		// fromString
		{"list literal", `{{ [1, 2, 3] | jq(".[0]") | first }}`, "1"},
		{"always a list", `{{ my_vars | jq(".test[0]") }}`, "[1]"},
		// simple
		{"after render", `{{ render(first) | jq(".second.third") }}`, `["awesome"]`},
		// map
		{"string", `{{ jqvars | jq(".second.string") }}`, `["string"]`},
		{"string first", `{{ jqvars | jq(".second.string") | first }}`, "string"},
		{"int", `{{ jqvars | jq(".second.int") | first }}`, "1"},
		{"float", `{{ jqvars | jq(".second.float") | first }}`, "1.123"},
		{"list", `{{ jqvars | jq(".second.list") | first }}`, `["string",1,1.123]`},
		{"bool", `{{ jqvars | jq(".second.bool") | first }}`, "true"},
		{"map", `{{ jqvars | jq(".second.map") | first }}`, `{"float":1.123,"int":1,"string":"string"}`},
		// list
		{"every result", `{{ jqvars | jq(".second.list[]") }}`, `["string",1,1.123]`},
		// typed
		{"typed string", `{{ jqvars | jq(".second.string") | first | className }}`, "java.lang.String"},
		{"typed int", `{{ jqvars | jq(".second.int") | first | className }}`, "java.lang.Integer"},
		{"typed bool", `{{ jqvars | jq(".second.bool") | first | className }}`, "java.lang.Boolean"},
		{"typed null", `{{ jqvars | jq(".second.null") | first | className ?? '' }}`, ""},
		// object
		{"object", `{{ (jqvars | jq(".object"))[0].key }}`, "value"},
		{"array", `{{ (jqvars | jq(".array"))[0][0] }}`, "arrayValue"},
		// Text is read as JSON.
		{"text input", `{{ '{"a": {"b": [1, 2]}}' | jq(".a.b | add") | first }}`, "3"},
		{"text input from an output", `{{ inputs.json | jq(".b[2]") | first }}`, "2.5"},
		{"no result", `{{ [1, 2] | jq(".[] | select(. > 5)") }}`, "[]"},
		// jackson-jq keeps an object's order; gojq's objects are Go maps, so flowctl gives an
		// object back in the order of the input object with the same keys.
		{"object order kept", `{{ '{"z": 1, "a": {"y": 2, "b": 3}}' | jq(".") | first }} {{ '{"z": 1, "a": {"y": 2, "b": 3}}' | jq(".a") }}`, `{"z":1,"a":{"y":2,"b":3}} [{"y":2,"b":3}]`},
		{"object order of a map", `{{ ordered | jq(". + {}") | first }}`, `{"zeta":1,"alpha":2}`},
		{"a built object comes sorted", `{{ '{}' | jq("{b: 1, a: 2}") | first }}`, `{"a":2,"b":1}`},
		{"long number", `{{ '[9223372036854775807]' | jq(".[0]") | first | className }}`, "java.lang.Long"},
		{"program functions", `{{ {'a': 'x', 'b': 'y'} | jq("to_entries | map(.key) | join(\"-\")") | first }}`, "a-b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderString(tc.src, env)
			if err != nil {
				t.Fatalf("render %q: unexpected error: %v", tc.src, err)
			}
			if got != tc.want {
				t.Errorf("render %q: got %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

func TestJQErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"bad program", `{{ [1] | jq(".[") }}`, "filter jq: Unable to parse jq value with type 'java.util.ArrayList': invalid jq expression '.[': "},
		{"text that is not JSON", `{{ 'hello' | jq(".") }}`, "filter jq: Unable to parse jq value with type 'java.lang.String': the input is not JSON"},
		{"runtime error", `{{ {'a': 1} | jq(".a | keys") }}`, "Failed to resolve JQ expression '.a | keys' and value '{\"a\":1}': keys cannot be applied to: number (1)"},
		{"expression not a string", `{{ [1] | jq(1) }}`, "The 'jq' filter expects an argument 'expression' of type string, got the number 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderString(tc.src, testEnv())
			if err == nil {
				t.Fatalf("render %q: got %q and no error, want an error containing %q", tc.src, got, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("render %q:\n got error %q\nwant it to contain %q", tc.src, err.Error(), tc.want)
			}
		})
	}
}

// A jq program that never ends stops at the render's step limit, and one that yields without
// end stops at its byte limit.
func TestJQBudget(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		steps     bool
	}{
		{"endless loop", `{{ 1 | jq("def f: f; f") }}`, true},
		{"endless output", `{{ 1 | jq("repeat(\"xxxxxxxxxxxxxxxx\")") }}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv()
			env.Limits = Limits{Steps: 1_000_000, Bytes: 64 << 10}
			_, err := renderString(tc.src, env)
			var be *BudgetError
			if !errors.As(err, &be) || be.Steps != tc.steps {
				t.Fatalf("render %q: got error %v, want a budget error (steps: %v)", tc.src, err, tc.steps)
			}
		})
	}
}

// Cancelling the render's context stops a jq program.
func TestJQInterrupted(t *testing.T) {
	tpl, err := Parse(`{{ 1 | jq("def f: f; f") }}`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = tpl.RenderContext(ctx, testEnv())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got error %v, want context.Canceled", err)
	}
}

// A jq program sees no environment variables: $ENV and env would otherwise hand a template
// every secret flowctl was started with.
func TestJQSeesNoEnvironment(t *testing.T) {
	t.Setenv("SECRET_JQ_PROBE", "c2VjcmV0")
	got, err := renderString(`{{ 1 | jq("[$ENV | length, (env | length)]") | first }}`, testEnv())
	if err != nil || got != "[0,0]" {
		t.Fatalf("got %q, %v; want [0,0]", got, err)
	}
}

// Compiled jq programs are shared between renders: the same template rendered from several
// goroutines at once gives each its own results.
func TestJQConcurrentRenders(t *testing.T) {
	tpl, err := Parse(`{{ inputs.json | jq('.b[] | select(. != null)') | join(',') }}`)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 20 {
				got, err := tpl.Render(testEnv())
				if err == nil && got != "true,2.5" {
					err = errors.New("got " + got + ", want true,2.5")
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkJQ(b *testing.B) {
	tpl, err := Parse(`{{ inputs.json | jq('.c.d') | first }}`)
	if err != nil {
		b.Fatal(err)
	}
	env := testEnv()
	for b.Loop() {
		if _, err := tpl.Render(env); err != nil {
			b.Fatal(err)
		}
	}
}
