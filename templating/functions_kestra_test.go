package templating

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Expected values come from Kestra's function tests (core/src/test/java/io/kestra/core/
// runners/pebble/functions/<Name>Test.java at Kestra 58c1ca2) and Pebble 3.2.2's
// CoreFunctionsTest, named in each case.
func TestKestraFunctions(t *testing.T) {
	env := testEnv()
	env.Vars["input"] = "{{someOtherVar}}"
	env.Vars["someOtherVar"] = "{{yetAnotherVar}}"
	env.Vars["yetAnotherVar"] = "test"
	env.Vars["fileA"] = "test"
	env.Vars["nsflow"] = map[string]any{"id": "flow", "namespace": "my.namespace"}
	ordered := NewMap(2)
	ordered.Set("zeta", "{{ flow.id }}")
	ordered.Set("alpha", "x")
	env.Vars["ordered"] = ordered
	for _, tc := range []renderCase{
		// RenderOncerFunctionTest
		{"renderOnce no render needed", "{{ renderOnce('test') }}", "test"},
		{"renderOnce one layer", "{{ renderOnce(someOtherVar) }}", "test"},
		{"renderOnce two layers", "{{ renderOnce(input) }}", "{{yetAnotherVar}}"},
		{"render two layers", "{{ render(input) }}", "test"},
		// RenderFunctionTest.shouldRenderForInteger, shouldRenderForBoolean
		{"render integer", "{{ render(42) }}", "42"},
		{"render boolean", "{{ render(true) }}", "true"},
		// Kestra's VariableRenderer.render(Map) fills a LinkedHashMap: the order stays.
		{"render keeps a map's order", "{{ render(ordered) }}", `{"zeta":"hello","alpha":"x"}`},
		{"render a map", "{{ render({'a': '{{ flow.id }}', '{{ flow.namespace }}': [1, '{{ 1 + 1 }}']}) }}", `{"a":"hello","dev":[1,"2"]}`},
		// CoreFunctionsTest.testRangeFunction...
		{"range", "{{ range(0, 5) }}", "[0,1,2,3,4,5]"},
		{"range increment", "{{ range(0, 10, 2) }}", "[0,2,4,6,8,10]"},
		{"range decrement", "{{ range(10, 0, -2) }}", "[10,8,6,4,2,0]"},
		{"range chars", "{{ range('a', 'e') | join }}", "abcde"},
		{"range chars increment", "{{ range('a', 'f', 2) | join }}", "ace"},
		{"range chars decrement", "{{ range('f', 'a', -2) | join }}", "fdb"},
		{"range empty", "{{ range(1, 0) }}", "[]"},
		// CoreFunctionsTest.testMinFunction / testMaxFunction (object.large is 20)
		{"min", "{{ min(8.5, 1, 4, 5, 20) }}", "1"},
		{"max", "{{ max(8.5, 1, 4, 5, 20) }}", "20"},
		{"max strings", "{{ max('a', 'c', 'b') }}", "c"},
		// RandomIntFunctionTest.testGenerateNumberSame
		{"randomInt same bounds", "{{ randomInt(10, 10) }}", "10"},
		// FileURIFunctionTest.fileURIFunction
		{"fileURI", "{{ fileURI(fileA) }}", "kestra:///dev/_files/test"},
		{"fileURI leading slash", "{{ fileURI('/a/b.txt') }}", "kestra:///dev/_files/a/b.txt"},
		// FetchContextFunctionTest.fromString
		{"printContext", "{{ printContext().flow.id }}", "hello"},
		{"fetchContext", "{{ fetchContext().items[1] }}", "b"},
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

// FileURIFunctionTest.fileURIFunction with its own namespace.
func TestFileURINamespace(t *testing.T) {
	env := &Env{Vars: map[string]any{"flow": map[string]any{"id": "flow", "namespace": "my.namespace"}, "fileA": "test"}}
	got, err := renderString("{{ fileURI(fileA) }}", env)
	if err != nil || got != "kestra:///my/namespace/_files/test" {
		t.Fatalf("got %q, %v; want kestra:///my/namespace/_files/test", got, err)
	}
}

// The random functions: the shape of what they give, and the range it falls in
// (UUIDFunctionTest, IDFunctionTest, RandomIntFunctionTest).
func TestRandomFunctions(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	id := regexp.MustCompile(`^[0-9A-Za-z]{22}$`)
	seen := map[string]bool{}
	for range 20 {
		got, err := renderString("{{ uuid() }} {{ id() }} {{ randomInt(1, 10) }} {{ randomInt(-10, -1) }} {{ randomPort() }}", testEnv())
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(got)
		if !uuid.MatchString(f[0]) || !id.MatchString(f[1]) {
			t.Fatalf("got uuid %q and id %q, want a version 4 UUID and 22 base62 characters", f[0], f[1])
		}
		if seen[f[0]] || seen[f[1]] {
			t.Fatalf("uuid() or id() repeated a value: %q", got)
		}
		seen[f[0]], seen[f[1]] = true, true
		for i, bounds := range [][2]int{{1, 10}, {-10, -1}} {
			n, err := strconv.Atoi(f[2+i])
			if err != nil || n < bounds[0] || n >= bounds[1] {
				t.Fatalf("randomInt(%d, %d) gave %q", bounds[0], bounds[1], f[2+i])
			}
		}
		if p, err := strconv.Atoi(f[4]); err != nil || p <= 0 || p > 65535 {
			t.Fatalf("randomPort() gave %q", f[4])
		}
	}
}

func TestPrintContextIsTheVariables(t *testing.T) {
	env := &Env{Vars: map[string]any{"test": "value", "array": []any{"a", "b", "c"}}}
	got, err := renderString("{{ printContext() }}", env)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil {
		t.Fatalf("printContext() gave %q, not JSON: %v", got, err)
	}
	if m["test"] != "value" || len(m["array"].([]any)) != 3 {
		t.Fatalf("printContext() gave %q", got)
	}
}

func TestKestraFunctionErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		// FileURIFunctionTest.fileURIFunctionShouldThrowForIncorrectPath
		{"fileURI parent", "{{ fileURI('../test') }}", "Path must not contain '../'"},
		// RandomIntFunctionTest
		{"randomInt strings", "{{ randomInt('1', '10') }}", "The 'GenerateRandomNumber' function expects an argument lower with type Integer"},
		{"randomInt reversed", "{{ randomInt(10, 1) }}", "In 'GenerateRandomNumber' upper is less than lower"},
		{"randomInt one argument", "{{ randomInt(10) }}", `function "randomInt" takes 2 arguments (lower, upper), got 1`},
		// CoreFunctionsTest.testRangeFunctionIncrementWithZero
		{"range zero increment", "{{ range(0, 5, 0) }}", "The increment of the range function must be different than 0"},
		{"range chars zero increment", "{{ range('a', 'e', 0) }}", "The increment of the range function must be different than 0"},
		{"range long strings", "{{ range('ab', 'e') }}", "Arguments of range function must be of type Number or String with a length of 1"},
		{"range too long", "{{ range(0, 100000000) }}", "range of 100000001 elements: more than the 1048576 flowctl builds"},
		{"max of a string and a number", "{{ max(1, 'a') }}", "cannot compare"},
		{"currentEachOutput of a string", "{{ currentEachOutput('a') }}", "The 'currentEachOutput' function expects an argument 'outputs' with type map"},
		{"currentEachOutput out of the loop", "{{ currentEachOutput({'v1': {'value': 1}}) }}", "currentEachOutput: this task is not inside a loop"},
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

// FromJsonFunctionTest (Kestra 58c1ca2).
func TestFromJSONAsKestra(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"field", `{{ fromJson('{"test1": 1, "test2": 2, "test3": 3}').test1 }}`, "1"},
		{"nested", `{{ fromJson('{"test1": [{"test1": 666}, 2, 3], "test2": 2, "test3": 3}').test1[0].test1 }}`, "666"},
		{"list", `{{ fromJson('[1, 2, 3]')[0] }}`, "1"},
		{"empty object", `{{ fromJson('{"empty_object":{}}') }}`, `{"empty_object":{}}`},
		{"json function", `{{ json('{"test1": 1, "test2": 2, "test3": 3}').test1 }}`, "1"},
		{"integer class", `{{ fromJson('[1, 9223372036854775807, 92233720368547758070]') | jq('.[]') | join(' ') }}`, "1 9223372036854775807 92233720368547758070"},
		{"classes", `{{ fromJson('1') | className }} {{ fromJson('9223372036854775807') | className }} {{ fromJson('92233720368547758070') | className }}`, "java.lang.Integer java.lang.Long java.math.BigInteger"},
	})
}
