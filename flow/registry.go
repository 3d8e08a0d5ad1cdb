package flow

import (
	"reflect"
	"strings"
	"sync"
	"time"
)

// This file is the registry of trigger and condition types: one line per type, with the
// names it is accepted under. Everything else about a type is in its own file: its struct
// of properties (read by the property decoder through their `flow`, `doc` and `enum` tags,
// and by the JSON Schema the same way) and its behaviour (a condition's test, a trigger's
// matching). The loader, the schema and the engine find every type here.

// TriggerDef is one trigger type: its canonical name, the older names it is also accepted
// under (as Kestra writes them), what it does, and a constructor of its properties.
type TriggerDef struct {
	Type    string
	Aliases []string
	Doc     string
	New     func() TriggerType
}

// ConditionDef is one condition type, as TriggerDef is one trigger type.
type ConditionDef struct {
	Type    string
	Aliases []string
	Doc     string
	New     func() ConditionType
}

// triggerDefs lists the trigger types, in the order messages list them.
func triggerDefs() []*TriggerDef {
	return []*TriggerDef{
		{TriggerFlow, []string{"io.kestra.core.models.triggers.types.Flow"}, flowTriggerDoc, func() TriggerType { return new(FlowTrigger) }},
		{TriggerSchedule, []string{"io.kestra.core.models.triggers.types.Schedule"}, scheduleTriggerDoc, func() TriggerType { return new(ScheduleTrigger) }},
		{TriggerWebhook, []string{"io.kestra.core.models.triggers.types.Webhook"}, webhookTriggerDoc, func() TriggerType { return new(WebhookTrigger) }},
		{TriggerHTTP, []string{"io.kestra.plugin.fs.http.Trigger"}, httpTriggerDoc, func() TriggerType { return new(HTTPTrigger) }},
	}
}

// conditionDefs lists the condition types, in the order messages list them.
func conditionDefs() []*ConditionDef {
	return []*ConditionDef{
		{CondExecutionStatus, oldConditionNames("ExecutionStatus"), executionStatusDoc, func() ConditionType { return new(ExecutionStatus) }},
		{CondExecutionFlow, oldConditionNames("ExecutionFlow"), executionFlowDoc, func() ConditionType { return new(ExecutionFlow) }},
		{CondExecutionNS, oldConditionNames("ExecutionNamespace"), executionNamespaceDoc, func() ConditionType { return new(ExecutionNamespace) }},
		{CondDayWeek, oldConditionNames("DayWeek"), dayWeekDoc, func() ConditionType { return new(DayWeek) }},
		{CondDayWeekInMonth, oldConditionNames("DayWeekInMonth"), dayWeekInMonthDoc, func() ConditionType { return new(DayWeekInMonth) }},
		{CondWeekend, oldConditionNames("Weekend"), weekendDoc, func() ConditionType { return new(Weekend) }},
		{CondTimeBetween, oldConditionNames("TimeBetween"), timeBetweenDoc, func() ConditionType { return new(TimeBetween) }},
		{CondDateTimeBetween, oldConditionNames("DateTimeBetween"), dateTimeBetweenDoc, func() ConditionType { return new(DateTimeBetween) }},
		{CondNot, oldConditionNames("Not"), notDoc, func() ConditionType { return new(Not) }},
		{CondOr, oldConditionNames("Or"), orDoc, func() ConditionType { return new(Or) }},
		{CondMultiple, []string{"io.kestra.core.models.conditions.types.MultipleCondition"}, multipleConditionDoc, func() ConditionType { return new(MultipleCondition) }},
		{CondExpression, []string{"io.kestra.core.models.conditions.types.VariableCondition", "io.kestra.plugin.core.condition.ExpressionCondition"}, expressionDoc, func() ConditionType { return new(Expression) }},
	}
}

// oldConditionNames are the names Kestra gave condition type short before 0.17:
// io.kestra.core.models.conditions.types.<short>Condition, and
// io.kestra.plugin.core.condition.<short>Condition.
func oldConditionNames(short string) []string {
	return []string{
		"io.kestra.core.models.conditions.types." + short + "Condition",
		"io.kestra.plugin.core.condition." + short + "Condition",
	}
}

// kinds is the registry indexed: built once, on the first flow with triggers.
type kinds struct {
	triggers   []*TriggerDef
	conditions []*ConditionDef
	// triggerByName and conditionByName map every accepted name, lower-cased, to its def.
	triggerByName   map[string]*TriggerDef
	conditionByName map[string]*ConditionDef
	// takes lists, by trigger type, the canonical names of the condition types it takes.
	takes map[string][]string
}

