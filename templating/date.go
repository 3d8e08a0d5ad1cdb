package templating

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	// Time zones must resolve in a static binary on a host without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// formatDate formats t with format (default "iso") in zone (default local).
func formatDate(t time.Time, format, zone, locale any) (string, error) {
	f, err := stringArg("format", format, "iso")
	if err != nil {
		return "", err
	}
	z, err := stringArg("timeZone", zone, "")
	if err != nil {
		return "", err
	}
	l, err := stringArg("locale", locale, "en")
	if err != nil {
		return "", err
	}
	names, err := namesFor(l)
	if err != nil {
		return "", err
	}
	loc := time.Local
	if z != "" {
		if loc, err = loadZone(z); err != nil {
			return "", err
		}
	}
	layout, err := compileDate(f)
	if err != nil {
		return "", err
	}
	if layout.iso != nil || names.english {
		return layout.format(t.In(loc)), nil
	}
	if err := layout.layout.checkNames(names, l); err != nil {
		return "", err
	}
	return layout.layout.formatNames(t.In(loc), names), nil
}

// toTime reads a date value: a time.Time, an RFC 3339 string (optionally with Java's
// [Zone/Id] suffix, or without seconds), or a number of epoch seconds.
func toTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		s := strings.TrimSpace(x)
		zone := ""
		if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
			s, zone = s[:i], s[i+1:len(s)-1]
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
			if t, err := time.Parse(layout, s); err == nil {
				if zone != "" {
					if loc, err := loadZone(zone); err == nil {
						t = t.In(loc)
					}
				}
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("cannot read %s as a date: expected RFC 3339 such as 2024-01-31T10:00:00Z", describe(x))
	}
	if i, _, isInt, ok := toNumber(v); ok && isInt {
		return time.Unix(i, 0), nil
	}
	return time.Time{}, fmt.Errorf("cannot read %s as a date", describe(v))
}

// loadZone resolves an IANA zone name, UTC/GMT/Z, or a fixed offset such as +02:00.
func loadZone(name string) (*time.Location, error) {
	switch strings.ToUpper(name) {
	case "Z", "UTC", "GMT":
		return time.UTC, nil
	}
	if len(name) >= 3 && (name[0] == '+' || name[0] == '-') {
		if t, err := time.Parse("-07:00", name); err == nil {
			return t.Location(), nil
		}
		if t, err := time.Parse("-0700", name); err == nil {
			return t.Location(), nil
		}
		if t, err := time.Parse("-07", name); err == nil {
			return t.Location(), nil
		}
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", abbreviateText(name, 64))
	}
	zones.Store(name, loc)
	return loc, nil
}

// zones caches the zones loaded by name: time.LoadLocation reads and parses the zone's data
// on every call. Process-wide on purpose, as a memo: a *time.Location is immutable and safe
// to share, a name means the same zone for as long as flowctl runs, and only names that
// exist are kept, so the cache cannot grow past the zone database. An Env lives for one
// task attempt, too short to hold it.
var zones sync.Map

// abbreviateText cuts s to n characters or so for an error message, saying it was cut.
func abbreviateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return prefixRunes(s, n) + "..."
}

// dateLayout is a compiled Java DateTimeFormatter pattern.
type dateLayout []dateField

// dateField is one piece of a pattern: a literal, or a letter repeated count times.
type dateField struct {
	lit    string
	letter byte
	count  int
}

// namedFormats are Kestra's format names; the iso_* ones follow java.time's ISO formatters.
var namedFormats = map[string]string{
	"iso":     "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
	"iso_sec": "yyyy-MM-dd'T'HH:mm:ssXXX",
	"sql":     "yyyy-MM-dd HH:mm:ss.SSSSSS",
	"sql_seq": "yyyy-MM-dd HH:mm:ss",
}

