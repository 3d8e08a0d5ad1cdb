package units

import "testing"

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 3 << 20: "3 MiB", 8 << 20: "8 MiB", 512 << 10: "512 KiB", 100: "100 bytes", 1<<20 + 1: "1048577 bytes"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d): got %q, want %q", n, got, want)
		}
	}
}
