package flow

import "time"

const timeBetweenDoc = "The time of day of the date is after a time, before a time, or both (bounds excluded)."

// TimeBetween holds when the time of day of the tested date is after AfterTime and before
// BeforeTime, those given (at least one is), bounds excluded.
type TimeBetween struct {
	AfterTime  *TimeOfDay   `flow:"after,anyOf" doc:"The time of day must be after this one (excluded), with its offset: 16:00:00+02:00."`
	BeforeTime *TimeOfDay   `flow:"before,anyOf" doc:"The time of day must be before this one (excluded), with its offset: 20:00:00+02:00."`
	Date       DateTimeDate `flow:"date"`
}

// HoldsOn compares times of day as Java's OffsetTime does: both moved to UTC on one common
// day.
func (c *TimeBetween) HoldsOn(d ScheduleDates, loc *time.Location) (bool, error) {
	at, err := c.Date.tested(d, loc)
	if err != nil {
		return false, err
	}
	now := timeOfDay(at).utc()
	return (c.AfterTime == nil || now > c.AfterTime.utc()) && (c.BeforeTime == nil || now < c.BeforeTime.utc()), nil
}
