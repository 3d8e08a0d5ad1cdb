package schedule

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests' zones must not depend on the machine's zoneinfo

	"github.com/robfig/cron/v3"
)

func zone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load %s: %v", name, err)
	}
	return l
}

func mustParse(tb testing.TB, expr string, withSeconds bool, tz string) *Schedule {
	tb.Helper()
	s, err := Parse(expr, withSeconds, tz, time.UTC)
	if err != nil {
		tb.Fatalf("Parse(%q, %v, %q): %v", expr, withSeconds, tz, err)
	}
	return s
}

func utc(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// nextN returns the n dates after from.
func nextN(s *Schedule, from time.Time, n int) []time.Time {
	var out []time.Time
	for range n {
		from = s.Next(from)
		out = append(out, from)
	}
	return out
}

// between returns the dates in (from, to].
func between(s *Schedule, from, to time.Time) []time.Time {
	var out []time.Time
	for d := s.Next(from); !d.IsZero() && !d.After(to); d = s.Next(d) {
		out = append(out, d)
	}
	return out
}

func fmtTimes(ts []time.Time) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Format(time.RFC3339)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func sameTimes(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

func TestParseGood(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	from := utc(2026, 11, 20, 10, 7, 0) // a Friday
	tests := []struct {
		expr        string
		withSeconds bool
		tz          string
		loc         *time.Location
		want        []time.Time
		wantZone    string
	}{
		{expr: "*/15 * * * *", want: []time.Time{utc(2026, 11, 20, 10, 15, 0), utc(2026, 11, 20, 10, 30, 0)}},
		{expr: "  0   9 * * *  ", want: []time.Time{utc(2026, 11, 21, 9, 0, 0)}},
		{expr: "0 9 * * MON-FRI", want: []time.Time{utc(2026, 11, 23, 9, 0, 0), utc(2026, 11, 24, 9, 0, 0)}},
		{expr: "0 9 * * mon-Fri", want: []time.Time{utc(2026, 11, 23, 9, 0, 0), utc(2026, 11, 24, 9, 0, 0)}},
		{expr: "0 0 1 jan,Jul *", want: []time.Time{utc(2027, 1, 1, 0, 0, 0), utc(2027, 7, 1, 0, 0, 0)}},
		{expr: "0 0 1 JAN-MAR/2 *", want: []time.Time{utc(2027, 1, 1, 0, 0, 0), utc(2027, 3, 1, 0, 0, 0), utc(2028, 1, 1, 0, 0, 0)}},
		{expr: "0 0 ? * 7", want: []time.Time{utc(2026, 11, 22, 0, 0, 0), utc(2026, 11, 29, 0, 0, 0)}},
		{expr: "0 0 * * 0", want: []time.Time{utc(2026, 11, 22, 0, 0, 0), utc(2026, 11, 29, 0, 0, 0)}},
		{expr: "0 0 * * sun", want: []time.Time{utc(2026, 11, 22, 0, 0, 0), utc(2026, 11, 29, 0, 0, 0)}},
		{expr: "0 0 * * 6-7", want: []time.Time{utc(2026, 11, 21, 0, 0, 0), utc(2026, 11, 22, 0, 0, 0), utc(2026, 11, 28, 0, 0, 0)}},
		{expr: "0 0 * * FRI-SUN", want: []time.Time{utc(2026, 11, 21, 0, 0, 0), utc(2026, 11, 22, 0, 0, 0), utc(2026, 11, 27, 0, 0, 0)}},
		{expr: "0 0 * * 1/2", want: []time.Time{utc(2026, 11, 22, 0, 0, 0), utc(2026, 11, 23, 0, 0, 0), utc(2026, 11, 25, 0, 0, 0), utc(2026, 11, 27, 0, 0, 0)}},
		{expr: "0 0 * * 7,1", want: []time.Time{utc(2026, 11, 22, 0, 0, 0), utc(2026, 11, 23, 0, 0, 0), utc(2026, 11, 29, 0, 0, 0)}},
		{expr: "0 0 * * *,7", want: []time.Time{utc(2026, 11, 21, 0, 0, 0), utc(2026, 11, 22, 0, 0, 0), utc(2026, 11, 23, 0, 0, 0)}},
		{expr: "0 0 ? * ?", want: []time.Time{utc(2026, 11, 21, 0, 0, 0), utc(2026, 11, 22, 0, 0, 0)}},
		{expr: "30 2 1-10/3 * *", want: []time.Time{utc(2026, 12, 1, 2, 30, 0), utc(2026, 12, 4, 2, 30, 0), utc(2026, 12, 7, 2, 30, 0), utc(2026, 12, 10, 2, 30, 0), utc(2027, 1, 1, 2, 30, 0)}},
		{expr: "0,30 8-9 * * *", want: []time.Time{utc(2026, 11, 21, 8, 0, 0), utc(2026, 11, 21, 8, 30, 0), utc(2026, 11, 21, 9, 0, 0), utc(2026, 11, 21, 9, 30, 0)}},
		{expr: "5/20 * * * *", want: []time.Time{utc(2026, 11, 20, 10, 25, 0), utc(2026, 11, 20, 10, 45, 0), utc(2026, 11, 20, 11, 5, 0)}},
		// Day-of-month and day-of-week both restricted: either matches (Unix cron).
		{expr: "0 12 15 * 1", want: []time.Time{utc(2026, 11, 23, 12, 0, 0), utc(2026, 11, 30, 12, 0, 0), utc(2026, 12, 7, 12, 0, 0), utc(2026, 12, 14, 12, 0, 0), utc(2026, 12, 15, 12, 0, 0)}},
		{expr: "@yearly", want: []time.Time{utc(2027, 1, 1, 0, 0, 0)}},
		{expr: "@annually", want: []time.Time{utc(2027, 1, 1, 0, 0, 0)}},
		{expr: "@monthly", want: []time.Time{utc(2026, 12, 1, 0, 0, 0)}},
		{expr: "@weekly", want: []time.Time{utc(2026, 11, 22, 0, 0, 0)}},
		{expr: "@daily", want: []time.Time{utc(2026, 11, 21, 0, 0, 0)}},
		{expr: "@midnight", want: []time.Time{utc(2026, 11, 21, 0, 0, 0)}},
		{expr: "@hourly", want: []time.Time{utc(2026, 11, 20, 11, 0, 0), utc(2026, 11, 20, 12, 0, 0)}},
		{expr: "@DAILY", want: []time.Time{utc(2026, 11, 21, 0, 0, 0)}},
		{expr: "@Hourly", want: []time.Time{utc(2026, 11, 20, 11, 0, 0)}},
		{expr: "*/15 * * * * *", withSeconds: true, want: []time.Time{utc(2026, 11, 20, 10, 7, 15), utc(2026, 11, 20, 10, 7, 30)}},
		{expr: "30 0 9 * * MON", withSeconds: true, want: []time.Time{utc(2026, 11, 23, 9, 0, 30)}},
		{expr: "@daily", withSeconds: true, want: []time.Time{utc(2026, 11, 21, 0, 0, 0)}},
		{expr: "0 9 * * *", tz: "Europe/Paris", want: []time.Time{utc(2026, 11, 21, 8, 0, 0)}, wantZone: "Europe/Paris"},
		{expr: "0 9 * * *", loc: paris, want: []time.Time{utc(2026, 11, 21, 8, 0, 0)}, wantZone: "Europe/Paris"},
		{expr: "0 9 * * *", tz: "America/New_York", loc: paris, want: []time.Time{utc(2026, 11, 20, 14, 0, 0)}, wantZone: "America/New_York"},
		{expr: "0 9 * * *", tz: "UTC", loc: paris, want: []time.Time{utc(2026, 11, 21, 9, 0, 0)}, wantZone: "UTC"},
		{expr: "0 9 * * *", tz: "+02:00", want: []time.Time{utc(2026, 11, 21, 7, 0, 0)}, wantZone: "+02:00"},
		{expr: "0 9 * * *", tz: "UTC-5", want: []time.Time{utc(2026, 11, 20, 14, 0, 0)}, wantZone: "UTC-5"},
		{expr: "0 9 * * *", tz: "Z", want: []time.Time{utc(2026, 11, 21, 9, 0, 0)}, wantZone: "UTC"},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/seconds=%v/tz=%s", tt.expr, tt.withSeconds, tt.tz)
		t.Run(name, func(t *testing.T) {
			loc := tt.loc
			if loc == nil {
				loc = time.UTC
			}
			s, err := Parse(tt.expr, tt.withSeconds, tt.tz, loc)
			if err != nil {
				t.Fatalf("Parse: got error %v, want nil", err)
			}
			if err := Validate(tt.expr, tt.withSeconds, tt.tz); err != nil {
				t.Errorf("Validate: got error %v, want nil", err)
			}
			got := nextN(s, from, len(tt.want))
			if !sameTimes(got, tt.want) {
				t.Errorf("Next from %s: got %s, want %s", from.Format(time.RFC3339), fmtTimes(got), fmtTimes(tt.want))
			}
			wantZone := tt.wantZone
			if wantZone == "" {
				wantZone = "UTC"
			}
			if z := got[0].Location().String(); z != wantZone {
				t.Errorf("Next zone: got %s, want %s", z, wantZone)
			}
		})
	}
}

func TestParseBad(t *testing.T) {
	tests := []struct {
		expr        string
		withSeconds bool
		tz          string
		want        string
	}{
		{expr: "61 * * * *", want: `"61 * * * *": minute 61 is out of range 0-59`},
		{expr: "0 24 * * *", want: `"0 24 * * *": hour 24 is out of range 0-23`},
		{expr: "0 0 0 * *", want: `"0 0 0 * *": day-of-month 0 is out of range 1-31`},
		{expr: "0 0 32 * *", want: `"0 0 32 * *": day-of-month 32 is out of range 1-31`},
		{expr: "0 0 * 13 *", want: `"0 0 * 13 *": month 13 is out of range 1-12`},
		{expr: "0 0 * * 8", want: `"0 0 * * 8": day-of-week 8 is out of range 0-7`},
		{expr: "60 * * * * *", withSeconds: true, want: `"60 * * * * *": second 60 is out of range 0-59`},
		{expr: "* * * *", want: `"* * * *" has 4 fields, a cron needs 5 (minute hour day-of-month month day-of-week)`},
		{expr: "0 * * * * *", want: `"0 * * * * *" has 6 fields, a cron needs 5 (minute hour day-of-month month day-of-week); set withSeconds: true for a leading seconds field`},
		{expr: "0 0 0 * * ? 2026", want: `"0 0 0 * * ? 2026" has 7 fields, a cron needs 5 (minute hour day-of-month month day-of-week); the Quartz year field is not supported`},
		{expr: "* * * * *", withSeconds: true, want: `"* * * * *" has 5 fields, a cron with withSeconds: true needs 6 (second minute hour day-of-month month day-of-week); drop withSeconds for a 5-field cron`},
		{expr: "* * * *", withSeconds: true, want: `"* * * *" has 4 fields, a cron with withSeconds: true needs 6 (second minute hour day-of-month month day-of-week)`},
		{expr: "", want: `cron expression is empty; write 5 fields (minute hour day-of-month month day-of-week) or a nickname such as @daily`},
		{expr: "   ", want: `cron expression is empty; write 5 fields (minute hour day-of-month month day-of-week) or a nickname such as @daily`},
		{expr: "@fortnightly", want: `"@fortnightly": unknown nickname; use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly`},
		{expr: "@daily 0 0", want: `"@daily 0 0": unknown nickname; use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly`},
		{expr: "@every 5m", want: `"@every 5m": @every is not a Kestra cron nickname; write a cron such as "*/5 * * * *"`},
		{expr: "TZ=UTC 0 0 * * *", want: `"TZ=UTC 0 0 * * *": a TZ= or CRON_TZ= prefix is not supported; set the trigger's timezone property instead`},
		{expr: "CRON_TZ=Europe/Paris 0 0 * * *", want: `"CRON_TZ=Europe/Paris 0 0 * * *": a TZ= or CRON_TZ= prefix is not supported; set the trigger's timezone property instead`},
		{expr: "0 0 L * *", want: `"0 0 L * *": L, W and # are not supported by flowctl yet`},
		{expr: "0 0 LW * *", want: `"0 0 LW * *": L, W and # are not supported by flowctl yet`},
		{expr: "0 0 L-3 * *", want: `"0 0 L-3 * *": L, W and # are not supported by flowctl yet`},
		{expr: "0 0 15W * *", want: `"0 0 15W * *": L, W and # are not supported by flowctl yet`},
		{expr: "0 0 * * 5L", want: `"0 0 * * 5L": L, W and # are not supported by flowctl yet`},
		{expr: "0 0 * * FRIL", want: `"0 0 * * FRIL": L, W and # are not supported by flowctl yet`},
		{expr: "0 0 * * 5#3", want: `"0 0 * * 5#3": L, W and # are not supported by flowctl yet`},
		{expr: "0 0 * * WEDS", want: `"0 0 * * WEDS": day-of-week "WEDS" is not a number (0-7) or a name (SUN-SAT)`},
		{expr: "0 0 * FOO *", want: `"0 0 * FOO *": month "FOO" is not a number (1-12) or a name (JAN-DEC)`},
		{expr: "MON * * * *", want: `"MON * * * *": minute "MON" is not a number (0-59)`},
		{expr: "+5 * * * *", want: `"+5 * * * *": minute "+5" is not a number (0-59)`},
		{expr: "-5 * * * *", want: `"-5 * * * *": minute has an empty value (a - with nothing on one side)`},
		{expr: "*-5 * * * *", want: `"*-5 * * * *": minute "*" is not a number (0-59)`},
		{expr: "5-2 * * * *", want: `"5-2 * * * *": minute range 5-2 goes backwards (ranges do not wrap around; split it into a list)`},
		{expr: "0 22-2 * * *", want: `"0 22-2 * * *": hour range 22-2 goes backwards (ranges do not wrap around; split it into a list)`},
		{expr: "*/0 * * * *", want: `"*/0 * * * *": minute step must be at least 1, got 0`},
		{expr: "*/x * * * *", want: `"*/x * * * *": minute step "x" is not a number`},
		{expr: "1/2/3 * * * *", want: `"1/2/3 * * * *": minute "1/2/3" has more than one /`},
		{expr: "1,,2 * * * *", want: `"1,,2 * * * *": minute "1,,2" has an empty list item`},
		{expr: "? * * * *", want: `"? * * * *": ? is only allowed in day-of-month and day-of-week, not in minute`},
		{expr: "0 0 30 2 *", want: `"0 0 30 2 *" never runs: no month has the day-of-month it asks for`},
		{expr: "0 0 31 4,6 *", want: `"0 0 31 4,6 *" never runs: no month has the day-of-month it asks for`},
		{expr: "0 0 * * *", tz: "Europe/Pariss", want: `unknown time zone "Europe/Pariss"`},
		{expr: "0 0 * * *", tz: "Local", want: `unknown time zone "Local"`},
		{expr: "0 0 * * *", tz: "+25:00", want: `unknown time zone "+25:00"`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/tz=%s", tt.expr, tt.tz), func(t *testing.T) {
			s, err := Parse(tt.expr, tt.withSeconds, tt.tz, time.UTC)
			if err == nil {
				t.Fatalf("Parse: got schedule %v, want error %s", s, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse error: got %s, want %s", err, tt.want)
			}
			if verr := Validate(tt.expr, tt.withSeconds, tt.tz); verr == nil || verr.Error() != tt.want {
				t.Errorf("Validate error: got %v, want %s", verr, tt.want)
			}
		})
	}
}

// TestRobfigQuirks pins the robfig/cron v3.0.1 behaviours this package wraps,
// so an upgrade that changes them shows up here rather than in production.
func TestRobfigQuirks(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	accepts := []struct {
		expr string
		want bool
	}{
		{"0 0 * * 7", false},       // no Sunday-as-7: normalize folds 7 into 0
		{"0 0 * * 5-7", false},     // not even in a range
		{"TZ=UTC 0 0 * * *", true}, // zone prefixes: normalize refuses them
		{"CRON_TZ=UTC 0 0 * * *", true},
		{"@every 5m", true},        // not Kestra: normalize refuses it
		{"@DAILY", false},          // case-sensitive nicknames: normalize expands them
		{"*-5 * * * *", true},      // sloppy star ranges: parseItem refuses them
		{"? * * * *", true},        // ? anywhere: parseItem allows it in day fields only
		{"0 0 30 2 *", true},       // never runs: Parse refuses it
		{"0 0 L * *", false},       // Quartz L: refused with a clearer message
		{"0 0 * * FRI-SUN", false}, // parseItem reads SUN as 7 at a range end
		{"0 0 * * 1/2", true},      // robfig: 1,3,5; Unix cron and this package: 1,3,5,7
		{"+5 * * * *", true},       // strconv.Atoi takes a sign; number does not
	}
	for _, tt := range accepts {
		_, err := p.Parse(tt.expr)
		if got := err == nil; got != tt.want {
			t.Errorf("robfig accepts %q: got %v (err %v), want %v", tt.expr, got, err, tt.want)
		}
	}

	// robfig's own DST handling, which Next replaces.
	raw, err := p.Parse("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	raw.(*cron.SpecSchedule).Location = paris
	if got, want := raw.Next(time.Date(2026, 3, 28, 12, 0, 0, 0, paris)), time.Date(2026, 3, 30, 2, 30, 0, 0, paris); !got.Equal(want) {
		t.Errorf("robfig spring forward: got %s, want %s (it skips the day)", got, want)
	}
	first := raw.Next(time.Date(2026, 10, 24, 12, 0, 0, 0, paris))
	second := raw.Next(first)
	if want := utc(2026, 10, 25, 0, 30, 0); !first.Equal(want) {
		t.Errorf("robfig fall back first: got %s, want %s", first, want)
	}
	if want := utc(2026, 10, 25, 1, 30, 0); !second.Equal(want) {
		t.Errorf("robfig fall back second: got %s, want %s (it runs twice)", second, want)
	}
	// Go's time.Date shifts a skipped reading by the gap; resolve does not rely on it.
	if got, want := time.Date(2026, 3, 29, 2, 30, 0, 0, paris), utc(2026, 3, 29, 1, 30, 0); !got.Equal(want) {
		t.Errorf("time.Date in the gap: got %s, want %s", got, want)
	}
}

func TestNextPrev(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	ny := zone(t, "America/New_York")
	sp := zone(t, "America/Sao_Paulo")
	tests := []struct {
		name        string
		expr        string
		withSeconds bool
		tz          string
		from        time.Time
		next        []time.Time // the dates after from, in order
		prev        []time.Time // the dates before from, newest first
	}{
		{
			name: "31st from February goes to March 31",
			expr: "0 0 31 * *", from: utc(2026, 2, 1, 0, 0, 0),
			next: []time.Time{utc(2026, 3, 31, 0, 0, 0), utc(2026, 5, 31, 0, 0, 0), utc(2026, 7, 31, 0, 0, 0)},
			prev: []time.Time{utc(2026, 1, 31, 0, 0, 0), utc(2025, 12, 31, 0, 0, 0), utc(2025, 10, 31, 0, 0, 0)},
		},
		{
			name: "30th skips February",
			expr: "0 0 30 * *", from: utc(2026, 1, 31, 0, 0, 0),
			next: []time.Time{utc(2026, 3, 30, 0, 0, 0), utc(2026, 4, 30, 0, 0, 0)},
			prev: []time.Time{utc(2026, 1, 30, 0, 0, 0), utc(2025, 12, 30, 0, 0, 0)},
		},
		{
			name: "leap day from 2026",
			expr: "0 0 29 2 *", from: utc(2026, 1, 1, 0, 0, 0),
			next: []time.Time{utc(2028, 2, 29, 0, 0, 0), utc(2032, 2, 29, 0, 0, 0)},
			prev: []time.Time{utc(2024, 2, 29, 0, 0, 0), utc(2020, 2, 29, 0, 0, 0)},
		},
		{
			name: "leap day, Prev from 2028-03-01",
			expr: "0 0 29 2 *", from: utc(2028, 3, 1, 0, 0, 0),
			next: []time.Time{utc(2032, 2, 29, 0, 0, 0)},
			prev: []time.Time{utc(2028, 2, 29, 0, 0, 0), utc(2024, 2, 29, 0, 0, 0)},
		},
		{
			name: "leap day, Prev from 2027",
			expr: "0 0 29 2 *", from: utc(2027, 6, 1, 0, 0, 0),
			prev: []time.Time{utc(2024, 2, 29, 0, 0, 0)},
		},
		{
			name: "strictly after and before a date",
			expr: "0 0 * * *", from: utc(2026, 5, 10, 0, 0, 0),
			next: []time.Time{utc(2026, 5, 11, 0, 0, 0)},
			prev: []time.Time{utc(2026, 5, 9, 0, 0, 0)},
		},
		{
			name: "withSeconds every 15 seconds",
			expr: "*/15 * * * * *", withSeconds: true, from: utc(2026, 5, 10, 10, 0, 7),
			next: []time.Time{utc(2026, 5, 10, 10, 0, 15), utc(2026, 5, 10, 10, 0, 30), utc(2026, 5, 10, 10, 0, 45), utc(2026, 5, 10, 10, 1, 0)},
			prev: []time.Time{utc(2026, 5, 10, 10, 0, 0), utc(2026, 5, 10, 9, 59, 45)},
		},
		{
			name: "withSeconds with sub-second input",
			expr: "*/15 * * * * *", withSeconds: true, from: utc(2026, 5, 10, 10, 0, 15).Add(time.Nanosecond),
			next: []time.Time{utc(2026, 5, 10, 10, 0, 30)},
			prev: []time.Time{utc(2026, 5, 10, 10, 0, 15), utc(2026, 5, 10, 10, 0, 0)},
		},
		{
			name: "sub-second input just before a date",
			expr: "* * * * *", from: utc(2026, 5, 10, 10, 0, 59).Add(999 * time.Millisecond),
			next: []time.Time{utc(2026, 5, 10, 10, 1, 0)},
			prev: []time.Time{utc(2026, 5, 10, 10, 0, 0)},
		},
		{
			name: "Prev of a dense schedule from hours later (bisects)",
			expr: "* 8 * * *", from: utc(2026, 5, 10, 20, 0, 0),
			next: []time.Time{utc(2026, 5, 11, 8, 0, 0)},
			prev: []time.Time{utc(2026, 5, 10, 8, 59, 0), utc(2026, 5, 10, 8, 58, 0)},
		},
		{
			name: "Prev of a dense withSeconds schedule from hours later (bisects)",
			expr: "* * 8 * * *", withSeconds: true, from: utc(2026, 5, 10, 20, 0, 0),
			prev: []time.Time{utc(2026, 5, 10, 8, 59, 59), utc(2026, 5, 10, 8, 59, 58)},
		},
		// Europe/Paris, spring forward 2026-03-29 02:00 CET -> 03:00 CEST.
		{
			name: "Paris 02:30 on spring-forward day runs once at 03:00 CEST",
			expr: "30 2 * * *", tz: "Europe/Paris", from: time.Date(2026, 3, 28, 0, 0, 0, 0, paris),
			next: []time.Time{utc(2026, 3, 28, 1, 30, 0), utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 30, 0, 30, 0)},
		},
		{
			name: "Paris Prev across spring forward",
			expr: "30 2 * * *", tz: "Europe/Paris", from: time.Date(2026, 3, 30, 0, 0, 0, 0, paris),
			prev: []time.Time{utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 28, 1, 30, 0)},
		},
		{
			name: "Paris from just before the gap",
			expr: "45 2 * * *", tz: "Europe/Paris", from: time.Date(2026, 3, 29, 1, 59, 59, 0, paris),
			next: []time.Time{utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 30, 0, 45, 0)},
		},
		{
			name: "Paris from the end of the gap",
			expr: "45 2 * * *", tz: "Europe/Paris", from: utc(2026, 3, 29, 1, 0, 0),
			next: []time.Time{utc(2026, 3, 30, 0, 45, 0)},
			prev: []time.Time{utc(2026, 3, 28, 1, 45, 0)},
		},
		{
			name: "Paris every 15 minutes across the gap",
			expr: "*/15 * * * *", tz: "Europe/Paris", from: time.Date(2026, 3, 29, 1, 30, 0, 0, paris),
			next: []time.Time{utc(2026, 3, 29, 0, 45, 0), utc(2026, 3, 29, 1, 0, 0), utc(2026, 3, 29, 1, 15, 0)},
		},
		// Europe/Paris, fall back 2026-10-25 03:00 CEST -> 02:00 CET.
		{
			name: "Paris 02:30 on fall-back day runs once at the first 02:30 (CEST)",
			expr: "30 2 * * *", tz: "Europe/Paris", from: time.Date(2026, 10, 24, 12, 0, 0, 0, paris),
			next: []time.Time{utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 26, 1, 30, 0)},
		},
		{
			name: "Paris Prev across fall back",
			expr: "30 2 * * *", tz: "Europe/Paris", from: time.Date(2026, 10, 26, 0, 0, 0, 0, paris),
			prev: []time.Time{utc(2026, 10, 25, 0, 30, 0), utc(2026, 10, 24, 0, 30, 0)},
		},
		{
			name: "Paris 02:30 from inside the repeated hour (02:10 CET)",
			expr: "30 2 * * *", tz: "Europe/Paris", from: utc(2026, 10, 25, 1, 10, 0),
			next: []time.Time{utc(2026, 10, 26, 1, 30, 0)},
			prev: []time.Time{utc(2026, 10, 25, 0, 30, 0)},
		},
		{
			name: "Paris every 15 minutes of hour 2 does not repeat the hour",
			expr: "*/15 2 * * *", tz: "Europe/Paris", from: utc(2026, 10, 25, 0, 40, 0),
			next: []time.Time{utc(2026, 10, 25, 0, 45, 0), utc(2026, 10, 26, 1, 0, 0)},
			prev: []time.Time{utc(2026, 10, 25, 0, 30, 0)},
		},
		{
			name: "Paris hourly runs in both passes of the repeated hour",
			expr: "0 * * * *", tz: "Europe/Paris", from: utc(2026, 10, 24, 23, 30, 0),
			next: []time.Time{utc(2026, 10, 25, 0, 0, 0), utc(2026, 10, 25, 1, 0, 0), utc(2026, 10, 25, 2, 0, 0)},
			prev: []time.Time{utc(2026, 10, 24, 23, 0, 0), utc(2026, 10, 24, 22, 0, 0)},
		},
		{
			name: "Paris every 15 minutes from the first pass of the repeated hour",
			expr: "*/15 * * * *", tz: "Europe/Paris", from: utc(2026, 10, 25, 0, 50, 0),
			next: []time.Time{utc(2026, 10, 25, 1, 0, 0), utc(2026, 10, 25, 1, 15, 0)},
			prev: []time.Time{utc(2026, 10, 25, 0, 45, 0)},
		},
		{
			name: "Paris every 15 minutes from the second pass of the repeated hour",
			expr: "*/15 * * * *", tz: "Europe/Paris", from: utc(2026, 10, 25, 1, 50, 0),
			next: []time.Time{utc(2026, 10, 25, 2, 0, 0)},
			prev: []time.Time{utc(2026, 10, 25, 1, 45, 0), utc(2026, 10, 25, 1, 30, 0)},
		},
		// America/New_York, spring forward 2026-03-08 02:00 EST -> 03:00 EDT,
		// fall back 2026-11-01 02:00 EDT -> 01:00 EST (01:00-01:59 repeats).
		{
			name: "New York 02:30 on spring-forward day runs at 03:00 EDT",
			expr: "30 2 * * *", tz: "America/New_York", from: time.Date(2026, 3, 7, 12, 0, 0, 0, ny),
			next: []time.Time{utc(2026, 3, 8, 7, 0, 0), utc(2026, 3, 9, 6, 30, 0)},
		},
		{
			name: "New York 02:30 on fall-back day is not repeated there",
			expr: "30 2 * * *", tz: "America/New_York", from: time.Date(2026, 10, 31, 12, 0, 0, 0, ny),
			next: []time.Time{utc(2026, 11, 1, 7, 30, 0), utc(2026, 11, 2, 7, 30, 0)},
		},
		{
			name: "New York 01:30 on fall-back day runs at the first 01:30 (EDT)",
			expr: "30 1 * * *", tz: "America/New_York", from: time.Date(2026, 10, 31, 12, 0, 0, 0, ny),
			next: []time.Time{utc(2026, 11, 1, 5, 30, 0), utc(2026, 11, 2, 6, 30, 0)},
			prev: []time.Time{utc(2026, 10, 31, 5, 30, 0)},
		},
		{
			name: "New York @daily stays at local midnight across spring forward",
			expr: "@daily", tz: "America/New_York", from: time.Date(2026, 3, 6, 12, 0, 0, 0, ny),
			next: []time.Time{utc(2026, 3, 7, 5, 0, 0), utc(2026, 3, 8, 5, 0, 0), utc(2026, 3, 9, 4, 0, 0), utc(2026, 3, 10, 4, 0, 0)},
		},
		{
			name: "New York 0 0 * * * stays at local midnight across fall back",
			expr: "0 0 * * *", tz: "America/New_York", from: time.Date(2026, 10, 30, 12, 0, 0, 0, ny),
			next: []time.Time{utc(2026, 10, 31, 4, 0, 0), utc(2026, 11, 1, 4, 0, 0), utc(2026, 11, 2, 5, 0, 0), utc(2026, 11, 3, 5, 0, 0)},
			prev: []time.Time{utc(2026, 10, 30, 4, 0, 0)},
		},
		// America/Sao_Paulo had its DST changes at midnight: 2018-11-04 00:00
		// did not exist, and 2019-02-16 23:00-23:59 happened twice.
		{
			name: "Sao Paulo @daily on a day without midnight runs at 01:00",
			expr: "@daily", tz: "America/Sao_Paulo", from: time.Date(2018, 11, 3, 12, 0, 0, 0, sp),
			next: []time.Time{utc(2018, 11, 4, 3, 0, 0), utc(2018, 11, 5, 2, 0, 0)},
			prev: []time.Time{utc(2018, 11, 3, 3, 0, 0)},
		},
		{
			name: "Sao Paulo 23:00 on a repeated 23h runs once",
			expr: "0 23 * * *", tz: "America/Sao_Paulo", from: time.Date(2019, 2, 16, 12, 0, 0, 0, sp),
			next: []time.Time{utc(2019, 2, 17, 1, 0, 0), utc(2019, 2, 18, 2, 0, 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.expr, tt.withSeconds, tt.tz)
			if len(tt.next) > 0 {
				got := nextN(s, tt.from, len(tt.next))
				if !sameTimes(got, tt.next) {
					t.Errorf("Next from %s: got %s, want %s", tt.from.Format(time.RFC3339), fmtTimes(got), fmtTimes(tt.next))
				}
				if want := s.loc.String(); got[0].Location().String() != want {
					t.Errorf("Next zone: got %s, want %s", got[0].Location(), want)
				}
			}
			if len(tt.prev) > 0 {
				var got []time.Time
				for p := tt.from; len(got) < len(tt.prev); {
					p = s.Prev(p)
					got = append(got, p)
				}
				if !sameTimes(got, tt.prev) {
					t.Errorf("Prev from %s: got %s, want %s", tt.from.Format(time.RFC3339), fmtTimes(got), fmtTimes(tt.prev))
				}
			}
		})
	}
}

