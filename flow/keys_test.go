package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/tasks"
)

// keyed is one kind of mapping the loader reads: a flow holding one, with %s where a key is
// added (its indentation included), and where the schema lists the keys it allows. typed
// says those are the keys of the mapping's type (a Log task, a Flow trigger), not of every
// type (a retry, an input: TestKeyTypesMatchSchema checks those type by type).
type keyed struct {
	name  string
	flow  string
	props func(doc map[string]any) map[string]any
	typed bool
}

// keyedMappings are the mappings the key tables describe, each in a flow flowctl accepts.
func keyedMappings() []keyed {
	const head = "id: f\nnamespace: dev\n"
	const log = "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
	def := func(name string) func(map[string]any) map[string]any {
		return func(doc map[string]any) map[string]any {
			return at(doc, "$defs", name, "properties")
		}
	}
	root := func(path ...string) func(map[string]any) map[string]any {
		return func(doc map[string]any) map[string]any {
			return at(doc, append([]string{"properties"}, path...)...)
		}
	}
	return []keyed{
		{"flow", head + log + "%s\n", root(), false},
		// A task's keys: the common ones and Log's own, which Log's branch lists together.
		{"task", head + log + "    %s\n", def("io.kestra.plugin.core.log.Log"), true},
		// A flowable's: the common ones, its own, errors and finally.
		{"flowable", head + "tasks:\n  - id: s\n    type: " + TypeSequential + "\n    tasks:\n      - id: a\n        type: io.kestra.plugin.core.log.Log\n        message: hi\n    %s\n", def(TypeSequential), true},
		// A Pause's: the common ones, its own, and those the task walk reads itself.
		{"pause", head + "tasks:\n  - id: p\n    type: " + tasks.PauseType + "\n    %s\n", def(tasks.PauseType), true},
		{"retry", head + log + "    retry:\n      type: constant\n      interval: PT1S\n      maxAttempt: 2\n      %s\n", def("retry"), false},
		{"trigger", head + log + "triggers:\n  - id: t\n    type: io.kestra.plugin.core.trigger.Flow\n    %s\n", def("io.kestra.plugin.core.trigger.Flow"), true},
		{"input", head + log + "inputs:\n  - id: i\n    type: STRING\n    %s\n", def("input"), false},
		{"dependsOn", head + log + "inputs:\n  - id: i\n    type: STRING\n    dependsOn:\n      inputs: []\n      %s\n", func(doc map[string]any) map[string]any {
			return at(doc, "$defs", "input", "properties", "dependsOn", "properties")
		}, false},
		{"concurrency", head + log + "concurrency:\n  limit: 1\n  %s\n", root("concurrency", "properties"), false},
		{"output", head + log + "outputs:\n  - id: o\n    type: STRING\n    value: x\n    %s\n", root("outputs", "items", "properties"), false},
		{"pluginDefaults", head + log + "pluginDefaults:\n  - type: io.kestra\n    values: {}\n    %s\n", func(doc map[string]any) map[string]any {
			return at(doc, "$defs", "pluginDefaults", "items", "properties")
		}, false},
		{"label", head + log + "labels:\n  - key: k\n    value: v\n    %s\n", root("labels", "items", "properties"), false},
	}
}

// at walks doc down path, each step a mapping; nil when one is missing.
func at(doc map[string]any, path ...string) map[string]any {
	for _, p := range path {
		next, _ := doc[p].(map[string]any)
		if next == nil {
			return nil
		}
		doc = next
	}
	return doc
}

