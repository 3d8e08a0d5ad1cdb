//go:build !linux

package tasks

import "time"

// pause sleeps d.
func pause(d time.Duration) { time.Sleep(d) }
