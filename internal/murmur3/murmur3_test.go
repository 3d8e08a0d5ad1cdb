package murmur3

import "testing"

// TestHex checks the hash against MurmurHash3 x64 128's known
// values (seed 0) and Guava's little-endian hex.
func TestHex(t *testing.T) {
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
		if h1, h2 := Sum128([]byte(c.s)); h1 != c.h1 || h2 != c.h2 {
			t.Errorf("%q: got %x %x, want %x %x", c.s, h1, h2, c.h1, c.h2)
		}
	}
	if got := Hex("hello"); got != "029bbd41b3a7d8cb191dae486a901e5b" {
		t.Errorf("hex: %s", got)
	}
}

func TestHexIsKestras(t *testing.T) {
	// HashingTest.shouldReturnConsistentHashString.
	if got := Hex("random"); got != "52a21b70c71a4e7819b310ddc9f83874" {
		t.Errorf("got %s, want 52a21b70c71a4e7819b310ddc9f83874", got)
	}
	// A value longer than one 16-byte block and with a tail above 8 bytes.
	if a, b := Hex("a value of thirty-one bytes ..."), Hex("a value of thirty-one bytes .."); a == b || len(a) != 32 {
		t.Errorf("got %s and %s", a, b)
	}
}
