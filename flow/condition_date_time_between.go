package flow

import "time"

const dateTimeBetweenDoc = "The date is after a date, before a date, or both (bounds included)."

// DateTimeBetween holds when the tested date is After or later and Before or earlier,
// those given (at least one is).
type DateTimeBetween struct {
	After  time.Time    `flow:"after,anyOf" doc:"The date must be this one or later, with its offset: 2026-01-01T00:00:00Z."`
	Before time.Time    `flow:"before,anyOf" doc:"The date must be this one or earlier, with its offset: 2026-12-31T23:59:59Z."`
	Date   DateTimeDate `flow:"date"`
}

// HoldsOn includes the bounds, as Kestra's DateTimeBetween (its older class,
// DateTimeBetweenCondition, excluded them).
func (c *DateTimeBetween) HoldsOn(d ScheduleDates, loc *time.Location) (bool, error) {
	at, err := c.Date.tested(d, loc)
	if err != nil {
		return false, err
	}
	return (c.After.IsZero() || !at.Before(c.After)) && (c.Before.IsZero() || !at.After(c.Before)), nil
}
