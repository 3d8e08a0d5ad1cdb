package templating

import (
	"errors"
	"strings"
	"testing"
)

// pebbleEnv is testEnv plus the variables of Pebble's own tests (users, data...).
func pebbleEnv() *Env {
	env := testEnv()
	users := []any{
		map[string]any{"username": "Alex"},
		map[string]any{"username": "Bob"},
		map[string]any{"username": "John"},
	}
	for k, v := range map[string]any{
		"users":     users,
		"two":       users[:2],
		"data":      map[string]any{"One": int64(1), "Three": int64(3), "Two": int64(2)},
		"balances":  []any{map[string]any{"balance": int64(1)}, map[string]any{"balance": int64(2)}, map[string]any{"balance": int64(3)}},
		"name":      "joe",
		"outer":     "OUTER",
		"inner":     "INNER",
		"alpha":     true,
		"beta":      false,
		"variable":  "x",
		"nullValue": nil,
	} {
		env.Vars[k] = v
	}
	return env
}

// pebbleCase is a template, the output Pebble (or Kestra) gives, and where that comes from.
type pebbleCase struct {
	name, src, want string
}

func runPebbleCases(t *testing.T, cases []pebbleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renderString(tc.src, pebbleEnv())
			if err != nil {
				t.Fatalf("render %q: unexpected error: %v", tc.src, err)
			}
			if got != tc.want {
				t.Errorf("render %q: got %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

// Expected values from Pebble 3.2's CoreTagsTest (testIf, testIfThenElse, testIfWithDirectProperty)
// and Kestra's flow-control design, section 9.
func TestIfTag(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"testIf", "{% if false or beta == true  %}yes{% else %}no{% endif %}", "no"},
		{"testIfThenElse", "{% if alpha %}alpha{% elseif beta %}beta{% else %}gamma{% endif %}", "alpha"},
		{"elseif taken", "{% if beta %}alpha{% elseif alpha %}beta{% else %}gamma{% endif %}", "beta"},
		{"else taken", "{% if beta %}a{% elseif beta %}b{% else %}c{% endif %}", "c"},
		{"testIfWithDirectProperty", "{% if variable %}yes{% else %}no{% endif %}", "yes"},
		{"the string false is true", "{% if 'false' %}yes{% endif %}", "yes"},
		{"empty string is false", "{% if '' %}yes{% else %}no{% endif %}", "no"},
		{"zero is false", "{% if 0 %}yes{% else %}no{% endif %}{% if 0.5 %}yes{% endif %}", "noyes"},
		{"defined test", "{% if nope is defined %}a{% else %}b{% endif %}{% if flow is not defined %}c{% endif %}", "b"},
		{"nested", "{% if true %}{% if false %}x{% else %}y{% endif %}{% endif %}", "y"},
		{"angle style", "<< if inputs.count > 2 >>many<< else >>few<< endif >>", "many"},
		// Pebble 3.2's LogicTest.
		{"testUnaryOperators", "{% if -2 == -+(5 - 3) %}yes{% else %}no{% endif %}", "yes"},
		{"testNotUnaryOperator", "{% if not (beta) %}yes{% else %}no{% endif %}", "yes"},
		{"testMathematicalOperations", "{{ 8 + 5 * 4 - (6 + 10 / 2)  + 44 }}-{{ 10%3 }}", "61-1"},
		{"testTernary", "{{ true ? 1 : 2 }}-{{ 1 + 4 == 5 ?(2-1) : 2 }}", "1-1"},
		{"testComparisonWithDifferingTypes", "{% if 3 > 2.0 %}yes{% endif %}", "yes"},
		{"testEqualsOperator", "{% if 'blue' equals 'red' %}no{% else %}yes{% endif %}", "yes"},
		{"testEqualsOperatorWithNulls", "{% if null equals null %}yes{% endif %}{% if null equals nullValue %}yes{% else %}no{% endif %}", "yesyes"},
		{"testIsOddWithAddition", "{% if 1 + 2 is odd %} true {% else %} false {% endif %}", " true "},
		{"testAndWithTests", "{% if 3 is odd and 5 is odd %} true {% else %} false {% endif %}", " true "},
		// Pebble 3.2's CoreTestsTest.
		{"testEven", "{% if 2 is even %}yes{% else %}no{% endif %}{% if 3 is even %}no{% else %}yes{% endif %}", "yesyes"},
		{"testNull", "{% if null is null %}yes{% endif %}{% if nullValue is null %}yes{% endif %}{% if 2 is null %}no{% else %}yes{% endif %}", "yesyesyes"},
		{"testEmpty", "{% if null is empty() %}yes{% endif %}{% if '  ' is empty() %}yes{% endif %}{% if empty is empty() %}yes{% endif %}", "yesyesyes"},
		{"testIterables", "{% if null is iterable() %}no{% else %}yes{% endif %}{% if items is iterable() %}yes{% else %}no{% endif %}{% if flow.id is iterable() %}no{% else %}yes{% endif %}", "yesyesyes"},
		{"testNegativeTest", "{% if 2 is not odd %}yes{% else %}no{% endif %}{% if null is not iterable() %}yes{% else %}no{% endif %}", "yesyes"},
		{"testNotTest", "{% if not (2 is odd) %}yes{% else %}no{% endif %}", "yes"},
		{"testMapTest", "{% if {} is map %}true{% else %}false{% endif %}", "true"},
		{"testDefinedAttribute", "{% if flow.id is defined %}yes{% else %}no{% endif %}{% if flow.nope is defined %}no{% else %}yes{% endif %}", "yesyes"},
		{"testContains", "{% if items contains 'b' %}yes{% else %}no{% endif %}", "yes"},
	})
}

