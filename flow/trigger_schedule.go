package flow

import (
	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/runner/schedule"
)

const scheduleTriggerDoc = "Start the flow at the dates of a cron expression, when its conditions hold for the date."

// ScheduleTrigger is Kestra's Schedule trigger: the scheduler starts the flow at each date
// of Cron, in Timezone, when every condition holds for the date (ScheduleHolds).
type ScheduleTrigger struct {
	Cron        string   `flow:"cron,required" doc:"When to run: 5 fields (6 with withSeconds), or @daily, @hourly..."`
	Timezone    Timezone `flow:"timezone" doc:"The IANA time zone of the cron (Europe/Paris; default UTC)."`
	Inputs      Inputs   `flow:"inputs" doc:"The inputs of the execution the trigger starts, rendered with {{ trigger.* }}."`
	WithSeconds bool     `flow:"withSeconds" doc:"The cron has a leading seconds field."`
	// RecoverMissedSchedules is LAST, NONE or ALL; "" when unset (Kestra's default applies).
	RecoverMissedSchedules RecoverMode `flow:"recoverMissedSchedules" doc:"Which schedules missed while nothing ran are run late."`
	// LateMaximumDelay is zero when unset.
	LateMaximumDelay PositiveDuration `flow:"lateMaximumDelay" doc:"A schedule later than this is skipped, ISO-8601."`
	StopAfter        States           `flow:"stopAfter" doc:"Once an execution the trigger started ends in one of these states, the trigger is disabled (as by a Toggle task)."`
	// InputsPos holds the position of each key of Inputs.
	InputsPos map[string]Pos
}

// takes: a Schedule trigger's conditions test the scheduled date.
func (*ScheduleTrigger) takes(c ConditionType) bool {
	_, ok := c.(DateCondition)
	return ok
}

// finish checks the cron, once withSeconds is known, and notes where each input is.
func (t *ScheduleTrigger) finish(f *finishing) {
	// A missing cron is reported as missing, one that is not a string where it is written.
	if n := f.seen["cron"]; n != nil && resolve(n).Kind == yaml.ScalarNode && !isNull(n) {
		if err := schedule.Validate(t.Cron, t.WithSeconds, ""); err != nil {
			f.l.errorf(n, "%scron: %v", f.ctx, err)
		}
	}
	t.InputsPos = inputsPos(f.seen["inputs"])
}
