package templating

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestBracesTagsRender(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"spaces", "Hello {{ inputs.name }}!", "Hello world!"},
		{"no spaces", "{{trigger.executionId}}", "abc"},
		{"several", "{{ flow.namespace }}.{{ flow.id }} rev {{ flow.revision }}", "dev.hello rev 3"},
		{"multi-line tag", "{{\n  flow.id\n}}", "hello"},
		{"string with closing braces", `{{ "}}" }}`, "}}"},
		{"map literal ending in braces", "{{ {'a': {'b': 1}} }}", `{"a":{"b":1}}`},
		{"lone closing braces are text", "a }} b", "a }} b"},
		{"single brace is text", "{ a } {x}", "{ a } {x}"},
		{"shell braces", "echo ${HOME} {{ flow.id }}", "echo ${HOME} hello"},
		{"pebble comment marker is text", "echo ${#arr[@]}", "echo ${#arr[@]}"},
		{"trim left", "a  \n {{- flow.id }}", "ahello"},
		{"trim right", "{{ flow.id -}} \n  b", "hellob"},
		{"unicode around", "é {{ flow.id }} ü", "é hello ü"},
	})
}

func TestAngleTagsRender(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"tag", "built << outputs.build.vars.version >>", "built 1.2.3"},
		{"tabs inside", "<<\tflow.id\t>>", "hello"},
		{"filter", "<< inputs.name | upper >>", "WORLD"},
		{"secret", "TOKEN=<< secret('TOKEN') >>", "TOKEN=s3cr3t"},
		{"next to braces", "<< flow.namespace >>.{{ flow.id }}", "dev.hello"},
		{"string holding >>", "<< 'a >> b' >>", "a >> b"},
		{"comparison inside", "<< inputs.count > 2 >>", "true"},
		{"two on a line", "<< flow.id >> and << flow.namespace >>", "hello and dev"},
		// The contract's rule, literally: white space inside both delimiters and an
		// expression between them make a tag, even in a shift chain.
		{"shift chain with spaces is a tag", "x << 2 >> 1", "x 2 1"},
	})
}

// Spans that are not tags must come out byte for byte as written: they are shell and Python.
func TestAngleSpansThatAreNotTagsStayVerbatim(t *testing.T) {
	for _, src := range []string{
		"cat <<EOF\nhello\nEOF",
		"cat << EOF\nhello\nEOF",
		"cat <<-'EOF'\n\thello\nEOF",
		"cat <<< \"$x\"",
		"cat <<< x >> out.txt",
		"x << 2",
		"y = x<<2 >>1",
		"echo $((1<<3))",
		"echo $(( 1 << 3 ))",
		"<<flow.id>>",
		"<< flow.id>>",
		"<<flow.id >>",
		"<< flow.id\n>>",
		"<< >>",
		"<<  >>",
		"<< a b >>",
		"<< 'unterminated >>",
		"<< flow.id >>>",
		"<< $x >>",
		"<<<< flow.id >>",
		"a <<",
		"<<",
		"<",
		"print(1 << 2, 3 >> 1)",
	} {
		t.Run(src, func(t *testing.T) {
			tpl, err := Parse(src)
			if err != nil {
				t.Fatalf("Parse(%q): unexpected error: %v", src, err)
			}
			if !tpl.Static() {
				t.Errorf("Parse(%q).Static(): got false, want true", src)
			}
			got, err := tpl.Render(testEnv())
			if err != nil || got != src {
				t.Errorf("Render(%q): got %q, %v, want it unchanged", src, got, err)
			}
		})
	}
}

