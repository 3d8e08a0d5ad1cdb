package flow

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/tasks"
)

// loadTestdata loads a valid flow of testdata/load with the test registry.
func loadTestdata(t *testing.T, name string) *Flow {
	t.Helper()
	src, err := os.ReadFile("testdata/load/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(name, src, testRegistry())
	if err != nil {
		t.Fatalf("Parse(%s): got error\n%v\nwant none", name, err)
	}
	return f
}

func TestDecodeRealisticFlow(t *testing.T) {
	f := loadTestdata(t, "realistic.yml")
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", what, got, want)
		}
	}
	check("id", f.ID, "nightly-report")
	check("namespace", f.Namespace, "company.data")
	check("description", f.Description, "Build the nightly report and tell the team.\n")
	check("revision", f.Revision, 1)
	check("file", f.File, "realistic.yml")
	check("labels", f.Labels, []Label{{"team", "data"}, {"tier", "1"}})
	check("variables.bucket", f.Variables["bucket"], "s3://reports")
	// The file's order, as Kestra's LinkedHashMap keeps it.
	check("variables.limits", jsonOf(t, f.Variables["limits"]), `{"rows":1000000,"ratio":0.5,"strict":true,"none":null}`)
	check("task ids", ids(f.AllTasks()), []string{"start", "extract", "transform", "alert", "done"})
	check("branches", []int{len(f.Tasks), len(f.Errors), len(f.Finally)}, []int{3, 1, 1})

	if len(f.Inputs) != 3 {
		t.Fatalf("inputs: got %d, want 3", len(f.Inputs))
	}
	check("input day", *f.Inputs[0], Input{ID: "day", Type: InputDateTime, Required: false, Pos: Pos{10, 5}})
	check("input retries", *f.Inputs[1], Input{ID: "retries", Type: InputInt, Required: true, Defaults: 3, Pos: Pos{13, 5}})
	check("input format", *f.Inputs[2], Input{ID: "format", Type: InputEnum, Required: true, Defaults: "csv", Values: []string{"csv", "json"}, Pos: Pos{16, 5}})

	extract := f.Tasks[1]
	check("extract type", extract.Type, "io.kestra.plugin.scripts.shell.Commands")
	check("extract def", extract.Def.Type, "io.kestra.plugin.scripts.shell.Commands")
	check("extract timeout", extract.Timeout, 10*time.Minute)
	check("extract retry", *extract.Retry, Retry{Type: "exponential", MaxAttempt: 4, WarningOnRetry: true,
		Interval: 10 * time.Second, MaxInterval: 5 * time.Minute, DelayFactor: 1.5})
	check("extract commands", extract.Task.(*testCommands).Commands, []string{"echo extracting", `echo '::{"outputs":{"rows":42}}::'`})
	check("extract pos", extract.Pos, Pos{27, 5})
	check("extract prop pos", extract.PropPos, map[string]Pos{"commands": {38, 7}, "commands[0]": {38, 9}, "commands[1]": {39, 9}})

	transform := f.Tasks[2]
	check("transform runIf", []any{transform.RunIf, transform.HasRunIf}, []any{"{{ outputs.extract.vars.rows > 0 }}", true})
	check("transform allowFailure", transform.AllowFailure, true)
	script := transform.Task.(*testScript)
	check("transform env", script.Env, map[string]string{"ROWS": "{{ outputs.extract.vars.rows }}"})
	check("transform script", script.Script, "echo \"rows: $ROWS\"\n")
	check("transform prop pos", transform.PropPos, map[string]Pos{"runIf": {42, 12}, "env": {45, 7}, "env.ROWS": {45, 13}, "script": {46, 13}})

	alert := f.Errors[0].Task.(*testLog)
	check("alert", *alert, testLog{Message: tasks.StringList{"{{ flow.id }} failed", "see {{ execution.id }}"}, Level: "ERROR"})
	check("start message", f.Tasks[0].Task.(*testLog).Message, tasks.StringList{"Starting {{ flow.namespace }}.{{ flow.id }} for {{ inputs.day ?? 'today' }}"})
	check("start has no runIf", f.Tasks[0].HasRunIf, false)
	check("done", f.Finally[0].Disabled, false)
	check("warnings", f.Warnings, []string(nil))
	check("source", string(f.Source[:14]), "# A flow that ")
}

func ids(specs []*TaskSpec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.ID
	}
	return out
}

