package templating

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The date filters share Kestra's AbstractDate: the input is read in the time zone asked
// for (default: the local one), by existingFormat when given, and a date that has no zone
// of its own takes that time zone.

// dateZone is the timeZone argument as a location: the local zone when it is not given.
func dateZone(arg any) (*time.Location, error) {
	z, err := stringArg("timeZone", arg, "")
	if err != nil || z == "" {
		return time.Local, err
	}
	return loadZone(z)
}

// kestraDate is AbstractDate.convert: a date stays as it is; a whole number is epoch
// seconds; text is read with existingFormat, or else as ISO 8601 with a zone
// (2013-09-08T17:19:12+02:00, optionally with [Europe/Paris]), without one
// (2013-09-08T17:19:12, taken in zone) or a date alone (2013-09-08, midnight in zone).
func kestraDate(in any, zone *time.Location, existingFormat any) (time.Time, error) {
	switch x := in.(type) {
	case time.Time:
		return x, nil
	case string:
		f, err := stringArg("existingFormat", existingFormat, "")
		if err != nil {
			return time.Time{}, err
		}
		if f != "" {
			return parseDate(x, f, zone)
		}
		if t, err := toTime(x); err == nil {
			return t, nil
		}
		for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
			if t, err := time.ParseInLocation(layout, x, zone); err == nil {
				return t, nil
			}
		}
		if t, err := time.ParseInLocation("2006-01-02", x, zone); err == nil {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("Text '%s' could not be parsed: expected an ISO 8601 date such as 2024-01-31T10:00:00Z, 2024-01-31T10:00:00 or 2024-01-31, or give its existingFormat", abbreviateText(x, 64))
	}
	if i, _, isInt, ok := toNumber(in); ok && isInt {
		return time.Unix(i, 0).In(zone), nil
	}
	return time.Time{}, fmt.Errorf("cannot read %s as a date", describe(in))
}

// dateFilter formats a date (see kestraDate) with a Java DateTimeFormatter pattern or one
// of Kestra's named formats (default "iso"), in timeZone.
func dateFilter(_ *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	zone, err := dateZone(args[1])
	if err != nil {
		return nil, err
	}
	t, err := kestraDate(in, zone, args[2])
	if err != nil {
		return nil, err
	}
	return formatDate(t, args[0], args[1], args[3])
}

// dateAddFilter adds amount units (a java.time ChronoUnit name: SECONDS, HOURS, DAYS,
// MONTHS...) to a date, then formats it as date does. Units of a day or more move the date
// on the calendar of the date's own zone (a day is 23 hours across a change to summer time);
// a month that lacks the day ends on its last day, as java.time does.
func dateAddFilter(_ *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	amount, err := intArg("amount", args[0])
	if err != nil {
		return nil, err
	}
	unit, err := stringArg("unit", args[1], "")
	if err != nil {
		return nil, err
	}
	zone, err := dateZone(args[3])
	if err != nil {
		return nil, err
	}
	t, err := kestraDate(in, zone, args[4])
	if err != nil {
		return nil, err
	}
	if t, err = addUnits(t, amount, unit); err != nil {
		return nil, err
	}
	return formatDate(t, args[2], args[3], args[5])
}

// chronoUnits are the time-based ChronoUnits, as durations.
var chronoUnits = map[string]time.Duration{
	"NANOS": time.Nanosecond, "MICROS": time.Microsecond, "MILLIS": time.Millisecond,
	"SECONDS": time.Second, "MINUTES": time.Minute, "HOURS": time.Hour, "HALF_DAYS": 12 * time.Hour,
}

// calendarUnits are the date-based ChronoUnits, in days or months.
var calendarUnits = map[string]struct{ days, months int64 }{
	"DAYS": {days: 1}, "WEEKS": {days: 7}, "MONTHS": {months: 1}, "YEARS": {months: 12},
	"DECADES": {months: 120}, "CENTURIES": {months: 1200}, "MILLENNIA": {months: 12000},
}