func TestHeredocScriptRendersOnlyItsTags(t *testing.T) {
	src := "cat <<EOF\nheredoc << flow.namespace >>\nEOF\necho \"shift $((1<<3))\"\necho 'literal {% raw %}{{ not.rendered }}{% endraw %}'\n"
	want := "cat <<EOF\nheredoc dev\nEOF\necho \"shift $((1<<3))\"\necho 'literal {{ not.rendered }}'\n"
	got, err := renderString(src, testEnv())
	if err != nil {
		t.Fatalf("render: unexpected error: %v", err)
	}
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRawBlocks(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"braces kept", "{% raw %}{{ x }}{% endraw %}", "{{ x }}"},
		{"block tags kept", "{% raw %}{% if a %}{{ b }}{% endif %}{% endraw %}", "{% if a %}{{ b }}{% endif %}"},
		{"angles kept", "{% raw %}<< flow.id >>{% endraw %}", "<< flow.id >>"},
		{"text around", "a {% raw %}{{ x }}{% endraw %} {{ flow.id }}", "a {{ x }} hello"},
		{"two blocks", "{% raw %}{{ a }}{% endraw %}-{% raw %}{{ b }}{% endraw %}", "{{ a }}-{{ b }}"},
		{"no spaces", "{%raw%}{{ x }}{%endraw%}", "{{ x }}"},
		{"verbatim", "{% verbatim %}{{ x }}{% endverbatim %}", "{{ x }}"},
		{"multi-line", "{% raw %}\n{{ x }}\n{% endraw %}", "\n{{ x }}\n"},
		// Kestra takes raw blocks out before Pebble reads the template (VariableRenderer's
		// RAW_PATTERN): white space control on them trims nothing
		// (PebbleVariableRendererTest.raw: "{%-  raw%}{{ var }}{%endraw -%}").
		{"no trim inside", "{% raw -%}\n  {{ x }}  \n{%- endraw %}", "\n  {{ x }}  \n"},
		{"no trim outside", "a \n{%- raw %}b{% endraw -%}\n c", "a \nb\n c"},
		{"unclosed brace inside", "{% raw %}{{ {% endraw %}", "{{ "},
		{"printf format", "{% raw %}printf '{%s}'{% endraw %}", "printf '{%s}'"},
	})
}

func TestStatic(t *testing.T) {
	for _, tc := range []struct {
		src    string
		static bool
		out    string
	}{
		{"plain text", true, "plain text"},
		{"", true, ""},
		{"cat <<EOF", true, "cat <<EOF"},
		{"{% raw %}{{ x }}{% endraw %}", true, "{{ x }}"},
		{"{{ flow.id }}", false, "hello"},
		{"<< flow.id >>", false, "hello"},
		{"a {{ 'lit' }}", false, "a lit"},
	} {
		tpl, err := Parse(tc.src)
		if err != nil {
			t.Fatalf("Parse(%q): unexpected error: %v", tc.src, err)
		}
		if got := tpl.Static(); got != tc.static {
			t.Errorf("Parse(%q).Static(): got %v, want %v", tc.src, got, tc.static)
		}
		out, err := tpl.Render(nil)
		if tc.static && (err != nil || out != tc.out) {
			t.Errorf("Parse(%q).Render(nil): got %q, %v, want %q", tc.src, out, err, tc.out)
		}
	}
}

// Control characters in the text (the placeholders of an earlier design used them) must
// come through untouched.
func TestControlCharactersInTextSurvive(t *testing.T) {
	for _, src := range []string{
		"a\x00b {{ flow.id }}",
		"\x000\x01 {{ flow.id }} \x001\x01",
		"\x00n\x01{{ flow.id }}\x01\x00",
		"\x01\x01 {{ flow.id }} \x00",
		"{{ flow.id }}\x00",
	} {
		want := strings.ReplaceAll(src, "{{ flow.id }}", "hello")
		got, err := renderString(src, testEnv())
		if err != nil || got != want {
			t.Errorf("render %q: got %q, %v, want %q", src, got, err, want)
		}
	}
}

