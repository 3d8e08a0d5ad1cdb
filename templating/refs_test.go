package templating

import (
	"strings"
	"testing"
)

func TestRefsListsWhatATemplateReads(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"hi", ""},
		{"{{ inputs.name }} and << vars.greeting | upper >>", "inputs.name vars.greeting"},
		{"{{ outputs.build.vars.version }}", "outputs.build.vars.version"},
		{"{{ outputs.each['a'].value }} {{ outputs[name].x }}", "outputs.each.a.value outputs name"},
		{"{{ inputs.x | default('y') }}", ""},
		{"{{ (inputs.x | default('y')) ~ vars.z }}", "vars.z"},
		{"{{ inputs.x ?? inputs.y }}", ""},
		{"{{ max(inputs.a, 1) }} {{ inputs.b is defined ? 1 : taskrun.value }}", "inputs.a taskrun.value"},
		{"{% for x in inputs.list %}{{ x.name }}{{ loop.index }}{% endfor %}", "inputs.list"},
		{"{% set total = 0 %}{{ total + vars.n }}", "vars.n"},
		{"{% if flow.id == 'a' %}{{ execution.id }}{% else %}{{ trigger.date }}{% endif %}", "flow.id execution.id trigger.date"},
		{"{{ \"Hello #{inputs.who}\" }}", "inputs.who"},
		{"{% macro m(p) %}{{ p }}{% endmacro %}{{ m(vars.v) }}", "vars.v"},
	} {
		tmpl, err := Parse(c.src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.src, err)
		}
		var got []string
		for _, r := range tmpl.Refs() {
			got = append(got, strings.Join(r.Path, "."))
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("Refs(%q): got %q, want %q", c.src, g, c.want)
		}
	}
}

func TestRefsCarryTheTagPosition(t *testing.T) {
	tmpl, err := Parse("line one\n  {{ inputs.verison }}")
	if err != nil {
		t.Fatal(err)
	}
	refs := tmpl.Refs()
	if len(refs) != 1 || refs[0].Line != 2 || refs[0].Col != 3 {
		t.Fatalf("got %+v, want inputs.verison at line 2, col 3", refs)
	}
}