// TestRunsPerDay counts the runs on DST days, from local midnight to the next.
func TestRunsPerDay(t *testing.T) {
	tests := []struct {
		expr string
		tz   string
		day  time.Time // the date, in any zone
		want int
	}{
		{"0 * * * *", "Europe/Paris", utc(2026, 3, 29, 0, 0, 0), 23},
		{"0 * * * *", "Europe/Paris", utc(2026, 10, 25, 0, 0, 0), 25},
		{"0 * * * *", "Europe/Paris", utc(2026, 6, 1, 0, 0, 0), 24},
		{"@hourly", "America/New_York", utc(2026, 3, 8, 0, 0, 0), 23},
		{"@hourly", "America/New_York", utc(2026, 11, 1, 0, 0, 0), 25},
		{"30 2 * * *", "Europe/Paris", utc(2026, 3, 29, 0, 0, 0), 1},
		{"30 2 * * *", "Europe/Paris", utc(2026, 10, 25, 0, 0, 0), 1},
		{"30 2 * * *", "America/New_York", utc(2026, 3, 8, 0, 0, 0), 1},
		{"30 1 * * *", "America/New_York", utc(2026, 11, 1, 0, 0, 0), 1},
		{"*/15 * * * *", "Europe/Paris", utc(2026, 3, 29, 0, 0, 0), 92},
		{"*/15 * * * *", "Europe/Paris", utc(2026, 10, 25, 0, 0, 0), 100},
		{"*/15 2 * * *", "Europe/Paris", utc(2026, 3, 29, 0, 0, 0), 1},
		{"*/15 2 * * *", "Europe/Paris", utc(2026, 10, 25, 0, 0, 0), 4},
		{"0 2,3 * * *", "Europe/Paris", utc(2026, 3, 29, 0, 0, 0), 1},
		{"@daily", "America/New_York", utc(2026, 3, 8, 0, 0, 0), 1},
		{"@daily", "America/New_York", utc(2026, 11, 1, 0, 0, 0), 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tt.expr, tt.tz, tt.day.Format(time.DateOnly)), func(t *testing.T) {
			s := mustParse(t, tt.expr, false, tt.tz)
			y, m, d := tt.day.Date()
			start := time.Date(y, m, d, 0, 0, 0, 0, s.loc)
			end := time.Date(y, m, d+1, 0, 0, 0, 0, s.loc)
			got := between(s, start.Add(-time.Nanosecond), end.Add(-time.Nanosecond))
			if len(got) != tt.want {
				t.Errorf("runs on %s: got %d %s, want %d", tt.day.Format(time.DateOnly), len(got), fmtTimes(got), tt.want)
			}
		})
	}
}

