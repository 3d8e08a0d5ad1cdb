// Package flow is the flow language: the model of a flow (Flow, TaskSpec, Input, Trigger,
// Condition...), loading a flow file with the position of every problem, decoding task,
// trigger and condition properties, the JSON Schema of the language, the checking of inputs,
// and the trigger and condition types (registry.go), each a struct of its properties with
// its behaviour: a condition's test of an ended execution or of a scheduled date, a
// trigger's matching. An ended execution reaches them as an EndedExecution, so that flow
// needs nothing of the engine.
//
// It imports the leaves (tasks, templating, runner/schedule, internal/...) and nothing of the
// engine: runner, its state and service, report and cmd import flow, never the reverse.
package flow

import (
	"regexp"
	"strings"
	"time"

	"github.com/flowctl/flowctl/tasks"
)

// Pos is a position in a flow file, 1-based.
type Pos struct {
	Line, Col int
}

// Flow is a loaded, checked flow.
type Flow struct {
	// File is the path the flow was read from (used in messages).
	File        string
	ID          string
	Namespace   string
	Description string
	// Revision is 1 for a flow run from a file; the state raises it on each changed apply.
	Revision int
	Labels   []Label
	Inputs   []*Input
	// Variables is the flow's `variables` map, exposed as vars.* without rendering.
	Variables map[string]any
	Tasks     []*TaskSpec
	Errors    []*TaskSpec
	Finally   []*TaskSpec
	Triggers  []*Trigger
	// Outputs are the flow's outputs, rendered when an execution has ended.
	Outputs  []*Output
	Disabled bool
	// Concurrency limits how many executions of the flow run at once; nil: no limit.
	Concurrency *Concurrency
	// Retry is the flow's `retry`: the policy of a failed runnable or Subflow task that
	// has none of its own or of a flowable ancestor; nil: none.
	Retry *Retry
	// SLA are the flow's service level agreements, in the flow's order.
	SLA []*SLA
	// Warnings are things the loader accepted but that do not behave as on a Kestra server
	// (a containerImage that is not used, say): printed once per run, never fatal.
	Warnings []string
	// RefProblems are the templates of tasks that read a name the flow does not have (an
	// input it does not declare, the outputs of a task it lacks or that runs later): they
	// fail when they render. `validate` refuses the flow for them; `run` and `flow apply`
	// say them as warnings and go on, since Kestra runs such a flow (its own tests do, to
	// watch the task fail).
	RefProblems []Problem
	// Source is the file's content as read.
	Source []byte
}

// Concurrency is Kestra's flow-level `concurrency`: at most Limit executions of the flow
// run at once, across every flowctl process sharing the state.
type Concurrency struct {
	Limit int
	// Behavior is what an execution finding no free slot does: QUEUE (wait for one),
	// CANCEL (end CANCELLED) or FAIL (end FAILED).
	Behavior string
	Pos      Pos
}

// The behaviours of a full concurrency limit.
const (
	ConcurrencyQueue  = "QUEUE"
	ConcurrencyCancel = "CANCEL"
	ConcurrencyFail   = "FAIL"
)

// Label is one execution label, in the flow's order.
type Label struct {
	Key, Value string
}

// Input is one declared flow input.
type Input struct {
	ID string
	// Type is upper case: STRING, INT, FLOAT, BOOLEAN, DATETIME, DATE, TIME, DURATION, JSON,
	// YAML, URI, EMAIL, ENUM, SELECT, MULTISELECT, ARRAY, SECRET.
	Type        string
	Description string
	DisplayName string
	Required    bool // default true, as in Kestra
	// Defaults is the default value as written (nil when absent); a string holding a
	// template is rendered when the execution starts.
	Defaults any
	// Prefill is the value a form would start from (Kestra's UI); checked, never used as the
	// value: a command line has no form to prefill.
	Prefill any
	// Values are the allowed values of an ENUM, SELECT or MULTISELECT input.
	Values []string
	// Expression, for a SELECT or MULTISELECT input, is a template rendering to the list of
	// its values when the execution starts (kv() reads the KV store): Kestra's expression.
	Expression string
	// AllowCustomValue lets a SELECT or MULTISELECT input take a value outside Values.
	AllowCustomValue bool
	// ItemType is the type of each element of an ARRAY or MULTISELECT input.
	ItemType string
	// Validator is the regular expression a STRING input's whole value must match, as
	// written; validatorRE is it compiled, anchored at both ends as Java's Pattern.matches.
	Validator   string
	validatorRE *regexp.Regexp
	// Min and Max bound an INT, FLOAT or DURATION input; After and Before a DATETIME, DATE
	// or TIME input. Each is a value of the input's type as an input of that type holds it
	// (int64, float64, text), nil when unset; MinText and the others are them as printed.
	Min, Max, After, Before                 any
	MinText, MaxText, AfterText, BeforeText string
	// DependsOn makes the input wait for others, and its condition may disable it.
	DependsOn *DependsOn
	Pos       Pos
}

