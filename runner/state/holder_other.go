//go:build !linux

package state

import (
	"errors"
	"os"
	"syscall"
)

// Self is the running process as a slot holder.
func Self() Holder { return Holder{PID: os.Getpid()} }

// Alive reports whether a process with h's pid runs. Without Linux's /proc, a pid reused
// by another process after a crash is taken for the holder: its slot is freed when that
// process ends.
func Alive(h Holder) bool {
	err := syscall.Kill(h.PID, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