// TestNextPrevAgree walks schedules through DST days: Next strictly
// increases, and Prev of each date is the one before it.
func TestNextPrevAgree(t *testing.T) {
	tests := []struct {
		expr        string
		withSeconds bool
		tz          string
		from        time.Time
		count       int
	}{
		{"0 * * * *", false, "Europe/Paris", utc(2026, 3, 28, 12, 0, 0), 48},
		{"0 * * * *", false, "Europe/Paris", utc(2026, 10, 24, 12, 0, 0), 48},
		{"*/15 * * * *", false, "America/New_York", utc(2026, 11, 1, 0, 0, 0), 100},
		{"*/20 1,2 * * *", false, "America/New_York", utc(2026, 10, 31, 0, 0, 0), 12},
		{"30 2 * * *", false, "Europe/Paris", utc(2026, 3, 20, 0, 0, 0), 20},
		{"*/10 * * * * *", true, "Europe/Paris", utc(2026, 10, 25, 0, 55, 0), 400},
		{"0 0 29 2 *", false, "UTC", utc(2020, 1, 1, 0, 0, 0), 3},
		{"@daily", false, "America/Sao_Paulo", utc(2018, 11, 1, 0, 0, 0), 10},
		{"0 23 * * *", false, "America/Sao_Paulo", utc(2019, 2, 14, 0, 0, 0), 6},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"/"+tt.tz, func(t *testing.T) {
			s := mustParse(t, tt.expr, tt.withSeconds, tt.tz)
			prev := s.Next(tt.from)
			for range tt.count {
				next := s.Next(prev)
				if !next.After(prev) {
					t.Fatalf("Next(%s): got %s, want a later time", prev.Format(time.RFC3339), next.Format(time.RFC3339))
				}
				if got := s.Prev(next); !got.Equal(prev) {
					t.Fatalf("Prev(%s): got %s, want %s", next.Format(time.RFC3339), got.Format(time.RFC3339), prev.Format(time.RFC3339))
				}
				mid := prev.Add(next.Sub(prev) / 2)
				if got := s.Next(mid); !got.Equal(next) {
					t.Fatalf("Next(%s): got %s, want %s", mid.Format(time.RFC3339), got.Format(time.RFC3339), next.Format(time.RFC3339))
				}
				if got := s.Prev(mid); !got.Equal(prev) {
					t.Fatalf("Prev(%s): got %s, want %s", mid.Format(time.RFC3339), got.Format(time.RFC3339), prev.Format(time.RFC3339))
				}
				prev = next
			}
		})
	}
}

