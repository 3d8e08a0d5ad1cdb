package templating

import "testing"

func TestFilters(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"default on missing", "{{ inputs.nme | default('x') }}", "x"},
		{"default on null", "{{ inputs.nothing | default('x') }}", "x"},
		{"default on blank string", "{{ inputs.blank | default('x') }}", "x"},
		{"default on empty list", "{{ empty | default('none') }}", "none"},
		{"default keeps a value", "{{ inputs.name | default('x') }}", "world"},
		{"default keeps false", "{{ inputs.flag | default('x') }}", "true"},
		{"default keeps zero", "{{ outputs.build.exitCode | default(1) }}", "0"},
		{"default with a variable", "{{ inputs.nme | default(flow.id) }}", "hello"},
		{"default with a number", "{{ inputs.nme | default(5) + 1 }}", "6"},
		{"default named argument", "{{ inputs.nme | default(default='x') }}", "x"},
		{"upper", "{{ inputs.name | upper }}", "WORLD"},
		{"upper number", "{{ 1.5 | upper }}", "1.5"},
		{"lower", "{{ 'MiXeD' | lower }}", "mixed"},
		{"trim", "[{{ '  a b \n' | trim }}]", "[a b]"},
		{"toJson string", "{{ inputs.name | toJson }}", `"world"`},
		{"toJson map", "{{ obj | toJson }}", `{"a":1,"b":2,"nested":{"k":"v"}}`},
		{"toJson keeps html", "{{ inputs.html | toJson }}", `"<b>&</b>"`},
		{"toJson number", "{{ 3 | toJson }}", "3"},
		{"json alias", "{{ items | json }}", `["a","b","c"]`},
		{"toJson escapes quotes", `{{ 'say "hi"' | toJson }}`, `"say \"hi\""`},
		{"length string", "{{ inputs.name | length }}", "5"},
		{"length counts characters", "{{ 'héllo' | length }}", "5"},
		{"length list", "{{ items | length }}", "3"},
		{"length map", "{{ labels | length }}", "2"},
		{"length null", "{{ inputs.nothing | length }}", "0"},
		{"first list", "{{ items | first }}", "a"},
		{"first string", "{{ 'héllo' | first }}", "h"},
		{"last list", "{{ nums | last }}", "3.5"},
		{"last string", "{{ 'abé' | last }}", "é"},
		{"join", "{{ items | join(',') }}", "a,b,c"},
		{"join without separator", "{{ items | join }}", "abc"},
		{"join numbers", "{{ nums | join(' + ') }}", "1 + 2 + 3.5"},
		// Java's String.toUpperCase, toLowerCase (full Unicode mappings) and trim (only the
		// characters up to U+0020), which Pebble's upper, lower and trim call; other values
		// through their toString.
		{"upper lower trim as Java's", "{{ 'straße' | upper }} {{ 'ΟΔΟΣ' | lower }} [{{ '\u00a0x \t' | trim }}] {{ [1, 'a'] | upper }}", "STRASSE οδος [\u00a0x] [1, A]"},
		// Pebble's LengthFilter: an Integer, a string's Java length (UTF-16 units), 0 for a
		// value that is not text, a list or a map.
		{"length as Java's", "{{ 3 | length }} {{ '😀é' | length }} {{ [1] | length | className }}", "0 3 java.lang.Integer"},
		// Pebble's JoinFilter appends each item to a StringBuilder: Java's toString, null "null".
		{"join nested and null", "{{ [[1, 'a'], null, {'k': 2}] | join(';') }}", "[1, a];null;{k=2}"},
		{"replace", "{{ 'a-b-c' | replace({'-': '_'}) }}", "a_b_c"},
		{"replace several", "{{ 'hello world' | replace({'hello': 'bye', 'world': 'all'}) }}", "bye all"},
		{"replace longest first", "{{ 'aaa' | replace({'a': 'x', 'aa': 'y'}) }}", "yx"},
		{"replace regexp", "{{ 'v1.2.3' | replace({'[0-9]': 'N'}, regexp=true) }}", "vN.N.N"},
		{"replace regexp groups", "{{ 'key=value' | replace({'(\\w+)=(\\w+)': '$2=$1'}, regexp=true) }}", "value=key"},
		{"replace in list", "{{ items | replace({'b': 'B'}) }}", `["a","B","c"]`},
		{"replace in map", "{{ labels | replace({'data': 'ops'}) }}", `{"env":"prod","team":"ops"}`},
		{"split", "{{ 'a,b,c' | split(',') }}", `["a","b","c"]`},
		{"split drops trailing empties", "{{ 'a,b,,' | split(',') }}", `["a","b"]`},
		{"split keeps leading empty", "{{ ',a' | split(',') }}", `["","a"]`},
		{"split regex", "{{ 'a, b,c' | split(',\\s*') }}", `["a","b","c"]`},
		{"split dot is a regex", "{{ 'a.b' | split('\\.') }}", `["a","b"]`},
		{"split limit", "{{ 'a,b,c' | split(',', 2) }}", `["a","b,c"]`},
		{"split negative limit keeps empties", "{{ 'a,,' | split(',', -1) }}", `["a","",""]`},
		{"split empty delimiter", "{{ 'abc' | split('') }}", `["a","b","c"]`},
		{"split empty string", "{{ '' | split(',') }}", `[""]`},
		{"split then index", "{{ ('x/y/z' | split('/'))[1] }}", "y"},
		{"keys", "{{ obj | keys }}", `["a","b","nested"]`},
		{"keys join", "{{ labels | keys | join(' ') }}", "env team"},
		{"abbreviate", "{{ 'this is long' | abbreviate(7) }}", "this..."},
		{"abbreviate short enough", "{{ 'short' | abbreviate(10) }}", "short"},
		{"abbreviate exact length", "{{ 'short' | abbreviate(5) }}", "sh..."},
		{"abbreviate tiny", "{{ 'abcdef' | abbreviate(2) }}", "ab"},
		{"abbreviate characters", "{{ 'ééééééé' | abbreviate(5) }}", "éé..."},
		{"date", "{{ inputs.when | date('yyyy-MM-dd HH:mm', 'UTC') }}", "2026-01-02 03:04"},
		{"date from string", "{{ execution.startDate | date('yyyy-MM-dd', timeZone='UTC') }}", "2026-11-26"},
		{"date named format", "{{ inputs.when | date(format='dd/MM/yy', timeZone='UTC') }}", "02/01/26"},
	})
}

