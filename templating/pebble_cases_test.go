package templating

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The cases of testdata/cases are the template tests of Pebble 3.2.2 (the Pebble Kestra
// ships, pebble/src/test/java/io/pebbletemplates/pebble/) and of Kestra
// (core/src/test/java/io/kestra/core/runners/pebble/), one YAML file per Java test file, one
// entry per assertion, named by its test method. want is what Kestra renders: where Kestra's
// configuration of Pebble (strict variables, no autoescape, no newline trimming, maps and
// lists printed as JSON) makes it differ from the assertion of Pebble's own test, pebble
// keeps that assertion and why says what changes it.
//
// An entry is one of:
//
//	want: text      rendered exactly so
//	contains: [a]   rendered, holding each text (Kestra's test asserts containsString)
//	fails: why      Kestra fails on it (an error at parse or render)
//	choice: why     want is Kestra's output, but flowctl deliberately refuses the template
//	                (README, "Choices"): it must fail
//	differs: why    want is Kestra's output and flowctl gives flowctl instead: a known
//	                disagreement, counted as one, and pinned so that a change shows
//	out: why        a feature out of flowctl's scope (a Java extension, a loader, i18n
//	                bundles, escaping for HTML): it must be refused, never rendered wrongly.
//	                An out case with no template tests Java's API, not a template
//	todo: why       not transcribed (the test builds Java objects the file cannot express)
type pebbleFileCase struct {
	Test     string    `yaml:"test"`
	Template string    `yaml:"template"`
	Vars     yaml.Node `yaml:"vars"`
	Want     *string   `yaml:"want"`
	Contains []string  `yaml:"contains"`
	Pebble   *string   `yaml:"pebble"`
	Why      string    `yaml:"why"`
	Fails    string    `yaml:"fails"`
	Choice   string    `yaml:"choice"`
	Differs  string    `yaml:"differs"`
	Flowctl  *string   `yaml:"flowctl"`
	Out      string    `yaml:"out"`
	Todo     string    `yaml:"todo"`
}

// caseTally counts the cases of one source file.
type caseTally struct{ agree, disagree, choice, out, outRendered, todo int }

func TestPebbleAndKestraCases(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files: %v", err)
	}
	tallies := map[string]*caseTally{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var cases []pebbleFileCase
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true) // a misspelt key would silently drop what it says
		if err := dec.Decode(&cases); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		source := strings.TrimSuffix(filepath.Base(file), ".yaml")
		if filepath.Base(filepath.Dir(file)) == "kestra" {
			source = "kestra/" + source
		}
		tally := &caseTally{}
		tallies[source] = tally
		for i, tc := range cases {
			name := fmt.Sprintf("%s/%s", source, tc.Test)
			if tc.Todo != "" {
				tally.todo++
				continue
			}
			if tc.Out != "" && tc.Template == "" {
				tally.out++
				continue
			}
			if set := btoi(tc.Want != nil) + btoi(tc.Contains != nil) + btoi(tc.Fails != "") + btoi(tc.Out != ""); set != 1 {
				t.Fatalf("%s: case %d (%s): give one of want, contains, fails and out", file, i+1, tc.Test)
			}
			t.Run(name, func(t *testing.T) {
				got, err := renderFileCase(tc)
				switch {
				case tc.Out != "":
					tally.out++
					if err == nil {
						tally.outRendered++
						t.Errorf("%q is out of scope (%s) but rendered %q: it must be refused", tc.Template, tc.Out, got)
					}
				case tc.Differs != "":
					tally.disagree++
					if tc.Flowctl == nil || err != nil || got != *tc.Flowctl {
						t.Errorf("%q: a known difference (%s) changed: rendered %q (error %v)", tc.Template, tc.Differs, got, err)
					}
				case tc.Choice != "":
					tally.choice++
					if err == nil {
						t.Errorf("%q: rendered %q, flowctl refuses it (%s)", tc.Template, got, tc.Choice)
					}
				case tc.Fails != "":
					if err != nil {
						tally.agree++
						return
					}
					tally.disagree++
					t.Errorf("%q: rendered %q, Kestra fails (%s)", tc.Template, got, tc.Fails)
				case tc.Contains != nil:
					missing := ""
					for _, part := range tc.Contains {
						if !strings.Contains(got, part) {
							missing = part
							break
						}
					}
					if err == nil && missing == "" {
						tally.agree++
						return
					}
					tally.disagree++
					t.Errorf("%q: rendered %q (error %v), Kestra's output holds %q", tc.Template, got, err, missing)
				default:
					if err == nil && got == *tc.Want {
						tally.agree++
						return
					}
					tally.disagree++
					if err != nil {
						t.Errorf("%q: error %v, Kestra renders %q", tc.Template, err, *tc.Want)
					} else {
						t.Errorf("%q: rendered %q, Kestra renders %q", tc.Template, got, *tc.Want)
					}
				}
			})
		}
	}
	sources := make([]string, 0, len(tallies))
	for s := range tallies {
		sources = append(sources, s)
	}
	sort.Strings(sources)
	var all caseTally
	var b strings.Builder
	fmt.Fprintf(&b, "%-42s %6s %6s %6s %6s %6s\n", "source", "agree", "cases", "choice", "out", "todo")
	for _, s := range sources {
		c := tallies[s]
		fmt.Fprintf(&b, "%-42s %6d %6d %6d %6d %6d\n", s, c.agree, c.agree+c.disagree, c.choice, c.out, c.todo)
		all.agree += c.agree
		all.disagree += c.disagree
		all.choice += c.choice
		all.out += c.out
		all.outRendered += c.outRendered
		all.todo += c.todo
	}
	fmt.Fprintf(&b, "%-42s %6d %6d %6d %6d %6d\n", "all", all.agree, all.agree+all.disagree, all.choice, all.out, all.todo)
	t.Logf("agreement with Kestra, per source file:\n%s", b.String())
}

// renderFileCase parses and renders the case's template against its variables.
func renderFileCase(tc pebbleFileCase) (string, error) {
	env := &Env{Vars: map[string]any{}, Now: func() time.Time { return fixedNow }}
	if tc.Vars.Kind != 0 {
		v, err := caseValue(&tc.Vars)
		if err != nil {
			return "", err
		}
		m, ok := v.(*Map)
		if !ok {
			return "", fmt.Errorf("vars: a mapping, not %T", v)
		}
		for _, k := range m.Keys() {
			env.Vars[k], _ = m.Get(k)
		}
	}
	return renderString(tc.Template, env)
}

// caseValue turns the YAML of a case's variable into the value a flow would hand a template:
// mappings in their order, whole numbers as int64 (Java's Long), !date an RFC 3339 time as a
// time.Time (a ZonedDateTime), !float a Java Float, others as YAML reads them.
func caseValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.MappingNode:
		m := NewMap(len(n.Content) / 2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := caseValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m.Set(n.Content[i].Value, v)
		}
		return m, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := caseValue(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int":
			var i int64
			err := n.Decode(&i)
			return i, err
		case "!!null":
			return nil, nil
		case "!date":
			return time.Parse(time.RFC3339Nano, n.Value)
		case "!float":
			// A Java Float (1.123F in the test), held as a float32.
			f, err := strconv.ParseFloat(n.Value, 32)
			return float32(f), err
		}
		var v any
		err := n.Decode(&v)
		return v, err
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