func TestPlanTick(t *testing.T) {
	daily := mustParse(t, "0 0 * * *", false, "UTC")
	minutely := mustParse(t, "* * * * *", false, "UTC")
	hourly := mustParse(t, "0 * * * *", false, "UTC")

	fri := utc(2026, 11, 20, 0, 0, 0)
	sat := utc(2026, 11, 21, 0, 0, 0)
	sun := utc(2026, 11, 22, 0, 0, 0)
	mon := utc(2026, 11, 23, 0, 0, 0)
	monNine := utc(2026, 11, 23, 9, 0, 0)
	at := func(h, m, s int) time.Time { return utc(2026, 11, 23, h, m, s) }

	tests := []struct {
		name  string
		s     *Schedule
		last  time.Time
		now   time.Time
		p     Policy
		limit int
		want  Plan
	}{
		{
			name: "nothing due", s: daily, last: mon, now: monNine,
			want: Plan{Last: mon},
		},
		{
			name: "clock behind last: nothing due", s: daily, last: mon, now: fri,
			want: Plan{Last: mon},
		},
		{
			name: "never ticked: starts from now", s: daily, last: time.Time{}, now: monNine,
			want: Plan{Last: monNine},
		},
		{
			name: "one on-time date", s: daily, last: sun, now: mon.Add(20 * time.Second), p: Policy{Recover: "NONE"},
			want: Plan{Run: []time.Time{mon}, Last: mon},
		},
		{
			name: "missed weekend, ALL", s: daily, last: fri, now: monNine, p: Policy{Recover: "ALL"},
			want: Plan{Run: []time.Time{sat, sun, mon}, Last: mon},
		},
		{
			name: "missed weekend, default is ALL", s: daily, last: fri, now: monNine,
			want: Plan{Run: []time.Time{sat, sun, mon}, Last: mon},
		},
		{
			name: "missed weekend, lower-case all", s: daily, last: fri, now: monNine, p: Policy{Recover: "all"},
			want: Plan{Run: []time.Time{sat, sun, mon}, Last: mon},
		},
		{
			name: "missed weekend, LAST", s: daily, last: fri, now: monNine, p: Policy{Recover: "LAST"},
			want: Plan{Run: []time.Time{mon}, Skipped: []time.Time{sat, sun}, Last: mon},
		},
		{
			name: "missed weekend, NONE", s: daily, last: fri, now: monNine, p: Policy{Recover: "NONE"},
			want: Plan{Skipped: []time.Time{sat, sun, mon}, Last: mon},
		},
		{
			name: "every minute, previous tick a minute ago", s: minutely, last: at(9, 0, 0), now: at(9, 1, 3),
			want: Plan{Run: []time.Time{at(9, 1, 0)}, Last: at(9, 1, 0)},
		},
		{
			name: "every minute, tick at exactly the date", s: minutely, last: at(9, 0, 0), now: at(9, 1, 0),
			want: Plan{Run: []time.Time{at(9, 1, 0)}, Last: at(9, 1, 0)},
		},
		{
			name: "a date exactly OnTime old is on time", s: minutely, last: at(8, 59, 0), now: at(9, 2, 0), p: Policy{Recover: "NONE"},
			want: Plan{Run: []time.Time{at(9, 0, 0), at(9, 1, 0), at(9, 2, 0)}, Last: at(9, 2, 0)},
		},
		{
			name: "a nanosecond past OnTime is late", s: minutely, last: at(8, 59, 0), now: at(9, 2, 0).Add(time.Nanosecond), p: Policy{Recover: "NONE"},
			want: Plan{Run: []time.Time{at(9, 1, 0), at(9, 2, 0)}, Skipped: []time.Time{at(9, 0, 0)}, Last: at(9, 2, 0)},
		},
		{
			name: "custom OnTime", s: minutely, last: at(8, 57, 0), now: at(9, 2, 0), p: Policy{Recover: "NONE", OnTime: 30 * time.Second},
			want: Plan{Run: []time.Time{at(9, 2, 0)}, Skipped: []time.Time{at(8, 58, 0), at(8, 59, 0), at(9, 0, 0), at(9, 1, 0)}, Last: at(9, 2, 0)},
		},
		{
			name: "LAST runs the latest late date and the on-time ones", s: minutely, last: at(8, 55, 0), now: at(9, 0, 30), p: Policy{Recover: "LAST"},
			want: Plan{Run: []time.Time{at(8, 58, 0), at(8, 59, 0), at(9, 0, 0)}, Skipped: []time.Time{at(8, 56, 0), at(8, 57, 0)}, Last: at(9, 0, 0)},
		},
		{
			name: "LateMaximumDelay skips old dates under ALL, on-time date runs", s: hourly, last: at(6, 0, 0), now: at(9, 0, 30), p: Policy{Recover: "ALL", LateMaximumDelay: time.Hour},
			want: Plan{Run: []time.Time{at(9, 0, 0)}, Skipped: []time.Time{at(7, 0, 0), at(8, 0, 0)}, Last: at(9, 0, 0)},
		},
		{
			name: "LateMaximumDelay keeps recent late dates under ALL", s: daily, last: fri, now: monNine, p: Policy{Recover: "ALL", LateMaximumDelay: 24 * time.Hour},
			want: Plan{Run: []time.Time{mon}, Skipped: []time.Time{sat, sun}, Last: mon},
		},
		{
			name: "LateMaximumDelay under LAST: the latest late date within the delay", s: hourly, last: at(3, 0, 0), now: at(9, 0, 30), p: Policy{Recover: "LAST", LateMaximumDelay: 3 * time.Hour},
			want: Plan{Run: []time.Time{at(8, 0, 0), at(9, 0, 0)}, Skipped: []time.Time{at(4, 0, 0), at(5, 0, 0), at(6, 0, 0), at(7, 0, 0)}, Last: at(9, 0, 0)},
		},
		{
			name: "LateMaximumDelay under LAST when every late date is too old", s: hourly, last: at(6, 0, 0), now: at(9, 0, 30), p: Policy{Recover: "LAST", LateMaximumDelay: time.Hour},
			want: Plan{Run: []time.Time{at(9, 0, 0)}, Skipped: []time.Time{at(7, 0, 0), at(8, 0, 0)}, Last: at(9, 0, 0)},
		},
		{
			name: "LateMaximumDelay shorter than OnTime skips an on-time date", s: minutely, last: at(8, 59, 0), now: at(9, 1, 0), p: Policy{LateMaximumDelay: 30 * time.Second},
			want: Plan{Run: []time.Time{at(9, 1, 0)}, Skipped: []time.Time{at(9, 0, 0)}, Last: at(9, 1, 0)},
		},
		{
			name: "limit cuts the batch", s: minutely, last: at(8, 0, 0), now: at(9, 0, 0), limit: 3,
			want: Plan{Run: []time.Time{at(8, 1, 0), at(8, 2, 0), at(8, 3, 0)}, Last: at(8, 3, 0), More: true},
		},
		{
			name: "limit exactly reached is not More", s: minutely, last: at(8, 57, 0), now: at(9, 0, 0), limit: 3,
			want: Plan{Run: []time.Time{at(8, 58, 0), at(8, 59, 0), at(9, 0, 0)}, Last: at(9, 0, 0)},
		},
		{
			name: "LAST batch cut by the limit runs nothing late", s: minutely, last: at(8, 0, 0), now: at(9, 0, 0), p: Policy{Recover: "LAST"}, limit: 3,
			want: Plan{Skipped: []time.Time{at(8, 1, 0), at(8, 2, 0), at(8, 3, 0)}, Last: at(8, 3, 0), More: true},
		},
		{
			name: "LAST batch cut just before the on-time dates runs its latest late date", s: minutely, last: at(8, 54, 0), now: at(9, 0, 0), p: Policy{Recover: "LAST"}, limit: 4,
			want: Plan{Run: []time.Time{at(8, 57, 0), at(8, 58, 0)}, Skipped: []time.Time{at(8, 55, 0), at(8, 56, 0)}, Last: at(8, 58, 0), More: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlanTick(tt.s, tt.last, tt.now, tt.p, tt.limit)
			if !sameTimes(got.Run, tt.want.Run) {
				t.Errorf("Run: got %s, want %s", fmtTimes(got.Run), fmtTimes(tt.want.Run))
			}
			if !sameTimes(got.Skipped, tt.want.Skipped) {
				t.Errorf("Skipped: got %s, want %s", fmtTimes(got.Skipped), fmtTimes(tt.want.Skipped))
			}
			if !got.Last.Equal(tt.want.Last) {
				t.Errorf("Last: got %s, want %s", got.Last.Format(time.RFC3339), tt.want.Last.Format(time.RFC3339))
			}
			if got.More != tt.want.More {
				t.Errorf("More: got %v, want %v", got.More, tt.want.More)
			}
		})
	}
}

