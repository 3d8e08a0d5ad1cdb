package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/tasks"
)

// schemaExceptions are the flows of the repository on which the schema and the loader
// disagree, each with the reason: what a JSON Schema cannot express. The list must be exact:
// a file listed here that the schema now judges as the loader does fails the test.
var schemaExceptions = map[string]string{
	// flowctl refuses them, the schema does not.
	"flow/testdata/load/alias-duplicate.yml":        "duplicate task id (an anchor used twice)",
	"flow/testdata/load/templates.yml":              "template syntax errors",
	"testdata/script/templates.txtar:broken.yml":    "template syntax errors",
	"testdata/script/subflow.txtar:self.yml":        "a Subflow calling its own flow",
	"testdata/script/foreachitem.txtar:self.yml":    "a ForEachItem calling its own flow",
	"testdata/script/validate.txtar:literals.yml":   "literal values a run would refuse (a port not a number, an unknown charset, an empty label key)",
	"testdata/script/inputs_nested.txtar:clash.yml": "input ids where one holds the other (request, request.name)",
	// flowctl accepts them, the schema does not.
	"testdata/script/plugin_defaults.txtar:flow.yml":  "a required property given by pluginDefaults: the schema checks each task alone",
	"testdata/script/flowable_dag.txtar:bad.yml":      "a Dag's dependencies: a cycle, an id that is no task of the Dag",
	"testdata/script/template_tags.txtar:lacking.yml": "template tags flowctl lacks or left open",
}

// flowFile is one flow of the repository.
type flowFile struct {
	name string // the path from the repository root; name.txtar:member inside an archive
	src  []byte
	// builtin says which task types the flow is judged with: tasks.Builtin(), or for
	// testdata/load testRegistry(), which their golden files were made with.
	builtin bool
}

// repoFlows gathers every flow file of the repository: the loader's test flows (with the
// test task types their golden files were made with), the examples, and the flows embedded
// in the CLI scripts.
func repoFlows(t *testing.T) []flowFile {
	t.Helper()
	var out []flowFile
	add := func(pattern string, builtin bool) {
		files, err := filepath.Glob(pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("no flows match %s: %v", pattern, err)
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, flowFile{name: repoPath(f), src: src, builtin: builtin})
		}
	}
	add("testdata/load/*.yml", false)
	add("../examples/*.yml", true)
	add("../examples/seed/*.yml", true)
	add("../examples/kestra/*.yaml", true)
	archives, err := filepath.Glob("../testdata/script/*.txtar")
	if err != nil || len(archives) == 0 {
		t.Fatalf("no scripts in ../testdata/script: %v", err)
	}
	for _, a := range archives {
		ar, err := txtar.ParseFile(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if ext := filepath.Ext(f.Name); ext != ".yml" && ext != ".yaml" {
				continue
			}
			name := repoPath(a) + ":" + f.Name
			out = append(out, flowFile{name: name, src: f.Data, builtin: true})
		}
	}
	return out
}

// repoPath turns a path relative to the runner folder into one from the repository root.
func repoPath(p string) string {
	p = filepath.ToSlash(p)
	if rest, ok := strings.CutPrefix(p, "../"); ok {
		return rest
	}
	return "flow/" + p
}

