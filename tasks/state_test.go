package tasks

import (
	"reflect"
	"testing"
)

// TestMurmur3Hex checks the hash of a task run value against MurmurHash3 x64 128's known
// values (seed 0) and Guava's little-endian hex.
func TestMurmur3Hex(t *testing.T) {
	for _, c := range []struct {
		s      string
		h1, h2 uint64
	}{
		{"", 0, 0},
		{"hello", 0xcbd8a7b341bd9b02, 0x5b1e906a48ae1d19},
		{"hello, world", 0x342fac623a5ebc8e, 0x4cdcbc079642414d},
		{"19 Jan 2038 at 3:14:07 AM", 0xb89e5988b737affc, 0x664fc2950231b2cb},
		{"The quick brown fox jumps over the lazy dog.", 0xcd99481f9ee902c9, 0x695da1a38987b6e7},
	} {
		if h1, h2 := murmur3x64(c.s); h1 != c.h1 || h2 != c.h2 {
			t.Errorf("%q: got %x %x, want %x %x", c.s, h1, h2, c.h1, c.h2)
		}
	}
	if got := murmur3Hex("hello"); got != "029bbd41b3a7d8cb191dae486a901e5b" {
		t.Errorf("hex: %s", got)
	}
}

// TestMergeMaps checks Kestra's MapUtils.merge: mappings merged at any depth, the rest
// replaced.
func TestMergeMaps(t *testing.T) {
	a := map[string]any{"n": 1, "m": map[string]any{"x": 1, "y": 2}, "l": []any{1}}
	b := map[string]any{"m": map[string]any{"y": 3, "z": 4}, "l": []any{2}, "new": "v"}
	want := map[string]any{"n": 1, "m": map[string]any{"x": 1, "y": 3, "z": 4}, "l": []any{2}, "new": "v"}
	if got := mergeMaps(a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if a["m"].(map[string]any)["y"] != 2 {
		t.Error("the state read was changed in place")
	}
	if got := kestraSlug("My_Flow id"); got != "my-flow-id" {
		t.Errorf("slug %q", got)
	}
}