// Expected values from Pebble 3.2's CoreTagsTest (testFor, testForWithMap,
// testForSequenceNumber, testForElse, testForWithNullIterable, testReSetInForLoop) and
// ForTest.
func TestForTag(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"testFor", "{% for user in users %}{% if loop.first %}[{{ loop.length }}]{% endif %}{% if loop.last %}[{{ loop.length }}]{% endif %}{{ loop.index }}{{ loop.revindex }}{{ user.username }}{% endfor %}",
			"[3]02Alex11Bob[3]20John"},
		{"ForTest index", "{% for user in users %}{% if loop.index < ( loop.length - 1) %}{{user.username}}{% endif %}{% endfor %}", "AlexBob"},
		{"ForTest revindex", "{% for user in two %}{% if (loop.revindex - 1) >= 0 %}{{user.username}}{% endif %}{% endfor %}", "Alex"},
		// Pebble iterates a HashMap's entries; a flow's maps are sorted by key here.
		{"testForWithMap", "{% for entry in data %}{{ entry.key }} {{ entry.value }}{% endfor %}", "One 1Three 3Two 2"},
		{"testForSequenceNumber", "{% for i in 0..5 %}{{i}}{% endfor %}", "012345"},
		{"range down", "{{ 3..1 }}", "[3,2,1]"},
		{"range of characters", "{% for c in 'a'..'c' %}{{ c }}{% endfor %}", "abc"},
		{"testForElse", "{% for user in empty %}{{ user.username }}{% else %}yes{% endfor %}", "yes"},
		{"testForWithNullIterable", "{% for user in nullValue %}{{ loop.index }}{% else %}no{% endfor %}", ""},
		{"testReSetInForLoop", "{% set total = 0 %}{% for i in 1..1 %}{% for item in balances %}{% set total = total + item.balance %}{% endfor %}{% endfor %}{{ total }}", "6"},
		{"variable set in a loop is gone after it", "{% for i in items %}{% set seen = i %}{% endfor %}{{ seen is defined }}", "false"},
		{"loop variable is gone after it", "{% for i in items %}{% endfor %}{{ i is defined }} {{ loop is defined }}", "false false"},
		{"nested loops", "{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}{% endfor %}", "1x0 1y1 2x0 2y1 "},
		{"angle style", "<< for x in items >><< x >><< endfor >>", "abc"},
	})
}

// Expected values from Pebble 3.2's CoreTagsTest (testSet) and ScopeTest.
func TestSetTag(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"testSet", "{% set name = 'alex'  %}{{ name }}", "alex"},
		{"shadows a variable", "{% set flow = 'x' %}{{ flow }}", "x"},
		{"set to an expression", "{% set n = inputs.count * 2 %}{{ n + 1 }}", "7"},
		{"set a map", "{% set m = {'a': [1, 2]} %}{{ m.a[1] }}", "2"},
		{"angle style", "<< set x = 'v' >><< x >>", "v"},
	})
}