func TestRenderingIsNotRecursive(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"variable holding a tag", "{{ vars.tpl }}", "{{ flow.id }}"},
		{"variable holding an angle tag", "{{ vars.greeting }}", "hi << inputs.name >>"},
		{"render() renders", "{{ render(vars.tpl) }}", "hello"},
		{"render() is recursive", "{{ render(vars.twice) }}", "hello"},
		{"render() once", "{{ render(vars.twice, false) }}", "{{ flow.id }}"},
		{"render() named argument", "{{ render(vars.twice, recursive=false) }}", "{{ flow.id }}"},
		{"render() angle tags", "{{ render(vars.greeting) }}", "hi world"},
		{"render() static", "{{ render('plain') }}", "plain"},
	})
}

func TestParseErrorsHavePositions(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"unclosed braces", "echo {{ flow.id ",
			"line 1, col 6: unclosed `{{`: no `}}` after it (to keep `{{` as text, wrap it in {% raw %}...{% endraw %})"},
		{"unclosed braces on line 3", "a\nb\n  {{ flow.id\nc",
			"line 3, col 3: unclosed `{{`: no `}}` after it (to keep `{{` as text, wrap it in {% raw %}...{% endraw %})"},
		{"not an expression", "x {{ flow.id flow.namespace }}",
			"line 1, col 14: invalid expression `{{ flow.id flow.namespace }}`: unexpected `flow`, expected end of expression"},
		{"empty", "{{ }}",
			"line 1, col 4: invalid expression `{{ }}`: empty expression"},
		{"bad character", "{{ $x }}",
			"line 1, col 4: invalid expression `{{ $x }}`: unexpected character `$`"},
		{"go template syntax", "docker inspect -f '{{.State.Running}}'",
			"line 1, col 22: invalid expression `{{.State.Running}}`: unexpected `.`, expected a value"},
		{"unterminated string", "{{ 'abc }}",
			"line 1, col 4: invalid expression `{{ 'abc }}`: unterminated string"},
		{"column counts characters", "éé {{ a b }}",
			"line 1, col 9: invalid expression `{{ a b }}`: unexpected `b`, expected end of expression"},
		{"missing paren", "{{ (1 + 2 }}",
			"line 1, col 4: invalid expression `{{ (1 + 2 }}`: unclosed `(`"},
		{"ternary without colon", "{{ a ? b }}",
			"line 1, col 9: invalid expression `{{ a ? b }}`: unexpected end of expression, expected `:`"},
		{"dangling operator", "{{ 1 + }}",
			"line 1, col 7: invalid expression `{{ 1 + }}`: unexpected end of expression, expected a value"},
		{"unknown filter", "{{ flow.id | nofilter }}",
			"line 1, col 14: invalid expression `{{ flow.id | nofilter }}`: unknown filter \"nofilter\"; flowctl knows the filters " + strings.Join(filterNames(), ", ")},
		{"filter typo", "{{ flow.id | uper }}",
			"line 1, col 14: invalid expression `{{ flow.id | uper }}`: unknown filter \"uper\" (did you mean \"upper\"?); flowctl knows the filters " + strings.Join(filterNames(), ", ")},
		{"unknown filter in angles", "<< flow.id | nofilter >>",
			"line 1, col 14: invalid expression `<< flow.id | nofilter >>`: unknown filter \"nofilter\"; flowctl knows the filters " + strings.Join(filterNames(), ", ")},
		{"unknown function", "{{ nofunc('x') }}",
			"line 1, col 4: invalid expression `{{ nofunc('x') }}`: unknown function \"nofunc\"; flowctl knows the functions " + strings.Join(functionNames(), ", ")},
		{"function typo", "{{ secrets('x') }}",
			"line 1, col 4: invalid expression `{{ secrets('x') }}`: unknown function \"secrets\" (did you mean \"secret\"?); flowctl knows the functions " + strings.Join(functionNames(), ", ")},
		{"filter argument missing", "{{ flow.id | abbreviate }}",
			"line 1, col 14: invalid expression `{{ flow.id | abbreviate }}`: filter \"abbreviate\" takes 1 argument (length), got 0"},
		{"filter too many arguments", "{{ flow.id | upper(1) }}",
			"line 1, col 20: invalid expression `{{ flow.id | upper(1) }}`: filter \"upper\" takes no arguments, got 1"},
		{"filter unknown named argument", "{{ flow.id | date(fmt='x') }}",
			"line 1, col 19: invalid expression `{{ flow.id | date(fmt='x') }}`: filter \"date\" has no argument named \"fmt\" (it takes at most 4 arguments (format, timeZone, existingFormat, locale))"},
		{"function argument missing", "{{ secret() }}",
			"line 1, col 4: invalid expression `{{ secret() }}`: function \"secret\" takes 1 argument (key), got 0"},
		{"unknown test", "{{ x is blue }}",
			"line 1, col 9: invalid expression `{{ x is blue }}`: unknown test \"blue\"; flowctl knows the tests defined, empty, even, iterable, json, map, null, odd"},
		{"method call", "{{ flow.id.toUpperCase() }}",
			"line 1, col 12: invalid expression `{{ flow.id.toUpperCase() }}`: method calls (`.toUpperCase(...)`) are not supported"},
		{"include block", "a\n  {% include 'x' %}",
			"line 2, col 3: `{% include 'x' %}`: the Pebble tag \"include\" is not supported by flowctl"},
		{"unclosed block", "printf '{%s}'",
			"line 1, col 9: unclosed `{%`: no `%}` after it (to keep `{%` as text, wrap it in {% raw %}...{% endraw %})"},
		{"unclosed raw", "x\n{% raw %}{{ a }}",
			"line 2, col 1: unclosed `{% raw %}`: no `{% endraw %}` after it"},
		{"endraw alone", "{% endraw %}",
			"line 1, col 1: `{% endraw %}` without a `{% raw %}` before it"},
		{"raw with arguments", "{% raw x %}{% endraw %}",
			"line 1, col 1: `{% raw %}` takes no arguments"},
	})
}