func TestFilterErrors(t *testing.T) {
	prefix := "line 1, col 1: Unable to render the expression "
	runErrorCases(t, []errorCase{
		{"join a string", "{{ 'a' | join(',') }}",
			prefix + "`{{ 'a' | join(',') }}` at line 1: filter join: needs a list, got the string \"a\""},
		{"join separator type", "{{ items | join(1) }}",
			prefix + "`{{ items | join(1) }}` at line 1: filter join: separator must be a string, got the number 1"},
		{"keys of a string", "{{ 'ab' | keys }}",
			prefix + "`{{ 'ab' | keys }}` at line 1: filter keys: 'keys' filter can only be applied to List, Map, Array. Actual type was: java.lang.String"},
		{"first of a map", "{{ labels | first }}",
			prefix + "`{{ labels | first }}` at line 1: filter first: needs a list or a string, got a map"},
		{"replace with a string", "{{ 'a' | replace('b') }}",
			prefix + "`{{ 'a' | replace('b') }}` at line 1: filter replace: replace_pairs must be a map such as {'a': 'b'}, got the string \"b\""},
		{"replace bad regexp", "{{ 'a' | replace({'(': 'b'}, regexp=true) }}",
			prefix + "`{{ 'a' | replace({'(': 'b'}, regexp=true) }}` at line 1: filter replace: invalid regular expression \"(\": error parsing regexp: missing closing ): `(`"},
		{"split bad regexp", "{{ 'a' | split('[') }}",
			prefix + "`{{ 'a' | split('[') }}` at line 1: filter split: invalid delimiter \"[\": error parsing regexp: missing closing ]: `[`"},
		{"abbreviate negative", "{{ 'abc' | abbreviate(-1) }}",
			prefix + "`{{ 'abc' | abbreviate(-1) }}` at line 1: filter abbreviate: length must not be negative, got -1"},
		{"date of a word", "{{ 'soon' | date('yyyy') }}",
			prefix + "`{{ 'soon' | date('yyyy') }}` at line 1: filter date: Text 'soon' could not be parsed: expected an ISO 8601 date such as 2024-01-31T10:00:00Z, 2024-01-31T10:00:00 or 2024-01-31, or give its existingFormat"},
		{"date bad letter", "{{ inputs.when | date('yyyy-bb') }}",
			prefix + "`{{ inputs.when | date('yyyy-bb') }}` at line 1: filter date: invalid date pattern \"yyyy-bb\": unknown pattern letter 'b'"},
		{"date bad zone", "{{ inputs.when | date('yyyy', 'Mars/Olympus') }}",
			prefix + "`{{ inputs.when | date('yyyy', 'Mars/Olympus') }}` at line 1: filter date: unknown time zone \"Mars/Olympus\""},
	})
}
