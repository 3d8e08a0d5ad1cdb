package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fieldSpec describes one cron field. We check every field ourselves before
// robfig sees it: robfig's own errors ("failed to parse int from L") do not
// say which field is wrong, and it accepts things Kestra refuses ("*-5").
type fieldSpec struct {
	name     string         // as printed in errors: "minute", "day-of-week"
	min, max int            // inclusive bounds
	names    map[string]int // upper-case names (JAN, SUN), nil if the field has none
	hint     string         // the names, for errors: "JAN-DEC"
	day      bool           // day-of-month or day-of-week: `?`, L, W and # live here
}

var (
	secondField = fieldSpec{name: "second", min: 0, max: 59}
	minuteField = fieldSpec{name: "minute", min: 0, max: 59}
	hourField   = fieldSpec{name: "hour", min: 0, max: 23}
	domField    = fieldSpec{name: "day-of-month", min: 1, max: 31, day: true}
	monthField  = fieldSpec{name: "month", min: 1, max: 12, hint: "JAN-DEC", names: map[string]int{
		"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
		"JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
	}}
	// Unix cron (and Kestra's cron-utils UNIX definition) count Sunday as both
	// 0 and 7, so the bound is 7; robfig only knows 0-6 and we fold 7 into 0.
	dowField = fieldSpec{name: "day-of-week", min: 0, max: 7, hint: "SUN-SAT", day: true, names: map[string]int{
		"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6,
	}}
)

const (
	fiveFieldsHelp = "minute hour day-of-month month day-of-week"
	sixFieldsHelp  = "second minute hour day-of-month month day-of-week"
	nicknameList   = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"
)

// nicknames maps Kestra's cron nicknames to the 5-field expressions they stand
// for. Expanding them ourselves makes them case-insensitive (robfig only knows
// lower case) and keeps robfig's @every out.
var nicknames = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// errQuartz is returned for Quartz-only day syntax, which robfig cannot evaluate.
func errQuartz(expr string) error {
	return fmt.Errorf("%q: L, W and # are not supported by flowctl yet", expr)
}

// normalize checks expr and returns the 6-field form robfig is given (seconds
// first, Sunday as 0, nicknames expanded), and whether the hour field matches
// every hour (which decides what happens in a repeated hour at a DST change).
func normalize(expr string, withSeconds bool) (spec string, everyHour bool, err error) {
	text := strings.TrimSpace(expr)
	if text == "" {
		return "", false, fmt.Errorf("cron expression is empty; write 5 fields (%s) or a nickname such as @daily", fiveFieldsHelp)
	}
	upper := strings.ToUpper(text)
	if strings.HasPrefix(upper, "TZ=") || strings.HasPrefix(upper, "CRON_TZ=") {
		// robfig would take the zone from here; Kestra takes it from the
		// trigger's timezone property only, so two sources cannot disagree.
		return "", false, fmt.Errorf("%q: a TZ= or CRON_TZ= prefix is not supported; set the trigger's timezone property instead", expr)
	}
	if strings.HasPrefix(text, "@") {
		lower := strings.ToLower(text)
		if strings.HasPrefix(lower, "@every") {
			return "", false, fmt.Errorf("%q: @every is not a Kestra cron nickname; write a cron such as \"*/5 * * * *\"", expr)
		}
		five, ok := nicknames[lower]
		if !ok {
			return "", false, fmt.Errorf("%q: unknown nickname; use one of %s", expr, nicknameList)
		}
		text = five
		if withSeconds {
			text = "0 " + five
		}
	}

	fields := strings.Fields(text)
	specs := []fieldSpec{minuteField, hourField, domField, monthField, dowField}
	if withSeconds {
		specs = append([]fieldSpec{secondField}, specs...)
	}
	if len(fields) != len(specs) {
		return "", false, fieldCountError(expr, len(fields), withSeconds)
	}

	out := make([]string, len(fields))
	bits := make([]uint64, len(fields))
	for i, f := range fields {
		b, seven, err := parseField(expr, f, specs[i])
		if err != nil {
			return "", false, err
		}
		bits[i] = b
		out[i] = f
		if seven {
			// robfig rejects 7; hand it the same days as a plain list, or
			// keep * when the field had one: robfig reads a * in a day field
			// as "no day restriction", which a list would lose.
			out[i] = dowList(b)
			if b == 1<<7-1 && strings.ContainsAny(f, "*?") {
				out[i] = "*"
			}
		}
	}
	if !withSeconds {
		out = append([]string{"0"}, out...)
		bits = append([]uint64{1}, bits...)
	}
	everyHour = bits[2] == 1<<24-1
	return strings.Join(out, " "), everyHour, nil
}