func addUnits(t time.Time, amount int64, unit string) (time.Time, error) {
	if d, ok := chronoUnits[unit]; ok {
		if amount > 1<<62/int64(d) || amount < -(1<<62)/int64(d) {
			return time.Time{}, fmt.Errorf("%d %s is out of range", amount, unit)
		}
		return t.Add(time.Duration(amount) * d), nil
	}
	c, ok := calendarUnits[unit]
	if !ok {
		if unit == "ERAS" || unit == "FOREVER" {
			return time.Time{}, fmt.Errorf("Unsupported unit: %s", unitName(unit))
		}
		return time.Time{}, fmt.Errorf("No enum constant java.time.temporal.ChronoUnit.%s (use NANOS, MICROS, MILLIS, SECONDS, MINUTES, HOURS, HALF_DAYS, DAYS, WEEKS, MONTHS, YEARS, DECADES, CENTURIES or MILLENNIA)", abbreviateText(unit, 40))
	}
	const maxDays = 365 * 1_000_000
	if amount > maxDays || amount < -maxDays {
		return time.Time{}, fmt.Errorf("%d %s is out of range", amount, unit)
	}
	if c.days != 0 {
		return t.AddDate(0, 0, int(amount*c.days)), nil
	}
	months := amount * c.months
	y, m, d := t.Date()
	total := int64(y)*12 + int64(m-1) + months
	ny, nm := int(total/12), time.Month(total%12+1)
	if total%12 < 0 {
		ny, nm = int(total/12)-1, time.Month(total%12+13)
	}
	if last := daysInMonth(ny, nm); d > last {
		d = last
	}
	h, mi, s := t.Clock()
	return time.Date(ny, nm, d, h, mi, s, t.Nanosecond(), t.Location()), nil
}