// TestPlanTickLimit: an every-minute schedule down for 3 days is worked
// through in batches of the limit, each going on from the previous Last.
func TestPlanTickLimit(t *testing.T) {
	s := mustParse(t, "* * * * *", false, "UTC")
	last := utc(2026, 11, 20, 0, 0, 0)
	now := utc(2026, 11, 23, 0, 0, 30)
	const total = 3 * 24 * 60 // dates in (last, now]

	first := PlanTick(s, last, now, Policy{}, 1000)
	if len(first.Run) != 1000 {
		t.Fatalf("first batch runs: got %d, want 1000", len(first.Run))
	}
	if !first.More {
		t.Errorf("first batch More: got false, want true")
	}
	if want := last.Add(1000 * time.Minute); !first.Last.Equal(want) || !first.Run[999].Equal(want) {
		t.Errorf("first batch Last: got %s (1000th run %s), want %s", first.Last, first.Run[999], want)
	}
	second := PlanTick(s, first.Last, now, Policy{}, 1000)
	if want := first.Last.Add(time.Minute); len(second.Run) == 0 || !second.Run[0].Equal(want) {
		t.Fatalf("second batch first run: got %s, want %s", fmtTimes(second.Run[:min(1, len(second.Run))]), want)
	}

	// limit <= 0 means 1000.
	if got := PlanTick(s, last, now, Policy{}, 0); len(got.Run) != 1000 || !got.More {
		t.Errorf("limit 0: got %d runs (More %v), want 1000 (More true)", len(got.Run), got.More)
	}

	for _, recover := range []string{"ALL", "LAST", "NONE"} {
		t.Run(recover, func(t *testing.T) {
			seen := map[time.Time]bool{}
			var runs []time.Time
			l, batches := last, 0
			for {
				plan := PlanTick(s, l, now, Policy{Recover: recover}, 1000)
				batches++
				for _, d := range append(append([]time.Time{}, plan.Run...), plan.Skipped...) {
					if seen[d] {
						t.Fatalf("batch %d: date %s handled twice", batches, d)
					}
					seen[d] = true
				}
				runs = append(runs, plan.Run...)
				l = plan.Last
				if !plan.More {
					break
				}
			}
			if batches != 5 {
				t.Errorf("batches: got %d, want 5", batches)
			}
			if len(seen) != total {
				t.Errorf("dates handled: got %d, want %d", len(seen), total)
			}
			onTime := []time.Time{utc(2026, 11, 22, 23, 59, 0), utc(2026, 11, 23, 0, 0, 0)}
			var want []time.Time
			switch recover {
			case "ALL":
				if len(runs) != total {
					t.Errorf("runs: got %d, want %d", len(runs), total)
				}
				return
			case "LAST":
				want = append([]time.Time{utc(2026, 11, 22, 23, 58, 0)}, onTime...)
			case "NONE":
				want = onTime
			}
			if !sameTimes(runs, want) {
				t.Errorf("runs: got %s, want %s", fmtTimes(runs), fmtTimes(want))
			}
		})
	}
}