// fieldCountError names the count found and the fields expected, and points at
// withSeconds when the count would fit the other form.
func fieldCountError(expr string, n int, withSeconds bool) error {
	switch {
	case withSeconds && n == 5:
		return fmt.Errorf("%q has 5 fields, a cron with withSeconds: true needs 6 (%s); drop withSeconds for a 5-field cron", expr, sixFieldsHelp)
	case withSeconds:
		return fmt.Errorf("%q has %d fields, a cron with withSeconds: true needs 6 (%s)", expr, n, sixFieldsHelp)
	case n == 6:
		return fmt.Errorf("%q has 6 fields, a cron needs 5 (%s); set withSeconds: true for a leading seconds field", expr, fiveFieldsHelp)
	case n == 7:
		return fmt.Errorf("%q has 7 fields, a cron needs 5 (%s); the Quartz year field is not supported", expr, fiveFieldsHelp)
	default:
		return fmt.Errorf("%q has %d fields, a cron needs 5 (%s)", expr, n, fiveFieldsHelp)
	}
}

// parseField checks one field and returns the values it matches as bits, and
// whether it names 7 as a day of week (so the caller rewrites it for robfig).
func parseField(expr, field string, f fieldSpec) (bits uint64, seven bool, err error) {
	if strings.Contains(field, "#") {
		return 0, false, errQuartz(expr)
	}
	for _, item := range strings.Split(field, ",") {
		if item == "" {
			return 0, false, fmt.Errorf("%q: %s %q has an empty list item", expr, f.name, field)
		}
		b, s, err := parseItem(expr, item, f)
		if err != nil {
			return 0, false, err
		}
		bits |= b
		seven = seven || s
	}
	return bits, seven, nil
}

// parseItem parses one list item: `*`, `?`, N, A-B, each optionally /STEP.
// As in Unix cron, N/STEP means N-max/STEP.
func parseItem(expr, item string, f fieldSpec) (bits uint64, seven bool, err error) {
	rng, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		if strings.Contains(stepText, "/") {
			return 0, false, fmt.Errorf("%q: %s %q has more than one /", expr, f.name, item)
		}
		n, ok := number(stepText)
		if !ok {
			return 0, false, fmt.Errorf("%q: %s step %q is not a number", expr, f.name, stepText)
		}
		if n == 0 {
			return 0, false, fmt.Errorf("%q: %s step must be at least 1, got 0", expr, f.name)
		}
		step = n
	}

	var lo, hi int
	switch rng {
	case "*":
		lo, hi = f.min, f.max
	case "?":
		if !f.day {
			return 0, false, fmt.Errorf("%q: ? is only allowed in day-of-month and day-of-week, not in %s", expr, f.name)
		}
		lo, hi = f.min, f.max
	default:
		loText, hiText, isRange := strings.Cut(rng, "-")
		if lo, err = value(expr, loText, f); err != nil {
			return 0, false, err
		}
		hi = lo
		if hasStep && !isRange {
			hi = f.max
		}
		if isRange {
			if hi, err = value(expr, hiText, f); err != nil {
				return 0, false, err
			}
			// FRI-SUN reads naturally as Friday to Sunday: let a range
			// ending on the name SUN end on 7.
			if f.names != nil && hi == 0 && strings.EqualFold(hiText, "SUN") {
				hi = 7
			}
			if lo > hi {
				return 0, false, fmt.Errorf("%q: %s range %s goes backwards (ranges do not wrap around; split it into a list)", expr, f.name, rng)
			}
		}
	}
	if rng == "*" || rng == "?" {
		// A bare * over 0-7 would count Sunday twice; robfig's 0-6 is the same set.
		if f.max == 7 {
			hi = 6
		}
	}
	for v := lo; v <= hi; v += step {
		if v == 7 && f.max == 7 {
			seven = true
			bits |= 1 // Sunday
			continue
		}
		bits |= 1 << uint(v)
	}
	return bits, seven, nil
}