// Expected values from Pebble 3.2's MacroTest (testMacroWithDefaultArgument,
// testMacroInvokedTwice, testMacroInvocationWithoutAllArguments) and section 9: a macro sees
// only its arguments.
func TestMacroTag(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"default argument", "{% macro input(type='text', name) %}{{ type }} {{ name }}{% endmacro %}{{ input(name='country') }}", "text country"},
		{"invoked twice", "{% macro m(x) %}{{ x }}{% endmacro %}{{ m('one') }}{{ m('two') }}", "onetwo"},
		{"defined after use", "{{ m(1) }}{% macro m(x) %}<{{ x }}>{% endmacro %}", "<1>"},
		{"missing argument is null", "{% macro m(a, b) %}{{ b is null }}{% endmacro %}{{ m(1) }}", "true"},
		{"sees only its arguments", "{% set outside = 1 %}{% macro m() %}{{ outside is defined }} {{ flow is defined }}{% endmacro %}{{ m() }}", "false false"},
		{"its sets stay inside", "{% macro m() %}{% set x = 2 %}{{ x }}{% endmacro %}{% set x = 1 %}{{ m() }}{{ x }}", "21"},
		{"filtered", "{% macro m() %}hello{% endmacro %}{{ m() | upper }}", "HELLO"},
		{"testMacroHasAccessToGlobalVariables", "{% set foo = 'bar' %}{{ test(_context) }}{% macro test(_context) %}{% set foo = 'foo' %}{{ _context.foo }}{{ foo }}{% endmacro %}", "barfoo"},
		{"testMacroInvocationWithoutAllArguments", "{{ test('1') }}{% macro test(one,two) %}{{ one }}{{ two | default('') }}{% endmacro %}", "1"},
		{"calls another macro", "{% macro a(x) %}[{{ b(x) }}]{% endmacro %}{% macro b(y) %}{{ y }}{% endmacro %}{{ a(3) }}", "[3]"},
	})
}

// Expected values from Pebble 3.2's CoreTagsTest (testFilterTag, testChainedFilterTag).
func TestFilterTag(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"testFilterTag", "{% filter upper %}hello{% endfilter %}", "HELLO"},
		{"chained", "{% filter lower | replace({'l': 'L'}) %}HELLO {{ flow.id }}{% endfilter %}", "heLLo heLLo"},
		{"with an argument", "{% filter abbreviate(5) %}hello world{% endfilter %}", "he..."},
	})
}

// Expected values from Kestra's PebbleVariableRendererTest.macro and Pebble 3.2's
// CoreTagsTest.testBlockWithStringLiteralName; block() and endblock's name as Pebble's
// BlockFunction and BlockTokenParser read them.
func TestBlockTag(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"PebbleVariableRendererTest.macro", `{% block "post" %} content {% endblock %}{{ block("post") }}`, " content  content "},
		{"testBlockWithStringLiteralName", "{% block 'content' %}hello{% endblock 'content' %}", "hello"},
		{"a name, endblock naming it", "{% block head %}{{ name }}{% endblock head %}|{{ block('head') | upper }}", "joe|JOE"},
		{"used before it is written", "{{ block('b') }}-{% block b %}x{% endblock %}", "x-x"},
		{"flowctl style", "<< block b >>y<< endblock >><< block('b') >>", "yy"},
		{"README's example", "{% block greet %}hi {% endblock %}{{ block('greet') | upper }}", "hi HI "},
	})
	runErrorCasesIn(t, pebbleEnv(), []errorCase{
		{"no such block", "{{ block('nope') }}",
			"line 1, col 1: Unable to render the expression `{{ block('nope') }}` at line 1: block: the template has no block named \"nope\""},
		{"twice", "{% block a %}{% endblock %}{% block a %}{% endblock %}",
			"line 1, col 37: `{% block a %}`: block \"a\" is defined twice"},
		{"unclosed", "{% block a %}x",
			"line 1, col 1: unclosed `{% block a %}`: no `endblock` tag after it"},
		{"calls itself", "{% block a %}{{ block('a') }}{% endblock %}",
			"line 1, col 14: Unable to render the expression `{{ block('a') }}` at line 1: block a: nested more than 100 deep (does it call itself?)"},
	})
}