// DependsOn is an input's dependsOn: the inputs resolved before it, and a condition which,
// rendered to anything but true, disables it (no value, even if required).
type DependsOn struct {
	Inputs    []string
	Condition string
}

// TaskSpec is one task of a flow: the common properties the runner handles, and the decoded
// task-type properties.
type TaskSpec struct {
	ID   string
	Type string // as written in the flow
	Def  *tasks.Def
	Task tasks.Task
	// Flowable is set, and Def and Task are nil, for a flowable task (Sequential, If...).
	Flowable Flowable
	// Errors and Finally are a flowable's own errors and finally branches.
	Errors, Finally []*TaskSpec
	Description     string
	Disabled        bool
	// Timeout is zero when unset.
	Timeout      time.Duration
	Retry        *Retry
	AllowFailure bool
	AllowWarning bool
	// RunIf is the template of `runIf`; HasRunIf tells an absent one from "".
	RunIf    string
	HasRunIf bool
	// LogLevel is the lowest level of the task's log lines that is kept (TRACE, all of them,
	// when unset).
	LogLevel tasks.Level
	// LogToFile also writes each attempt's log lines to a file of the execution's storage.
	LogToFile bool
	Pos       Pos
	// PropPos holds the position of each property's value, by property name, so a render
	// error can point at the line that holds the template.
	PropPos map[string]Pos
	// OneOfList holds the properties that take a list and were written as one value
	// (`message: hi`): a task names that value prop[0], the user knows it as prop.
	OneOfList map[string]bool
	// OnResume is a Pause task's onResume: the inputs a resume gives values to, and
	// OnResumeSrc the same as YAML text, which the pause record keeps so that a resume
	// from another process checks its values against them (see ParseOnResume).
	OnResume    []*Input
	OnResumeSrc string
	// Children are the child tasks of a runnable task that has some: a Pause's `tasks`
	// (deprecated in Kestra), run in order once the pause ended.
	Children []*TaskSpec
}

// Retry is a task's retry policy.
type Retry struct {
	Type           string // constant, exponential, random
	MaxAttempt     int    // 0: unbounded (then MaxDuration bounds it)
	MaxDuration    time.Duration
	WarningOnRetry bool
	Interval       time.Duration // constant, exponential
	MaxInterval    time.Duration // exponential, random
	MinInterval    time.Duration // random
	DelayFactor    float64       // exponential; 0 means Kestra's default of 2
	// Behavior is RetryFailedTask (the attempts of the failed task run, in the execution;
	// also when "") or RetryNewExecution.
	Behavior string
}

// The behaviors of a retry.
const (
	RetryFailedTask = "RETRY_FAILED_TASK"
	// RetryNewExecution ends the execution RETRIED and starts a new one of the flow, with
	// the same inputs, labels and trigger.
	RetryNewExecution = "CREATE_NEW_EXECUTION"
)

// Trigger is one entry of the flow's `triggers`: the keys every trigger has, and the
// properties of its type (registry.go). The properties of the built-in types have fields of
// their own here, which the engine and the scheduler read; those of a type without such
// fields are in Props.
type Trigger struct {
	ID          string
	Type        string // canonical type name
	Description string
	Disabled    bool
	// Flow trigger.
	States     []string
	Conditions []*Condition
	Inputs     map[string]any
	// InputsPos holds the position of each key of Inputs.
	InputsPos map[string]Pos
	// Preconditions are those of a Flow trigger, nil when it has none.
	Preconditions *Preconditions
	// Schedule trigger.
	Cron        string
	WithSeconds bool
	Timezone    string
	// RecoverMissedSchedules is LAST, NONE or ALL; "" when unset (Kestra's default applies).
	RecoverMissedSchedules string
	// LateMaximumDelay is zero when unset.
	LateMaximumDelay time.Duration
	// StopAfter are the states of an execution it started after which a Schedule or polling
	// trigger is disabled (Kestra's stopAfter); nil: never.
	StopAfter []string
	// Props holds the decoded properties (its TriggerType) of a type whose properties the
	// fields above cannot hold; nil otherwise.
	Props TriggerType
	Pos   Pos
}