// isoFormats are the java.time.format.DateTimeFormatter.ISO_* constants, which print the
// fraction of a second only as far as it is not zero.
var isoFormats = map[string]func(t time.Time) string{
	"iso_date_time":       func(t time.Time) string { return t.Format("2006-01-02T15:04:05.999999999Z07:00") + zoneSuffix(t) },
	"iso_zoned_date_time": func(t time.Time) string { return t.Format("2006-01-02T15:04:05.999999999Z07:00") + zoneSuffix(t) },
	"iso_offset_date_time": func(t time.Time) string {
		return t.Format("2006-01-02T15:04:05.999999999Z07:00")
	},
	"iso_local_date_time": func(t time.Time) string { return t.Format("2006-01-02T15:04:05.999999999") },
	"iso_date":            func(t time.Time) string { return t.Format("2006-01-02Z07:00") },
	"iso_local_date":      func(t time.Time) string { return t.Format("2006-01-02") },
	"iso_time":            func(t time.Time) string { return t.Format("15:04:05.999999999Z07:00") },
	"iso_local_time":      func(t time.Time) string { return t.Format("15:04:05.999999999") },
	"iso_offset_time":     func(t time.Time) string { return t.Format("15:04:05.999999999Z07:00") },
	"iso_instant":         isoInstant,
	"iso_ordinal_date":    func(t time.Time) string { return t.Format("2006-002Z07:00") },
	"iso_week_date": func(t time.Time) string {
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d-%d", y, w, isoWeekday(t)) + t.Format("Z07:00")
	},
	"rfc_1123_date_time": func(t time.Time) string {
		if _, off := t.Zone(); off == 0 {
			return t.Format("Mon, 2 Jan 2006 15:04:05 GMT")
		}
		return t.Format("Mon, 2 Jan 2006 15:04:05 -0700")
	},
}

// zoneSuffix is the [Region/City] that ISO_DATE_TIME adds when the zone is not a plain offset.
func zoneSuffix(t time.Time) string {
	name := t.Location().String()
	if name == "UTC" || name == "Local" || name == "" || strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") {
		return ""
	}
	return "[" + name + "]"
}

// isoInstant prints UTC with the fraction in groups of three digits, as Java's ISO_INSTANT.
func isoInstant(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	ns := t.Nanosecond()
	switch {
	case ns == 0:
	case ns%1e6 == 0:
		s += fmt.Sprintf(".%03d", ns/1e6)
	case ns%1e3 == 0:
		s += fmt.Sprintf(".%06d", ns/1e3)
	default:
		s += fmt.Sprintf(".%09d", ns)
	}
	return s + "Z"
}

func isoWeekday(t time.Time) int {
	if d := int(t.Weekday()); d != 0 {
		return d
	}
	return 7
}

// compiledDates caches compiled patterns; templates use a handful, rendered many times.
// Process-wide on purpose, as a memo: a pattern always compiles to the same layout, which is
// never changed once stored, and compiledDatesCount bounds the entries.
var compiledDates sync.Map

const maxCompiledDates = 256

// maxDatePattern bounds a date pattern: a real one is a few letters, and a long one would
// be cached and parsed letter by letter.
const maxDatePattern = 1 << 10

var compiledDatesCount struct {
	sync.Mutex
	n int
}

// dateFormatter is a compiled format: a Java pattern, or an ISO constant.
type dateFormatter struct {
	layout dateLayout
	iso    func(time.Time) string
}

func (f *dateFormatter) format(t time.Time) string {
	if f.iso != nil {
		return f.iso(t)
	}
	return f.layout.format(t)
}

// compileDate resolves a format name or compiles a Java pattern.
func compileDate(format string) (*dateFormatter, error) {
	if f, ok := compiledDates.Load(format); ok {
		return f.(*dateFormatter), nil
	}
	f := &dateFormatter{}
	switch strings.ToLower(format) {
	case "full", "long", "medium", "short":
		return nil, fmt.Errorf("the localized date style %q is not supported by flowctl yet: use a pattern such as 'yyyy-MM-dd HH:mm'", format)
	}
	if iso, ok := isoFormats[format]; ok {
		f.iso = iso
	} else {
		pattern := format
		if p, ok := namedFormats[format]; ok {
			pattern = p
		}
		if len(pattern) > maxDatePattern {
			return nil, fmt.Errorf("date pattern of %s: longer than the %s flowctl accepts", sizeText(int64(len(pattern))), sizeText(maxDatePattern))
		}
		layout, err := parsePattern(pattern)
		if err != nil {
			return nil, err
		}
		f.layout = layout
	}
	compiledDatesCount.Lock()
	if compiledDatesCount.n < maxCompiledDates {
		compiledDatesCount.n++
		compiledDates.Store(format, f)
	}
	compiledDatesCount.Unlock()
	return f, nil
}

