package state

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestResolveIDTakesLastWholeIDsAndUniquePrefixes(t *testing.T) {
	s := newStore(t, Options{})
	if _, err := s.ResolveID("last"); !errors.As(err, new(*NotFoundError)) || err.Error() != "no execution recorded yet" {
		t.Fatalf("last of an empty state: got %v, want no execution recorded yet", err)
	}
	for i, id := range []string{"7abc", "7abd", "9xyz", "9", "Abc1", "Abc2", "Abc3", "Abc4", "Abc5", "Abc6"} {
		if err := s.PutExecution(execRec(id, "dev", "build", "SUCCESS", t0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	// The newest by start date, not by id.
	if err := s.PutExecution(execRec("0first", "dev", "build", "FAILED", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ ref, want, err string }{
		{"last", "0first", ""},
		{"7abc", "7abc", ""},
		{"9x", "9xyz", ""},
		{"9", "9", ""}, // a whole id wins over the longer ids it starts
		{"0", "0first", ""},
		{"7ab", "", `"7ab" starts several execution ids (7abc, 7abd): type more of it`},
		{"Abc", "", `"Abc" starts several execution ids (Abc1, Abc2, Abc3, Abc4, Abc5, ...): type more of it`},
		{"abc", "", `no execution "abc"`}, // ids are case-sensitive
		{"8", "", `no execution "8"`},
		{"", "", `no execution ""`},
	} {
		got, err := s.ResolveID(c.ref)
		if got != c.want || fmt.Sprint(err) != map[bool]string{true: "<nil>", false: c.err}[c.err == ""] {
			t.Errorf("ResolveID(%q) = %q, %v; want %q, %s", c.ref, got, err, c.want, c.err)
		}
	}
}