// Expected values from Pebble 3.2's WhitespaceControlTest and the lexer's comment rules.
func TestWhitespaceControlAndComments(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"print both sides", "{{ flow.id }} <li>   {{- flow.id -}}   \t</li> {{ flow.id }}", "hello <li>hello</li> hello"},
		{"tag both sides", "<li>\n  {%- if true -%}\n  yes\n  {%- endif -%}\n</li>", "<li>yes</li>"},
		{"for trimmed", "[\n{%- for x in items %}\n  {{ x }}\n{%- endfor %}\n]", "[\n  a\n  b\n  c\n]"},
		{"angle trim", "a  <<- flow.id ->>  b", "ahellob"},
		// Pebble 3.2's WhitespaceControlTest.
		{"testLeadingWhitespaceTrimWithPrint", "<li>    \t{{- flow.id }}</li>", "<li>hello</li>"},
		{"testTrailingWhitespaceTrimWithPrint", "<li>{{ flow.id -}}   \t</li>", "<li>hello</li>"},
		{"testNewlineTrim", "<li>\n{{- flow.id -}}\n</li>", "<li>hello</li>"},
		{"testWhitespaceTrimWithExecute", "<li>    \t{%- if true %} success {% else %} fail {% endif -%}   \t</li>", "<li> success </li>"},
		{"testLeadingWhitespaceTrimWithComment", "<li>    \t{#- comment #}</li>", "<li></li>"},
		{"testTrailingWhitespaceTrimWithComment", "<li>{# comment -#}   \t</li>", "<li></li>"},
		{"testLeadingWhitespaceTrimWithVerbatim", "<li> {%- verbatim %}{{ bar }} {%- endverbatim %}</li>", "<li>{{ bar }}</li>"},
		{"testTrailingWhitespaceTrimWithVerbatim", "<li>{% verbatim -%} {{ bar }}{% endverbatim -%} </li>", "<li>{{ bar }}</li>"},
		{"comment", "a{# comment #}b", "ab"},
		{"comment over lines with a tag", "a{# {{ nope }}\n {% if %} #}b", "ab"},
		{"comment trimmed", "a  {#- x -#}  b", "ab"},
		{"unclosed comment is text", "echo ${#arr[@]}", "echo ${#arr[@]}"},
	})
}

// Expected values from Pebble 3.2's StringInterpolationTest.
func TestStringInterpolation(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"testSimpleVariableInterpolation", `{{ "Hello, #{name}" }}`, "Hello, joe"},
		{"testExpressionInterpolation", `{{ "1 plus 2 equals #{1 + 2}" }}`, "1 plus 2 equals 3"},
		{"testUnbalancedBrace", `{{ "#{3}}" }}`, "3}"},
		{"testVerbatim", `{% verbatim %}{{ "Sum: #{ 1 + 2 }" }}{% endverbatim %}`, `{{ "Sum: #{ 1 + 2 }" }}`},
		{"testStringInsideInterpolation", `{{ "The cow says: #{"\"moo\""}" }}`, `The cow says: "moo"`},
		{"testNestedInterpolation0", `{{ "Nested: #{ outer + " #{ inner }" }" }}`, "Nested: OUTER INNER"},
		{"testNestedInterpolation1", `{{ "#{"#{"#{'hi'}"}"}" }}`, "hi"},
		{"testWhitespace", `{{ "Outer:  #{ 3 + 4 }  " }}`, "Outer:  7  "},
		{"testCharactersNotInterpolation", `{{ "#bang #crash }!!" }}`, "#bang #crash }!!"},
		{"testHashInside", `{{ "The cow said ##{'moo'}#" }}`, "The cow said #moo#"},
		{"testSpaceBetweenHashAndBrace", `{{ "Green eggs and # {ham}" }}`, "Green eggs and # {ham}"},
		{"testSingleQuoteNoInterpolation", `{{ '#{3}'}}`, "#{3}"},
		{"testDoubleQuotedInSingle", `{{ "The cow says: #{'moo' + '#{moo}'}" }}`, "The cow says: moo#{moo}"},
		{"testMultipleInterpolations", `{{ "#{1+1}#{2+2}" }}`, "24"},
		{"testNoRecursiveInterpolation", `{{ "Hey #{inputs.json}" }}`, `Hey {"a": 1, "b": [true, null, 2.5], "c": {"d": "e"}}`},
		{"testNewlineInInterpolation", "{{ \"Sum = #{ 'egg\negg'}\" }}", "Sum = egg\negg"},
	})
}

