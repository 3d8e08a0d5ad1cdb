package flow

import "time"

const orDoc = "One of the conditions holds at least."

// Or holds when one of its conditions holds.
type Or struct {
	Conditions ConditionList `flow:"conditions,required" doc:"The conditions it combines."`
}

// HoldsOn tests the conditions in order, up to the first that holds.
func (c *Or) HoldsOn(d ScheduleDates, loc *time.Location) (bool, error) {
	return c.Conditions.anyHolds(d, loc)
}
