package templating

import (
	"strings"
	"testing"
	"time"
)

// Expected values come from Kestra's YamlFilterTest, ToIonFilterTest, YamlFunctionTest and
// FromIonFunctionTest (core/src/test/java/io/kestra/core/runners/pebble/ at Kestra 58c1ca2).
func TestYAMLAndIon(t *testing.T) {
	env := testEnv()
	date := time.Date(2013, 9, 8, 16, 19, 0, 0, time.FixedZone("", 7200))
	env.Vars["second"] = map[string]any{
		"string":  "string",
		"int":     int64(1),
		"float":   1.123,
		"float32": float32(1.123),
		"list":    []any{"string", int64(1), 1.123},
		"bool":    true,
		"date":    date,
		"map":     map[string]any{"string": "string", "int": int64(1), "float": 1.123},
	}
	env.Vars["doc"] = `# comment
string: string
int: 123
bool: true
float: 1.23
instant: "1918-02-24T00:00:00Z"
date: "1991-08-20"
time: "23:59:59"
duration: "PT5M6S"
'null':
object:
  key: "value"
  child:
    key: "value"
array:
  - string
reference: &ref
    key: reference
default: *ref
`
	for _, tc := range []renderCase{
		// YamlFilterTest.map
		{"yaml string", "{{ second.string | yaml }}", "string\n"},
		{"yaml int", "{{ second.int | yaml }}", "1\n"},
		{"yaml float", "{{ second.float | yaml }}", "1.123\n"},
		{"yaml list", "{{ second.list | yaml }}", " - string\n - 1\n - 1.123\n"},
		{"yaml bool", "{{ second.bool | yaml }}", "true\n"},
		{"yaml date", "{{ second.date | yaml }}", "2013-09-08T16:19:00+02:00\n"},
		{"yaml map", "{{ second.map | yaml }}", "float: 1.123\nint: 1\nstring: string\n"},
		{"yaml nested", "{{ {'a': {'b': [1, {'c': 'd', 'e': 'f'}]}, 'g': []} | yaml }}", "a:\n  b:\n   - 1\n   - c: d\n     e: f\ng: []\n"},
		{"yaml quotes what would read differently", "{{ ['true', '12', '', 'a: b', '- x', ' cat'] | yaml }}", " - \"true\"\n - \"12\"\n - \"\"\n - \"a: b\"\n - \"- x\"\n - ' cat'\n"},
		{"yaml multi-line as a literal block", "{{ {'a': 'one\ntwo', 'b': 'x\n'} | yaml }}", "a: |-\n  one\n  two\nb: |\n  x\n"},
		// Pebble leaves \n in a string literal as written: the newlines are real ones.
		{"yaml reads back", "{{ yaml({'a': \"one\ntwo\", 'b': ' cat ', 'c': \"x\n\n\", 'd': ['- y', 'true', \"it's\"], 'e': {'f': \"g\nh\"}} | yaml) | toJson }}", `{"a":"one\ntwo","b":" cat ","c":"x\n\n","d":["- y","true","it's"],"e":{"f":"g\nh"}}`},
		{"yaml null", "{{ null | yaml }}", "null"},
		// ToIonFilterTest.toIonFilter
		{"toIon string", "{{ second.string | toIon }}", `"string"`},
		{"toIon int", "{{ second.int | toIon }}", "1"},
		{"toIon float", "{{ second.float32 | toIon }}", "1.1230000257492065e0"},
		{"toIon double", "{{ second.float | toIon }}", "1.123e0"},
		{"toIon list", "{{ ['string', 1, second.float32] | toIon }}", `["string",1,1.1230000257492065e0]`},
		{"toIon bool", "{{ second.bool | toIon }}", "true"},
		{"toIon date", "{{ second.date | toIon }}", `ZonedDateTime::"2013-09-08T16:19:00+02:00"`},
		{"toIon map", "{{ second.map | toIon }}", `{float:1.123e0,int:1,string:"string"}`},
		{"toIon empty object", `{{ {"empty_object":{}} | toIon }}`, "{empty_object:{}}"},
		{"toIon null", "{{ null | toIon }}", "null"},
		{"toIon quoted symbol", "{{ {'a-b': 1} | toIon }}", "{'a-b':1}"},
		// YamlFunctionTest.fromString
		{"yaml() string", "{{ yaml(doc).string }}", "string"},
		{"yaml() int", "{{ yaml(doc).int }}", "123"},
		{"yaml() int class", "{{ yaml(doc).int | className }}", "java.lang.Integer"},
		{"yaml() bool", "{{ yaml(doc).bool }}", "true"},
		{"yaml() float", "{{ yaml(doc).float }}", "1.23"},
		{"yaml() instant", "{{ yaml(doc).instant }}", "1918-02-24T00:00:00Z"},
		{"yaml() date", "{{ yaml(doc).date }}", "1991-08-20"},
		{"yaml() time", "{{ yaml(doc).time }}", "23:59:59"},
		{"yaml() nested", "{{ yaml(doc).object.child.key }}", "value"},
		{"yaml() list", "{{ yaml(doc).array[0] }}", "string"},
		{"yaml() alias", "{{ yaml(doc).default.key }}", "reference"},
		// FromIonFunctionTest.ionDecodeFunction
		{"fromIon", `{{ fromIon('{date:2024-04-21T23:00:00.000Z, title:"Main_Page",views:109787}').title }}`, "Main_Page"},
		{"fromIon number", `{{ fromIon('{date:2024-04-21T23:00:00.000Z, title:"Main_Page",views:109787}').views + 1 }}`, "109788"},
		{"fromIon timestamp", `{{ fromIon('{date:2024-04-21T23:00:00.000Z}').date }}`, "2024-04-21T23:00:00.000Z"},
		{"fromIon round trip", `{{ fromIon(second.map | toIon).string }}`, "string"},
		{"fromIon annotations and lists", `{{ fromIon("a::[1, 'sym', (x y), '''long''' '''er''']") }}`, `[1,"sym",["x","y"],"longer"]`},
		{"fromIon null", `{{ fromIon(null) ?? 'none' }}`, "none"},
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

func TestYAMLAndIonErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		// FromIonFunctionTest.exception
		{"fromIon not ion", "{{ fromIon('{not: ion') }}", "Invalid ion: "},
		{"fromIon not a string", "{{ fromIon(1) }}", "The 'fromIon' function expects an argument 'ion' with type string."},
		{"yaml() not yaml", "{{ yaml('a: [') }}", "Invalid yaml: "},
		{"yaml() not a string", "{{ yaml(1) }}", "The 'yaml' function expects an argument 'yaml' with type string."},
		{"yaml() alias bomb", "{{ yaml('a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]') }}", "template work budget exceeded"},
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