// maxLetters is how many times each pattern letter may repeat, as java.time allows.
var maxLetters = map[byte]int{
	'G': 5, 'u': 19, 'y': 19, 'Y': 19, 'M': 5, 'L': 5, 'd': 2, 'D': 3, 'Q': 4, 'q': 4, 'w': 2,
	'E': 5, 'a': 1, 'h': 2, 'K': 2, 'k': 2, 'H': 2, 'm': 2, 's': 2, 'S': 9, 'A': 19, 'n': 19,
	'N': 19, 'V': 2, 'z': 4, 'O': 4, 'X': 5, 'x': 5, 'Z': 5,
}

// parsePattern compiles a java.time DateTimeFormatter pattern: letters repeat to choose a
// width or a text form, text between single quotes is literal (” is a quote), [ and ] mark
// optional sections (always printed here), other characters are literal.
func parsePattern(p string) (dateLayout, error) {
	var out dateLayout
	lit := func(s string) {
		if n := len(out); n > 0 && out[n-1].letter == 0 {
			out[n-1].lit += s
			return
		}
		out = append(out, dateField{lit: s})
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(p) {
					return nil, fmt.Errorf("invalid date pattern %q: unterminated quote", p)
				}
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(p[j])
				j++
			}
			if j == i+1 {
				lit("'")
			} else {
				lit(b.String())
			}
			i = j + 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			n := j - i
			limit, ok := maxLetters[c]
			if !ok {
				return nil, fmt.Errorf("invalid date pattern %q: unknown pattern letter '%c'", p, c)
			}
			if c == 'V' && n != 2 {
				return nil, fmt.Errorf("invalid date pattern %q: the zone id is written VV", p)
			}
			if n > limit {
				return nil, fmt.Errorf("invalid date pattern %q: too many pattern letters '%c'", p, c)
			}
			out = append(out, dateField{letter: c, count: n})
			i = j
		case c == '[' || c == ']':
			i++
		case c == '{' || c == '}' || c == '#':
			return nil, fmt.Errorf("invalid date pattern %q: '%c' is reserved", p, c)
		default:
			lit(p[i : i+1])
			i++
		}
	}
	return out, nil
}

