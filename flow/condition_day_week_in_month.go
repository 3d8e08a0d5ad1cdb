package flow

import (
	"slices"
	"time"
)

const dayWeekInMonthDoc = "The date is the first, second, third, fourth or last given day of the week of its month."

// DayWeekInMonth holds when the tested date is the DayInMonth (FIRST to FOURTH, or LAST)
// DayOfWeek of its month.
type DayWeekInMonth struct {
	DayOfWeek  Weekday    `flow:"dayOfWeek,required" doc:"The day of the week."`
	DayInMonth DayInMonth `flow:"dayInMonth,required" doc:"Which of the month's days of that weekday: FIRST to FOURTH, or LAST."`
	Date       DayDate    `flow:"date"`
}

// HoldsOn tests the date's day of the week and its rank in the month.
func (c *DayWeekInMonth) HoldsOn(d ScheduleDates, loc *time.Location) (bool, error) {
	at, err := c.Date.tested(d, loc)
	if err != nil || at.Weekday() != c.DayOfWeek.weekday() {
		return false, err
	}
	if c.DayInMonth == "LAST" {
		// No later one in the month: a fifth one is the last, as is a fourth one in a
		// month that holds only four.
		return at.Day()+7 > time.Date(at.Year(), at.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day(), nil
	}
	return (at.Day()-1)/7 == slices.Index(dayInMonths, string(c.DayInMonth)), nil
}
