package flow

import "time"

const dayWeekDoc = "The date is a given day of the week."

// DayWeek holds when the tested date is a DayOfWeek.
type DayWeek struct {
	DayOfWeek Weekday `flow:"dayOfWeek,required" doc:"The day of the week."`
	Date      DayDate `flow:"date"`
}

// HoldsOn tests the date's day of the week.
func (c *DayWeek) HoldsOn(d ScheduleDates, loc *time.Location) (bool, error) {
	at, err := c.Date.tested(d, loc)
	if err != nil {
		return false, err
	}
	return at.Weekday() == c.DayOfWeek.weekday(), nil
}