// The disagreements of issue 13, with Kestra's outputs: numbers as Java prints them,
// Pebble's truthiness, Pebble's string escapes, keys of a list.
func TestKestraRendering(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"double times int", "{{ 2.0 * 3 }}", "6.0"},
		{"int times int", "{{ 2 * 3 }}", "6"},
		{"join doubles", "{{ [1.0, 2.5] | join(',') }}", "1.0,2.5"},
		{"list of doubles", "{{ [1.0, 2.5] }}", "[1.0,2.5]"},
		{"double division", "{{ 1 / 4.0 }} {{ 10 / 4 }}", "0.25 2"},
		{"string false is true", "{{ 'false' ? 'yes' : 'no' }}", "yes"},
		{"backslash n stays", `{{ 'a\nb' }}`, `a\nb`},
		{"keys of a list", "{{ [0, 1] | keys }}", "[0,1]"},
		{"now in JSON has 6 digits", "{{ {'t': now()} | toJson }}", `{"t":"2026-11-26T17:04:05.123456Z"}`},
		{"json test", "{{ '{\"a\": 1}' is json }} {{ 'nope' is json }}", "true false"},
	})
}

// Errors of tags: located at the tag, naming it.
func TestTagErrors(t *testing.T) {
	const render = "Unable to render the expression `"
	runErrorCasesIn(t, pebbleEnv(), []errorCase{
		{"unclosed if", "a\n{% if true %}x",
			"line 2, col 1: unclosed `{% if true %}`: no `endif` tag after it"},
		{"endif alone", "x {% endif %}",
			"line 1, col 3: `{% endif %}`: endif without a `if` before it"},
		{"crossed ends", "{% for x in items %}{% if true %}{% endfor %}",
			"line 1, col 34: `{% endfor %}`: endfor where `{% if true %}` (line 1) is still open"},
		{"else twice", "{% if true %}{% else %}{% else %}{% endif %}",
			"line 1, col 24: `{% else %}`: else without an `if` or a `for` before it"},
		{"unknown tag", "{% iff x %}",
			"line 1, col 1: `{% iff x %}`: unknown tag \"iff\" (did you mean \"if\"?); flowctl knows the tags block, else, elseif, endblock, endfilter, endfor, endif, endmacro, filter, for, if, macro, set"},
		{"Pebble tag flowctl lacks", "{% extends 'base' %}",
			"line 1, col 1: `{% extends 'base' %}`: the Pebble tag \"extends\" is not supported by flowctl"},
		{"for without in", "{% for x items %}{% endfor %}",
			"line 1, col 1: `{% for x items %}`: for reads `for item in items`"},
		{"set without =", "{% set x 1 %}",
			"line 1, col 1: `{% set x 1 %}`: set reads `set name = value`"},
		{"if without condition", "{% if %}{% endif %}",
			"line 1, col 1: `{% if %}`: if needs a condition"},
		{"bad condition", "{% if 1 + %}{% endif %}",
			"line 1, col 10: `{% if 1 + %}`: unexpected end of expression, expected a value"},
		{"unknown filter in filter tag", "{% filter nope %}x{% endfilter %}",
			"line 1, col 11: `{% filter nope %}`: unknown filter \"nope\"; flowctl knows the filters " + strings.Join(filterNames(), ", ")},
		{"unknown macro", "{{ mm(1) }}",
			"line 1, col 4: invalid expression `{{ mm(1) }}`: unknown function \"mm\"; flowctl knows the functions " + strings.Join(functionNames(), ", ")},
		{"macro argument unknown", "{% macro m(a) %}{% endmacro %}{{ m(b=1) }}",
			"line 1, col 36: invalid expression `{{ m(b=1) }}`: macro \"m\" has no argument named \"b\" (it takes at most 1 argument (a))"},
		{"macro twice", "{% macro m() %}{% endmacro %}{% macro m() %}{% endmacro %}",
			"line 1, col 39: `{% macro m() %}`: macro \"m\" is defined twice"},
		{"list as condition", "{% if items %}x{% endif %}",
			"line 1, col 1: " + render + "{% if items %}` at line 1: if statement needs a boolean, a number or a string, got a list"},
		{"null as condition", "{% if nullValue %}x{% endif %}",
			"line 1, col 1: " + render + "{% if nullValue %}` at line 1: null value given to if statement"},
		{"missing variable in a condition", "x\n {% if nope %}x{% endif %}",
			"line 2, col 2: Unable to find `nope` used in the expression `{% if nope %}` at line 2"},
		{"for over a string", "{% for c in flow.id %}{% endfor %}",
			"line 1, col 1: " + render + "{% for c in flow.id %}` at line 1: for needs a list or a map, got the string \"hello\""},
		{"range of a string and a number", "{% for i in 'a'..5 %}{% endfor %}",
			"line 1, col 1: " + render + "{% for i in 'a'..5 %}` at line 1: .. needs two numbers or two characters, got the string \"a\" and the number 5"},
		{"null in and", "{{ nullValue and true }}",
			"line 1, col 1: " + render + "{{ nullValue and true }}` at line 1: null value given to and operator"},
		{"list in a ternary", "{{ items ? 'y' : 'n' }}",
			"line 1, col 1: " + render + "{{ items ? 'y' : 'n' }}` at line 1: ?: needs a boolean, a number or a string, got a list"},
		{"error inside a loop body", "{% for x in items %}\n  {{ x.nope }}{% endfor %}",
			"line 2, col 3: Unable to find `x.nope` used in the expression `{{ x.nope }}` at line 2"},
		{"macro calling itself", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
			"line 1, col 16: " + render + "{{ m() }}` at line 1: macro m: nested more than 100 deep (does it call itself?)"},
	})
}