// candidateKeys are the keys to try on every mapping: every key of the schema, of the key
// tables and of the unsupported lists, and every key written in a flow of the repository
// (Kestra's own included), at any depth.
func candidateKeys(t *testing.T, doc map[string]any) []string {
	t.Helper()
	set := map[string]bool{}
	var walkSchema func(v any)
	walkSchema = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for k := range props {
					set[k] = true
				}
			}
			for _, e := range v {
				walkSchema(e)
			}
		case []any:
			for _, e := range v {
				walkSchema(e)
			}
		}
	}
	walkSchema(doc)
	for _, names := range [][]string{flowKeys.all(), taskKeys.all(), retryKeys.all(), triggerKeys.all(),
		inputKeys.all(), dependsOnKeys.all(), concurrencyKeys.all(), outputKeys.all(), defaultKeys.all(), labelKeys.all(),
		slices.Collect(maps.Keys(unsupportedFlowKeys)), slices.Collect(maps.Keys(unsupportedTaskKeys)),
		slices.Collect(maps.Keys(unsupportedTriggerKeys)), slices.Collect(maps.Keys(unsupportedInputKeys)),
		flowableKeys.all(), typeKeys[tasks.PauseType].all()} {
		for _, k := range names {
			set[k] = true
		}
	}
	var files []string
	for _, pattern := range []string{"testdata/load/*.yml", "../examples/*.yml", "../runner/testdata/kestra/*.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil || len(m) == 0 {
			t.Fatalf("no flows match %s: %v", pattern, err)
		}
		files = append(files, m...)
	}
	var walkYAML func(n *yaml.Node, depth int)
	walkYAML = func(n *yaml.Node, depth int) {
		if depth > 50 {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				set[n.Content[i].Value] = true
			}
		}
		for _, c := range n.Content {
			walkYAML(c, depth+1)
		}
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var n yaml.Node
		if yaml.Unmarshal(src, &n) == nil {
			walkYAML(&n, 0)
		}
	}
	name := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
	var out []string
	for k := range set {
		if name.MatchString(k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// refusedKey reports whether the loader refused key as a key of the mapping: unknown, not
// supported, or, when typed, a key of another type.
func refusedKey(err error, key string, typed bool) (bool, string) {
	var le *LoadError
	if !errors.As(err, &le) {
		return false, ""
	}
	q := strconv.Quote(key)
	for _, p := range le.Problems {
		if strings.Contains(p.Msg, "unknown property "+q) || strings.Contains(p.Msg, "does not support "+q) ||
			typed && strings.Contains(p.Msg, ": "+key+" is not a property of ") {
			return true, p.Msg
		}
	}
	return false, ""
}

// TestKeyTablesMatchSchema walks the loader and the schema key by key, for every mapping the
// key tables describe: a key the loader reads is a property of the schema, and a key the
// schema lists the loader reads. The keys tried are those of the schema, of the tables, and
// of every flow of the repository, Kestra's included.
func TestKeyTablesMatchSchema(t *testing.T) {
	reg := tasks.Builtin()
	b, err := Schema(reg)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	keys := candidateKeys(t, doc)
	if len(keys) < 200 {
		t.Fatalf("only %d keys to try: the flows of the repository were not found", len(keys))
	}
	for _, m := range keyedMappings() {
		t.Run(m.name, func(t *testing.T) {
			base := fmt.Sprintf(m.flow, "")
			if _, err := Parse("flow.yml", []byte(base), reg); err != nil {
				t.Fatalf("the flow the keys are added to is refused:\n%s\n%v", base, err)
			}
			props := m.props(doc)
			if len(props) == 0 {
				t.Fatalf("the schema lists no keys for %s", m.name)
			}
			accepted := 0
			for _, key := range keys {
				src := fmt.Sprintf(m.flow, strconv.Quote(key)+": ~")
				_, err := Parse("flow.yml", []byte(src), reg)
				refused, msg := refusedKey(err, key, m.typed)
				_, inSchema := props[key]
				switch {
				case !refused && !inSchema:
					t.Errorf("%s: flowctl reads key %q, the schema does not list it", m.name, key)
				case refused && inSchema:
					t.Errorf("%s: the schema lists key %q, flowctl refuses it: %s", m.name, key, msg)
				case !refused:
					accepted++
				}
			}
			for key := range props {
				if !slices.Contains(keys, key) {
					t.Errorf("%s: schema key %q was not tried", m.name, key)
				}
			}
			t.Logf("%d keys tried, %d read", len(keys), accepted)
			if accepted < 2 {
				t.Errorf("%s: flowctl read only %d keys: the flow does not reach the mapping", m.name, accepted)
			}
		})
	}
}

// TestKeyTypesMatchSchema walks the keys that only some types take (retry and input keys):
// for each type, the loader refuses a key its type does not take exactly where the schema's
// branch for the type does.
func TestKeyTypesMatchSchema(t *testing.T) {
	reg := tasks.Builtin()
	b, err := Schema(reg)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	// branch returns the then of the branch of $defs[def] selecting type typ.
	branch := func(def, typ string) map[string]any {
		for _, a := range doc["$defs"].(map[string]any)[def].(map[string]any)["allOf"].([]any) {
			br := a.(map[string]any)
			s, _ := json.Marshal(at(br, "if", "properties", "type"))
			if strings.Contains(string(s), `"enum":["`+typ+`"`) {
				return br["then"].(map[string]any)
			}
		}
		t.Fatalf("$defs.%s has no branch for type %s", def, typ)
		return nil
	}
	const head = "id: f\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
	loaderTakes := func(src, key string) bool {
		_, err := Parse("flow.yml", []byte(src), reg)
		var le *LoadError
		if errors.As(err, &le) {
			for _, p := range le.Problems {
				if strings.HasPrefix(p.Msg, "task \"a\": retry: "+key+" is not a property of") ||
					strings.Contains(p.Msg, "\": "+key+": only ") {
					return false
				}
			}
		}
		return true
	}
	for _, typ := range retryTypes {
		then := branch("retry", typ)
		for _, key := range retryKeys.all() {
			if key == "type" {
				continue
			}
			src := head + "    retry:\n      type: " + typ + "\n      " + key + ": ~\n"
			_, inSchema := at(then, "properties")[key]
			if took := loaderTakes(src, key); took != inSchema {
				t.Errorf("retry %s, key %s: flowctl takes it: %v, the schema: %v", typ, key, took, inSchema)
			}
		}
	}
	for _, typ := range inputTypes {
		for _, key := range inputKeys.all() {
			if key == "type" || key == "id" || key == "name" {
				continue
			}
			// A key with an inert value is tried with it too, and with another value.
			values := []string{"~"}
			if k := inputKeys.lookup(key); k.inert != nil {
				other, _ := json.Marshal(k.inert == false)
				inert, _ := json.Marshal(k.inert)
				values = []string{string(inert), string(other)}
			}
			for _, value := range values {
				src := head + "inputs:\n  - id: i\n    type: " + typ + "\n    " + key + ": " + value + "\n"
				if took, inSchema := loaderTakes(src, key), schemaTakes(branch("input", typ), key, value); took != inSchema {
					t.Errorf("input %s, %s: %s: flowctl takes it: %v, the schema: %v", typ, key, value, took, inSchema)
				}
			}
		}
	}
}

// schemaTakes reports whether the branch then of an input type lets key through with value
// (JSON): it refuses the keys of other types in its not, each with the value it lets through
// if any.
func schemaTakes(then map[string]any, key, value string) bool {
	nots, _ := at(then, "not")["anyOf"].([]any)
	for _, n := range nots {
		n := n.(map[string]any)
		if req, _ := n["required"].([]any); len(req) != 1 || req[0] != key {
			continue
		}
		inert, ok := at(n, "not", "properties", key)["const"]
		if !ok {
			return false
		}
		var v any
		return json.Unmarshal([]byte(value), &v) == nil && v == inert
	}
	return true
}
