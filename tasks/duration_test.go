package tasks

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
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
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q): got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "P", "PT", "30s", "PT5", "P1M", "P1Y", "PT1H1H", "PT1.5M", "PTS", "P1DT", "P1H", "5 minutes"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q): got no error, want one", in)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	cases := map[time.Duration]string{
		0:                             "PT0S",
		1111111 * time.Microsecond:    "PT1.111111S",
		50 * time.Millisecond:         "PT0.05S",
		2*time.Minute + 3*time.Second: "PT2M3S",
		26 * time.Hour:                "PT26H",
	}
	for in, want := range cases {
		if got := FormatDuration(in); got != want {
			t.Errorf("FormatDuration(%v): got %q, want %q", in, got, want)
		}
	}
	if got, want := FormatClock(time.Hour+2*time.Minute+3*time.Second+45*time.Millisecond), "01:02:03.045"; got != want {
		t.Errorf("FormatClock: got %q, want %q", got, want)
	}
}
