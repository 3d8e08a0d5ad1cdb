//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package state

import (
	"errors"
	"os"
	"time"
)

var errLockTimeout = errors.New("lock timeout")

// lockFile leaves locking to bbolt (Options.Timeout) where flock is not available.
func lockFile(f *os.File, exclusive bool, timeout time.Duration) error { return nil }

// canReplaceOpenFile is false where a file held open cannot be renamed over, and where the
// lock above is bbolt's alone: PruneExecutions then leaves compaction to an explicit Compact.
const canReplaceOpenFile = false