func TestParseErrorFields(t *testing.T) {
	_, err := Parse("line one\n  x {{ flow.id | nofilter }}")
	var te *Error
	if !errors.As(err, &te) {
		t.Fatalf("got error %v (%T), want *Error", err, err)
	}
	if te.Line != 2 || te.Col != 18 {
		t.Errorf("position: got line %d col %d, want line 2 col 18", te.Line, te.Col)
	}
	if te.Expr != "{{ flow.id | nofilter }}" {
		t.Errorf("Expr: got %q, want %q", te.Expr, "{{ flow.id | nofilter }}")
	}
	if !strings.HasPrefix(te.Msg, "invalid expression `{{ flow.id | nofilter }}`: unknown filter \"nofilter\"") {
		t.Errorf("Msg: got %q", te.Msg)
	}
}

func TestMissingVariables(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"input typo", "{{ inputs.nme }}",
			"line 1, col 1: Unable to find `inputs.nme` used in the expression `{{ inputs.nme }}` at line 1"},
		{"top level", "x {{ nope }}",
			"line 1, col 3: Unable to find `nope` used in the expression `{{ nope }}` at line 1"},
		{"deep path stops at the missing part", "{{ outputs.nope.value }}",
			"line 1, col 1: Unable to find `outputs.nope` used in the expression `{{ outputs.nope.value }}` at line 1"},
		{"bracket key", "{{ outputs['no-task'].value }}",
			"line 1, col 1: Unable to find `outputs['no-task']` used in the expression `{{ outputs['no-task'].value }}` at line 1"},
		{"dynamic key", "{{ outputs[flow.id].value }}",
			"line 1, col 1: Unable to find `outputs.hello` used in the expression `{{ outputs[flow.id].value }}` at line 1"},
		{"index out of range", "{{ items[5] }}",
			"line 1, col 1: Unable to find `items[5]` used in the expression `{{ items[5] }}` at line 1"},
		{"negative index", "{{ items[-1] }}",
			"line 1, col 1: Unable to find `items[-1]` used in the expression `{{ items[-1] }}` at line 1"},
		{"attribute of a string", "{{ flow.id.x }}",
			"line 1, col 1: Unable to find `flow.id.x` used in the expression `{{ flow.id.x }}` at line 1"},
		{"attribute of a list", "{{ items.x }}",
			"line 1, col 1: Unable to find `items.x` used in the expression `{{ items.x }}` at line 1"},
		{"attribute of null", "{{ inputs.nothing.x }}",
			"line 1, col 1: Unable to find `inputs.nothing.x` used in the expression `{{ inputs.nothing.x }}` at line 1"},
		{"inside a default argument", "{{ inputs.nme | default(nope) }}",
			"line 1, col 1: Unable to find `nope` used in the expression `{{ inputs.nme | default(nope) }}` at line 1"},
		{"inside an operation", "{{ 'a' ~ inputs.x ~ 'b' }}",
			"line 1, col 1: Unable to find `inputs.x` used in the expression `{{ 'a' ~ inputs.x ~ 'b' }}` at line 1"},
		{"on a later line", "one\ntwo {{ flow.id }}\nthree {{ inputs.nme }}",
			"line 3, col 7: Unable to find `inputs.nme` used in the expression `{{ inputs.nme }}` at line 3"},
		{"angle tag", "echo << inputs.nme >>",
			"line 1, col 6: Unable to find `inputs.nme` used in the expression `<< inputs.nme >>` at line 1"},
		{"heredoc word that parses as a path", "cat << EOF >> log.txt",
			"line 1, col 5: Unable to find `EOF` used in the expression `<< EOF >>` at line 1"},
	})
}

