package templating

import (
	"strings"
	"testing"
)

// FuzzParseRender feeds arbitrary templates through Parse and Render: nothing may panic,
// text without any opening delimiter (comments included) must parse, and it must render to itself.
func FuzzParseRender(f *testing.F) {
	for _, seed := range []string{
		"Hello {{ inputs.name }} from << flow.namespace >>.{{flow.id}}",
		"cat <<EOF\nheredoc << flow.namespace >>\nEOF\necho $((1<<3)) <<< x",
		"{% raw %}{{ not.rendered }}{% endraw %}",
		"{{ outputs['my-task'].value | default('x') | upper }}",
		"{{ inputs.count > 2 ? 'many' : 'few' }} {{ not 1 == 2 }}",
		"{{ {'a': [1, 2.5, 'x', null]} | toJson }}",
		"{{ now() | date('yyyy-MM-dd HH:mm:ss.SSS XXX', 'Europe/Paris') }}",
		"{{ 'a,b,,c' | split(',') | join('-') | replace({'-': '+'}) }}",
		"{{ render(vars.tpl) }} {{ fromJson(inputs.json).b[2] }}",
		"{{ secret('TOKEN') }} {{ inputs.nme ?? inputs.nothing ?? 'z' }}",
		"{{- flow.id -}} {%- raw -%} x {%- endraw -%}",
		"{{ flow.id ",
		"{% if x %}",
		"\x00{{ flow.id }}\x01",
		// render() fanning out ten calls a level, nine levels deep.
		"{{ render(vars.a9) }}",
		"{{ render(vars.b9) }}",
		"{% for x in items %}{{ loop.index }}{{ x }}{% else %}none{% endfor %}",
		"{% if inputs.count > 2 %}a{% elseif 'false' %}b{% else %}c{% endif %}",
		"{% set x = 1 %}{% for i in 1..3 %}{% set x = x + i %}{% endfor %}{{ x }}",
		"{% macro m(a, b='d') %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}{{ m(1, b=2) }}",
		"{% filter upper | trim %} x {% endfilter %}{# comment #}",
		"<<- for x in items ->><< x >><< endfor >>",
		`{{ "Hello, #{inputs.name} #{"#{1 + 2}"}" }}`,
		"{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
		"{{ ['" + strings.Repeat("x", 100) + "', vars.a1] | join(vars.a2) | replace({'x': vars.a3}) | toJson }}",
	} {
		f.Add(seed)
	}
	env := testEnv()
	// Small limits keep each input fast; they are the same checks as the defaults.
	env.Limits = Limits{Steps: 100_000, Bytes: 1 << 20}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src)
		plain := !strings.Contains(src, "{{") && !strings.Contains(src, "<<") && !strings.Contains(src, "{%") &&
			!strings.Contains(src, "{#")
		if err != nil {
			if plain {
				t.Fatalf("Parse(%q) of plain text: unexpected error: %v", src, err)
			}
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q): got error of type %T, want *Error", src, err)
			}
			return
		}
		out, err := tpl.Render(env)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Render(%q): got error of type %T, want *Error", src, err)
			}
			return
		}
		if plain && out != src {
			t.Fatalf("Render(%q) of plain text: got %q, want it unchanged", src, out)
		}
	})
}
