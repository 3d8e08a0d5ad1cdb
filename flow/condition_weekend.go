package flow

import "time"

const weekendDoc = "The date is a Saturday or a Sunday."

// Weekend holds when the tested date is a Saturday or a Sunday.
type Weekend struct {
	Date DayDate `flow:"date"`
}

// HoldsOn tests the date's day of the week.
func (c *Weekend) HoldsOn(d ScheduleDates, loc *time.Location) (bool, error) {
	at, err := c.Date.tested(d, loc)
	return err == nil && (at.Weekday() == time.Saturday || at.Weekday() == time.Sunday), err
}