func TestMissingVariableWithNilEnv(t *testing.T) {
	tpl, err := Parse("{{ flow.id }}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render(nil)
	want := "line 1, col 1: Unable to find `flow` used in the expression `{{ flow.id }}` at line 1"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestNullValues(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"null variable", "{{ inputs.nothing }}",
			"line 1, col 1: The value of `inputs.nothing` used in the expression `{{ inputs.nothing }}` at line 1 is null: add | default('') to render it as an empty string"},
		{"null literal", "{{ null }}",
			"line 1, col 1: The expression `{{ null }}` at line 1 is null: add | default('') to render it as an empty string"},
		{"null through a filter", "{{ inputs.nothing | upper }}",
			"line 1, col 1: The expression `{{ inputs.nothing | upper }}` at line 1 is null: add | default('') to render it as an empty string"},
		{"first of an empty list", "{{ empty | first }}",
			"line 1, col 1: The expression `{{ empty | first }}` at line 1 is null: add | default('') to render it as an empty string"},
	})
	runRenderCases(t, []renderCase{
		{"default to empty", "[{{ inputs.nothing | default('') }}]", "[]"},
		{"coalesce to null", "[{{ inputs.nothing ?? null }}]", "[]"},
		{"default to null", "[{{ inputs.nope | default(null) }}]", "[]"},
		{"null inside JSON", "{{ [1, null] }}", "[1,null]"},
		{"null as JSON", "{{ inputs.nothing | toJson }}", "null"},
	})
}

