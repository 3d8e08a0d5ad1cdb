//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package state

import (
	"context"
	"errors"
	"os"
	"time"
)

var (
	errLockTimeout     = errors.New("lock timeout")
	errLockInterrupted = errors.New("lock wait interrupted")
)

// lockFile leaves locking to bbolt (Options.Timeout) where flock is not available; Store.locked
// still returns at once when the context is done.
func lockFile(ctx context.Context, f *os.File, exclusive bool, timeout time.Duration) error {
	return nil
}

// canReplaceOpenFile is false where a file held open cannot be renamed over, and where the
// lock above is bbolt's alone: PruneExecutions then leaves compaction to an explicit Compact.
const canReplaceOpenFile = false
