package duration

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	good := map[string]time.Duration{
		"PT30S":      30 * time.Second,
		"PT5M":       5 * time.Minute,
		"P1DT2H":     26 * time.Hour,
		"PT0.5S":     500 * time.Millisecond,
		"PT1M30.25S": 90*time.Second + 250*time.Millisecond,
		"P2W":        14 * 24 * time.Hour,
		"pt1h":       time.Hour,
		"-PT1S":      -time.Second,
	}
	for in, want := range good {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q): got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "P", "PT", "30s", "PT5", "P1M", "P1Y", "PT1H1H", "PT1.5M", "PTS", "P1DT", "P1H", "5 minutes"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q): got no error, want one", in)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := map[time.Duration]string{
		0:                             "PT0S",
		1111111 * time.Microsecond:    "PT1.111111S",
		50 * time.Millisecond:         "PT0.05S",
		2*time.Minute + 3*time.Second: "PT2M3S",
		26 * time.Hour:                "PT26H",
	}
	for in, want := range cases {
		if got := Format(in); got != want {
			t.Errorf("Format(%v): got %q, want %q", in, got, want)
		}
	}
	if got, want := FormatClock(time.Hour+2*time.Minute+3*time.Second+45*time.Millisecond), "01:02:03.045"; got != want {
		t.Errorf("FormatClock: got %q, want %q", got, want)
	}
}

func TestParseFlag(t *testing.T) {
	good := map[string]time.Duration{
		"P30D":  30 * 24 * time.Hour,
		"PT10M": 10 * time.Minute,
		"720h":  720 * time.Hour,
		"1m30s": 90 * time.Second,
	}
	for in, want := range good {
		got, err := ParseFlag(in)
		if err != nil || got != want {
			t.Errorf("ParseFlag(%q): got %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"PT0S":    `"PT0S" is not a positive duration`,
		"0s":      `"0s" is not a positive duration`,
		"-PT5M":   `"-PT5M" is not a positive duration`,
		"-5m":     `"-5m" is not a positive duration`,
		"5 hours": `invalid ISO-8601 duration "5 hours": it must start with P (e.g. PT30S, PT5M, P1DT2H)`,
		"P1M":     `invalid ISO-8601 duration "P1M": years and months have no fixed length; use days (P30D) (e.g. PT30S, PT5M, P1DT2H)`,
	}
	for in, want := range bad {
		if _, err := ParseFlag(in); err == nil || err.Error() != want {
			t.Errorf("ParseFlag(%q): got %v, want %s", in, err, want)
		}
	}
}

// TestPatternAgreesWithParse checks the schema's patterns against Parse: signed, unsigned,
// and unsigned with NonZeroPattern (a positive duration) each match exactly what Parse reads
// with that sign, but for units out of their usual order, which the patterns refuse.
func TestPatternAgreesWithParse(t *testing.T) {
	signed := regexp.MustCompile(Pattern(true))
	unsigned := regexp.MustCompile(Pattern(false))
	positive := regexp.MustCompile(NonZeroPattern)
	// The schema asks for the units in their usual order; flowctl takes any order.
	reordered := []string{"PT5S3M", "P1DT5S1H", "P1D2W", "PT5M3H"}
	for _, s := range []string{"PT30S", "PT5M", "P1DT2H", "P2W", "P1W2D", "pt1h", "PT1.5S", "PT0,5S",
		"PT.5S", "PT0S", "-PT5S", "+PT5S", "PT-5S", "P-1DT1H", "P1DT1H1M1.25S", "PT1H30M", "P0D",
		"30s", "PT", "P", "P1Y", "P1M", "PT1.5M", "PT1H1H", "PTS", "PT5", "P1DT", "1PT", "PT5S3M", "P1DT5S1H",
		"PT1e5S", "P1D2W", "PT5M3H"} {
		d, err := Parse(s)
		want := err == nil
		if slices.Contains(reordered, s) {
			want = false
		}
		if got := signed.MatchString(s); got != want {
			t.Errorf("%q: any duration pattern matches: %v, want %v (Parse: %v)", s, got, want, err)
		}
		if got := unsigned.MatchString(s); got != (want && !strings.Contains(s, "-")) {
			t.Errorf("%q: non-negative pattern matches: %v, want %v", s, got, want && d >= 0)
		}
		if got := unsigned.MatchString(s) && positive.MatchString(s); got != (want && d > 0 && !strings.Contains(s, "-")) {
			t.Errorf("%q: positive pattern matches: %v, want %v", s, got, want && d > 0)
		}
	}
}
