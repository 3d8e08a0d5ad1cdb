package templating

import "testing"

func TestLiterals(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"single quoted", "{{ 'it works' }}", "it works"},
		{"double quoted", `{{ "it works" }}`, "it works"},
		{"escaped quote", `{{ 'it\'s' }}`, "it's"},
		{"escaped double quote", `{{ "say \"hi\"" }}`, `say "hi"`},
		// Pebble unescapes only the quote (LexerImpl.unquoteAndUnescape): 'a\nb' is a
		// backslash and an n, as in Kestra.
		{"escapes", `{{ 'a\nb\tc\\d' }} {{ 'it\'s' }} {{ "say \"hi\"" }}`, `a\nb\tc\\d it's say "hi"`},
		{"unknown escape kept", `{{ '\d+' }}`, `\d+`},
		{"other quote inside", `{{ "it's" }}`, "it's"},
		{"braces in string", `{{ '{{ x }}' }}`, "{{ x }}"},
		{"integer", "{{ 42 }}", "42"},
		{"decimal", "{{ 3.25 }}", "3.25"},
		{"negative", "{{ -7 }}", "-7"},
		{"true", "{{ true }}", "true"},
		{"false", "{{ false }}", "false"},
		{"list", "{{ [1, 'a', true] }}", `[1,"a",true]`},
		{"empty list", "{{ [] }}", "[]"},
		{"nested list", "{{ [[1], [2, 3]] }}", "[[1],[2,3]]"},
		// A map literal keeps the order it was written in, as Kestra's LinkedHashMap (issue 13).
		{"map", "{{ {'b': 1, 'a': 'x'} }}", `{"a":"x","b":1}`},
		{"empty map", "{{ {} }}", "{}"},
		{"map with expression values", "{{ {'id': flow.id, 'n': 1 + 1} }}", `{"n":2,"id":"hello"}`},
		{"huge integer becomes float", "{{ 99999999999999999999 }}", "1.0E20"},
	})
}

func TestPaths(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"dotted", "{{ outputs.build.vars.version }}", "1.2.3"},
		{"bracket with dash", "{{ outputs['my-task'].value }}", "mine"},
		{"bracket double quotes", `{{ outputs["my-task"]["value"] }}`, "mine"},
		{"dynamic key", "{{ labels[task.id == 'notify' ? 'team' : 'env'] }}", "data"},
		{"list index", "{{ items[0] }}{{ items[2] }}", "ac"},
		{"list index by dot", "{{ items.1 }}", "b"},
		{"computed index", "{{ items[1 + 1] }}", "c"},
		{"index on a literal", "{{ [10, 20][1] }}", "20"},
		{"attribute of a literal map", "{{ {'a': {'b': 'c'}}.a.b }}", "c"},
		{"attribute of a call", "{{ fromJson(inputs.json).c.d }}", "e"},
		{"attribute of parentheses", "{{ (outputs.build).vars.version }}", "1.2.3"},
		{"string slice type", "{{ strs[1] }}", "y"},
		{"string map type", "{{ smap.k }}", "v"},
		{"int variable", "{{ int }}", "42"},
		{"whole map", "{{ outputs.build }}", `{"exitCode":0,"vars":{"version":"1.2.3"}}`},
		{"whole list", "{{ nums }}", "[1,2,3.5]"},
		{"envs", "{{ envs.region }}", "eu"},
		{"typed map", "{{ counts.a }} {{ counts }}", `1 {"a":1,"b":0}`},
		{"typed slice", "{{ ints[1] }} {{ ints | length }}", "5 2"},
		{"large unsigned", "{{ huge }} {{ huge > 1 }}", "9223372036854775808 true"},
		{"spaces around dots", "{{ outputs . build . vars . version }}", "1.2.3"},
	})
}

