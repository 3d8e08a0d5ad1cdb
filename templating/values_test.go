package templating

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"
)

func TestTruthy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"false", false},
		{"FALSE", false},
		{"False", false},
		{" false \n", false},
		{"0", false},
		{"-0", false},
		{"", false},
		{"   ", false},
		{"true", true},
		{"1", true},
		{"no", true},
		{"0.0", true},
		{"00", true},
		{"off", true},
		{"falsey", true},
	} {
		if got := Truthy(tc.in); got != tc.want {
			t.Errorf("Truthy(%q): got %v, want %v", tc.in, got, tc.want)
		}
	}
}

type stringer struct{}

func (stringer) String() string { return "from String()" }

func TestToString(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"string", "a b", "a b"},
		{"true", true, "true"},
		{"false", false, "false"},
		{"int", 42, "42"},
		{"int64", int64(-7), "-7"},
		{"int32", int32(5), "5"},
		{"uint64", uint64(math.MaxUint64), "18446744073709551615"},
		// Doubles print as Java's Double.toString, as Kestra's JsonWriter appends them.
		{"integral float", 3.0, "3.0"},
		{"float", 2.5, "2.5"},
		{"small float", 0.000001, "1.0E-6"},
		{"large float", 1e21, "1.0E21"},
		{"below 10^7", 1234567.5, "1234567.5"},
		{"from 10^7", 1e7, "1.0E7"},
		{"negative", -0.25, "-0.25"},
		{"float32", float32(0.1), "0.1"},
		{"json integer", json.Number("12"), "12"},
		{"json number", json.Number("12.50"), "12.5"},
		{"utc time", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05.000000Z"},
		{"time with fraction", time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.UTC), "2026-01-02T03:04:05.120000Z"},
		{"time with offset", time.Date(2026, 1, 2, 3, 4, 5, 0, paris), "2026-01-02T03:04:05.000000+01:00"},
		{"list", []any{1, "a", nil, true}, `[1,"a",null,true]`},
		{"string slice", []string{"a", "b"}, `["a","b"]`},
		{"map sorted", map[string]any{"b": 1, "a": []any{}, "c": map[string]any{"z": 1, "y": 2}}, `{"a":[],"b":1,"c":{"y":2,"z":1}}`},
		{"html kept", map[string]any{"text": "<a|b> & c"}, `{"text":"<a|b> & c"}`},
		{"bytes", []byte("raw"), "raw"},
		{"error", errors.New("boom"), "boom"},
		{"stringer", stringer{}, "from String()"},
		{"not JSON", math.NaN(), "NaN"},
		// Jackson writes a non-finite double as a string.
		{"map of NaN", map[string]any{"x": math.Inf(1)}, `{"x":"Infinity"}`},
		{"list of doubles", []float64{1, 2.5}, "[1.0,2.5]"},
	} {
		if got := ToString(tc.in); got != tc.want {
			t.Errorf("ToString(%s): got %q, want %q", tc.name, got, tc.want)
		}
	}
}
