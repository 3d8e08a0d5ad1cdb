package tasks

import (
	"time"

	"golang.org/x/sys/unix"
)

// pause sleeps d on the reader's thread: measured with a million-line script, cheaper than
// parking the goroutine on a timer, whose wake-ups cost the scheduler more at this rate.
func pause(d time.Duration) {
	unix.Nanosleep(&unix.Timespec{Nsec: int64(d)}, nil)
}