func TestOperators(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"add", "{{ 1 + 2 }}", "3"},
		{"subtract", "{{ 5 - 7 }}", "-2"},
		{"multiply", "{{ 6 * 7 }}", "42"},
		{"integer division truncates", "{{ 7 / 2 }}", "3"},
		{"float division", "{{ 7 / 2.0 }}", "3.5"},
		{"modulo", "{{ 7 % 3 }}", "1"},
		{"float modulo", "{{ 7.5 % 2 }}", "1.5"},
		{"mixed int and float", "{{ inputs.count * inputs.ratio }}", "1.5"},
		{"json number", "{{ jnum + 1 }} {{ jfloat * 2 }}", "43 2.5"},
		{"unary minus", "{{ -inputs.count }}", "-3"},
		{"unary plus", "{{ +inputs.ratio }}", "0.5"},
		{"string plus concatenates", "{{ 'v' + 1 }}", "v1"},
		{"list plus appends", "{{ items + 1 }}", `["a","b","c",1]`},
		// Pebble's OperatorUtils.add and ConcatenateExpression write their operands with Java's
		// toString: a list [a, b], a map {k=v}, null "null" for + and nothing for ~. A string
		// that is one interpolation and nothing else is that value (ExpressionParser).
		{"string wins over list, as in Pebble", "{{ items + 'd' }}", "[a, b, c]d"},
		{"concatenation writes Java's text", "{{ 'a' + null }} {{ 'a' ~ null }} {{ 'x' ~ {'k': [1, 2.5]} }} {{ \"v: #{[1, 'b']}\" }} {{ \"#{[1, 'b']}\" }}", `anull a x{k=[1, 2.5]} v: [1, b] [1,"b"]`},
		{"list plus list", "{{ [1] + [2, 3] }}", "[1,2,3]"},
		{"tilde", "{{ flow.namespace ~ '.' ~ flow.id }}", "dev.hello"},
		{"tilde numbers", "{{ 1 ~ 2 }}", "12"},
		{"equal", "{{ flow.id == 'hello' }}", "true"},
		{"equals word", "{{ flow.id equals 'hello' }}", "true"},
		{"not equal", "{{ flow.id != 'hello' }}", "false"},
		{"numbers equal across types", "{{ 3 == 3.0 }} {{ inputs.count == 3 }} {{ jnum == 42 }}", "true true true"},
		{"string is not number", "{{ '3' == 3 }}", "false"},
		{"null equals null", "{{ inputs.nothing == null }}", "true"},
		{"lists equal", "{{ [1, 'a'] == [1, 'a'] }} {{ [1] == [2] }}", "true false"},
		{"maps equal", "{{ {'a': 1} == {'a': 1.0} }}", "true"},
		{"less", "{{ 1 < 2 }} {{ 2 < 1 }}", "true false"},
		{"greater", "{{ 2.5 > 2 }}", "true"},
		{"less or equal", "{{ 2 <= 2 }} {{ 3 <= 2 }}", "true false"},
		{"greater or equal", "{{ 2 >= 3 }}", "false"},
		// Pebble's OperatorUtils: a comparison with null is false (LogicTest.testComparisonWithNull).
		{"compared with null", "{{ inputs.nothing > 2 }} {{ 3 <= inputs.nothing }}", "false false"},
		{"and", "{{ true and false }} {{ true and true }}", "false true"},
		{"or", "{{ false or true }} {{ false or false }}", "true false"},
		{"not", "{{ not false }} {{ not inputs.flag }}", "true false"},
		// Pebble's TypeUtils.compatibleCast: a non-empty string is true, "false" included.
		{"string truth", "{{ inputs.off or false }} {{ not inputs.off }} {{ '' ? 'y' : 'n' }}", "true false n"},
		{"number truth", "{{ 0 ? 'y' : 'n' }} {{ 2.5 ? 'y' : 'n' }} {{ counts.b or false }}", "n y false"},
		// Pebble's TernaryExpression takes a null condition as false.
		{"null truth", "{{ inputs.nothing ? 'y' : 'n' }}", "n"},
		{"and short-circuits", "{{ false and nope.x }}", "false"},
		{"or short-circuits", "{{ true or nope.x }}", "true"},
		{"contains substring", "{{ flow.id contains 'ell' }}", "true"},
		{"contains element", "{{ items contains 'b' }} {{ items contains 'z' }}", "true false"},
		{"contains every element", "{{ items contains ['a', 'c'] }} {{ items contains ['a', 'z'] }}", "true false"},
		{"contains key", "{{ labels contains 'team' }}", "true"},
		{"contains number in list", "{{ nums contains 2.0 }}", "true"},
		{"ternary", "{{ inputs.count > 2 ? 'many' : 'few' }}", "many"},
		{"ternary false", "{{ inputs.flag ? 'on' : 'off' }}", "on"},
		{"ternary nested", "{{ false ? 'a' : true ? 'b' : 'c' }}", "b"},
		{"ternary in parentheses", "{{ (1 > 2 ? 'a' : 'b') ~ '!' }}", "b!"},
		{"coalesce missing", "{{ inputs.nme ?? 'fallback' }}", "fallback"},
		{"coalesce null", "{{ inputs.nothing ?? 'fallback' }}", "fallback"},
		{"coalesce present", "{{ inputs.name ?? 'fallback' }}", "world"},
		{"coalesce keeps empty string", "[{{ inputs.blank ?? 'x' }}]", "[  ]"},
		{"coalesce chain", "{{ a ?? b ?? 'c' }}", "c"},
		{"coalesce deep missing", "{{ outputs.nope.vars.x ?? 'n/a' }}", "n/a"},
		{"undefined coalesce missing", "{{ inputs.nme ??? 'x' }}", "x"},
		{"undefined coalesce keeps null", "[{{ inputs.nothing ??? 'x' }}]", "[]"},
		{"is defined", "{{ inputs.name is defined }} {{ inputs.nme is defined }}", "true false"},
		{"is not defined", "{{ outputs.x.y is not defined }}", "true"},
		{"is null", "{{ inputs.nothing is null }} {{ inputs.name is null }}", "true false"},
		{"is empty", "{{ empty is empty }} {{ inputs.blank is empty }} {{ items is empty }}", "true true false"},
		{"is even odd", "{{ 4 is even }} {{ 3 is odd }} {{ 3 is not odd }}", "true true false"},
		{"is iterable map", "{{ items is iterable }} {{ labels is map }}", "true true"},
	})
}

