// Package duration holds flowctl's one definition of an ISO-8601 duration: the parser the
// flow loader, the tasks and the command-line flags use, the printer of the execution
// document, and the regular expression the JSON Schema gives editors, checked against the
// parser by this package's tests.
//
// It imports nothing of flowctl's, so every package may use it: tasks, runner, cmd.
package duration

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Parse reads an ISO-8601 duration as Kestra (java.time.Duration) accepts it:
// PnDTnHnMn.nS, with an optional leading sign; weeks (PnW) are accepted too. Years and months
// are refused because their length is not fixed.
func Parse(s string) (time.Duration, error) {
	orig := s
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("invalid ISO-8601 duration %q: %s (e.g. PT30S, PT5M, P1DT2H)", orig, why)
	}
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if len(s) < 2 || (s[0] != 'P' && s[0] != 'p') {
		return bad("it must start with P")
	}
	s = s[1:]
	var total float64 // seconds
	inTime := false
	seen := ""
	any := false
	for len(s) > 0 {
		if s[0] == 'T' || s[0] == 't' {
			if inTime {
				return bad("T appears twice")
			}
			inTime = true
			s = s[1:]
			if len(s) == 0 {
				return bad("nothing after T")
			}
			continue
		}
		i := 0
		for i < len(s) && (s[i] == '-' || s[i] == '+' || s[i] == '.' || s[i] == ',' || (s[i] >= '0' && s[i] <= '9')) {
			i++
		}
		if i == 0 || i == len(s) {
			return bad("expected a number followed by a unit")
		}
		num, err := strconv.ParseFloat(strings.Replace(s[:i], ",", ".", 1), 64)
		if err != nil {
			return bad("bad number " + strconv.Quote(s[:i]))
		}
		unit := strings.ToUpper(s[i : i+1])
		s = s[i+1:]
		var scale float64
		switch {
		case !inTime && unit == "W":
			scale = 7 * 86400
		case !inTime && unit == "D":
			scale = 86400
		case inTime && unit == "H":
			scale = 3600
		case inTime && unit == "M":
			scale = 60
		case inTime && unit == "S":
			scale = 1
		case !inTime && (unit == "Y" || unit == "M"):
			return bad("years and months have no fixed length; use days (P30D)")
		default:
			return bad("unknown unit " + strconv.Quote(unit))
		}
		key := unit
		if inTime {
			key = "T" + unit
		}
		if strings.Contains(seen, key+";") {
			return bad("unit " + unit + " appears twice")
		}
		seen += key + ";"
		if unit != "S" && num != math.Trunc(num) {
			return bad("only seconds may have a fraction")
		}
		total += num * scale
		any = true
	}
	if !any {
		return bad("no amount given")
	}
	if total > float64(math.MaxInt64)/float64(time.Second) {
		return bad("too long")
	}
	d := time.Duration(math.Round(total * float64(time.Second)))
	if neg {
		d = -d
	}
	return d, nil
}

// Format writes d as ISO-8601 the way java.time.Duration prints it: PT1.111111S, PT2M3S,
// PT26H.
func Format(d time.Duration) string {
	if d == 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("PT")
	neg := d < 0
	if neg {
		d = -d
	}
	sign := ""
	if neg {
		sign = "-"
	}
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	if h > 0 {
		fmt.Fprintf(&b, "%s%dH", sign, h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%s%dM", sign, m)
	}
	if d > 0 {
		sec := d / time.Second
		frac := d % time.Second
		if frac == 0 {
			fmt.Fprintf(&b, "%s%dS", sign, sec)
		} else {
			f := strings.TrimRight(fmt.Sprintf("%09d", int64(frac)), "0")
			fmt.Fprintf(&b, "%s%d.%sS", sign, sec, f)
		}
	}
	return b.String()
}

// Human writes d short and readable: 850µs, 12ms, 1.24s, 2m03s, 1h02m. It is how the
// summary and the notes of the CLI write a duration.
func Human(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// FormatClock writes d as HH:MM:SS.mmm, the form of Kestra's timeout messages.
func FormatClock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// ParseFlag reads a duration given on the command line (run --timeout, executions prune
// --older-than): ISO-8601 as Parse reads it, or Go's form (720h, 10m) that Unix users type.
// It must be positive. A value that is neither form gets Parse's error, which shows the
// ISO-8601 examples.
func ParseFlag(s string) (time.Duration, error) {
	d, err := Parse(s)
	if err != nil {
		var goErr error
		if d, goErr = time.ParseDuration(s); goErr != nil {
			return 0, err
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return d, nil
}

// Pattern is a regular expression, in the syntax both Go and JSON Schema (ECMA-262) read,
// matching what Parse reads with its units in their usual order:
// [-+]P[nW][nD][T[nH][nM][n.nS]], upper or lower case. Signed, each amount may carry a sign
// too; unsigned, only a leading + is allowed, so no match is negative. Parse also takes the
// units in any order: the schema asks editors for the usual one.
func Pattern(signed bool) string {
	sign := ""
	if signed {
		sign = "[-+]?"
	}
	n := sign + `[0-9]+`
	sec := sign + `(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)[Ss]`
	date := `(?:` + n + `[Ww](?:` + n + `[Dd])?|` + n + `[Dd])`
	clock := `[Tt](?:` + n + `[Hh](?:` + n + `[Mm])?(?:` + sec + `)?|` + n + `[Mm](?:` + sec + `)?|` + sec + `)`
	lead := `\+?`
	if signed {
		lead = sign
	}
	return `^` + lead + `[Pp](?:` + date + `(?:` + clock + `)?|` + clock + `)$`
}

// NonZeroPattern, searched in a duration that Pattern(false) matches, tells a positive one
// from zero: some digit other than 0. An amount below a nanosecond (PT0.0000000001S) has one
// yet reads as zero: the loader, which checks the value, refuses it.
const NonZeroPattern = "[1-9]"
