package flow

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// conditionTypes and triggerConditions are the registry as tables, as tests read it: the
// names of each condition type (canonical first), and the condition types each trigger type
// takes.
var (
	conditionTypes = func() [][]string {
		var out [][]string
		for _, d := range registry().conditions {
			out = append(out, names(d.Type, d.Aliases))
		}
		return out
	}()
	triggerConditions = registry().takes
)

// builtinTriggers and builtinConditions are the types flowctl has always had, in the order
// messages list them; a type added later comes after them.
var (
	builtinTriggers   = []string{TriggerFlow, TriggerSchedule}
	builtinConditions = []string{CondExecutionStatus, CondExecutionFlow, CondExecutionNS, CondDayWeek, CondDayWeekInMonth,
		CondWeekend, CondTimeBetween, CondDateTimeBetween, CondNot, CondOr}
)

// TestRegistryFindsEveryName checks the registry's lookups, and that each type has the
// behaviour its place asks: a trigger type some condition, a condition a test.
func TestRegistryFindsEveryName(t *testing.T) {
	k := registry()
	if got := k.triggerNames(); !slices.Equal(got[:min(len(got), 2)], builtinTriggers) {
		t.Errorf("trigger types: got %v, want %v first", got, builtinTriggers)
	}
	if got := k.conditionNames(); !slices.Equal(got[:min(len(got), 10)], builtinConditions) {
		t.Errorf("condition types: got %v, want %v first", got, builtinConditions)
	}
	for name, want := range map[string]string{
		"io.kestra.core.models.triggers.types.schedule":                   TriggerSchedule,
		"IO.KESTRA.PLUGIN.CORE.TRIGGER.FLOW":                              TriggerFlow,
		"io.kestra.core.models.conditions.types.DayWeekInMonthCondition":  CondDayWeekInMonth,
		"io.kestra.plugin.core.condition.notcondition":                    CondNot,
		"io.kestra.plugin.core.condition.DateTimeBetweenCondition":        CondDateTimeBetween,
		"io.kestra.core.models.conditions.types.ExecutionStatusCondition": CondExecutionStatus,
	} {
		var got string
		if d := k.triggerDef(name); d != nil {
			got = d.Type
		} else if d := k.conditionDef(name); d != nil {
			got = d.Type
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if d := k.conditionDef("io.kestra.plugin.core.condition.Nope"); d != nil {
		t.Errorf("an unknown name: got %s, want nothing", d.Type)
	}
	if got := k.takes[TriggerFlow]; !slices.Contains(got, CondExecutionStatus) || slices.Contains(got, CondDayWeek) {
		t.Errorf("Flow triggers take %v, want the Execution conditions only", got)
	}
	for _, d := range k.triggers {
		if len(k.takes[d.Type]) == 0 {
			t.Errorf("%s takes no condition type", d.Type)
		}
		if d.Doc == "" {
			t.Errorf("%s has no Doc", d.Type)
		}
	}
	for _, d := range k.conditions {
		switch d.New().(type) {
		case ExecutionCondition, DateCondition, RequestCondition:
		default:
			t.Errorf("%s tests neither an execution, a date nor a request", d.Type)
		}
		if d.Doc == "" {
			t.Errorf("%s has no Doc", d.Type)
		}
	}
}

// TestRegistryTypesFitTheModel checks that each built-in type's properties have a field of
// the model (Trigger, Condition) to be kept in, so that a flow loaded with them needs no
// Props.
func TestRegistryTypesFitTheModel(t *testing.T) {
	check := func(name string, spec any, model reflect.Type) {
		st := reflect.TypeOf(spec).Elem()
		for _, f := range reflect.VisibleFields(st) {
			mf, ok := model.FieldByName(f.Name)
			if !ok || !f.Type.ConvertibleTo(mf.Type) || f.Type.Kind() != mf.Type.Kind() {
				if f.Name != "Prefix" { // folded into Comparison when loaded
					t.Errorf("%s: field %s has no field of %s to be kept in", name, f.Name, model.Name())
				}
			}
		}
	}
	for _, typ := range builtinTriggers {
		check(typ, registry().triggerDef(typ).New(), reflect.TypeFor[Trigger]())
	}
	for _, typ := range builtinConditions {
		check(typ, registry().conditionDef(typ).New(), reflect.TypeFor[Condition]())
	}
}

// TestDecodeConditionIntoItsType checks a condition read from a flow: its properties decoded
// by its struct's tags (enums upper-cased, a time of day with its offset, nested conditions),
// kept in the model, and its struct's test run from the model.
func TestDecodeConditionIntoItsType(t *testing.T) {
	src := "id: t\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n" +
		"triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"0 9 * * *\"\n    conditions:\n" +
		"      - type: io.kestra.plugin.core.condition.Or\n        conditions:\n" +
		"          - type: io.kestra.plugin.core.condition.DayWeekInMonthCondition\n            dayOfWeek: monday\n            dayInMonth: last\n" +
		"          - type: io.kestra.plugin.core.condition.TimeBetween\n            after: \"10:00+01:00\"\n"
	f, err := Parse("flow.yml", []byte(src), testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	or := f.Triggers[0].Conditions[0]
	if or.Type != CondOr || len(or.Conditions) != 2 || or.Props != nil {
		t.Fatalf("got %+v, want an Or of two conditions kept in the model's fields", or)
	}
	in, between := or.Conditions[0], or.Conditions[1]
	if in.Type != CondDayWeekInMonth || in.DayOfWeek != "MONDAY" || in.DayInMonth != "LAST" || in.Pos != (Pos{14, 13}) {
		t.Errorf("DayWeekInMonth: got %+v, want MONDAY LAST at 14:13", in)
	}
	if between.AfterTime == nil || *between.AfterTime != (TimeOfDay{Clock: 10 * time.Hour, Offset: 3600}) {
		t.Errorf("TimeBetween after: got %v, want 10:00+01:00", between.AfterTime)
	}
	spec, ok := in.spec().(*DayWeekInMonth)
	if !ok || spec.DayOfWeek != "MONDAY" || spec.DayInMonth != "LAST" {
		t.Errorf("the typed condition: got %#v, want a DayWeekInMonth MONDAY LAST", in.spec())
	}
	for _, c := range []struct {
		date string
		want bool
	}{
		{"2026-03-30T08:00:00Z", true},  // the last Monday of March
		{"2026-03-23T08:00:00Z", false}, // a Monday, not the last, and 09:00+01:00
		{"2026-03-24T09:30:00Z", true},  // 10:30+01:00
	} {
		at, _ := time.Parse(time.RFC3339, c.date)
		got, err := f.Triggers[0].ScheduleHolds(ScheduleDates{Date: at}, time.UTC)
		if err != nil || got != c.want {
			t.Errorf("%s: got %v, %v, want %v", c.date, got, err, c.want)
		}
	}
}

// TestDecodeTriggerIntoItsType checks a Flow trigger read from a flow: its states
// upper-cased, kept in the model, and the trigger's matching run from the model.
func TestDecodeTriggerIntoItsType(t *testing.T) {
	src := "id: t\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n" +
		"triggers:\n  - id: f\n    type: io.kestra.core.models.triggers.types.Flow\n    states: [failed]\n    conditions:\n" +
		"      - type: io.kestra.plugin.core.condition.ExecutionNamespace\n        namespace: prod\n        prefix: true\n"
	f, err := Parse("flow.yml", []byte(src), testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	tr := f.Triggers[0]
	if tr.Props != nil || !slices.Equal(tr.States, []string{"FAILED"}) || tr.Conditions[0].Comparison != "PREFIX" {
		t.Fatalf("got %+v, want states [FAILED] and a PREFIX comparison in the model's fields", tr)
	}
	for _, c := range []struct {
		x    EndedExecution
		want bool
	}{
		{EndedExecution{Namespace: "prod.eu", FlowID: "a", State: "FAILED"}, true},
		{EndedExecution{Namespace: "prod.eu", FlowID: "a", State: "SUCCESS"}, false},
		{EndedExecution{Namespace: "dev", FlowID: "a", State: "FAILED"}, false},
	} {
		if got := tr.Fires(c.x); got != c.want {
			t.Errorf("%+v: got %v, want %v", c.x, got, c.want)
		}
	}
	if !strings.Contains(tr.Conditions[0].Type, "ExecutionNamespace") {
		t.Errorf("condition type: got %q, want ExecutionNamespace", tr.Conditions[0].Type)
	}
}