// TestConsecutiveTicks simulates a crontab tick every minute (a few seconds
// late, one tick lost to a reboot) over DST days: no date is handled twice,
// none is lost, and every date runs under ALL.
func TestConsecutiveTicks(t *testing.T) {
	tests := []struct {
		expr string
		tz   string
		day  time.Time
	}{
		{"*/5 * * * *", "Europe/Paris", utc(2026, 10, 24, 22, 0, 0)},
		{"0 * * * *", "Europe/Paris", utc(2026, 10, 24, 22, 0, 0)},
		{"30 2 * * *", "Europe/Paris", utc(2026, 10, 24, 22, 0, 0)},
		{"30 2 * * *", "Europe/Paris", utc(2026, 3, 28, 23, 0, 0)},
		{"* * * * *", "America/New_York", utc(2026, 11, 1, 4, 0, 0)},
		{"*/20 * * * * *", "UTC", utc(2026, 11, 23, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"/"+tt.tz+"/"+tt.day.Format(time.DateOnly), func(t *testing.T) {
			withSeconds := strings.Count(tt.expr, " ") == 5
			s := mustParse(t, tt.expr, withSeconds, tt.tz)
			last := tt.day
			end := tt.day.Add(8 * time.Hour)
			seen := map[time.Time]bool{}
			var handled []time.Time
			for i := 1; ; i++ {
				now := tt.day.Add(time.Duration(i)*time.Minute + time.Duration(i%7)*time.Second)
				if now.After(end) {
					break
				}
				if i == 100 || i == 101 {
					continue // the machine was rebooting
				}
				plan := PlanTick(s, last, now, Policy{}, 0)
				if len(plan.Skipped) != 0 {
					t.Fatalf("tick at %s skipped %s under ALL", now, fmtTimes(plan.Skipped))
				}
				for _, d := range plan.Run {
					if seen[d] {
						t.Fatalf("tick at %s: date %s ran twice", now, d)
					}
					if !d.After(last) || d.After(now) {
						t.Fatalf("tick at %s: date %s not in (%s, %s]", now, d, last, now)
					}
					seen[d] = true
					handled = append(handled, d)
				}
				last = plan.Last
			}
			want := between(s, tt.day, last)
			if !sameTimes(handled, want) {
				t.Errorf("dates run: got %d %s, want %d %s", len(handled), fmtTimes(handled[:min(5, len(handled))]), len(want), fmtTimes(want[:min(5, len(want))]))
			}
		})
	}
}

// BenchmarkPlanTickNothingDue is the case a tick over 1,000 applied flows
// hits 1,000 times: the previous tick handled the last date, and nothing new
// is due yet.
func BenchmarkPlanTickNothingDue(b *testing.B) {
	for _, bc := range []struct{ expr, tz string }{
		{"* * * * *", "UTC"},
		{"*/5 * * * *", "Europe/Paris"},
		{"0 * * * *", "America/New_York"},
		{"30 2 * * *", "Europe/Paris"},
	} {
		b.Run(bc.expr+"/"+bc.tz, func(b *testing.B) {
			s := mustParse(b, bc.expr, false, bc.tz)
			now := utc(2026, 11, 23, 9, 0, 4)
			last := s.Prev(now)
			b.ReportAllocs()
			for b.Loop() {
				plan := PlanTick(s, last, now, Policy{}, 0)
				if len(plan.Run) != 0 {
					b.Fatalf("got %d runs, want 0", len(plan.Run))
				}
			}
		})
	}
}

// BenchmarkPrev shows Prev stays in microseconds for common schedules.
func BenchmarkPrev(b *testing.B) {
	for _, expr := range []string{"* * * * *", "0 0 * * *", "0 0 1 1 *", "* 8 * * *"} {
		b.Run(expr, func(b *testing.B) {
			s := mustParse(b, expr, false, "Europe/Paris")
			now := utc(2026, 11, 23, 20, 0, 4)
			for b.Loop() {
				if s.Prev(now).IsZero() {
					b.Fatal("Prev: got zero time")
				}
			}
		})
	}
}