var (
	shortMonths = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	longMonths  = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	shortDays   = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	longDays    = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

func (l dateLayout) format(t time.Time) string { return l.formatNames(t, englishNames) }

// formatNames prints t with the names of one locale (checked first by checkNames).
func (l dateLayout) formatNames(t time.Time, names *dateNames) string {
	var b strings.Builder
	for _, f := range l {
		if f.letter == 0 {
			b.WriteString(f.lit)
			continue
		}
		writeField(&b, t, f.letter, f.count, names)
	}
	return b.String()
}

// nameAt is names[i], or "" where a locale has no such names (checkNames refused the
// pattern before).
func nameAt(names []string, i int) string {
	if names == nil {
		return ""
	}
	return names[i]
}

// pad writes v with at least n digits.
func pad(b *strings.Builder, v int64, n int) {
	s := strconv.FormatInt(v, 10)
	neg := v < 0
	if neg {
		s = s[1:]
		b.WriteByte('-')
	}
	for i := len(s); i < n; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// text writes the short (1-3 letters), full (4) or narrow (5) form of a name.
func text(b *strings.Builder, short, long string, n int) {
	switch {
	case n == 4:
		b.WriteString(long)
	case n == 5:
		b.WriteString(firstRune(long))
	default:
		b.WriteString(short)
	}
}

func writeField(b *strings.Builder, t time.Time, c byte, n int, names *dateNames) {
	switch c {
	case 'G':
		text(b, "AD", "Anno Domini", n)
	case 'y', 'u', 'Y':
		y := t.Year()
		if c == 'Y' {
			y, _ = t.ISOWeek()
		}
		if n == 2 {
			pad(b, int64(y%100), 2)
		} else {
			pad(b, int64(y), n)
		}
	case 'M', 'L':
		m := int(t.Month())
		if n >= 3 {
			text(b, nameAt(names.shortMonths, m-1), names.longMonths[m-1], n)
		} else {
			pad(b, int64(m), n)
		}
	case 'd':
		pad(b, int64(t.Day()), n)
	case 'D':
		pad(b, int64(t.YearDay()), n)
	case 'Q', 'q':
		q := (int(t.Month())-1)/3 + 1
		switch n {
		case 3:
			b.WriteString("Q" + strconv.Itoa(q))
		case 4:
			b.WriteString([]string{"1st", "2nd", "3rd", "4th"}[q-1] + " quarter")
		default:
			pad(b, int64(q), n)
		}
	case 'w':
		_, w := t.ISOWeek()
		pad(b, int64(w), n)
	case 'E':
		d := t.Weekday()
		text(b, nameAt(names.shortDays, int(d)), names.longDays[d], n)
	case 'a':
		ampm := englishNames.ampm
		if names.ampm != nil {
			ampm = names.ampm
		}
		if t.Hour() < 12 {
			b.WriteString(ampm[0])
		} else {
			b.WriteString(ampm[1])
		}
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		pad(b, int64(h), n)
	case 'K':
		pad(b, int64(t.Hour()%12), n)
	case 'k':
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		pad(b, int64(h), n)
	case 'H':
		pad(b, int64(t.Hour()), n)
	case 'm':
		pad(b, int64(t.Minute()), n)
	case 's':
		pad(b, int64(t.Second()), n)
	case 'S':
		frac := fmt.Sprintf("%09d", t.Nanosecond())
		b.WriteString(frac[:n])
	case 'A':
		h, m, s := t.Clock()
		pad(b, int64(((h*60+m)*60+s)*1000+t.Nanosecond()/1e6), n)
	case 'n':
		pad(b, int64(t.Nanosecond()), n)
	case 'N':
		h, m, s := t.Clock()
		pad(b, int64((h*60+m)*60+s)*1e9+int64(t.Nanosecond()), n)
	case 'V':
		b.WriteString(zoneID(t))
	case 'z':
		if n == 4 {
			b.WriteString(zoneID(t))
		} else {
			name, _ := t.Zone()
			b.WriteString(name)
		}
	case 'O':
		_, off := t.Zone()
		b.WriteString("GMT")
		if off != 0 {
			if n == 4 {
				b.WriteString(offset(off, true, false))
			} else {
				sign, h, m := splitOffset(off)
				b.WriteString(sign + strconv.Itoa(h))
				if m != 0 {
					b.WriteString(fmt.Sprintf(":%02d", m))
				}
			}
		}
	case 'X', 'x':
		_, off := t.Zone()
		if off == 0 && c == 'X' {
			b.WriteByte('Z')
			return
		}
		switch n {
		case 1:
			sign, h, m := splitOffset(off)
			b.WriteString(fmt.Sprintf("%s%02d", sign, h))
			if m != 0 {
				b.WriteString(fmt.Sprintf("%02d", m))
			}
		case 2, 4:
			b.WriteString(offset(off, false, n == 4))
		default:
			b.WriteString(offset(off, true, n == 5))
		}
	case 'Z':
		_, off := t.Zone()
		switch n {
		case 4:
			b.WriteString("GMT")
			if off != 0 {
				b.WriteString(offset(off, true, false))
			}
		case 5:
			if off == 0 {
				b.WriteByte('Z')
			} else {
				b.WriteString(offset(off, true, true))
			}
		default:
			b.WriteString(offset(off, false, false))
		}
	}
}

// zoneID is the zone's region name when it has one, else its offset.
func zoneID(t time.Time) string {
	name := t.Location().String()
	if name == "Local" || name == "" {
		_, off := t.Zone()
		if off == 0 {
			return "Z"
		}
		return offset(off, true, false)
	}
	return name
}

func splitOffset(off int) (sign string, h, m int) {
	sign = "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return sign, off / 3600, off / 60 % 60
}

// offset writes +HH:MM (colon) or +HHMM, with seconds when withSeconds and they are not zero.
func offset(off int, colon, withSeconds bool) string {
	sign, h, m := splitOffset(off)
	sep := ""
	if colon {
		sep = ":"
	}
	s := fmt.Sprintf("%s%02d%s%02d", sign, h, sep, m)
	if sec := abs(off) % 60; withSeconds && sec != 0 {
		s += fmt.Sprintf("%s%02d", sep, sec)
	}
	return s
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