// The canonical trigger and condition types. The Execution conditions belong to Flow
// triggers, the schedule conditions (DayWeek to Or) to Schedule triggers.
const (
	TriggerFlow         = "io.kestra.plugin.core.trigger.Flow"
	TriggerSchedule     = "io.kestra.plugin.core.trigger.Schedule"
	TriggerWebhook      = "io.kestra.plugin.core.trigger.Webhook"
	CondExecutionStatus = "io.kestra.plugin.core.condition.ExecutionStatus"
	CondExecutionFlow   = "io.kestra.plugin.core.condition.ExecutionFlow"
	CondExecutionNS     = "io.kestra.plugin.core.condition.ExecutionNamespace"
	CondDayWeek         = "io.kestra.plugin.core.condition.DayWeek"
	CondDayWeekInMonth  = "io.kestra.plugin.core.condition.DayWeekInMonth"
	CondWeekend         = "io.kestra.plugin.core.condition.Weekend"
	CondTimeBetween     = "io.kestra.plugin.core.condition.TimeBetween"
	CondDateTimeBetween = "io.kestra.plugin.core.condition.DateTimeBetween"
	CondNot             = "io.kestra.plugin.core.condition.Not"
	CondOr              = "io.kestra.plugin.core.condition.Or"
	CondExpression      = "io.kestra.plugin.core.condition.Expression"
)

// Condition is one condition of a trigger: an Execution condition of a Flow trigger, or a
// schedule condition of a Schedule trigger. As with Trigger, the properties of the built-in
// types have fields of their own, those of other types are in Props; each type's test is
// its struct's (registry.go).
type Condition struct {
	Type string // canonical type name
	// ExecutionStatus.
	In, NotIn []string
	// ExecutionFlow and ExecutionNamespace.
	Namespace  string
	FlowID     string
	Comparison string // EQUALS, PREFIX, SUFFIX (the `prefix: true` shortcut is folded in)
	// Date is the template of the date a schedule condition tests; "" stands for Kestra's
	// default, {{ trigger.date }}: the scheduled date in the trigger's time zone.
	Date string
	// DayOfWeek (DayWeek, DayWeekInMonth) is MONDAY to SUNDAY.
	DayOfWeek string
	// DayInMonth (DayWeekInMonth) is FIRST, SECOND, THIRD, FOURTH or LAST.
	DayInMonth string
	// AfterTime and BeforeTime are TimeBetween's bounds, nil when unset.
	AfterTime, BeforeTime *TimeOfDay
	// After and Before are DateTimeBetween's bounds, zero when unset.
	After, Before time.Time
	// Conditions are those of Not and Or.
	Conditions []*Condition
	// Props holds the decoded properties (its ConditionType) of a type whose properties the
	// fields above cannot hold; nil otherwise.
	Props ConditionType
	Pos   Pos
}

// TimeOfDay is a time of day at an offset from UTC, as Java's OffsetTime: 16:00:00+02:00.
type TimeOfDay struct {
	Clock  time.Duration // since midnight
	Offset int           // seconds east of UTC
}

// AllTasks returns the tasks of every branch, in order: tasks, errors, finally, each
// followed by the tasks under it when it is a flowable.
func (f *Flow) AllTasks() []*TaskSpec {
	var out []*TaskSpec
	add := func(s *TaskSpec) { out = append(out, s) }
	Walk(f.Tasks, add)
	Walk(f.Errors, add)
	Walk(f.Finally, add)
	return out
}

// ShortType is the last part of a type name: io.kestra.plugin.core.log.Log → Log.
func ShortType(t string) string {
	return t[strings.LastIndexByte(t, '.')+1:]
}
