package flow

import (
	"strings"
	"testing"
	"time"
)

func TestScheduleHolds(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tod := func(s string) *TimeOfDay {
		d, err := parseTimeOfDay(s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	dayWeek := func(day string) *Condition { return &Condition{Type: CondDayWeek, DayOfWeek: day} }
	inMonth := func(day, which string) *Condition {
		return &Condition{Type: CondDayWeekInMonth, DayOfWeek: day, DayInMonth: which}
	}
	weekend := func() *Condition { return &Condition{Type: CondWeekend} }
	not := func(cs ...*Condition) *Condition { return &Condition{Type: CondNot, Conditions: cs} }
	or := func(cs ...*Condition) *Condition { return &Condition{Type: CondOr, Conditions: cs} }
	between := func(after, before string) *Condition {
		c := &Condition{Type: CondTimeBetween}
		if after != "" {
			c.AfterTime = tod(after)
		}
		if before != "" {
			c.BeforeTime = tod(before)
		}
		return c
	}
	dateBetween := func(after, before string) *Condition {
		c := &Condition{Type: CondDateTimeBetween}
		if after != "" {
			c.After = at(after)
		}
		if before != "" {
			c.Before = at(before)
		}
		return c
	}
	withDate := func(c *Condition, date string) *Condition { c.Date = date; return c }

	// March 2026: Sunday the 1st, Mondays 2, 9, 16, 23 and 30; Paris is UTC+1 until the 29th.
	const (
		mon   = "2026-03-02T09:00:00Z"
		tue   = "2026-03-03T09:00:00Z"
		thu   = "2026-03-05T09:00:00Z"
		fri   = "2026-03-06T09:00:00Z"
		sat   = "2026-03-07T09:00:00Z"
		sun   = "2026-03-08T09:00:00Z"
		early = "2026-03-02T07:00:00Z"
	)
	cases := []struct {
		name  string
		conds []*Condition
		date  string
		loc   *time.Location
		want  bool
	}{
		{"no conditions", nil, mon, time.UTC, true},
		{"DayWeek Monday", []*Condition{dayWeek("MONDAY")}, mon, time.UTC, true},
		{"DayWeek Monday on a Tuesday", []*Condition{dayWeek("MONDAY")}, tue, time.UTC, false},
		{"DayWeek Sunday", []*Condition{dayWeek("SUNDAY")}, sun, time.UTC, true},
		// 23:30 UTC on Sunday is 00:30 on Monday in Paris: the trigger's zone decides.
		{"DayWeek in the trigger's zone", []*Condition{dayWeek("MONDAY")}, "2026-03-01T23:30:00Z", paris, true},
		{"DayWeek in UTC", []*Condition{dayWeek("MONDAY")}, "2026-03-01T23:30:00Z", time.UTC, false},
		{"Weekend Saturday", []*Condition{weekend()}, sat, time.UTC, true},
		{"Weekend Sunday", []*Condition{weekend()}, sun, time.UTC, true},
		{"Weekend Friday", []*Condition{weekend()}, fri, time.UTC, false},
		{"Weekend, Friday night in UTC is Saturday in Paris", []*Condition{weekend()}, "2026-03-06T23:30:00Z", paris, true},

		{"first Monday", []*Condition{inMonth("MONDAY", "FIRST")}, mon, time.UTC, true},
		{"first Monday on a Tuesday", []*Condition{inMonth("MONDAY", "FIRST")}, tue, time.UTC, false},
		{"second Monday", []*Condition{inMonth("MONDAY", "SECOND")}, "2026-03-09T09:00:00Z", time.UTC, true},
		{"second Monday on the first", []*Condition{inMonth("MONDAY", "SECOND")}, mon, time.UTC, false},
		{"third Monday", []*Condition{inMonth("MONDAY", "THIRD")}, "2026-03-16T09:00:00Z", time.UTC, true},
		{"fourth Monday", []*Condition{inMonth("MONDAY", "FOURTH")}, "2026-03-23T09:00:00Z", time.UTC, true},
		{"fourth Monday is not the last of a month with five", []*Condition{inMonth("MONDAY", "LAST")}, "2026-03-23T09:00:00Z", time.UTC, false},
		{"the fifth Monday is the last", []*Condition{inMonth("MONDAY", "LAST")}, "2026-03-30T09:00:00Z", time.UTC, true},
		{"the fifth Monday is not the fourth", []*Condition{inMonth("MONDAY", "FOURTH")}, "2026-03-30T09:00:00Z", time.UTC, false},
		{"the fourth Monday of February is the last", []*Condition{inMonth("MONDAY", "LAST")}, "2026-02-23T09:00:00Z", time.UTC, true},
		{"last Tuesday on the last Monday", []*Condition{inMonth("TUESDAY", "LAST")}, "2026-03-30T09:00:00Z", time.UTC, false},

		// 08:00 UTC is 09:00+01:00 in Paris: the bounds compare instants of the day.
		{"TimeBetween after, UTC bound", []*Condition{between("08:30Z", "")}, "2026-03-02T08:00:00Z", paris, false},
		{"TimeBetween after, offset bound", []*Condition{between("08:30+01:00", "")}, "2026-03-02T08:00:00Z", paris, true},
		{"TimeBetween window", []*Condition{between("08:00+01:00", "10:00+01:00")}, "2026-03-02T08:00:00Z", paris, true},
		{"TimeBetween after excluded", []*Condition{between("09:00+01:00", "")}, "2026-03-02T08:00:00Z", paris, false},
		{"TimeBetween before excluded", []*Condition{between("", "08:00:00Z")}, "2026-03-02T08:00:00Z", paris, false},
		{"TimeBetween before", []*Condition{between("", "08:00:01Z")}, "2026-03-02T08:00:00Z", paris, true},
		// 00:30+01:00 is 23:30 UTC of the day before: Java's OffsetTime does not wrap round
		// midnight, so it is before 01:00Z and not after 23:00Z.
		{"TimeBetween past midnight in the trigger's zone", []*Condition{between("", "01:00Z")}, "2026-03-02T23:30:00Z", paris, true},
		{"TimeBetween past midnight, after", []*Condition{between("23:00Z", "")}, "2026-03-02T23:30:00Z", paris, false},
		{"TimeBetween in UTC", []*Condition{between("23:00Z", "")}, "2026-03-02T23:30:00Z", time.UTC, true},

		{"DateTimeBetween after included", []*Condition{dateBetween(mon, "")}, mon, time.UTC, true},
		{"DateTimeBetween before included", []*Condition{dateBetween("", mon)}, mon, time.UTC, true},
		{"DateTimeBetween after", []*Condition{dateBetween("2026-03-02T09:00:01Z", "")}, mon, time.UTC, false},
		{"DateTimeBetween before", []*Condition{dateBetween("", "2026-03-02T08:59:59Z")}, mon, time.UTC, false},
		{"DateTimeBetween offset bounds", []*Condition{dateBetween("2026-03-02T10:00:00+01:00", "2026-03-02T10:00:00+01:00")}, mon, paris, true},

		{"Not Weekend on Saturday", []*Condition{not(weekend())}, sat, time.UTC, false},
		{"Not Weekend on Monday", []*Condition{not(weekend())}, mon, time.UTC, true},
		{"Not holds when none holds", []*Condition{not(dayWeek("MONDAY"), dayWeek("TUESDAY"))}, tue, time.UTC, false},
		{"Or Monday", []*Condition{or(dayWeek("SATURDAY"), dayWeek("MONDAY"))}, mon, time.UTC, true},
		{"Or Tuesday", []*Condition{or(dayWeek("SATURDAY"), dayWeek("MONDAY"))}, tue, time.UTC, false},
		{"nested Not Or, Friday", []*Condition{not(or(weekend(), dayWeek("FRIDAY")))}, fri, time.UTC, false},
		{"nested Not Or, Thursday", []*Condition{not(or(weekend(), dayWeek("FRIDAY")))}, thu, time.UTC, true},
		{"all must hold", []*Condition{not(weekend()), between("08:00Z", "")}, mon, time.UTC, true},
		{"all must hold, too early", []*Condition{not(weekend()), between("08:00Z", "")}, early, time.UTC, false},
		{"all must hold, Saturday", []*Condition{not(weekend()), between("08:00Z", "")}, sat, time.UTC, false},
		{"Or of a window and a day", []*Condition{or(between("", "08:00Z"), inMonth("SATURDAY", "FIRST"))}, sat, time.UTC, true},

		{"date template, previous", []*Condition{withDate(dayWeek("SUNDAY"), "{{ trigger.previous }}")}, mon, time.UTC, true},
		{"date template, next", []*Condition{withDate(dayWeek("TUESDAY"), "{{ trigger.next }}")}, mon, time.UTC, true},
		{"date template in the trigger's zone", []*Condition{withDate(dayWeek("MONDAY"), "{{ trigger.date }}")}, "2026-03-01T23:30:00Z", paris, true},
		{"date as a plain date", []*Condition{withDate(weekend(), "2026-03-07")}, mon, time.UTC, true},
		{"date with a zone", []*Condition{withDate(dayWeek("MONDAY"), "2026-03-01T23:30:00Z[Europe/Paris]")}, sat, time.UTC, true},
	}
	for _, c := range cases {
		date := at(c.date)
		trig := Trigger{Type: TriggerSchedule, Conditions: c.conds}
		got, err := trig.ScheduleHolds(ScheduleDates{Date: date, Next: date.AddDate(0, 0, 1), Previous: date.AddDate(0, 0, -1)}, c.loc)
		if err != nil {
			t.Errorf("%s: got error %v, want %v", c.name, err, c.want)
			continue
		}
		if got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestScheduleHoldsErrors(t *testing.T) {
	date := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		cond *Condition
		want string
	}{
		{"unknown variable", &Condition{Type: CondDayWeek, DayOfWeek: "MONDAY", Date: "{{ trigger.nope }}"},
			"conditions[0]: DayWeek: date: line 1, col 1: Unable to find `trigger.nope`"},
		{"not a date", &Condition{Type: CondNot, Conditions: []*Condition{{Type: CondWeekend, Date: "soon"}}},
			`conditions[0]: Not: conditions[0]: Weekend: date: "soon" is not a date and time`},
		{"a plain date where a time is needed", &Condition{Type: CondDateTimeBetween, After: date, Date: "2026-03-02"},
			`conditions[0]: DateTimeBetween: date: "2026-03-02" is not a date and time`},
		{"an Execution condition", &Condition{Type: CondExecutionStatus},
			"conditions[0]: ExecutionStatus is not a schedule condition"},
	}
	for _, c := range cases {
		trig := Trigger{Type: TriggerSchedule, Conditions: []*Condition{c.cond}}
		got, err := trig.ScheduleHolds(ScheduleDates{Date: date}, time.UTC)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || got {
			t.Errorf("%s: got %v, %v, want false and an error starting %q", c.name, got, err, c.want)
		}
	}
}