// compileSchema compiles the schema of reg as draft 2020-12 (the compiler also checks it
// against the draft's meta-schema).
func compileSchema(t testing.TB, reg tasks.Registry) *jsonschema.Schema {
	t.Helper()
	b, err := Schema(reg)
	if err != nil {
		t.Fatalf("Schema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("flowctl.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("flowctl.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

// validateYAML checks a flow file against the schema as an editor would: every document of
// the file, aliases resolved, a merge key (<<) kept as the key it is written as; a file that
// is not YAML (or has no JSON form, such as keys that are not strings) is refused.
func validateYAML(sch *jsonschema.Schema, src []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for n := 0; ; n++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return errors.New("not YAML: an empty file")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("not YAML: %w", err)
		}
		v, err := nodeValue(&doc, 0)
		if err != nil {
			return err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("no JSON form: %w", err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return err
		}
		if err := sch.Validate(inst); err != nil {
			return fmt.Errorf("document %d: %w", n+1, err)
		}
	}
}

// nodeValue turns a YAML node into the value an editor validates: aliases resolved, merge
// keys not applied.
func nodeValue(n *yaml.Node, depth int) (any, error) {
	if depth > 100 {
		return nil, errors.New("nested too deep")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return nodeValue(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, errors.New("no JSON form: a key that is not a string")
			}
			if _, dup := out[k.Value]; dup {
				return nil, fmt.Errorf("not YAML: key %q is given twice", k.Value)
			}
			v, err := nodeValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	}
	if n.Tag == "!!timestamp" {
		// YAML 1.2, which editors' YAML servers speak, has no timestamps: an unquoted date
		// (a DATE input's default: 2024-07-01) is its text, as the loader reads it too.
		return n.Value, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func TestSchemaCompilesAsDraft2020(t *testing.T) {
	b, err := Schema(tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema: got %v, want draft 2020-12", got)
	}
	compileSchema(t, tasks.Builtin())
	compileSchema(t, testRegistry())
}

// TestSchemaAgreesWithLoader checks the schema's verdict against the loader's on every flow
// of the repository: every flow flowctl accepts, the schema accepts, and every flow it
// refuses, the schema refuses, but for schemaExceptions.
func TestSchemaAgreesWithLoader(t *testing.T) {
	builtin, test := compileSchema(t, tasks.Builtin()), compileSchema(t, testRegistry())
	flows := repoFlows(t)
	disagree := map[string]bool{}
	var valid, invalid int
	for _, f := range flows {
		sch, reg := test, testRegistry()
		if f.builtin {
			sch, reg = builtin, tasks.Builtin()
		}
		_, lerr := Parse(filepath.Base(f.name), f.src, reg)
		serr := validateYAML(sch, f.src)
		if lerr == nil {
			valid++
		} else {
			invalid++
		}
		if (lerr == nil) == (serr == nil) {
			continue
		}
		disagree[f.name] = true
		if reason, ok := schemaExceptions[f.name]; ok {
			t.Logf("%s (%s): flowctl: %v; schema: %v", f.name, reason, lerr, serr)
			continue
		}
		if lerr == nil {
			t.Errorf("%s: flowctl accepts it, the schema refuses it:\n%v", f.name, serr)
		} else {
			t.Errorf("%s: flowctl refuses it, the schema accepts it; flowctl says:\n%v", f.name, lerr)
		}
	}
	for name, reason := range schemaExceptions {
		if !disagree[name] {
			t.Errorf("%s is listed in schemaExceptions (%s) but the schema and flowctl agree on it: remove it", name, reason)
		}
	}
	// A glob that matched less than it should would make the test pass for nothing.
	t.Logf("%d flows flowctl accepts, %d it refuses", valid, invalid)
	if valid < 20 || invalid < 30 {
		t.Errorf("got %d valid and %d invalid flows, want at least 20 and 30", valid, invalid)
	}
}

// kindsDef is a task type with a property of every Go kind the loader reads.
var kindsDef = &tasks.Def{Type: "io.flowctl.test.Kinds", New: func() tasks.Task { return &testKinds{} }}

// TestSchemaRules checks one rule at a time: the loader's verdict and the schema's are both
// the one wanted.
func TestSchemaRules(t *testing.T) {
	reg := tasks.Builtin()
	reg.Add(kindsDef)
	sch := compileSchema(t, reg)
	const head = "id: f\nnamespace: dev\n"
	const log = "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
	task := func(props string) string { return head + log + props }
	kinds := func(props string) string {
		return head + "tasks:\n  - id: a\n    type: io.flowctl.test.Kinds\n" + props
	}
	retry := func(props string) string {
		return task("    retry:\n" + props)
	}
	trigger := func(props string) string { return head + log + "triggers:\n  - id: t\n" + props }
	input := func(props string) string { return head + log + "inputs:\n  - id: i\n" + props }
	// when is a Schedule trigger with conditions, each "      - type: ..." and its properties.
	when := func(conditions string) string {
		return trigger("    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"@daily\"\n    conditions:\n" + conditions)
	}
	const cond = "      - type: io.kestra.plugin.core.condition."
	cases := []struct {
		name  string
		flow  string
		valid bool
	}{
		{"minimal", head + log, true},
		{"number as flow id", "id: 2024\nnamespace: dev\n" + log, true},
		{"flow id with a space", "id: my flow\nnamespace: dev\n" + log, false},
		{"flow id too long", "id: " + strings.Repeat("a", 101) + "\nnamespace: dev\n" + log, false},
		{"upper-case namespace", "id: f\nnamespace: Dev\n" + log, false},
		{"null description", head + "description:\n" + log, true},
		{"unknown flow key", head + log + "tsks: []\n", false},
		{"unsupported flow key", head + log + "checks: []\n", false},
		{"flow retry", head + log + "retry:\n  type: constant\n  interval: PT1S\n  maxAttempt: 3\n  behavior: CREATE_NEW_EXECUTION\n", true},
		{"flow retry without a bound", head + log + "retry:\n  type: constant\n  interval: PT1S\n", false},
		{"sla", head + log + "sla:\n  - id: d\n    type: MAX_DURATION\n    behavior: FAIL\n    duration: PT1M\n    labels: {sla: late}\n", true},
		{"sla without its duration", head + log + "sla:\n  - id: d\n    type: MAX_DURATION\n    behavior: FAIL\n", false},
		{"sla with another type's key", head + log + "sla:\n  - id: d\n    type: MAX_DURATION\n    behavior: FAIL\n    duration: PT1M\n    assert: x\n", false},
		{"plugin defaults", head + log + "pluginDefaults:\n  - type: io.kestra.plugin.core.log\n    values: {level: WARN}\n", true},
		{"outputs", head + log + "outputs:\n  - id: o\n    type: INT\n    value: \"{{ 1 }}\"\n", true},
		{"output without value", head + log + "outputs:\n  - id: o\n    type: INT\n", false},
		{"plugin default without values", head + log + "pluginDefaults:\n  - type: io.kestra\n", false},
		{"no tasks", head, false},
		{"empty tasks", head + "tasks: []\n", false},
		{"null errors", head + log + "errors:\n", true},
		{"labels map", head + log + "labels:\n  team: data\n  tier: 1\n", true},
		{"labels list", head + log + "labels:\n  - key: team\n    value: data\n", true},
		{"label without value", head + log + "labels:\n  - key: team\n", false},
		{"label value null", head + log + "labels:\n  team:\n", false},
		{"variables list", head + log + "variables: [a]\n", false},
		{"disabled string", head + log + "disabled: \"true\"\n", false},
		{"concurrency", head + log + "concurrency:\n  limit: 2\n  behavior: FAIL\n", true},
		{"concurrency limit 0", head + log + "concurrency:\n  limit: 0\n", false},
		{"concurrency without limit", head + log + "concurrency:\n  behavior: QUEUE\n", false},
		{"concurrency bad behavior", head + log + "concurrency:\n  limit: 1\n  behavior: WAIT\n", false},

		{"task id with a dot", head + "tasks:\n  - id: a.b\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n", false},
		{"task without type", head + "tasks:\n  - id: a\n    message: hi\n", false},
		{"unknown task type", head + "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Lgo\n    message: hi\n", false},
		{"alias type", head + "tasks:\n  - id: a\n    type: io.kestra.core.tasks.log.Log\n    message: hi\n", true},
		{"missing required property", head + "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n", false},
		{"required property null", head + "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message:\n", false},
		{"unknown task property", task("    mesage: hi\n"), false},
		{"unsupported task property", task("    workerGroup: {key: gpu}\n"), false},
		{"logToFile", task("    logToFile: true\n"), true},
		{"logToFile not a boolean", task("    logToFile: yes please\n"), false},
		{"logLevel", task("    logLevel: DEBUG\n"), true},
		{"logLevel unknown", task("    logLevel: LOUD\n"), false},
		{"message list", head + "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: [a, 2]\n", true},
		{"message number", head + "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: 42\n", true},
		{"message mapping", head + "tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: {a: b}\n", false},
		{"level enum", task("    level: WARN\n"), true},
		{"level not in enum", task("    level: VERBOSE\n"), false},
		{"level templated", task("    level: \"{{ inputs.level }}\"\n"), true},
		{"level null", task("    level:\n"), true},
		{"description null", task("    description:\n"), true},
		{"timeout", task("    timeout: PT1M30S\n"), true},
		{"timeout zero", task("    timeout: PT0S\n"), false},
		{"timeout negative", task("    timeout: -PT5S\n"), false},
		{"timeout not ISO", task("    timeout: 30s\n"), false},
		{"timeout templated", task("    timeout: \"{{ vars.timeout }}\"\n"), false},
		{"allowFailure string", task("    allowFailure: \"true\"\n"), false},
		{"runIf", task("    runIf: \"{{ inputs.go }}\"\n"), true},
		{"runIf null", task("    runIf:\n"), false},
		{"slack without url", head + "tasks:\n  - id: s\n    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook\n    messageText: hi\n", false},
		{"slack options", head + "tasks:\n  - id: s\n    type: io.kestra.plugin.slack.SlackIncomingWebhook\n    url: http://x\n    options:\n      readTimeout: PT5S\n      headers: {X-A: b}\n", true},
		{"slack unknown option", head + "tasks:\n  - id: s\n    type: io.kestra.plugin.slack.SlackIncomingWebhook\n    url: http://x\n    options:\n      timeout: PT5S\n", false},
		{"script env null value", head + "tasks:\n  - id: s\n    type: io.kestra.plugin.scripts.shell.Script\n    script: x\n    env:\n      A:\n", false},
		{"script commands scalar", head + "tasks:\n  - id: s\n    type: io.kestra.plugin.scripts.shell.Commands\n    commands: echo hi\n", false},
		{"script failFast string", head + "tasks:\n  - id: s\n    type: io.kestra.plugin.scripts.shell.Script\n    script: x\n    failFast: \"false\"\n", false},
		{"script of another type", head + "tasks:\n  - id: s\n    type: io.kestra.plugin.scripts.shell.Commands\n    script: x\n    commands: [x]\n", false},

		{"kinds", kinds("    text: 42\n    count: 0x10\n    small: -5\n    ratio: 2\n    flag: false\n    any: [1, {b: c}]\n    data: {x: 1, y: [true, null]}\n    names: [a]\n    wait: PT1M\n    channels:\n      - mode: slow\n"), true},
		{"kinds enum in another casing", kinds("    channels:\n      - mode: Fast\n"), true},
		{"kinds enum wrong", kinds("    channels:\n      - mode: FASTER\n"), false},
		{"kinds int8 out of range", kinds("    small: 300\n"), false},
		{"kinds integer float", kinds("    count: 1.5\n"), false},
		{"kinds number string", kinds("    ratio: abc\n"), false},
		{"kinds duration negative", kinds("    wait: -PT1M\n"), true},
		{"kinds duration bad", kinds("    wait: PT-\n"), false},
		{"kinds nested required", kinds("    options:\n      headers: {a: b}\n"), false},
		{"kinds list item null", kinds("    names: [a, ~]\n"), false},

		{"retry constant", retry("      type: constant\n      interval: PT1S\n      maxAttempt: 3\n"), true},
		{"retry exponential", retry("      type: exponential\n      interval: PT1S\n      maxInterval: PT1M\n      delayFactor: 1.5\n      maxDuration: PT10M\n"), true},
		{"retry random", retry("      type: random\n      minInterval: PT0S\n      maxInterval: PT1M\n      maxAttempt: 2\n"), true},
		{"retry without type", retry("      interval: PT1S\n      maxAttempt: 3\n"), false},
		{"retry unbounded", retry("      type: constant\n      interval: PT1S\n"), false},
		{"retry missing interval", retry("      type: constant\n      maxAttempt: 3\n"), false},
		{"retry key of another type", retry("      type: constant\n      interval: PT1S\n      maxAttempt: 3\n      maxInterval: PT2S\n"), false},
		{"retry maxAttempt 0", retry("      type: constant\n      interval: PT1S\n      maxAttempt: 0\n"), false},
		{"retry delayFactor 0", retry("      type: exponential\n      interval: PT1S\n      maxInterval: PT1M\n      delayFactor: 0\n      maxAttempt: 2\n"), false},
		{"retry negative interval", retry("      type: constant\n      interval: -PT1S\n      maxAttempt: 3\n"), false},

		{"flow trigger", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    states: [FAILED]\n    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionFlow\n        namespace: dev\n        flowId: other\n"), true},
		{"trigger alias", trigger("    type: io.kestra.core.models.triggers.types.Flow\n"), true},
		{"trigger without type", trigger("    states: [FAILED]\n"), false},
		{"trigger id with a dot", "id: f\nnamespace: dev\n" + log + "triggers:\n  - id: a.b\n    type: io.kestra.plugin.core.trigger.Flow\n", false},
		{"trigger state unknown", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    states: [DONE]\n"), false},
		{"trigger key of another type", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    cron: \"@daily\"\n"), false},
		{"schedule", trigger("    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"@daily\"\n    timezone: Europe/Paris\n    recoverMissedSchedules: NONE\n    lateMaximumDelay: PT1H\n"), true},
		{"schedule without cron", trigger("    type: io.kestra.plugin.core.trigger.Schedule\n"), false},
		{"schedule with conditions", trigger("    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"@daily\"\n    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionStatus\n"), false},
		{"schedule bad recover", trigger("    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"@daily\"\n    recoverMissedSchedules: SOME\n"), false},
		{"condition missing flowId", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionFlow\n        namespace: dev\n"), false},
		{"condition prefix", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionNamespace\n        namespace: dev\n        prefix: true\n        comparison: PREFIX\n"), true},
		{"condition prefix contradicted", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionNamespace\n        namespace: dev\n        prefix: true\n        comparison: SUFFIX\n"), false},
		{"schedule DayWeek", when(cond + "DayWeek\n        dayOfWeek: MONDAY\n"), true},
		{"schedule DayWeek in lower case, old name", when("      - type: io.kestra.core.models.conditions.types.DayWeekCondition\n        dayOfWeek: monday\n"), true},
		{"schedule DayWeek without dayOfWeek", when(cond + "DayWeek\n"), false},
		{"schedule DayWeek bad day", when(cond + "DayWeek\n        dayOfWeek: MON\n"), false},
		{"schedule DayWeek templated day", when(cond + "DayWeek\n        dayOfWeek: \"{{ trigger.day }}\"\n"), false},
		{"schedule DayWeek with dayInMonth", when(cond + "DayWeek\n        dayOfWeek: MONDAY\n        dayInMonth: FIRST\n"), false},
		{"schedule DayWeekInMonth", when(cond + "DayWeekInMonth\n        dayOfWeek: FRIDAY\n        dayInMonth: last\n        date: \"{{ trigger.date }}\"\n"), true},
		{"schedule DayWeekInMonth without dayInMonth", when(cond + "DayWeekInMonth\n        dayOfWeek: FRIDAY\n"), false},
		{"schedule DayWeekInMonth fifth", when(cond + "DayWeekInMonth\n        dayOfWeek: FRIDAY\n        dayInMonth: FIFTH\n"), false},
		{"schedule Weekend", when(cond + "WeekendCondition\n"), true},
		{"schedule Weekend plain date", when(cond + "Weekend\n        date: \"2026-03-07\"\n"), true},
		{"schedule Weekend bad date", when(cond + "Weekend\n        date: tomorrow\n"), false},
		{"schedule Weekend null date", when(cond + "Weekend\n        date:\n"), false},
		{"schedule TimeBetween", when(cond + "TimeBetween\n        after: \"16:00:00+02:00\"\n        before: \"20:00Z\"\n"), true},
		{"schedule TimeBetween one bound", when(cond + "TimeBetween\n        before: \"20:00:00.5-05:00\"\n"), true},
		{"schedule TimeBetween no bound", when(cond + "TimeBetween\n"), false},
		{"schedule TimeBetween without offset", when(cond + "TimeBetween\n        after: \"16:00\"\n"), false},
		{"schedule TimeBetween offset too large", when(cond + "TimeBetween\n        after: \"16:00+19:00\"\n"), false},
		{"schedule TimeBetween with a date", when(cond + "TimeBetween\n        after: 2026-03-02T16:00:00Z\n"), false},
		{"schedule TimeBetween plain date", when(cond + "TimeBetween\n        after: \"16:00Z\"\n        date: \"2026-03-07\"\n"), false},
		{"schedule DateTimeBetween", when(cond + "DateTimeBetween\n        after: 2026-01-01T00:00:00Z\n        before: \"2026-12-31T23:59+01:00[Europe/Paris]\"\n        date: \"{{ trigger.previous }}\"\n"), true},
		{"schedule DateTimeBetween plain date", when(cond + "DateTimeBetween\n        after: \"2026-01-01\"\n"), false},
		{"schedule DateTimeBetween templated bound", when(cond + "DateTimeBetween\n        after: \"{{ trigger.date }}\"\n"), false},
		{"schedule DateTimeBetween no bound", when(cond + "DateTimeBetween\n        date: \"{{ trigger.date }}\"\n"), false},
		{"schedule Not Or nested", when(cond + "Not\n        conditions:\n          - type: io.kestra.plugin.core.condition.Or\n            conditions:\n              - type: io.kestra.plugin.core.condition.Weekend\n              - type: io.kestra.plugin.core.condition.DayWeek\n                dayOfWeek: FRIDAY\n"), true},
		{"schedule Not empty", when(cond + "Not\n        conditions: []\n"), false},
		{"schedule Or without conditions", when(cond + "Or\n"), false},
		{"schedule Or of an Execution condition", when(cond + "Or\n        conditions:\n          - type: io.kestra.plugin.core.condition.ExecutionStatus\n            in: [FAILED]\n"), false},
		{"schedule Or nested bad", when(cond + "Or\n        conditions:\n          - type: io.kestra.plugin.core.condition.DayWeek\n"), false},
		{"schedule PublicHoliday", when(cond + "PublicHoliday\n        country: FR\n"), false},
		{"flow trigger with Weekend", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n" + cond + "Weekend\n"), false},
		{"condition unknown key", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionStatus\n        notin: [FAILED]\n"), false},
		{"preconditions", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      id: p\n      timeWindow:\n        type: DAILY_TIME_DEADLINE\n        deadline: \"09:00:00\"\n      flows:\n        - namespace: dev\n          flowId: a\n          states: [SUCCESS]\n          labels: {env: prod}\n      where:\n        - id: w\n          operand: OR\n          filters:\n            - field: STATE\n              type: IN\n              values: [FAILED]\n"), true},
		{"preconditions without id", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      flows:\n        - namespace: dev\n"), false},
		{"preconditions unknown key", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      id: p\n      flow:\n        - namespace: dev\n"), false},
		{"preconditions window type unknown", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      id: p\n      timeWindow:\n        type: HOURLY\n"), false},
		{"precondition filter field unknown", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      id: p\n      where:\n        - id: w\n          filters:\n            - field: LABEL\n              type: EQUAL_TO\n              value: a\n"), false},
		{"multiple condition", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - id: m\n        type: io.kestra.plugin.core.condition.MultipleCondition\n        window: P1D\n        windowAdvance: P0D\n        conditions:\n          ok:\n            type: io.kestra.plugin.core.condition.ExecutionStatus\n            in: [SUCCESS]\n"), true},
		{"multiple condition without conditions", trigger("    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - id: m\n        type: io.kestra.plugin.core.condition.MultipleCondition\n        window: P1D\n"), false},

		{"input", input("    type: STRING\n    defaults: 3\n    required: false\n"), true},
		{"input old name", head + log + "inputs:\n  - name: i\n    type: STRING\n", true},
		{"input id and name", input("    name: i\n    type: STRING\n"), false},
		{"input without type", input("    required: false\n"), false},
		{"input unknown type", input("    type: URL\n"), false},
		{"input URI", input("    type: URI\n    defaults: https://example.com/a.csv\n"), true},
		{"input FILE default not a URI", input("    type: FILE\n    defaults: ./a.csv\n"), false},
		{"input alias type", input("    type: BOOL\n    defaults: \"TRUE\"\n"), true},
		{"input bad boolean", input("    type: BOOLEAN\n    defaults: maybe\n"), false},
		{"input int", input("    type: INT\n    defaults: \"42\"\n"), true},
		{"input bad int", input("    type: INT\n    defaults: three\n"), false},
		{"input float", input("    type: FLOAT\n    defaults: 1\n"), true},
		{"input datetime", input("    type: DATETIME\n    defaults: 2026-11-26T17:00:00Z\n"), true},
		{"input bad datetime", input("    type: DATETIME\n    defaults: yesterday\n"), false},
		{"input bad duration", input("    type: DURATION\n    defaults: 5 minutes\n"), false},
		{"input JSON as YAML", input("    type: JSON\n    defaults: {a: [1]}\n"), true},
		{"input string mapping", input("    type: STRING\n    defaults: {a: 1}\n"), false},
		{"input enum", input("    type: ENUM\n    values: [a, b]\n    defaults: a\n"), true},
		{"input enum without values", input("    type: ENUM\n"), false},
		{"input enum values twice", input("    type: ENUM\n    values: [a, a]\n"), false},
		{"input values of a string", input("    type: STRING\n    values: [a]\n"), false},
		{"input unsupported key", input("    type: SELECT\n    values: [a]\n    isRadio: true\n"), false},
		{"input validator", input("    type: STRING\n    validator: '[a-z]+'\n"), true},
		{"input validator of an int", input("    type: INT\n    validator: x\n"), false},
		{"input int bounds", input("    type: INT\n    min: 1\n    max: 5\n    defaults: 3\n"), true},
		{"input after of an int", input("    type: INT\n    after: 1\n"), false},
		{"input date bounds", input("    type: DATE\n    after: 2026-01-01\n    before: 2026-12-31\n    defaults: \"2026-06-01\"\n"), true},
		{"input bad date", input("    type: DATE\n    defaults: 2026-1-1\n"), false},
		{"input time", input("    type: TIME\n    defaults: \"17:30\"\n"), true},
		{"input bad time", input("    type: TIME\n    defaults: \"25:00\"\n"), false},
		{"input select", input("    type: SELECT\n    values: [a, b]\n    allowCustomValue: true\n"), true},
		{"input select without values", input("    type: SELECT\n"), false},
		{"input multiselect options", input("    type: MULTISELECT\n    options: [a, b]\n"), true},
		{"input multiselect options and values", input("    type: MULTISELECT\n    options: [a, b]\n    values: [a]\n"), false},
		{"input select options", input("    type: SELECT\n    options: [a, b]\n"), false},
		{"input multiselect", input("    type: MULTISELECT\n    values: [a, b]\n    defaults: [a]\n"), true},
		{"input allowCustomValue of a string", input("    type: STRING\n    allowCustomValue: true\n"), false},
		{"input allowCustomValue false of a string", input("    type: STRING\n    allowCustomValue: false\n"), true},
		{"input array", input("    type: ARRAY\n    itemType: INT\n    defaults: [1, 2]\n"), true},
		{"input array without itemType", input("    type: ARRAY\n"), false},
		{"input itemType of a string", input("    type: STRING\n    itemType: INT\n"), false},
		{"input yaml", input("    type: YAML\n    defaults:\n      a: [1]\n"), true},
		{"input templated default", input("    type: INT\n    defaults: \"{{ 1 + 1 }}\"\n"), true},
		{"input defaults and prefill", input("    type: STRING\n    defaults: a\n    prefill: b\n"), false},
		{"input prefill", input("    type: STRING\n    prefill: b\n"), true},
		{"input dependsOn", head + log + "inputs:\n  - id: a\n    type: BOOLEAN\n  - id: i\n    type: STRING\n    dependsOn:\n      inputs: [a]\n      condition: \"{{ inputs.a }}\"\n", true},
		{"input dependsOn unknown key", input("    type: STRING\n    dependsOn:\n      input: [a]\n"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, lerr := Parse("flow.yml", []byte(c.flow), reg)
			if (lerr == nil) != c.valid {
				t.Errorf("flowctl: got error %v, want valid=%v", lerr, c.valid)
			}
			if serr := validateYAML(sch, []byte(c.flow)); (serr == nil) != c.valid {
				t.Errorf("schema: got error %v, want valid=%v", serr, c.valid)
			}
		})
	}
}

// defOf returns the schema of one $defs entry.
func defOf(t *testing.T, doc map[string]any, name string) map[string]any {
	t.Helper()
	d, ok := doc["$defs"].(map[string]any)[name].(map[string]any)
	if !ok {
		t.Fatalf("$defs has no %q", name)
	}
	return d
}

// TestSchemaDescribesTaskTypes checks what editors show from the schema: descriptions from
// the doc tags, enums, required properties; and that an alias selects its type's properties.
func TestSchemaDescribesTaskTypes(t *testing.T) {
	b, err := Schema(tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	logType := reflect.TypeFor[tasks.Log]()
	logDef := defOf(t, doc, "io.kestra.plugin.core.log.Log")
	props := logDef["properties"].(map[string]any)
	field, _ := logType.FieldByName("Message")
	if got, want := props["message"].(map[string]any)["description"], field.Tag.Get("doc"); got != want || want == "" {
		t.Errorf("Log message description: got %q, want %q", got, want)
	}
	level, _ := json.Marshal(props["level"])
	if !strings.Contains(string(level), `{"enum":["TRACE","DEBUG","INFO","WARN","ERROR"]}`) {
		t.Errorf("Log level: got %s, want the enum TRACE, DEBUG, INFO, WARN, ERROR", level)
	}
	if got, want := logDef["description"], "Write one message, or several, to the task's log."; got != want {
		t.Errorf("Log description: got %q, want %q", got, want)
	}
	for _, typ := range []string{"io.kestra.plugin.notifications.slack.SlackIncomingWebhook", "io.kestra.plugin.notifications.slack.SlackExecution"} {
		req, _ := defOf(t, doc, typ)["required"].([]any)
		if !slices.Contains(req, any("url")) {
			t.Errorf("%s required: got %v, want url among them", typ, req)
		}
	}

	sch := compileSchema(t, tasks.Builtin())
	const head = "id: f\nnamespace: dev\ntasks:\n  - id: a\n"
	for _, typ := range []string{"io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log"} {
		if err := validateYAML(sch, []byte(head+"    type: "+typ+"\n    message: hi\n    level: DEBUG\n")); err != nil {
			t.Errorf("%s with message and level: got %v, want valid", typ, err)
		}
		err := validateYAML(sch, []byte(head+"    type: "+typ+"\n    message: hi\n    mesage: typo\n"))
		if err == nil || !strings.Contains(err.Error(), "mesage") {
			t.Errorf("%s with an unknown property: got %v, want an error naming mesage", typ, err)
		}
		if err := validateYAML(sch, []byte(head+"    type: "+typ+"\n    level: DEBUG\n")); err == nil {
			t.Errorf("%s without message: got valid, want an error", typ)
		}
		if err := validateYAML(sch, []byte(head+"    type: "+typ+"\n    message: hi\n    script: echo\n")); err == nil {
			t.Errorf("%s with a script: got valid, want an error", typ)
		}
	}
	for _, typ := range []string{"io.kestra.plugin.slack.SlackIncomingWebhook", "io.kestra.plugin.notifications.slack.SlackExecution"} {
		if err := validateYAML(sch, []byte(head+"    type: "+typ+"\n    messageText: hi\n")); err == nil {
			t.Errorf("%s without url: got valid, want an error", typ)
		}
	}
}