// A loop cannot get round the budget: its text is charged at every turn.
func TestLoopBudget(t *testing.T) {
	env := pebbleEnv()
	env.Limits = Limits{Bytes: 1 << 10}
	_, err := renderString("{% for i in 1..10000 %}0123456789{% endfor %}", env)
	var be *BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want a budget error", err)
	}
}

// fromJson's objects keep the order they were written in, as Kestra's LinkedHashMaps do,
// printed, listed by keys, and gone through by for. Map literals are Pebble's HashMaps
// (MapExpression.evaluate in Pebble 3.2.2): they come in the order of Java's hash table, so
// {'b': 1, 'a': 2} prints {"a":2,"b":1} in Kestra ("a" hashes to bucket 1, "b" to 2, and
// "id" to 3 after "n" in 2).
func TestMapOrder(t *testing.T) {
	runPebbleCases(t, []pebbleCase{
		{"literal printed", "{{ {'b': 1, 'a': 2} }}", `{"a":2,"b":1}`},
		{"literal toJson", "{{ {'b': 1, 'a': {'z': 0, 'y': 1}} | toJson }}", `{"a":{"y":1,"z":0},"b":1}`},
		{"literal keys", "{{ {'b': 1, 'a': 2} | keys }}", `["a","b"]`},
		{"literal in a for", "{% for e in {'b': 1, 'a': 2} %}{{ e.key }}{{ e.value }}{% endfor %}", "a2b1"},
		{"key written twice: its last value", "{{ {'b': 1, 'a': 2, 'b': 3} }}", `{"a":2,"b":3}`},
		{"hash table order, not sorted", "{{ {'id': 1, 'n': 2} | keys }} {{ {'a': 1, 'q': 2, 'e': 3} | keys }}", `["n","id"] ["a","q","e"]`},
		{"fromJson printed", `{{ fromJson('{"z": 1, "a": {"y": 2, "b": 3}}') }}`, `{"z":1,"a":{"y":2,"b":3}}`},
		{"fromJson keys", `{{ fromJson('{"z": 1, "a": 2}') | keys }}`, `["z","a"]`},
		{"fromJson in a for", `{% for e in fromJson('{"z": 1, "a": 2}') %}{{ e.key }}{% endfor %}`, "za"},
		{"lookup", "{{ {'b': 1, 'a': 2}.a }} {{ {'b': 1}['b'] }}", "2 1"},
		{"length, contains, is map", "{{ {'b': 1, 'a': 2} | length }} {{ {'b': 1} contains 'b' }} {{ {'b': 1} is map }}", "2 true true"},
		{"equal whatever the order", "{{ {'b': 1, 'a': 2} == {'a': 2, 'b': 1} }} {{ {'k': 'v'} == obj.nested }}", "true true"},
		{"a caller's map stays sorted", "{{ obj | keys }}", `["a","b","nested"]`},
		{"set keeps the order", "{% set m = {'y': 1, 'x': 2} %}{{ m }}", `{"x":2,"y":1}`},
	})
}
