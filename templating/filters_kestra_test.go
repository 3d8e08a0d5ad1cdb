package templating

import (
	"strings"
	"testing"
)

// Expected values come from Kestra's tests (core/src/test/java/io/kestra/core/runners/pebble/
// filters/<Name>Test.java at Kestra 58c1ca2) and Pebble 3.2.2's
// (pebble/src/test/java/io/pebbletemplates/pebble/CoreFiltersTest.java), named in each case;
// the others are Java's documented behaviour, computed by hand.

func TestKestraStringFilters(t *testing.T) {
	runRenderCases(t, []renderCase{
		// CoreFiltersTest.testTitle, testTitleWithLeadingWhitespace
		{"title", "{{ 'test' | title }} {{ 'test test' | title }} {{ 'TEST TEST' | title }}", "Test Test Test TEST TEST"},
		{"title after whitespace", "{{ ' \ntest' | title }}", " \nTest"},
		{"title keeps inner case", "{{ 'hello wORLD-x' | title }}", "Hello WORLD-x"},
		// CoreFiltersTest.testCapitalize, testCapitalizeWithLeadingWhitespace, testCapitalizeWithEmptyString
		{"capitalize", "{{ 'this should be capitalized.' | capitalize }}", "This should be capitalized."},
		{"capitalize after whitespace", "{{ ' \nthis should be capitalized.' | capitalize }}", " \nThis should be capitalized."},
		{"capitalize empty", "[{{ '' | capitalize }}]", "[]"},
		// CoreFiltersTest.testBase64Encoder / testBase64Decoder
		{"base64encode", `{{ "test" | base64encode }}`, "dGVzdA=="},
		{"base64decode", `{{ "dGVzdA==" | base64decode }}`, "test"},
		{"base64decode without padding", `{{ "dGVzdA" | base64decode }}`, "test"},
		{"base64 utf-8", `{{ "héllo" | base64encode | base64decode }}`, "héllo"},
		{"base64encode a number", `{{ 12 | base64encode }}`, "MTI="},
		// CoreFiltersTest.testUrlEncode; UrlDecodeFilter.urldecode
		{"urlencode", "{{ 'The string ü@foo-bar' | urlencode }}", "The+string+%C3%BC%40foo-bar"},
		{"urlencode keeps star, escapes tilde", "{{ 'a*b~c' | urlencode }}", "a*b%7Ec"},
		{"urldecode", "{{ 'Kestra rulez !' | urlencode | urldecode }}", "Kestra rulez !"},
		{"urldecode plus", "{{ 'a+b%20c' | urldecode }}", "a b c"},
		// CoreFiltersTest.testSha256 ("test"); md5, sha1 and sha512 of "hello" as every
		// implementation gives them.
		{"sha256", `{{ "test" | sha256 }}`, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{"md5", `{{ "hello" | md5 }}`, "5d41402abc4b2a76b9719d911017c592"},
		{"sha1", `{{ "hello" | sha1 }}`, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"},
		{"sha512", `{{ "hello" | sha512 }}`, "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"},
		// SlugifyFilterTest.out
		{"slugify", "{{ \"Test\t\t\ntest*\" | slugify }}", "test-test"},
		{"slugify accents and underscores", "{{ ' Héllo_Wörld -- 2024! ' | slugify }}", "hello-world-2024"},
		// StartsWithFilterTest.out, EndsWithFilterTest.out
		{"startsWith", `{{ "Hello World" | startsWith("Hello") }}`, "true"},
		{"startsWith false", `{{ "Hello World" | startsWith("World") }}`, "false"},
		{"endsWith", `{{ "Hello World" | endsWith("World") }}`, "true"},
		{"endsWith named", `{{ "Hello World" | endsWith(value="Hello") }}`, "false"},
		// SubstringFilterTest
		{"substringBefore", "{{ 'a.b.c' | substringBefore('.') }}", "a"},
		{"substringAfter", "{{ 'a.b.c' | substringAfter(separator='.') }}", "b.c"},
		{"substringBeforeLast", "{{ 'a.b.c' | substringBeforeLast(separator='.') }}", "a.b"},
		{"substringBeforeLast positional", "{{ 'a.b.c' | substringBeforeLast('.') }}", "a.b"},
		{"substringAfterLast", "{{ 'a.b.c' | substringAfterLast('.') }}", "c"},
		{"substringBefore absent", "{{ 'abc' | substringBefore('.') }}", "abc"},
		{"substringAfter absent", "[{{ 'abc' | substringAfter('.') }}]", "[]"},
		{"substringBeforeLast absent", "{{ 'abc' | substringBeforeLast('.') }}", "abc"},
		{"substringAfterLast absent", "[{{ 'abc' | substringAfterLast('.') }}]", "[]"},
		{"substringBefore empty separator", "[{{ 'abc' | substringBefore('') }}]", "[]"},
		{"substringAfter empty separator", "{{ 'abc' | substringAfter('') }}", "abc"},
		// EscapeCharFilterTest.validTypes
		{"escapeChar single", `{{ "L'eau c'est la vie" | escapeChar('single') }}`, `L\'eau c\'est la vie`},
		{"escapeChar double", `{{ '"Hello"' | escapeChar('double') }}`, `\"Hello\"`},
		{"escapeChar shell", `{{ "L'eau c'est la vie" | escapeChar('shell') }}`, `L'\''eau c'\''est la vie`},
		{"escapeChar single empty", `[{{ '' | escapeChar('single') }}]`, `[]`},
		{"escapeChar double empty", `[{{ '' | escapeChar('double') }}]`, `[]`},
		{"escapeChar shell empty", `[{{ '' | escapeChar('shell') }}]`, `[]`},
		{"escapeChar in a list", `{{ ["it's", 1] | escapeChar('SINGLE') | join(' ') }}`, `it\'s 1`},
		// IndentFilterTest
		{"indent empty", "[{{ '' | indent(2) }}]", "[]"},
		{"indent empty lines", "{{ \"\n\n\" | indent(2) }}", "\n  \n  "},
		{"indent one line", "{{ 'string' | indent(2) }}", "string"},
		{"indent integer", "{{ 1 | indent(2) }}", "1"},
		{"indent CRLF", "{{ \"first line\r\nsecond line\" | indent(2) }}", "first line\r\n  second line"},
		{"indent LF", "{{ \"first line\nsecond line\" | indent(2) }}", "first line\n  second line"},
		{"indent CR", "{{ \"first line\rsecond line\" | indent(2) }}", "first line\r  second line"},
		{"indent tab", "{{ \"first line\nsecond line\" | indent(2, \"\t\") }}", "first line\n\t\tsecond line"},
		// NindentFilterTest
		{"nindent empty", "[{{ '' | nindent(2) }}]", "[]"},
		{"nindent empty lines", "{{ \"\n\n\" | nindent(2) }}", "\n  \n  \n  "},
		{"nindent one line", "{{ 'string' | nindent(2) }}", "\n  string"},
		{"nindent integer", "{{ 1 | nindent(2) }}", "\n  1"},
		{"nindent CRLF", "{{ \"first line\r\nsecond line\" | nindent(2) }}", "\r\n  first line\r\n  second line"},
		{"nindent LF", "{{ \"first line\nsecond line\" | nindent(2) }}", "\n  first line\n  second line"},
		{"nindent CR", "{{ \"first line\rsecond line\" | nindent(2) }}", "\r  first line\r  second line"},
		{"nindent tab", "{{ \"first line\nsecond line\" | nindent(2, \"\t\") }}", "\n\t\tfirst line\n\t\tsecond line"},
	})
}

func TestKestraCollectionFilters(t *testing.T) {
	runRenderCases(t, []renderCase{
		// FlattenFilterTest.flatten
		{"flatten first", "{{ [\"You're doing great!\", ['a', 'b'], 'c'] | flatten | first }}", "You're doing great!"},
		{"flatten one level", "{{ [1, [2, [3]], 4] | flatten }}", "[1,2,[3],4]"},
		// ValuesFilterTest.map
		{"values", "{{ labels | values }}", `["prod","data"]`},
		// ChunkFilterTest.out
		{"chunk", "{{ [1, 2, 3, 4, 5, 6, 7, 8, 9] | chunk(2) }}", "[[1,2],[3,4],[5,6],[7,8],[9]]"},
		{"distinct", "{{ [1, 2, 1, 'a', 'a', 2] | distinct }}", `[1,2,"a"]`},
		// ArraySyntaxTest (Pebble): slice and sort
		{"slice list", "{{ ['name', 2 * 5, 'three', 1.5] | slice(1, 3) }}", `[10,"three"]`},
		{"slice string", "{{ 'abcdefghijklmnopqrstuvwxyz' | slice(2, 5) }}", "cde"},
		{"slice from", "{{ 'abcdef' | slice(2) }}", "cdef"},
		{"sort", "{{ [3, 2, 1, 0] | sort }}", "[0,1,2,3]"},
		{"sort strings", "{{ 'q,g,s,c,w' | split(',') | sort }}", `["c","g","q","s","w"]`},
		{"rsort", "{{ [3, 1, 2] | rsort }}", "[3,2,1]"},
		// CoreFiltersTest.testSortFilter, testRsortFilter, testReverseFilter
		{"sort words", "{{ ['zebra', 'apple', ' cat', '123', 'Apple', 'cat'] | sort | join(' ') }}", " cat 123 Apple apple cat zebra"},
		{"rsort words", "{{ ['zebra', 'apple', ' cat', '123', 'Apple', 'cat'] | rsort | join(' ') }}", "zebra cat apple Apple 123  cat"},
		{"reverse words", "{{ ['one', 'two', 'three'] | reverse | join(' ') }}", "three two one"},
		// CoreFiltersTest.testSliceWithDefaultArgs, testSliceWithNamedArgs
		{"slice default", "{{ 'Alex' | slice }}", "Alex"},
		{"slice named", "{{ 'abcdefghijklmnopqrstuvwxyz' | slice(fromIndex=2, toIndex=4) }}", "cd"},
		{"slice list first", "{{ (['Alex', 'Joe', 'Bob', 'Sarah', 'Mary', 'Marc'] | slice(2, 5))[0] }}", "Bob"},
		{"reverse", "{{ [1, 2, 3] | reverse }}", "[3,2,1]"},
		// CoreFiltersTest.testMerge
		{"merge maps", "{{ {'one': 1} | merge({'two': 2}) }}", `{"one":1,"two":2}`},
		{"merge map with list", "{{ ({'one': 1} | merge(['two']))['two'] }}", "two"},
		{"merge lists", "{{ [1] | merge([2]) }}", "[1,2]"},
		// Pebble's MergeFilter.mergeAsMap fills a HashMap: "a" hashes to bucket 1, "b" to 2.
		{"merge in a HashMap's order", "{{ {'b': 1, 'c': 3} | merge({'a': 2, 'b': 4}) }}", `{"a":2,"b":4,"c":3}`},
		{"merge list with map", "{{ ([1] | merge({'two': 2}))[1].value }}", "2"},
		// Pebble adds Map.Entry objects, which Jackson writes as {"two":2}.
		{"merge list with map printed", "{{ [1] | merge({'two': 2}) }}", `[1,{"two":2}]`},
		{"a for's entry in JSON", "{% for e in {'a': 1} %}{{ e }} {{ [e] }}{% endfor %}", `a=1 [{"a":1}]`},
		{"keys of a list", "{{ [4, 5, 6] | keys }}", "[0,1,2]"},
	})
}

func TestKestraNumberFilters(t *testing.T) {
	runRenderCases(t, []renderCase{
		// NumberFilterTest.run
		{"number float", `{{ "12.3" | number | className }}`, "java.lang.Float"},
		{"number integer", `{{ "2147483647" | number | className }}`, "java.lang.Integer"},
		{"number long", `{{ "9223372036854775807" | number | className }}`, "java.lang.Long"},
		{"number bigdecimal", `{{ "9223372036854775807" | number('BIGDECIMAL') | className }}`, "java.math.BigDecimal"},
		{"number biginteger", `{{ "9223372036854775807" | number('BIGINTEGER') | className }}`, "java.math.BigInteger"},
		{"number double", `{{ "9223372036854775807" | number('DOUBLE') | className }}`, "java.lang.Double"},
		{"number value", `{{ "12.3" | number }}`, "12.3"},
		{"number arithmetic", `{{ "41" | number + 1 }}`, "42"},
		{"number double precision", `{{ "0.1234567891" | number | className }}`, "java.lang.Double"},
		// JqFilterTest.typed
		{"className string", "{{ 'a' | className }}", "java.lang.String"},
		{"className boolean", "{{ true | className }}", "java.lang.Boolean"},
		// CoreFiltersTest.testNumberFormatFilterWithFormat / WithLocale, under the name Kestra
		// gives Pebble's numberformat (ExtensionCustomizer: numberformat is removed, numberFormat
		// added); PebbleVariableRendererTest.numberFormat.
		{"numberFormat Kestra", "{{ 1.232654 | numberFormat('#.##') }}", "1.23"},
		{"numberFormat pattern", "You owe me {{ 10000.235166 | numberFormat('$#,###,###,##0.00') }}.", "You owe me $10,000.24."},
		{"numberFormat named", "{{ 10000.235166 | numberFormat(format='$#,###,###,##0.00') }}", "$10,000.24"},
		{"numberFormat default", "{{ 1000000 | numberFormat }}", "1,000,000"},
		// ConcurrencyTest (Pebble): "{{ 2000.234 | numberFormat }}" gives 2,000.234
		{"numberFormat default fraction", "{{ 2000.234 | numberFormat }}", "2,000.234"},
		{"numberFormat half even", "{{ 0.125 | numberFormat('0.00') }} {{ 0.375 | numberFormat('0.00') }}", "0.12 0.38"},
		{"numberFormat percent", "{{ 0.256 | numberFormat('#%') }}", "26%"},
		{"numberFormat negative", "{{ -1234.5 | numberFormat('#,##0.00') }}", "-1,234.50"},
		{"numberFormat min integer digits", "{{ 7 | numberFormat('000') }}", "007"},
	})
}

func TestKestraFilterErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		// EscapeCharFilterTest.invalidTypes
		{"escapeChar unknown type", "{{ 'Hello' | escapeChar('foo') }}", "The 'escapeChar' filter expects the value of 'type' to be either 'single', 'double', or 'shell'."},
		{"escapeChar empty type", "{{ 'Hello' | escapeChar('') }}", "either 'single', 'double', or 'shell'"},
		// ChunkFilterTest.exception
		{"chunk of a number", "{{ 1 | chunk(2) }}", "'chunk' filter can only be applied to List. Actual type was: java.lang.Long"},
		{"values of a list", "{{ [1] | values }}", "'values' filter can only be applied to Map. Actual type was: java.util.ArrayList"},
		{"flatten a string", "{{ 'a' | flatten }}", "The 'flatten' filter can only be applied to lists."},
		// CoreFiltersTest.testBase64DecoderWithInvalidInput, testBase64DecoderWithNonStringInput
		{"base64decode not base64", `{{ "this is not a base64 encoded string" | base64decode }}`, "Please provide a correctly Base64 encoded string containing an UTF-8 string"},
		{"base64decode a map", "{{ {'foo': 1} | base64decode }}", "This filter applies to String"},
		// CoreFiltersTest.testSha256WithNonStringInput
		{"sha256 a map", "{{ {'foo': 1} | sha256 }}", "Need a string to hash"},
		{"md5 a number", "{{ 1 | md5 }}", "Need a string to hash"},
		{"indent negative", "{{ 'a' | indent(-1) }}", "The 'indent' filter expects a positive integer >=0 as argument 'amount'."},
		{"number of a number", "{{ 1 | number }}", "'number' filter can only be applied to String. Actual type was: java.lang.Long"},
		{"number not a number", "{{ 'abc' | number }}", "abc is not a valid number."},
		{"number INT too large", "{{ '9223372036854775807' | number('INT') }}", `For input string: "9223372036854775807"`},
		{"numberFormat a string", "{{ 'a' | numberFormat }}", "The input for the 'NumberFormat' filter has to be a number."},
		// CoreFiltersTest.testSliceWithInvalidSecondArg / testSliceWithNegativeArgs
		{"slice past the end", "{{ 'abc' | slice(0, 1000) }}", "toIndex must be smaller than input size: 3"},
		{"slice negative", "{{ 'abc' | slice(-1) }}", "fromIndex must be greater than 0"},
		{"slice reversed", "{{ 'abc' | slice(2, 1) }}", "toIndex must be greater than fromIndex"},
		// CoreFiltersTest.testMergeDifferentTypes
		{"merge map with a string", "{{ {'one': 1} | merge('No way!') }}", "Currently, only Maps and Lists can be merged with a Map. Arg2: java.lang.String"},
		{"merge list with a string", "{{ [1] | merge('No way!') }}", "Currently, only Maps and Lists can be merged with a List. Arg2: java.lang.String"},
		{"sort mixed", "{{ [1, 'a'] | sort }}", "cannot compare"},
		{"indent beyond the budget", "{{ 'a\nb' | indent(9223372036854775807) }}", "template work budget exceeded"},
		{"number too long", "{{ '" + strings.Repeat("9", 1001) + "' | number }}", "Number value length (1001) exceeds the maximum allowed (1000)"},
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