func TestDecodeLabelsBothForms(t *testing.T) {
	want := []Label{{"team", "data"}, {"tier", "1"}, {"on", "true"}}
	for name, src := range map[string]string{
		"map":  "labels:\n  team: data\n  tier: 1\n  \"on\": true\n",
		"list": "labels:\n  - key: team\n    value: data\n  - {key: tier, value: 1}\n  - key: \"on\"\n    value: true\n",
	} {
		f := mustParse(t, "id: l\nnamespace: dev\n"+src+"tasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
		if !reflect.DeepEqual(f.Labels, want) {
			t.Errorf("%s: got %v, want %v", name, f.Labels, want)
		}
	}
}

func TestDecodeRetryTypes(t *testing.T) {
	cases := []struct {
		retry string
		want  Retry
	}{
		{"{type: constant, interval: PT1S, maxAttempt: 3}",
			Retry{Type: "constant", Interval: time.Second, MaxAttempt: 3}},
		{"{type: Constant, interval: PT0S, maxDuration: PT1M, warningOnRetry: true}",
			Retry{Type: "constant", MaxDuration: time.Minute, WarningOnRetry: true}},
		{"{type: exponential, interval: PT1S, maxInterval: PT1M, maxAttempt: 5}",
			Retry{Type: "exponential", Interval: time.Second, MaxInterval: time.Minute, MaxAttempt: 5}},
		{"{type: RANDOM, minInterval: PT1S, maxInterval: PT3S, maxAttempt: 2, maxDuration: PT1H}",
			Retry{Type: "random", MinInterval: time.Second, MaxInterval: 3 * time.Second, MaxAttempt: 2, MaxDuration: time.Hour}},
	}
	for _, c := range cases {
		f := mustParse(t, "id: r\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n    retry: "+c.retry+"\n")
		if got := *f.Tasks[0].Retry; got != c.want {
			t.Errorf("retry %s: got %+v, want %+v", c.retry, got, c.want)
		}
	}
}

func TestDecodeTriggersAndConditions(t *testing.T) {
	f := loadTestdata(t, "triggers-valid.yml")
	want := []*Trigger{
		{ID: "listen", Type: TriggerFlow, Description: "watch the others", States: []string{"FAILED", "WARNING"},
			Inputs:    map[string]any{"from": "{{ trigger.flowId }}", "n": 3},
			InputsPos: map[string]Pos{"from": {13, 7}, "n": {14, 7}},
			Conditions: []*Condition{
				{Type: CondExecutionStatus, In: []string{"FAILED"}, NotIn: []string{"KILLED"}, Pos: Pos{16, 9}},
				{Type: CondExecutionFlow, Namespace: "prod", FlowID: "nightly", Pos: Pos{19, 9}},
				{Type: CondExecutionNS, Namespace: "prod.", Comparison: "PREFIX", Pos: Pos{22, 9}},
			}, Pos: Pos{8, 5}},
		{ID: "nightly", Type: TriggerSchedule, Cron: "@daily", Timezone: "Europe/Paris", Disabled: true, Pos: Pos{25, 5}},
		{ID: "seconds", Type: TriggerSchedule, Cron: "*/30 0 9-17 ? JAN-DEC MON", WithSeconds: true,
			RecoverMissedSchedules: "NONE", LateMaximumDelay: time.Hour, Pos: Pos{30, 5}},
	}
	if len(f.Triggers) != len(want) {
		t.Fatalf("got %d triggers, want %d", len(f.Triggers), len(want))
	}
	for i, w := range want {
		if got := f.Triggers[i]; !reflect.DeepEqual(got, w) {
			t.Errorf("trigger %d: got %+v, want %+v", i, got, w)
			for j := range min(len(got.Conditions), len(w.Conditions)) {
				t.Logf("  condition %d: got %+v, want %+v", j, got.Conditions[j], w.Conditions[j])
			}
		}
	}
}

func TestDecodeFlowTriggerDefaultStates(t *testing.T) {
	f := mustParse(t, "id: t\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\ntriggers:\n  - id: t\n    type: io.kestra.plugin.core.trigger.Flow\n")
	if got, want := f.Triggers[0].States, []string{"SUCCESS", "WARNING", "FAILED", "KILLED"}; !reflect.DeepEqual(got, want) {
		t.Errorf("states: got %v, want %v", got, want)
	}
	if got := f.Triggers[0].Conditions[0:0]; len(got) != 0 {
		t.Errorf("conditions: got %v, want none", got)
	}
}

func TestDecodeConditionAliases(t *testing.T) {
	aliases := map[string]string{
		"io.kestra.plugin.core.condition.ExecutionStatus":                      CondExecutionStatus,
		"io.kestra.core.models.conditions.types.ExecutionStatusCondition":      CondExecutionStatus,
		"io.kestra.plugin.core.condition.ExecutionStatusCondition":             CondExecutionStatus,
		"io.kestra.plugin.core.condition.ExecutionFlow":                        CondExecutionFlow,
		"io.kestra.core.models.conditions.types.ExecutionFlowCondition":        CondExecutionFlow,
		"io.kestra.plugin.core.condition.ExecutionFlowCondition":               CondExecutionFlow,
		"io.kestra.plugin.core.condition.ExecutionNamespace":                   CondExecutionNS,
		"io.kestra.core.models.conditions.types.ExecutionNamespaceCondition":   CondExecutionNS,
		"IO.KESTRA.PLUGIN.CORE.CONDITION.EXECUTIONNAMESPACECONDITION":          CondExecutionNS,
		"io.kestra.core.models.conditions.types.executionstatuscondition":      CondExecutionStatus,
		"io.kestra.plugin.core.condition.executionflowcondition":               CondExecutionFlow,
		"io.kestra.core.models.conditions.types.executionnamespacecondition":   CondExecutionNS,
		"io.kestra.plugin.core.condition.executionstatus":                      CondExecutionStatus,
		"io.kestra.plugin.core.condition.EXECUTIONFLOW":                        CondExecutionFlow,
		"io.kestra.core.models.conditions.types.ExecutionNamespaceCONDITION":   CondExecutionNS,
		"io.kestra.plugin.core.condition.ExecutionNamespaceCondition":          CondExecutionNS,
		"io.kestra.core.models.conditions.types.ExecutionFlowCondition ":       "", // not a type: the space counts
		"io.kestra.core.models.conditions.types.ExecutionStatusConditionExtra": "",
	}
	for typ, want := range aliases {
		props := map[string]string{
			CondExecutionStatus: "in: [FAILED]",
			CondExecutionFlow:   "namespace: dev\n        flowId: x",
			CondExecutionNS:     "namespace: dev",
			"":                  "in: [FAILED]",
		}[want]
		src := "id: t\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\ntriggers:\n  - id: t\n    type: io.kestra.core.models.triggers.types.Flow\n    conditions:\n      - type: \"" + typ + "\"\n        " + props + "\n"
		f, err := Parse("flow.yml", []byte(src), testRegistry())
		if want == "" {
			if err == nil {
				t.Errorf("%q: got no error, want one", typ)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: got %v, want no error", typ, err)
			continue
		}
		if got := f.Triggers[0].Conditions[0].Type; got != want {
			t.Errorf("%q: got %q, want %q", typ, got, want)
		}
	}
}

// describeConditions writes conditions as one line each, nested ones indented, with what
// the loader read of them.
func describeConditions(b *strings.Builder, cs []*Condition, indent string) {
	for _, c := range cs {
		fmt.Fprintf(b, "%s%s", indent, shortName(c.Type))
		for _, f := range []struct{ k, v string }{
			{"dayOfWeek", c.DayOfWeek}, {"dayInMonth", c.DayInMonth}, {"date", c.Date},
			{"afterTime", fmtTimeOfDay(c.AfterTime)}, {"beforeTime", fmtTimeOfDay(c.BeforeTime)},
			{"after", fmtInstant(c.After)}, {"before", fmtInstant(c.Before)},
		} {
			if f.v != "" {
				fmt.Fprintf(b, " %s=%s", f.k, f.v)
			}
		}
		fmt.Fprintf(b, " @%d:%d\n", c.Pos.Line, c.Pos.Col)
		describeConditions(b, c.Conditions, indent+"  ")
	}
}

func fmtTimeOfDay(t *TimeOfDay) string {
	if t == nil {
		return ""
	}
	return fmt.Sprintf("%s%+ds", t.Clock, t.Offset)
}

func fmtInstant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano) + "[" + t.Location().String() + "]"
}