func daysInMonth(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// unitName is Java's enum toString for a unit: Eras, Forever.
func unitName(s string) string {
	return s[:1] + strings.ToLower(s[1:])
}

// timestampFilter is timestamp (epoch seconds, a number), timestampMicro or timestampNano
// (text). timestampMicro is, as in Kestra, the seconds in nanoseconds plus the
// microseconds, which is what Kestra's users read.
func timestampFilter(unit string) func(*evalCtx, any, []any) (any, error) {
	return func(_ *evalCtx, in any, args []any) (any, error) {
		if in == nil {
			return nil, nil
		}
		zone, err := dateZone(args[0])
		if err != nil {
			return nil, err
		}
		t, err := kestraDate(in, zone, args[1])
		if err != nil {
			return nil, err
		}
		sec := t.Unix()
		switch unit {
		case "micro":
			return strconv.FormatInt(sec*1e9+int64(t.Nanosecond()/1e3), 10), nil
		case "nano":
			return strconv.FormatInt(sec*1e9+int64(t.Nanosecond()), 10), nil
		}
		return sec, nil
	}
}

// parseDate reads text with a Java DateTimeFormatter pattern or a named format, as Kestra
// does: a zoned date-time, else a local date-time in zone, else a date at midnight in zone.
func parseDate(s, format string, zone *time.Location) (time.Time, error) {
	fail := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("Text '%s' could not be parsed with existingFormat '%s': %s", abbreviateText(s, 64), abbreviateText(format, 64), why)
	}
	switch format {
	case "rfc_1123_date_time":
		for _, layout := range []string{"Mon, 2 Jan 2006 15:04:05 GMT", "Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 GMT", "2 Jan 2006 15:04:05 -0700"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return fail("expected a date such as Tue, 3 Jun 2008 11:05:30 GMT")
	case "iso_instant":
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || !strings.HasSuffix(s, "Z") {
			return fail("expected an instant such as 2011-12-03T10:15:30Z")
		}
		return t, nil
	case "iso_date_time", "iso_zoned_date_time", "iso_offset_date_time", "iso_local_date_time", "iso_date", "iso_local_date":
		t, err := kestraDate(s, zone, nil)
		if err != nil {
			return fail("expected an ISO 8601 date")
		}
		return t, nil
	}
	pattern := format
	if p, ok := namedFormats[format]; ok {
		pattern = p
	}
	if _, ok := isoFormats[format]; ok {
		return fail("this named format cannot be read back; give a pattern")
	}
	if len(pattern) > maxDatePattern {
		return fail("pattern too long")
	}
	layout, err := parsePattern(pattern)
	if err != nil {
		return time.Time{}, err
	}
	t, err := layout.parse(s, zone)
	if err != nil {
		return fail(err.Error())
	}
	return t, nil
}

// parsedDate collects the fields a pattern read.
type parsedDate struct {
	year, month, day, yearDay  int
	hour, minute, second, nano int
	hasYear, hasMonth, hasDay  bool
	hasHour, pm, hasAmPm       bool
	hour12                     bool
	loc                        *time.Location
}

// parse reads s with the layout, the way java.time's strict parser does for the letters it
// has: numbers of the field's width (one letter: one or more digits), month and day names
// in English, AM/PM, offsets and zone ids.
func (l dateLayout) parse(s string, zone *time.Location) (time.Time, error) {
	var p parsedDate
	i := 0
	for fi, f := range l {
		if f.letter == 0 {
			if !strings.HasPrefix(s[i:], f.lit) {
				return time.Time{}, fmt.Errorf("expected %q at index %d", f.lit, i)
			}
			i += len(f.lit)
			continue
		}
		// A number followed directly by another number takes exactly its width.
		adjacent := fi+1 < len(l) && l[fi+1].letter != 0 && isNumericField(l[fi+1])
		n, err := p.read(s, i, f, adjacent)
		if err != nil {
			return time.Time{}, err
		}
		i = n
	}
	if i != len(s) {
		return time.Time{}, fmt.Errorf("unparsed text found at index %d", i)
	}
	return p.resolve(zone)
}

func isNumericField(f dateField) bool {
	switch f.letter {
	case 'M', 'L':
		return f.count <= 2
	case 'y', 'u', 'Y', 'd', 'D', 'H', 'h', 'K', 'k', 'm', 's', 'S', 'n':
		return true
	}
	return false
}

// dateDigits reads between least and most digits at i.
func dateDigits(s string, i, least, most int) (int, int, error) {
	j := i
	for j < len(s) && j-i < most && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j-i < least {
		return 0, i, fmt.Errorf("expected %d digits at index %d", least, i)
	}
	v, err := strconv.Atoi(s[i:j])
	if err != nil {
		return 0, i, fmt.Errorf("number out of range at index %d", i)
	}
	return v, j, nil
}

// dateNumber reads a field of count letters: exactly count digits when the field is wider
// than one letter or touches another number, else one or more.
func dateNumber(s string, i, count, most int, adjacent bool) (int, int, error) {
	if count > 1 || adjacent {
		if count == 1 {
			return dateDigits(s, i, 1, 1)
		}
		return dateDigits(s, i, count, count)
	}
	return dateDigits(s, i, 1, most)
}

// dateName reads one of names (case-insensitively, as Kestra's users write them) at i.
func dateName(s string, i int, names []string) (int, int, error) {
	for k, n := range names {
		if len(s)-i >= len(n) && strings.EqualFold(s[i:i+len(n)], n) {
			return k, i + len(n), nil
		}
	}
	return 0, i, fmt.Errorf("expected one of %s at index %d", strings.Join(names, ", "), i)
}

func (p *parsedDate) read(s string, i int, f dateField, adjacent bool) (int, error) {
	var err error
	var v int
	switch f.letter {
	case 'G':
		_, i, err = dateName(s, i, []string{"Anno Domini", "AD"})
	case 'y', 'u', 'Y':
		if f.count == 2 {
			v, i, err = dateDigits(s, i, 2, 2)
			v += 2000
		} else {
			neg := i < len(s) && (s[i] == '-' || s[i] == '+') && f.count > 4
			if neg {
				i++
			}
			least := f.count
			if f.count == 1 {
				least = 1
			}
			most := 10
			if adjacent {
				most = f.count
			}
			v, i, err = dateDigits(s, i, least, most)
			if neg && s[i-1] == '-' {
				v = -v
			}
		}
		p.year, p.hasYear = v, true
	case 'M', 'L':
		switch {
		case f.count == 4:
			v, i, err = dateName(s, i, longMonths)
			v++
		case f.count == 3:
			v, i, err = dateName(s, i, shortMonths)
			v++
		default:
			v, i, err = dateNumber(s, i, f.count, 2, adjacent)
		}
		p.month, p.hasMonth = v, true
	case 'd':
		p.day, i, err = dateNumber(s, i, f.count, 2, adjacent)
		p.hasDay = true
	case 'D':
		p.yearDay, i, err = dateNumber(s, i, f.count, 3, adjacent)
	case 'E':
		if f.count == 4 {
			_, i, err = dateName(s, i, longDays)
		} else {
			_, i, err = dateName(s, i, shortDays)
		}
	case 'a':
		v, i, err = dateName(s, i, []string{"AM", "PM"})
		p.pm, p.hasAmPm = v == 1, true
	case 'H', 'k':
		p.hour, i, err = dateNumber(s, i, f.count, 2, adjacent)
		if f.letter == 'k' && p.hour == 24 {
			p.hour = 0
		}
		p.hasHour = true
	case 'h', 'K':
		p.hour, i, err = dateNumber(s, i, f.count, 2, adjacent)
		if f.letter == 'h' && p.hour == 12 {
			p.hour = 0
		}
		p.hasHour, p.hour12 = true, true
	case 'm':
		p.minute, i, err = dateNumber(s, i, f.count, 2, adjacent)
	case 's':
		p.second, i, err = dateNumber(s, i, f.count, 2, adjacent)
	case 'S':
		j := i
		v, j, err = dateDigits(s, i, f.count, f.count)
		for k := j - i; err == nil && k < 9; k++ {
			v *= 10
		}
		p.nano, i = v, j
	case 'n':
		p.nano, i, err = dateDigits(s, i, 1, 9)
	case 'X', 'x', 'Z', 'O':
		p.loc, i, err = readOffset(s, i, f)
	case 'V', 'z':
		j := i
		for j < len(s) && (s[j] == '/' || s[j] == '_' || s[j] == '+' || s[j] == '-' || s[j] >= '0' && s[j] <= '9' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z') {
			j++
		}
		p.loc, err = loadZone(s[i:j])
		i = j
	default:
		return i, fmt.Errorf("the pattern letter '%c' cannot be read by flowctl yet", f.letter)
	}
	return i, err
}

// readOffset reads Z or an offset such as +02, +0200 or +02:00 (GMT+2 for O).
func readOffset(s string, i int, f dateField) (*time.Location, int, error) {
	if f.letter == 'O' {
		if !strings.HasPrefix(s[i:], "GMT") {
			return nil, i, fmt.Errorf("expected GMT at index %d", i)
		}
		i += 3
		if i == len(s) || (s[i] != '+' && s[i] != '-') {
			return time.UTC, i, nil
		}
	}
	if (f.letter == 'X' || (f.letter == 'Z' && f.count == 5)) && i < len(s) && s[i] == 'Z' {
		return time.UTC, i + 1, nil
	}
	if i >= len(s) || (s[i] != '+' && s[i] != '-') {
		return nil, i, fmt.Errorf("expected an offset at index %d", i)
	}
	sign := 1
	if s[i] == '-' {
		sign = -1
	}
	h, j, err := dateDigits(s, i+1, 1, 2)
	if err != nil {
		return nil, i, err
	}
	m := 0
	if j < len(s) && s[j] == ':' {
		j++
	}
	if mm, k, err := dateDigits(s, j, 2, 2); err == nil {
		m, j = mm, k
	}
	off := sign * (h*3600 + m*60)
	if off == 0 {
		return time.UTC, j, nil
	}
	return time.FixedZone("", off), j, nil
}

// resolve builds the date: with a zone it is zoned, with an hour it is a local date-time in
// zone, else midnight of the date in zone.
func (p *parsedDate) resolve(zone *time.Location) (time.Time, error) {
	if !p.hasYear {
		return time.Time{}, errors.New("the pattern has no year")
	}
	if p.hour12 && p.hasAmPm && p.pm {
		p.hour += 12
	}
	loc := zone
	if p.loc != nil {
		loc = p.loc
	}
	if p.yearDay != 0 && !p.hasMonth {
		t := time.Date(p.year, 1, 1, p.hour, p.minute, p.second, p.nano, loc).AddDate(0, 0, p.yearDay-1)
		return t, nil
	}
	if !p.hasMonth || !p.hasDay {
		return time.Time{}, errors.New("the pattern has no month or no day of the month")
	}
	if p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysInMonth(p.year, time.Month(p.month)) {
		return time.Time{}, fmt.Errorf("invalid date %04d-%02d-%02d", p.year, p.month, p.day)
	}
	if p.hour > 23 || p.minute > 59 || p.second > 59 {
		return time.Time{}, fmt.Errorf("invalid time %02d:%02d:%02d", p.hour, p.minute, p.second)
	}
	return time.Date(p.year, time.Month(p.month), p.day, p.hour, p.minute, p.second, p.nano, loc), nil
}