// value parses a number or a name and checks it against the field's bounds.
func value(expr, text string, f fieldSpec) (int, error) {
	if n, ok := number(text); ok {
		if n < f.min || n > f.max {
			return 0, fmt.Errorf("%q: %s %d is out of range %d-%d", expr, f.name, n, f.min, f.max)
		}
		return n, nil
	}
	if n, ok := f.names[strings.ToUpper(text)]; ok {
		return n, nil
	}
	if f.day && isQuartz(text, f) {
		return 0, errQuartz(expr)
	}
	if text == "" {
		return 0, fmt.Errorf("%q: %s has an empty value (a - with nothing on one side)", expr, f.name)
	}
	if f.names != nil {
		return 0, fmt.Errorf("%q: %s %q is not a number (%d-%d) or a name (%s)", expr, f.name, text, f.min, f.max, f.hint)
	}
	return 0, fmt.Errorf("%q: %s %q is not a number (%d-%d)", expr, f.name, text, f.min, f.max)
}

// isQuartz tells Quartz day syntax (L, LW, 15W, 5L, FRIL) from a plain typo,
// so "WEDS" gets "not a name" rather than a Quartz message.
func isQuartz(text string, f fieldSpec) bool {
	u := strings.ToUpper(text)
	if u == "L" || u == "LW" {
		return true
	}
	for _, suffix := range []string{"W", "L"} {
		prefix, ok := strings.CutSuffix(u, suffix)
		if !ok || prefix == "" {
			continue
		}
		if _, isNum := number(prefix); isNum {
			return true
		}
		if _, isName := f.names[prefix]; isName && suffix == "L" {
			return true
		}
	}
	return false
}

// number parses plain decimal digits only: strconv.Atoi would also take "+5"
// and "-5", which no cron dialect means.
func number(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// dowList writes day-of-week bits 0-6 as a comma list robfig accepts.
func dowList(bits uint64) string {
	var parts []string
	for d := 0; d <= 6; d++ {
		if bits&(1<<uint(d)) != 0 {
			parts = append(parts, strconv.Itoa(d))
		}
	}
	return strings.Join(parts, ",")
}

// loadZone resolves the timezone property. Besides IANA names it takes the
// fixed offsets Java's ZoneId.of accepts (Z, +02:00, UTC+2, GMT-05:30), since
// Kestra flows may carry them.
func loadZone(tz string, loc *time.Location) (*time.Location, error) {
	if tz == "" {
		if loc == nil {
			return time.UTC, nil
		}
		return loc, nil
	}
	if l, ok := fixedZone(tz); ok {
		return l, nil
	}
	// "Local" is Go's name for the machine zone, not an IANA zone: Kestra
	// would refuse it, and it would make a flow mean different things on
	// different machines.
	if tz == "Local" || strings.ContainsAny(tz, " \t") {
		return nil, fmt.Errorf("unknown time zone %q", tz)
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", tz)
	}
	return l, nil
}

// fixedZone parses Z and [UTC|GMT|UT]±H[H][[:]MM].
func fixedZone(tz string) (*time.Location, bool) {
	if tz == "Z" {
		return time.UTC, true
	}
	rest := tz
	for _, p := range []string{"UTC", "GMT", "UT"} {
		if strings.HasPrefix(rest, p) && len(rest) > len(p) {
			rest = rest[len(p):]
			break
		}
	}
	if rest == "" || (rest[0] != '+' && rest[0] != '-') {
		return nil, false
	}
	sign := 1
	if rest[0] == '-' {
		sign = -1
	}
	digits := strings.Replace(rest[1:], ":", "", 1)
	var h, m int
	var ok bool
	switch len(digits) {
	case 1, 2:
		h, ok = number(digits)
	case 4:
		var okm bool
		h, ok = number(digits[:2])
		m, okm = number(digits[2:])
		ok = ok && okm
	}
	if !ok || h > 18 || m > 59 || (h == 18 && m > 0) {
		return nil, false
	}
	return time.FixedZone(tz, sign*(h*3600+m*60)), true
}