func TestDecodeScheduleConditions(t *testing.T) {
	f := loadTestdata(t, "schedule-conditions-valid.yml")
	var b strings.Builder
	for _, tr := range f.Triggers {
		fmt.Fprintf(&b, "%s:\n", tr.ID)
		describeConditions(&b, tr.Conditions, "  ")
	}
	want := `mondays:
  DayWeek dayOfWeek=MONDAY @13:9
  DayWeekInMonth dayOfWeek=MONDAY dayInMonth=LAST date={{ trigger.date }} @15:9
  Not @19:9
    Weekend @21:13
    Or @22:13
      TimeBetween afterTime=16h0m0s+7200s beforeTime=20h0m0s+0s @24:17
      DateTimeBetween date={{ trigger.previous }} after=2026-01-01T00:00:00Z[] before=2026-12-31T23:59:59.5+01:00[Europe/Paris] @27:17
weekdays:
  Not @35:9
    Weekend date=2026-03-07 @37:13
  TimeBetween beforeTime=12h30m15.25s-18000s @39:9
  DateTimeBetween after=2026-03-01T00:00:00Z[] @41:9
  Or @43:9
    DayWeek dayOfWeek=SATURDAY @45:13
listen:
  ExecutionStatus @50:9
`
	if got := b.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestDecodeScheduleConditionAliases(t *testing.T) {
	props := map[string]string{
		CondDayWeek:         "dayOfWeek: MONDAY",
		CondDayWeekInMonth:  "dayOfWeek: MONDAY\n        dayInMonth: FIRST",
		CondWeekend:         "date: \"{{ trigger.date }}\"",
		CondTimeBetween:     "after: \"08:00Z\"",
		CondDateTimeBetween: "before: \"2030-01-01T00:00:00Z\"",
		CondNot:             "conditions:\n          - type: io.kestra.plugin.core.condition.Weekend",
		CondOr:              "conditions:\n          - type: io.kestra.plugin.core.condition.Weekend",
	}
	for _, names := range conditionTypes {
		want := names[0]
		if _, ok := props[want]; !ok {
			continue // an Execution condition (TestDecodeConditionAliases)
		}
		for _, typ := range append(names, strings.ToUpper(names[len(names)-1]), names[0]+"Conditio") {
			src := "id: t\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\ntriggers:\n  - id: t\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"@daily\"\n    conditions:\n      - type: \"" + typ + "\"\n        " + props[want] + "\n"
			f, err := Parse("flow.yml", []byte(src), testRegistry())
			if strings.HasSuffix(typ, "Conditio") {
				if err == nil {
					t.Errorf("%q: got no error, want one", typ)
				}
				continue
			}
			if err != nil {
				t.Errorf("%q: got %v, want no error", typ, err)
				continue
			}
			if got := f.Triggers[0].Conditions[0].Type; got != want {
				t.Errorf("%q: got %q, want %q", typ, got, want)
			}
		}
	}
	if len(props) != len(triggerConditions[TriggerSchedule]) {
		t.Errorf("got %d schedule conditions tried, want %d", len(props), len(triggerConditions[TriggerSchedule]))
	}
}

func TestDecodeTaskTypesCaseInsensitive(t *testing.T) {
	f := loadTestdata(t, "task-types-case.yml")
	for i, written := range []string{"IO.KESTRA.PLUGIN.CORE.LOG.LOG", "io.kestra.core.tasks.log.log"} {
		spec := f.Tasks[i]
		if spec.Type != written || spec.Def.Type != "io.kestra.plugin.core.log.Log" {
			t.Errorf("task %d: got type %q def %q, want %q def io.kestra.plugin.core.log.Log", i, spec.Type, spec.Def.Type, written)
		}
	}
}

func TestDecodePropertyKinds(t *testing.T) {
	f := mustParse(t, `id: k
namespace: dev
tasks:
  - id: right
    type: io.flowctl.test.Kinds
    text: 42
    count: 0x10
    small: -5
    ratio: 2
    flag: false
    any: [1, {b: c}]
    data: {x: 1, y: [true, null], z: 1.5}
    names: [a, "b"]
    options:
      connectTimeout: PT5S
      headers:
        X-Id: "{{ execution.id }}"
      mode: fast
    wait: PT1M30S
    channels:
      - mode: SLOW
  - id: scalarList
    type: io.kestra.plugin.core.log.Log
    message: just one
  - id: embedded
    type: io.kestra.plugin.scripts.shell.Commands
    commands: [echo]
    interpreter: [/bin/bash, -c]
`)
	got := f.Tasks[0].Task.(*testKinds)
	want := &testKinds{
		Text: "42", Count: 16, Small: -5, Ratio: 2, Flag: false,
		Any:     []any{1, map[string]any{"b": "c"}},
		Data:    map[string]any{"x": 1, "y": []any{true, nil}, "z": 1.5},
		Names:   []string{"a", "b"},
		Options: &testOptions{ConnectTimeout: 5 * time.Second, Headers: map[string]string{"X-Id": "{{ execution.id }}"}, Mode: "fast"},
		Wait:    90 * time.Second, Channels: []testOptions{{Mode: "SLOW"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kinds:\ngot  %+v\nwant %+v", got, want)
	}
	if got := f.Tasks[1].Task.(*testLog).Message; !reflect.DeepEqual(got, tasks.StringList{"just one"}) {
		t.Errorf("a single message: got %q, want one element", got)
	}
	if got := f.Tasks[2].Task.(*testCommands).Interpreter; !reflect.DeepEqual(got, []string{"/bin/bash", "-c"}) {
		t.Errorf("embedded property: got %q", got)
	}
	if got, want := f.Tasks[0].PropPos["options.headers.X-Id"], (Pos{17, 15}); got != want {
		t.Errorf("nested PropPos: got %v, want %v", got, want)
	}
}

func TestDecodeWithBuiltinTypes(t *testing.T) {
	// The real task types, through the real registry: a flow using each must load.
	reg := tasks.Builtin()
	src := `id: builtin
namespace: dev
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: ret
    type: io.kestra.core.tasks.debugs.Return
    format: "{{ flow.id }}"
  - id: sh
    type: io.kestra.plugin.scripts.shell.Commands
    commands: [echo hi]
  - id: py
    type: io.kestra.plugin.scripts.python.Script
    script: print(1)
finally:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ false }}"
`
	f, err := Parse("flow.yml", []byte(src), reg)
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	for _, spec := range f.AllTasks() {
		if spec.Task == nil || spec.Def == nil {
			t.Errorf("task %q: got no Task or Def", spec.ID)
		}
	}
}

func TestTemplatePositions(t *testing.T) {
	// Each value holds one template whose error must point at the "u" of "uper".
	cases := map[string]string{
		"plain":         "message: x {{ a | uper }}",
		"double quoted": `message: "x {{ a | uper }}"`,
		"single quoted": `message: 'x {{ a | uper }}'`,
		"escaped":       `message: "\t\u00e9 {{ a | uper }}"`,
		"literal":       "message: |\n      first\n      x {{ a | uper }}",
		"literal keep":  "message: |+\n\n      x {{ a | uper }}\n",
		"folded":        "message: >-\n      first\n      x {{ a | uper }}",
		"list item":     "message:\n      - \"{{ a | uper }}\"",
		"flow list":     "message: [ok, \"{{ a | uper }}\"]",
		"multi-line":    "message: x\n      y {{ a | uper }}",
	}
	for name, prop := range cases {
		src := "id: t\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    " + prop + "\n"
		_, err := Parse("flow.yml", []byte(src), testRegistry())
		le, ok := err.(*LoadError)
		if !ok || len(le.Problems) != 1 {
			t.Errorf("%s: got %v, want one problem", name, err)
			continue
		}
		p := le.Problems[0]
		l := &loader{src: []byte(src)}
		off, ok := l.offset(Pos{p.Line, p.Col})
		if !ok || !hasPrefixAt(src, off, "uper") {
			t.Errorf("%s: got %d:%d (%q), want the position of \"uper\"", name, p.Line, p.Col, snippet(src, off))
		}
	}
}

func hasPrefixAt(s string, off int, prefix string) bool {
	return off >= 0 && off <= len(s) && len(s)-off >= len(prefix) && s[off:off+len(prefix)] == prefix
}

func snippet(s string, off int) string {
	if off < 0 || off > len(s) {
		return ""
	}
	return s[off:min(len(s), off+10)]
}

// jsonOf is v as encoding/json writes it: a templating.Map in its order.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Mappings keep the order of the file: variables at any depth (aliases too) and
// SlackExecution's customFields, whose fields Kestra sends in that order.
func TestDecodeKeepsMappingOrder(t *testing.T) {
	f, err := Parse("flow.yml", []byte(`
id: ordered
namespace: dev
variables:
  m: &m
    zeta: 1
    alpha: {y: [1, {d: 1, c: 2}], b: 2}
    mid: x
  copy: *m
tasks:
  - id: notify
    type: io.kestra.plugin.notifications.slack.SlackExecution
    url: http://127.0.0.1:1/hook
    customFields:
      Zone: eu
      Owner: "{{ vars.m.mid }}"
      Apps: all
`), tasks.Builtin())
	if err != nil {
		t.Fatalf("Parse: got error\n%v\nwant none", err)
	}
	want := `{"zeta":1,"alpha":{"y":[1,{"d":1,"c":2}],"b":2},"mid":"x"}`
	for _, name := range []string{"m", "copy"} {
		if got := jsonOf(t, f.Variables[name]); got != want {
			t.Errorf("variables.%s: got %s, want %s", name, got, want)
		}
	}
	cf := f.Tasks[0].Task.(*tasks.SlackExecution).CustomFields
	if want := []string{"Zone", "Owner", "Apps"}; !reflect.DeepEqual(cf.Keys, want) {
		t.Errorf("customFields keys: got %q, want %q", cf.Keys, want)
	}
	if got := cf.Values["Owner"]; got != "{{ vars.m.mid }}" {
		t.Errorf("customFields.Owner: got %q", got)
	}
}