// Pebble's precedences: or 10, and 15, is/contains 20, comparisons 30, + - 40, * / % 60,
// | 100, ~ 110, ?? 120, unary 500; ?: lowest. Each case would come out differently under
// another order.
func TestPrecedence(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"multiply before add", "{{ 2 + 3 * 4 }}", "14"},
		{"parentheses first", "{{ (2 + 3) * 4 }}", "20"},
		{"subtraction is left associative", "{{ 10 - 2 - 3 }}", "5"},
		{"division is left associative", "{{ 64 / 4 / 2 }}", "8"},
		{"modulo with multiply", "{{ 2 * 3 % 4 }}", "2"},
		{"unary minus binds tight", "{{ -2 * 3 }}", "-6"},
		{"arithmetic before comparison", "{{ 1 + 2 == 3 }}", "true"},
		{"and before or", "{{ true or false and false }}", "true"},
		{"parenthesized or", "{{ (true or false) and false }}", "false"},
		{"comparison before and", "{{ 1 < 2 and 3 > 4 }}", "false"},
		{"contains before and", "{{ items contains 'a' and items contains 'z' }}", "false"},
		{"not binds to its operand only", "{{ not 1 == 2 }}", "false"},
		{"not with parentheses", "{{ not (1 == 2) }}", "true"},
		{"not before and", "{{ not false and false }}", "false"},
		{"filter after concatenation", "{{ 'a' ~ 'b' | upper }}", "AB"},
		{"filter before addition", "{{ 'x' + 'b' | upper }}", "xB"},
		{"concatenation before addition", "{{ 'n=' ~ 1 + 2 }}", "n=12"},
		{"filter binds to the right operand of +", "{{ 1 + items | length }}", "4"},
		{"coalesce before filter", "{{ inputs.nme ?? 'x' | upper }}", "X"},
		{"coalesce before concatenation", "{{ 'a' ~ inputs.nme ?? 'b' }}", "ab"},
		{"ternary lowest", "{{ 1 + 1 == 2 ? 'yes' : 'no' }}", "yes"},
		{"ternary branches are full expressions", "{{ true ? 1 + 2 : 0 }}", "3"},
		{"default reaches across the path", "{{ outputs.nope.vars.version | default('none') }}", "none"},
		{"filters chain left to right", "{{ '  Hi ' | trim | upper | length }}", "2"},
	})
}
