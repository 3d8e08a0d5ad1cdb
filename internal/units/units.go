// Package units writes quantities the way people say them. It imports nothing of
// flowctl's, so the state and the tasks share it.
package units

import "fmt"

// Bytes writes a byte count in MiB or KiB when it is a whole number of them, else in bytes:
// 1 MiB, 512 KiB, 300 bytes.
func Bytes[T ~int | ~int64 | ~uint64](n T) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