// registry returns the indexed registry.
var registry = sync.OnceValue(func() *kinds {
	k := &kinds{
		triggers:        triggerDefs(),
		conditions:      conditionDefs(),
		triggerByName:   map[string]*TriggerDef{},
		conditionByName: map[string]*ConditionDef{},
		takes:           map[string][]string{},
	}
	for _, d := range k.triggers {
		for _, n := range append([]string{d.Type}, d.Aliases...) {
			k.triggerByName[strings.ToLower(n)] = d
		}
		t := d.New()
		for _, c := range k.conditions {
			if t.takes(c.New()) {
				k.takes[d.Type] = append(k.takes[d.Type], c.Type)
			}
		}
	}
	for _, d := range k.conditions {
		for _, n := range append([]string{d.Type}, d.Aliases...) {
			k.conditionByName[strings.ToLower(n)] = d
		}
	}
	return k
})

// triggerNames and conditionNames are the canonical names of the registered types.
func (k *kinds) triggerNames() []string {
	out := make([]string, len(k.triggers))
	for i, d := range k.triggers {
		out[i] = d.Type
	}
	return out
}

func (k *kinds) conditionNames() []string {
	out := make([]string, len(k.conditions))
	for i, d := range k.conditions {
		out[i] = d.Type
	}
	return out
}

// triggerDef and conditionDef find the def of a canonical name (nil when unknown).
func (k *kinds) triggerDef(typ string) *TriggerDef {
	return k.triggerByName[strings.ToLower(typ)]
}

func (k *kinds) conditionDef(typ string) *ConditionDef {
	return k.conditionByName[strings.ToLower(typ)]
}

// names returns a def's canonical name followed by its aliases.
func names(typ string, aliases []string) []string {
	return append([]string{typ}, aliases...)
}

// A TriggerType is one trigger type's properties, decoded from the flow by their `flow`
// tags. Besides the properties, a trigger type says which conditions it takes; what starts
// it is a further interface (executionTrigger, or the Schedule trigger's cron).
type TriggerType interface {
	// takes reports whether the trigger type takes conditions of type c.
	takes(c ConditionType) bool
}

// A ConditionType is one condition type's properties, decoded from the flow by their `flow`
// tags; its test is an ExecutionCondition's or a DateCondition's.
type ConditionType any

// An ExecutionCondition tests the execution that ended: the conditions of Flow triggers.
type ExecutionCondition interface {
	HoldsFor(x EndedExecution) bool
}

// A DateCondition tests a scheduled date: the conditions of Schedule triggers. loc is the
// trigger's time zone, in which the condition reads the date.
type DateCondition interface {
	HoldsOn(d ScheduleDates, loc *time.Location) (bool, error)
}

// conditionKind names the kind of condition c, with its article, for messages: "an
// Execution" or "a schedule".
func conditionKind(c ConditionType) (article, kind string) {
	switch c.(type) {
	case ExecutionCondition:
		return "an", "Execution"
	case DateCondition:
		return "a", "schedule"
	case RequestCondition:
		return "a", "request"
	}
	return "a", "other"
}

// sameKind reports whether conditions a and b are of one kind.
func sameKind(a, b ConditionType) bool {
	_, ka := conditionKind(a)
	_, kb := conditionKind(b)
	return ka == kb
}

// mirrorInto copies the exported fields of the struct src into the same-named fields of the
// struct dst that can hold them. It reports whether every field of src with a value found
// one: the model's Trigger and Condition hold the properties of the built-in types in
// fields of their own, and keep the typed struct in Props for a type whose properties they
// have no field for.
func mirrorInto(dst, src reflect.Value) bool {
	all := true
	st := src.Type()
	for i := 0; i < st.NumField(); i++ {
		sf := st.Field(i)
		if !sf.IsExported() {
			continue
		}
		v := src.Field(i)
		df := dst.FieldByName(sf.Name)
		switch {
		case df.IsValid() && df.CanSet() && v.Type().AssignableTo(df.Type()):
			df.Set(v)
		case df.IsValid() && df.CanSet() && v.Type().ConvertibleTo(df.Type()) && v.Kind() == df.Kind():
			df.Set(v.Convert(df.Type()))
		case !v.IsZero():
			all = false
		}
	}
	return all
}

// mirrorFrom fills the typed struct dst from the same-named fields of the model struct src:
// the reverse of mirrorInto.
func mirrorFrom(dst, src reflect.Value) {
	dt := dst.Type()
	for i := 0; i < dt.NumField(); i++ {
		df := dt.Field(i)
		if !df.IsExported() {
			continue
		}
		sv := src.FieldByName(df.Name)
		switch {
		case !sv.IsValid():
		case sv.Type().AssignableTo(df.Type):
			dst.Field(i).Set(sv)
		case sv.Type().ConvertibleTo(df.Type) && sv.Kind() == df.Type.Kind():
			dst.Field(i).Set(sv.Convert(df.Type))
		}
	}
}