func TestRuntimeErrors(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"no secrets here", "{{ secret('X') }}",
			"line 1, col 1: Unable to render the expression `{{ secret('X') }}` at line 1: Cannot find secret for key 'X'"},
		{"division by zero", "{{ 1 / 0 }}",
			"line 1, col 1: Unable to render the expression `{{ 1 / 0 }}` at line 1: division by zero"},
		{"arithmetic on a string", "{{ flow.id * 2 }}",
			"line 1, col 1: Unable to render the expression `{{ flow.id * 2 }}` at line 1: * needs two numbers, got the string \"hello\" and the number 2"},
		// Pebble compares numbers only (OperatorUtils.wideningConversionBinaryComparison).
		{"ordering mixed types", "{{ flow.id < 2 }}",
			"line 1, col 1: Unable to render the expression `{{ flow.id < 2 }}` at line 1: invalid operands for mathematical comparison: the string \"hello\" < the number 2 (compare numbers, or dates through | timestamp)"},
		{"ordering strings", "{{ 'abc' < 'abd' }}",
			"line 1, col 1: Unable to render the expression `{{ 'abc' < 'abd' }}` at line 1: invalid operands for mathematical comparison: the string \"abc\" < the string \"abd\" (compare numbers, or dates through | timestamp)"},
		{"filter type", "{{ flow.id | abbreviate('x') }}",
			"line 1, col 1: Unable to render the expression `{{ flow.id | abbreviate('x') }}` at line 1: filter abbreviate: length must be an integer, got the string \"x\""},
		{"render loop", "{{ render(vars.loop) }}",
			"line 1, col 1: Unable to render the expression `{{ render(vars.loop) }}` at line 1: render: nested more than 10 deep (does a variable render itself?)"},
		{"render growing", "{{ render(vars.grow) }}",
			"line 1, col 1: Unable to render the expression `{{ render(vars.grow) }}` at line 1: render: still changing after 10 passes (does a variable render itself?)"},
		{"render inner error", "{{ render('{{ nope }}') }}",
			"line 1, col 1: Unable to render the expression `{{ render('{{ nope }}') }}` at line 1: render: line 1, col 1: Unable to find `nope` used in the expression `{{ nope }}` at line 1"},
		{"render inner parse error", "{{ render('{{ a b }}') }}",
			"line 1, col 1: Unable to render the expression `{{ render('{{ a b }}') }}` at line 1: render: line 1, col 6: invalid expression `{{ a b }}`: unexpected `b`, expected end of expression"},
	})
}

func TestSecretWithoutProvider(t *testing.T) {
	env := testEnv()
	env.Secret = nil
	_, err := renderString("{{ secret('TOKEN') }}", env)
	want := "line 1, col 1: Unable to render the expression `{{ secret('TOKEN') }}` at line 1: secrets are not available here"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestRenderErrorUnwrapsToTheCause(t *testing.T) {
	sentinel := errors.New("vault sealed")
	env := testEnv()
	env.Secret = func(string) (string, error) { return "", sentinel }
	_, err := renderString("{{ secret('TOKEN') }}", env)
	if !errors.Is(err, sentinel) {
		t.Errorf("errors.Is(%v, sentinel): got false, want true", err)
	}
}

func TestRenderConcurrently(t *testing.T) {
	tpl, err := Parse("{{ flow.id }}-{{ inputs.n * 2 }}-<< inputs.n | default(0) >>")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				n := g*1000 + i
				env := &Env{Vars: map[string]any{
					"flow":   map[string]any{"id": "f"},
					"inputs": map[string]any{"n": n},
				}}
				got, err := tpl.Render(env)
				want := fmt.Sprintf("f-%d-%d", 2*n, n)
				if err != nil || got != want {
					errs <- fmt.Errorf("got %q, %v, want %q", got, err, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestErrorMessageReadsAfterACallerPrefix(t *testing.T) {
	_, err := renderString("{{ inputs.nme }}", testEnv())
	got := fmt.Sprintf("flow.yml:7:14: task %q: message: %v", "greet", err)
	want := "flow.yml:7:14: task \"greet\": message: line 1, col 1: Unable to find `inputs.nme` used in the expression `{{ inputs.nme }}` at line 1"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestUnclosedBracesWinOverOpenBrackets(t *testing.T) {
	runErrorCases(t, []errorCase{
		{"no closing braces at all", "x {{ (a",
			"line 1, col 3: unclosed `{{`: no `}}` after it (to keep `{{` as text, wrap it in {% raw %}...{% endraw %})"},
		{"closing braces read as a bracket", "{{ {'a': 1 }}",
			"line 1, col 1: unclosed `{{`: the `}}` after it is read as part of the expression (inside a string, or closing a map literal)"},
		{"closing braces inside a string", "{{ 'a}}'",
			"line 1, col 1: unclosed `{{`: the `}}` after it is read as part of the expression (inside a string, or closing a map literal)"},
		{"open bracket", "{{ [1, 2 }}",
			"line 1, col 4: invalid expression `{{ [1, 2 }}`: unclosed `[`"},
	})
}
