package flow

import "time"

const notDoc = "None of the conditions holds."

// Not holds when none of its conditions holds.
type Not struct {
	Conditions ConditionList `flow:"conditions,required" doc:"The conditions it combines."`
}

// HoldsOn tests the conditions in order, up to the first that holds.
func (c *Not) HoldsOn(d ScheduleDates, loc *time.Location) (bool, error) {
	one, err := c.Conditions.anyHolds(d, loc)
	return !one && err == nil, err
}
